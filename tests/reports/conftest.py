"""Fixtures of the spotters' reports tests: the demo officers, a programme coordinator, a media folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from officers.models import Officer, Role

#: A 1×1 PNG's signature and header, then filler: what the type detection reads.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(range(256))

SUBMIT = """mutation($input: SubmitReportInput!) { submitReport(input: $input) {
  report { id url urlAsGiven description speciesSuggested seenAt language status reason createdAt
           platform { code } species { scientificName } history { status reason changedAt }
           screenshots { originalName sha256 size contentType } }
  errors { code field message } } }"""


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def coordinator(demo: Any) -> Officer:
    """IFAW's programme coordinator: the NGO's agency administrator."""
    return Officer.objects.get(username="coord.ifaw", role=Role.AGENCY_ADMIN, agency__code="ngo-ifaw")


@pytest.fixture
def other_spotter(demo: Any) -> Officer:
    return Officer.objects.get(username="spotter2.ifaw", role=Role.TRUSTED_REPORTER, agency__code="ngo-ifaw")


def report_input(**changes: Any) -> dict[str, Any]:
    return {"url": "https://es.wallapop.com/item/loro-gris-88123?utm_source=app#fotos",
            "description": "Loro gris joven sin papeles.", "seenAt": "2026-01-10T09:30:00+01:00",
            "speciesSuggested": "psitacus eritacus", "language": "es", **changes}


def submit(client: Client, files: list[tuple[str, bytes]] | None = None, **changes: Any) -> dict[str, Any]:
    """Post ``submitReport`` as a GraphQL multipart request, one part per screenshot."""
    files = files or []
    variables = {"input": report_input(**changes, screenshots=[None] * len(files))}
    data: dict[str, Any] = {
        "operations": json.dumps({"query": SUBMIT, "variables": variables}),
        "map": json.dumps({str(i): [f"variables.input.screenshots.{i}"] for i in range(len(files))}),
    }
    for i, (name, content) in enumerate(files):
        data[str(i)] = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post("/graphql/", data=data)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]["submitReport"]  # type: ignore[no-any-return]
