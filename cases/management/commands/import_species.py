"""``wildnet import_species FILE``: import a CITES checklist / Species+ CSV export (plain or gzipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.species.importer import ImportReport, SpeciesImportError, import_checklist


class Command(BaseCommand):
    help = (
        "Import a CITES checklist / Species+ CSV export, plain or gzip-compressed. Taxa are upserted by "
        "TaxonId, so running it again, or with a newer export, updates rather than duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV export (.csv or .csv.gz; detected by content).")
        parser.add_argument("--limit", type=int, default=None, help="Read at most this many data rows.")
        parser.add_argument("--batch-size", type=int, default=500, help="Taxa written per transaction.")
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (it is also off when stderr is not a TTY)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 0:
            raise CommandError("--limit must not be negative")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            report = import_checklist(
                options["file"],
                limit=options["limit"],
                batch_size=options["batch_size"],
                progress=not options["no_progress"],
            )
        except SpeciesImportError as error:
            raise CommandError(str(error)) from error
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        self.stdout.write(
            f"Read {report.rows_read} rows: {report.created} taxa created, {report.updated} updated, "
            f"{report.names_added} names added, {report.skipped.total()} rows skipped."
        )
        for reason, count in report.skipped.most_common():
            self.stdout.write(f"  skipped {count} × {reason}, e.g.:")
            for example in report.examples[reason]:
                self.stdout.write(f"    {example}")
