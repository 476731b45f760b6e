"""``wildnet import_listings FILE --agency CODE``: import online listings from JSON Lines (plain or gzipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency
from cases.ingest import ImportReport, ListingImportError, import_listings
from cases.models import Case
from officers.models import Officer

#: Above this, one batch's ``IN (…)`` lists could pass SQLite's limit of bound parameters per statement.
MAX_BATCH_SIZE = 5000


class Command(BaseCommand):
    help = (
        "Import online listings from a JSON Lines file, one listing per line (keys: url, platform, title, text, "
        "language, price, currency, seen_at, seller, phones, emails, species). Bad lines are reported with their "
        "line number and skipped whole. Safe to run again: it adds nothing twice. Without --case, the listings "
        "go into the agency's case titled 'Import: <file name>' (or --title), created on the first run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The JSON Lines file (.jsonl or .jsonl.gz; detected by content).")
        parser.add_argument("--agency", required=True, help="Code of the agency that owns the listings.")
        parser.add_argument("--case", help="Reference of an existing case of that agency to import into.")
        parser.add_argument("--title", help="Title of the import case to find or create when --case is not given.")
        parser.add_argument(
            "--officer", help="Username of the officer the import acts as (default: the agency's first active "
                              "supervisor, else investigator, else analyst)."
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Lines written per transaction.")
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (it is also off when stderr is not a TTY)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["batch_size"] <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}")
        if options["case"] and options["title"]:
            raise CommandError("--title names the import case to create; it cannot be used with --case")
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency has the code {options['agency']!r}.")
        case = None
        if options["case"]:
            case = Case.objects.filter(reference=options["case"].strip().upper(), owner_agency=agency).first()
            if case is None:
                raise CommandError(f"{agency.code} has no case {options['case']!r}.")
        officer = None
        if options["officer"]:
            officer = Officer.objects.filter(username=options["officer"], agency=agency, is_active=True).first()
            if officer is None:
                raise CommandError(f"{agency.code} has no active officer {options['officer']!r}.")
        try:
            report = import_listings(
                options["file"], agency, case=case, officer=officer, batch_size=options["batch_size"],
                progress=not options["no_progress"], title=options["title"],
            )
        except ListingImportError as error:
            raise CommandError(str(error)) from error
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        created = " (created)" if report.case_created else ""
        self.stdout.write(
            f"Case {report.case_reference}{created}: read {report.lines_read} lines, imported "
            f"{report.lines_imported}, rejected {report.rejected.total()}.\n"
            f"Listings: {report.listings_created} created, {report.listings_updated} updated. "
            f"Entities: {report.entities_created} created. Claims: {report.claims_created} created."
        )
        for reason, count in report.rejected.most_common():
            self.stdout.write(f"  rejected {count} × {reason}")
        if report.rejections:
            self.stdout.write(f"First {len(report.rejections)} rejected lines:")
            for rejection in report.rejections:
                self.stdout.write(f"  line {rejection.line}: {rejection.reason}: {rejection.detail}")
