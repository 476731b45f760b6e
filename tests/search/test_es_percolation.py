"""Watchlists on Elasticsearch: terms stored as percolator queries through the outbox, listings percolated in one
request per batch, and the answer turned into alerts by ``search.alerts.evaluate``.

No cluster: the client's transport is scripted (``es_transport``) and answers what Elasticsearch documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Listing, WatchAlert, Watchlist
from officers.models import Officer
from outbox.actions import deliver_due
from search import indexing
from search.backends import get_backend
from search.backends.elasticsearch import ElasticsearchBackend
from search.es_documents import watch_query

from .es_transport import Request, bulk_success, install

pytestmark = pytest.mark.django_db


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


@pytest.fixture
def backend(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[ElasticsearchBackend]:
    """The configured backend is Elasticsearch, as the outbox handlers find it through ``get_backend``."""
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    get_backend.cache_clear()
    backend = get_backend()
    assert isinstance(backend, ElasticsearchBackend)
    yield backend
    get_backend.cache_clear()


@pytest.fixture
def watchlist(demo: Any) -> Watchlist:
    return case_actions.create_watchlist(v("inv.ofb"), "Ivoire")


def listings(*texts: str) -> list[Listing]:
    case = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="x", jurisdictions=["FR"]))
    return [case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/{n}", text=text))[0] for n, text in enumerate(texts, start=1)]


def cluster(matches: dict[int, list[int]]) -> Any:
    """Answers of a cluster whose aliases exist, with no rebuild running, whose writes all succeed, and whose
    percolator matches term ``id`` with the documents at the given slots."""

    def reply(request: Request) -> tuple[int, Any]:
        if request.method == "HEAD":  # does the alias exist?
            return (404 if request.path.endswith("-rebuild") else 200), None
        if request.path == "/_bulk":
            return 200, bulk_success(request)
        assert request.path == "/wildnet-watch/_search", request.path
        hits = [{"_index": "wildnet-watch-v1", "_id": str(term), "_score": None, "sort": [term],
                 "fields": {"_percolator_document_slot": slots}} for term, slots in matches.items()]
        return 200, {"took": 1, "timed_out": False, "hits": {"hits": hits}}

    return reply


def test_a_listing_indexed_on_elasticsearch_raises_the_alerts_the_percolator_answers(
        backend: ElasticsearchBackend, watchlist: Watchlist, monkeypatch: pytest.MonkeyPatch) -> None:
    term = case_actions.add_watch_term(v("inv.ofb"), watchlist, "vieil os", "code_word", "fr")
    plain, hit = listings("Statuette ancienne", "Statuette en vieil os #ivoire")
    requests: list[Request] = []
    install(monkeypatch, backend, cluster({term.pk: [1]}), requests)
    indexing.deliver({"type": "listing", "ids": [plain.pk, hit.pk]})
    assert list(WatchAlert.objects.values_list("term_id", "listing_id", "watchlist_id")) == [
        (term.pk, hit.pk, watchlist.pk)]
    (percolate,) = [r for r in requests if r.path.endswith("/_search")]  # one request for the batch
    assert percolate.body["query"]["percolate"]["documents"] == [
        {"title": "", "text": "Statuette ancienne", "hashtags": [], "species_ids": []},
        {"title": "", "text": "Statuette en vieil os #ivoire", "hashtags": ["ivoire"], "species_ids": []}]


def test_a_term_deactivated_since_it_was_stored_raises_no_alert(backend: ElasticsearchBackend,
                                                                watchlist: Watchlist,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    term = case_actions.add_watch_term(v("inv.ofb"), watchlist, "vieil os", "code_word", "fr")
    (listing,) = listings("Statuette en vieil os")
    Watchlist.objects.filter(pk=watchlist.pk).update(is_active=False)  # its outbox row is not delivered yet
    install(monkeypatch, backend, cluster({term.pk: [0]}), [])
    indexing.deliver({"type": "listing", "ids": [listing.pk]})
    assert not WatchAlert.objects.exists()


def test_terms_reach_the_percolator_through_the_outbox_and_leave_it_when_deactivated(
        backend: ElasticsearchBackend, watchlist: Watchlist, monkeypatch: pytest.MonkeyPatch) -> None:
    requests: list[Request] = []
    install(monkeypatch, backend, cluster({}), requests)
    term = case_actions.add_watch_term(v("inv.ofb"), watchlist, "#ivoire", "hashtag", "fr")
    deliver_due()
    (bulk,) = [r for r in requests if r.path == "/_bulk"]
    (action,) = bulk.bulk_actions
    operation, meta, source = action
    assert (operation, meta["_index"], meta["_id"], meta["version_type"]) == (
        "index", "wildnet-watch", str(term.pk), "external")
    assert source == {"query": watch_query(term).to_dict(), "term_id": term.pk, "watchlist_id": watchlist.pk,
                      "agency_id": watchlist.owner_agency_id}
    requests.clear()
    watchlist.is_active = False
    watchlist.save()
    deliver_due()
    (bulk,) = [r for r in requests if r.path == "/_bulk"]
    assert [(op, meta["_index"], meta["_id"]) for op, meta, _ in bulk.bulk_actions] == [
        ("delete", "wildnet-watch", str(term.pk))]

