"""``wildnet load_species``: load the curated species fixture (idempotent upsert by scientific name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.species.curated import CURATED_FIXTURE, CuratedFixtureError, load_curated


class Command(BaseCommand):
    help = "Load the curated species fixture shipped with WildNet. Safe to run again: it updates in place."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fixture", type=Path, default=CURATED_FIXTURE, help="Another fixture file in the same format."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_curated(options["fixture"])
        except CuratedFixtureError as error:
            raise CommandError("\n".join(error.problems)) from error
        self.stdout.write(
            f"Loaded {report.taxa} taxa: {report.created} created, {report.updated} updated, "
            f"{report.names_added} names added."
        )
