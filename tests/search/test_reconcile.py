"""``wildnet reconcile_search`` on the database backend (whatever the pass): drift is found, reported, and repaired.
Elasticsearch's: ``test_es_node.py``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from access.policy import viewer_for
from cases.models import Listing
from officers.models import Officer
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.models import SearchEntry

from .contract import World

pytestmark = pytest.mark.usefixtures("database_search")


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_search", *args, "--type", "listing", stdout=out)
    return out.getvalue().strip()


def found(text: str) -> set[int]:
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    result = DatabaseBackend().search(viewer, SearchQuery(text=text, first=100))
    return {hit.id for hit in result.hits if hit.type == "listing"}


def test_drift_is_reported_then_repaired(indexed: World, settings: Any) -> None:
    settings.SEARCH_BACKEND = "database"
    SearchEntry.objects.filter(doc_type="listing", doc_id=indexed.fr.pk).delete()  # a lost write
    Listing.objects.filter(pk=indexed.es.pk).update(title="Colmillos de rinoceronte")  # a change with no outbox row
    SearchEntry.objects.create(doc_type="listing", doc_id=10**9, body="ghost")  # a row deleted behind its back
    assert found("ivoire") == set()
    assert found("rinoceronte") == set()

    assert reconcile("--dry-run") == "listing: 1 missing, 1 stale, 1 extra (would repair)"
    assert SearchEntry.objects.filter(doc_type="listing", doc_id=10**9).exists()  # a dry run changes nothing

    assert reconcile() == "listing: 1 missing, 1 stale, 1 extra (repaired)"
    assert found("ivoire") == {indexed.fr.pk}
    assert found("rinoceronte") == {indexed.es.pk}
    assert not SearchEntry.objects.filter(doc_id=10**9).exists()
    assert reconcile() == "listing: 0 missing, 0 stale, 0 extra (repaired)"


def test_a_rebuild_drops_entries_whose_row_is_gone(indexed: World) -> None:
    SearchEntry.objects.create(doc_type="listing", doc_id=10**9, body="ghost")
    SearchEntry.objects.filter(doc_type="listing", doc_id=indexed.fr.pk).delete()
    DatabaseBackend().rebuild()
    assert not SearchEntry.objects.filter(doc_id=10**9).exists()
    assert found("ghost") == set()
    assert found("ivoire") == {indexed.fr.pk}
