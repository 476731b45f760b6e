"""``wildnet load_measures [FILE]``: load a catalogue of CITES model measures (default: the 2024-11 edition)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.measures.catalogue import CURRENT, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = ("Load a catalogue of CITES model measures from its JSON file. Idempotent: measures are upserted by "
            "(version, code); another version is added beside the earlier ones, which are kept.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, default=CURRENT,
                            help="A wildnet.model-measures/1 JSON file (default: the bundled 2024-11 catalogue).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalogue(options["file"])
        except CatalogueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Catalogue {report.version}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."))
