"""The evidence storage is full or read-only during an upload: a typed error, no row, no file.

"Full" is a real tmpfs of a few kilobytes filled to the last byte, "read-only" a read-only bind mount of the
media folder (``filesystems``): Django's own ``FileSystemStorage`` writes into them and the kernel refuses. Once
space is freed or the folder is writable again the same upload succeeds.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from graphql_relay import to_global_id

from audit.models import AuditEvent, Outcome
from cases.models import Case, Evidence
from tests.cases.test_evidence import ATTACH, PNG, an_hour_ago, stored_files

from .filesystems import read_only, tiny_filesystem

pytestmark = pytest.mark.django_db

CONTENT = PNG + bytes(40_000)  # a screenshot of 40 kB


def upload(client: Client, case: Case) -> dict[str, Any]:
    operations = {"query": ATTACH, "variables": {"caseId": to_global_id("Case", case.pk), "file": None,
                                                 "method": "SCREENSHOT", "at": an_hour_ago()}}
    response = client.post("/graphql/", data={
        "operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]}),
        "0": SimpleUploadedFile("advert.png", CONTENT, content_type="image/png")})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]["attachEvidence"]  # type: ignore[no-any-return]


@contextlib.contextmanager
def filled(folder: Path) -> Iterator[None]:
    """Fill the filesystem of ``folder`` to the last byte; free the space when the block ends."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        for size in (4096, 1):
            while handle.write(bytes(size)):
                pass
    try:
        yield
    finally:
        filler.unlink()


def assert_refused_cleanly(result: dict[str, Any], media: Path) -> None:
    assert result["evidence"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("STORAGE_UNAVAILABLE", "file")]
    assert not Evidence.objects.exists()
    assert [path for path in stored_files(media) if path.name != "filler"] == []
    assert AuditEvent.objects.filter(action="evidence.attach", outcome=Outcome.FAILED).exists()


def test_full_evidence_storage_refuses_the_upload_then_takes_it_once_space_is_freed(
        gql: Any, make_case: Any, settings: Any, tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "media", size_kb=256) as media:
        settings.MEDIA_ROOT = str(media)
        case, client = make_case(), gql.login("inv.ofb").client
        with filled(media):
            assert shutil.disk_usage(media).free < 4096
            assert_refused_cleanly(upload(client, case), media)
        stored = upload(client, case)
        assert stored["errors"] == [] and stored["evidence"]["size"] == len(CONTENT)
        assert len(stored_files(media)) == 1 and Evidence.objects.count() == 1


def test_read_only_evidence_storage_refuses_the_upload_then_takes_it_once_writable(
        gql: Any, make_case: Any, settings: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    settings.MEDIA_ROOT = str(media)
    case, client = make_case(), gql.login("inv.ofb").client
    with read_only(media):
        assert_refused_cleanly(upload(client, case), media)
    stored = upload(client, case)
    assert stored["errors"] == [] and stored["evidence"]["size"] == len(CONTENT)
    assert len(stored_files(media)) == 1 and Evidence.objects.count() == 1
