"""Fixtures of the console's tests: the whole demo world (cases, shares, notices), as `make run` loads it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture
def world(db: Any) -> None:
    call_command("load_demo", verbosity=0)
