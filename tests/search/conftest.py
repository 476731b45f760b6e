from __future__ import annotations

from typing import Any

import pytest

from outbox.actions import deliver_due

from .contract import World, build_world


@pytest.fixture
def indexed(demo: Any) -> World:
    """The contract's world, indexed by draining the outbox as the worker would."""
    world = build_world()
    deliver_due(limit=10_000)
    return world
