"""The orphan sweep deletes evidence files that no row refers to, once they are past the grace period."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from cases.evidence import ORPHAN_GRACE, orphan_files, sweep_orphan_files
from cases.tasks import sweep_orphan_evidence
from tests.cases.test_evidence import attach, media, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["media"]


def orphan(media: Path, name: str, age: datetime.timedelta) -> Path:
    """A file as a crashed upload leaves it: in the evidence folder, with no row, written ``age`` ago."""
    path = media / "evidence" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial upload")
    stamp = (timezone.now() - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_an_old_orphan_is_deleted_and_audited_while_evidence_and_recent_files_stay(
        make_case: Any, media: Path) -> None:
    evidence = attach(make_case())
    kept = media / (evidence.file.name or "")
    os.utime(kept, (0, 0))  # old, but it has its row
    old = orphan(media, "7/0123456789abcdef0123456789abcdef", ORPHAN_GRACE + datetime.timedelta(minutes=1))
    recent = orphan(media, "7/fedcba9876543210fedcba9876543210", datetime.timedelta(minutes=5))

    assert sweep_orphan_files() == ["evidence/7/0123456789abcdef0123456789abcdef"]
    assert not old.exists() and recent.exists() and kept.exists()
    event = AuditEvent.objects.get(action="evidence.orphan_deleted")
    assert (event.actor_username, event.object_id) == ("system", "evidence/7/0123456789abcdef0123456789abcdef")
    assert event.details["size"] == len(b"partial upload")
    assert sweep_orphan_files() == []  # nothing left to do: the sweep is idempotent


def test_the_periodic_task_sweeps(media: Path) -> None:
    orphan(media, "3/aa", ORPHAN_GRACE * 2)
    assert sweep_orphan_evidence() == 1
    assert stored_files(media) == []


def test_the_command_lists_in_a_dry_run_and_deletes_otherwise(media: Path, capsys: Any) -> None:
    path = orphan(media, "3/bb", datetime.timedelta(hours=2))
    call_command("sweep_evidence", "--dry-run", "--grace-hours", "1")
    assert "evidence/3/bb" in capsys.readouterr().out and path.exists()
    assert not AuditEvent.objects.filter(action="evidence.orphan_deleted").exists()
    call_command("sweep_evidence")  # the default grace (a day) protects it
    assert path.exists()
    call_command("sweep_evidence", "--grace-hours", "1")
    assert "1 orphan files deleted" in capsys.readouterr().out and not path.exists()


def test_an_empty_storage_has_no_orphans(media: Path) -> None:
    assert orphan_files() == []
