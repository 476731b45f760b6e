"""Indexing through the outbox: written with the change, delivered later, retried, never lost.

On the configured backend (the database one, or the real Elasticsearch node in CI's third pass); the tests that
look at the database backend's own rows (``SearchEntry``) run on it whatever the pass.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.ingest import import_listings
from cases.models import Case, Listing, WatchTerm
from officers.models import Officer
from outbox.actions import MAX_ATTEMPTS, deliver_due, retry_dead
from outbox.models import MessageStatus, OutboxMessage
from search.backends import get_backend
from search.backends.base import SearchFilters, SearchQuery
from search.models import SearchEntry
from sharing import actions as sharing_actions

from .contract import World, build_world, viewer


class Boom(Exception):
    pass


def found(text: str) -> set[tuple[str, int]]:
    result = get_backend().search(viewer("inv.ofb"), SearchQuery(text=text, filters=SearchFilters()))
    return {(h.type, h.id) for h in result.hits}


def messages() -> Any:
    return OutboxMessage.objects.filter(topic="search.index")


def watch_messages() -> Any:
    return OutboxMessage.objects.filter(topic="search.watch_terms")


def new_case(title: str) -> Case:
    return case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(title=title, jurisdictions=["FR"]))


def test_a_write_enqueues_indexing_in_its_own_transaction(demo: Any) -> None:
    with pytest.raises(Boom), transaction.atomic():
        new_case("Pangolin scales")
        assert messages().count() == 1
        raise Boom
    assert not messages().exists() and not Case.objects.exists()
    case = new_case("Pangolin scales")
    assert list(messages().values_list("payload", flat=True)) == [{"type": "case", "ids": [case.pk],
                                                                   "delete": False}]


def test_a_watch_term_enqueues_its_percolator_write_in_its_own_transaction(demo: Any) -> None:
    watchlist = case_actions.create_watchlist(viewer("inv.ofb"), "Ivoire")
    with pytest.raises(Boom), transaction.atomic():
        case_actions.add_watch_term(viewer("inv.ofb"), watchlist, "vieil os", "code_word")
        assert watch_messages().count() == 1
        raise Boom
    assert not watch_messages().exists() and not WatchTerm.objects.exists()
    term = case_actions.add_watch_term(viewer("inv.ofb"), watchlist, "vieil os", "code_word")
    assert list(watch_messages().values_list("payload", flat=True)) == [{"ids": [term.pk]}]


def test_deactivating_a_watchlist_or_deleting_a_term_enqueues_the_terms(demo: Any) -> None:
    watchlist = case_actions.create_watchlist(viewer("inv.ofb"), "Ivoire")
    terms = [case_actions.add_watch_term(viewer("inv.ofb"), watchlist, text, "code_word")
             for text in ("vieil os", "or blanc")]
    ids = sorted(t.pk for t in terms)
    watch_messages().delete()
    watchlist.is_active = False
    watchlist.save()
    WatchTerm.objects.get(pk=ids[0]).delete()
    assert list(watch_messages().values_list("payload", flat=True)) == [{"ids": ids}, {"ids": [ids[0]]}]
    deliver_due()  # the database backend keeps no copy of the terms: delivered, nothing to do
    assert set(watch_messages().values_list("status", flat=True)) == {MessageStatus.DONE}


def test_nothing_is_searchable_until_the_backlog_drains(demo: Any) -> None:
    case = new_case("Pangolin scales")
    assert found("pangolin") == set()
    deliver_due()
    assert found("pangolin") == {("case", case.pk)}
    assert messages().get().status == MessageStatus.DONE


def test_a_failing_backend_leaves_the_row_pending_and_a_retry_indexes(demo: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def down(self: Any, doc_type: str, ids: list[int]) -> None:
        raise ConnectionError("search is down")

    case = new_case("Pangolin scales")
    with monkeypatch.context() as patch:
        patch.setattr(type(get_backend()), "index", down)
        deliver_due()
    message = messages().get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "search is down" in message.last_error and found("pangolin") == set()
    messages().update(available_at=timezone.now())
    deliver_due()
    assert messages().get().status == MessageStatus.DONE and found("pangolin") == {("case", case.pk)}


def test_a_poison_row_becomes_a_dead_letter_that_can_be_retried(demo: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    case = new_case("Pangolin scales")
    messages().update(attempts=MAX_ATTEMPTS - 1)
    with monkeypatch.context() as patch:
        patch.setattr(type(get_backend()), "index", lambda *args: (_ for _ in ()).throw(ConnectionError("down")))
        deliver_due()
    assert messages().get().status == MessageStatus.DEAD
    retry_dead()
    deliver_due()
    assert found("pangolin") == {("case", case.pk)}


def test_an_update_reindexes_and_a_delete_leaves_the_index(demo: Any) -> None:
    world: World = build_world()
    deliver_due(limit=10_000)
    listing = Listing.objects.get(pk=world.es.pk)
    listing.title = "Cuernos de rinoceronte"
    listing.save()
    deliver_due()
    assert found("rinoceronte") == {("listing", listing.pk)} and found("colmillos") == set()
    listing.delete()
    deliver_due()
    assert found("rinoceronte") == set()


@pytest.mark.usefixtures("database_search")
def test_the_database_index_updates_its_row_in_place_and_deletes_it(demo: Any) -> None:
    world: World = build_world()
    deliver_due(limit=10_000)
    entry = SearchEntry.objects.get(doc_type="listing", doc_id=world.es.pk).pk
    listing = Listing.objects.get(pk=world.es.pk)
    listing.title = "Cuernos de rinoceronte"
    listing.save()
    deliver_due()
    assert SearchEntry.objects.get(doc_type="listing", doc_id=listing.pk).pk == entry
    listing.delete()
    deliver_due()
    assert not SearchEntry.objects.filter(doc_type="listing", doc_id=listing.pk).exists()


def test_recording_a_listing_writes_one_index_row_and_bulk_ingestion_one_per_batch(demo: Any) -> None:
    """``add_listing`` is indexed by its ``post_save`` alone; ``bulk_create`` and ``bulk_update`` have no
    ``post_save``, so ingestion announces the rows it creates or changes (``listings_written``)."""
    world: World = build_world()
    deliver_due(limit=10_000)
    before = messages().count()
    case_actions.add_listing(viewer("inv.ofb"), world.case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/77",
                                                                        title="Ivoire"))
    assert [m.payload["type"] for m in messages().order_by("pk")[before:]].count("listing") == 1

    ofb = Agency.objects.get(code="fr-ofb")
    advert = {"url": "https://www.leboncoin.fr/ad/88", "title": "Ivoire", "seen_at": "2026-03-01T10:00:00+01:00"}
    import_listings([json.dumps(advert)], ofb)
    created = Listing.objects.get(url=advert["url"])
    [row] = messages().filter(payload__type="listing").order_by("-pk")[:1]
    assert row.payload["ids"] == [created.pk]
    import_listings([json.dumps({**advert, "seen_at": "2026-04-01T10:00:00+01:00"})], ofb)  # seen again: changed
    [row] = messages().filter(payload__type="listing").order_by("-pk")[:1]
    assert row.payload["ids"] == [created.pk] and row.status == MessageStatus.PENDING
    assert found("rinoceronte") == set()


def test_redelivering_a_message_is_harmless(demo: Any) -> None:
    case = new_case("Pangolin scales")
    deliver_due()
    messages().update(status=MessageStatus.PENDING)
    deliver_due()
    result = get_backend().search(viewer("inv.ofb"), SearchQuery(text="pangolin", filters=SearchFilters()))
    assert [(h.type, h.id) for h in result.hits] == [("case", case.pk)] and result.total == 1


def test_rebuild_indexes_everything(demo: Any) -> None:
    world = build_world()
    assert found("ivoire") == set()
    call_command("search_index", "--rebuild", "--quiet-progress")
    assert found("ivoire") == {("case", world.case.pk), ("listing", world.fr.pk)}


@pytest.mark.usefixtures("database_search")
def test_a_database_rebuild_writes_one_row_per_document(demo: Any) -> None:
    build_world()
    call_command("search_index", "--rebuild", "--quiet-progress")
    assert SearchEntry.objects.count() == Case.objects.count() + Listing.objects.count() + 2 + 1


@pytest.mark.django_db
def test_a_share_reindexes_the_access_fields_of_the_case_documents(demo: Any) -> None:
    inv = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    listing, _ = case_actions.add_listing(inv, case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/3",
                                                                               seller="someone"))
    OutboxMessage.objects.all().delete()
    share = sharing_actions.share_case(inv, case, sharing_actions.ShareInput(
        justification="joint", recipient_agency=Agency.objects.get(code="fr-oclaesp")))
    queued = {(m.payload["type"], tuple(m.payload["ids"])) for m in OutboxMessage.objects.filter(topic="search.index")}
    assert ("case", (case.pk,)) in queued and ("listing", (listing.pk,)) in queued
    assert ("entity", (listing.seller_id,)) in queued
    OutboxMessage.objects.all().delete()
    sharing_actions.revoke_share(viewer_for(Officer.objects.get(username="sup.ofb")), share, "done")
    assert OutboxMessage.objects.filter(topic="search.index", payload__type="case").exists()
