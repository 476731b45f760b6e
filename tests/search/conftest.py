"""Search fixtures. The search tests run on whichever backend ``SEARCH_BACKEND`` names: the database one in the
first two CI passes, a real Elasticsearch node (``make elasticsearch``) in the third.

On Elasticsearch each test writes under an index prefix of its own, created on first write by the production
code and deleted afterwards, so tests never see each other's documents; the test profile makes every bulk write
searchable at once (``ELASTICSEARCH_REFRESH``), as a test reads right after it writes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from outbox.actions import deliver_due
from search.backends import get_backend
from search.backends.elasticsearch import ElasticsearchBackend

from .contract import World, build_world

ELASTICSEARCH = os.environ.get("SEARCH_BACKEND") == "elasticsearch"


def delete_indices(client: Any, prefix: str) -> None:
    """Every index under ``prefix``, named one by one (wildcard deletes are refused by default)."""
    created = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True))
    if created:
        client.indices.delete(index=",".join(created), ignore_unavailable=True)


@pytest.fixture(autouse=True)
def search_indices(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """On Elasticsearch: a fresh index prefix for this test, and its indices deleted after it."""
    if not ELASTICSEARCH and "elasticsearch" not in request.fixturenames:
        yield
        return
    prefix = f"wildnet-test-{uuid.uuid4().hex[:12]}"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    yield
    if os.environ.get("ELASTICSEARCH_URL"):
        delete_indices(_backend().client, prefix)


def _backend() -> ElasticsearchBackend:
    backend = get_backend("elasticsearch")
    assert isinstance(backend, ElasticsearchBackend)
    return backend


@pytest.fixture
def elasticsearch(db: Any, settings: Any) -> ElasticsearchBackend:
    """The real node ``ELASTICSEARCH_URL`` names (``make elasticsearch``), as the configured backend.

    Skipped without ``ELASTICSEARCH_URL``; CI's third pass sets it, and a node that does not answer then fails
    the test rather than skipping it.
    """
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set: this test needs a real Elasticsearch node (make elasticsearch)")
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = url
    return _backend()


@pytest.fixture
def database_search(settings: Any) -> None:
    """Tests of the database backend itself: the outbox indexes into the database whatever the pass."""
    settings.SEARCH_BACKEND = "database"


@pytest.fixture
def indexed(demo: Any) -> World:
    """The contract's world, indexed by draining the outbox as the worker would."""
    world = build_world()
    deliver_due(limit=10_000)
    return world
