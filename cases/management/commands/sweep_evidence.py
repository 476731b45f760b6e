"""``wildnet sweep_evidence``: delete files of the evidence storage that no evidence row refers to."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.evidence import ORPHAN_GRACE, orphan_files, sweep_orphan_files


class Command(BaseCommand):
    help = ("Delete files of the evidence storage that no evidence row refers to and that are older than the "
            "grace period (an upload that crashed or failed half-way); each deletion is audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grace-hours", type=float, default=ORPHAN_GRACE.total_seconds() / 3600,
                            help="Keep orphans younger than this many hours (an upload may be in progress).")
        parser.add_argument("--dry-run", action="store_true", help="List the orphans, delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        grace = datetime.timedelta(hours=options["grace_hours"])
        if options["dry_run"]:
            names = orphan_files(grace)
            self.stdout.write("\n".join([*names, f"{len(names)} orphan files (dry run: nothing deleted)."]))
            return
        names = sweep_orphan_files(grace)
        self.stdout.write("\n".join([*names, self.style.SUCCESS(f"{len(names)} orphan files deleted.")]))
