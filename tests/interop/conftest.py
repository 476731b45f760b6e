"""The demo world with its cases and shares, as ``wildnet load_demo`` makes it."""

from __future__ import annotations

from typing import Any

import pytest

from access.policy import Viewer, viewer_for
from officers.models import Officer


def viewer(username: str, purpose: str | None = "investigation") -> Viewer:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose=purpose)


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
