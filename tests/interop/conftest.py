"""Fixtures of the interop tests: officers as viewers, the published-format fixtures, row counts, the demo world
with its cases and shares, and OASIS's validator with the warnings reviewed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from access.policy import Viewer, viewer_for
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing
from interop.models import ImportedObject, ImportRun
from officers.models import Officer

FIXTURES = Path(__file__).parent / "fixtures"
INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}


def viewer(username: str, purpose: str | None = "investigation") -> Viewer:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose=purpose)


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


@pytest.fixture
def world(demo: Any, settings: Any, tmp_path: Any) -> dict[str, int]:
    """Agencies, officers and mandates (``demo``), the curated species, the demo cases and the demo shares:
    OFB's ivory case is shared with OCLAESP (investigation, may contribute)."""
    from cases.species.curated import load_curated
    from wildnet import demo_cases, demo_sharing

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_curated()
    counts = {"cases": demo_cases.load_cases()}
    counts.update(demo_sharing.load_sharing())
    return counts


#: Warnings the validator gives on purpose, reviewed:
#: 103 — ids are UUIDv5 (deterministic, so a re-export updates the receiver's objects) where the validator
#:       prefers UUIDv4 for objects other than STIX's own observables;
#: 244 — a user account's ``account_type`` is the platform's WildNet code (pf-leboncoin), outside the
#:       account-type-ov vocabulary, which names only a few platforms.
ALLOWED_WARNINGS = {"103", "244"}


def valid(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle, after OASIS's validator found no error and only the reviewed warnings."""
    results = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert not results.errors, [str(e) for e in results.errors]
    codes = {match.group(1) for w in results.warnings or [] for match in [re.search(r"\{(\d+)\}", str(w))] if match}
    assert codes <= ALLOWED_WARNINGS, [str(w) for w in results.warnings]
    assert results.is_valid
    return bundle
