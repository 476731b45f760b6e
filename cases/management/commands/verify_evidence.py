"""``wildnet verify_evidence``: re-hash stored evidence files and record each result in their custody chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.evidence import verify
from cases.models import Case, Evidence


class Command(BaseCommand):
    help = ("Re-hash every evidence file (or one case's) against the hash taken at capture, record the result "
            "in each file's chain of custody, and exit non-zero listing any file that is missing or changed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", metavar="REFERENCE", help="Only the evidence of this case.")

    def handle(self, *args: Any, **options: Any) -> None:
        evidence = Evidence.objects.select_related("case").order_by("pk")
        if options["case"]:
            if not Case.objects.filter(reference=options["case"]).exists():
                raise CommandError(f"No case {options['case']}.")
            evidence = evidence.filter(case__reference=options["case"])
        checked = 0
        failed: list[str] = []
        for item in evidence.iterator():
            checked += 1
            if not verify(item):
                failed.append(f"{item.case.reference} evidence {item.pk} ({item.original_name}, sha256 {item.sha256})")
        if failed:
            raise CommandError(f"{len(failed)} of {checked} evidence files failed verification:\n"
                               + "\n".join(failed))
        self.stdout.write(self.style.SUCCESS(f"{checked} evidence files verified intact."))
