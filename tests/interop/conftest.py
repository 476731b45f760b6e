"""Fixtures of the interop tests: officers as viewers, the published-format fixtures, row counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from access.policy import Viewer, viewer_for
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing
from interop.models import ImportedObject, ImportRun
from officers.models import Officer

FIXTURES = Path(__file__).parent / "fixtures"
INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}


def viewer(username: str, purpose: str | None = "investigation") -> Viewer:
    return viewer_for(Officer.objects.get(username=username), purpose=purpose)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


def rows() -> dict[str, int]:
    """How many rows of everything an import may write: compared before and after a refused import."""
    return {model.__name__: model.objects.count()
            for model in (Case, Listing, Entity, CaseEntity, IntelReport, ImportedObject, ImportRun)}


@pytest.fixture
def bundle() -> dict[str, Any]:
    return fixture_json("opencti_bundle.json")
