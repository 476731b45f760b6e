"""Keeping the search index in step with the database through the outbox (STYLE rule 6).

Every create, update or delete of an indexed row writes an outbox row ``search.index`` in the same transaction
as the change (``post_save``/``post_delete`` run inside the caller's transaction), so an update is never lost when
the search engine or the worker is down: the row waits, is retried with backoff, and ends as a visible,
retryable dead letter if it keeps failing. The payload carries ids, never instances, and the handler re-reads
the rows, so delivering it twice, or late, indexes the current state.

Watchlists ride the same outbox under ``search.watch_terms``: saving or deleting a watch term, and saving its
watchlist (which may deactivate it), enqueue the term ids, delivered through ``SearchBackend.index_watch_terms``
(Elasticsearch stores each term as a percolator query; the database backend keeps no copy and does nothing).
Indexing listings then raises the alerts they trigger (``search.alerts.evaluate``).

Documents also carry the kind of their platforms (``platform_kinds``), which lives on the platform's agency row: a
platform whose kind changes sends ``search.platform_kind`` with its id, and the handler re-indexes the cases,
listings and entities of that platform as they are when it runs.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_init, post_save

from agencies.models import Agency
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing, Watchlist, WatchTerm
from cases.signals import case_access_changed, listings_written
from outbox.actions import enqueue, handler
from sharing.models import Release, Share

from . import alerts
from .backends import get_backend
from .backends.base import DOCUMENT_TYPES

TOPIC = "search.index"
WATCH_TOPIC = "search.watch_terms"
PLATFORM_TOPIC = "search.platform_kind"
#: Rows re-indexed at a time when a platform's kind changes.
PLATFORM_BATCH = 1000

#: The document type each model change re-indexes, and the id of that document in the changed row.
TRACKED: dict[type[models.Model], tuple[str, str]] = {
    Case: ("case", "pk"),
    Listing: ("listing", "pk"),
    Entity: ("entity", "pk"),
    CaseEntity: ("entity", "entity_id"),  # a new claim changes who can find the entity
    IntelReport: ("report", "pk"),
}


def enqueue_index(doc_type: str, ids: list[int], delete: bool = False) -> None:
    """Ask for these documents to be (re)indexed or deleted once the current transaction commits."""
    if ids:
        enqueue(TOPIC, {"type": doc_type, "ids": sorted(set(ids)), "delete": delete})


@handler(TOPIC)
def deliver(payload: dict[str, Any]) -> None:
    """Index or delete by id. ``index`` also deletes ids whose rows are gone, so a stale payload is harmless."""
    doc_type, ids = payload["type"], [int(i) for i in payload["ids"]]
    if doc_type not in DOCUMENT_TYPES:
        raise ValueError(f"unknown search document type {doc_type!r}")
    backend = get_backend()
    if payload.get("delete"):
        backend.delete(doc_type, ids)
    else:
        backend.index(doc_type, ids)
        if doc_type == "listing":
            alerts.evaluate(ids, backend)


def enqueue_watch_terms(term_ids: list[int]) -> None:
    """Ask for these terms' stored queries to follow the database once the current transaction commits."""
    if term_ids:
        enqueue(WATCH_TOPIC, {"ids": sorted(set(term_ids))})


@handler(WATCH_TOPIC)
def deliver_watch_terms(payload: dict[str, Any]) -> None:
    """Store or remove the terms' queries by id; the backend re-reads the rows, so a stale payload is harmless."""
    get_backend().index_watch_terms([int(i) for i in payload["ids"]])


def _saved(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures: the rebuild after the load indexes everything at once
        return
    doc_type, attname = TRACKED[sender]
    enqueue_index(doc_type, [getattr(instance, attname)])


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    doc_type, attname = TRACKED[sender]
    # A deleted claim does not delete its entity: re-indexing it lets the index follow what remains.
    enqueue_index(doc_type, [getattr(instance, attname)], delete=sender is not CaseEntity)


def _listings_written(sender: Any, listing_ids: list[int], **kwargs: Any) -> None:
    """Bulk ingestion creates and updates listings without ``save()``; it announces them instead (a listing
    saved one by one is indexed by ``post_save`` alone: one outbox row, not two)."""
    enqueue_index("listing", listing_ids)


def _access_changed(sender: Any, instance: Share, raw: bool = False, **kwargs: Any) -> None:
    """A share granted, approved, revoked or tidied changes who may find the case's documents: their access
    fields are re-indexed. Mandates need no re-index (queries read the viewer's mandates in force), and until this
    row is delivered every backend still applies the current policy to what it returns (no stale grant)."""
    if not raw:
        _case_changed(sender, instance.case_id)


def _release_changed(sender: Any, instance: Release, raw: bool = False, **kwargs: Any) -> None:
    """An H2 item released for a share, or withheld again: its document's access fields follow."""
    if raw:
        return
    if instance.report_id is not None:
        enqueue_index("report", [instance.report_id])
    elif instance.claim_id is not None:
        enqueue_index("entity", list(CaseEntity.objects.filter(pk=instance.claim_id).values_list("entity_id",
                                                                                                  flat=True)))


def _case_changed(sender: Any, case_id: int, **kwargs: Any) -> None:
    """Everything inside a case carries the case's access fields: all of it is re-indexed."""
    enqueue_index("case", [case_id])
    enqueue_index("listing", list(Listing.objects.filter(case_id=case_id).values_list("pk", flat=True)))
    enqueue_index("report", list(IntelReport.objects.filter(case_id=case_id).values_list("pk", flat=True)))
    enqueue_index("entity", list(CaseEntity.objects.filter(case_id=case_id).values_list("entity_id", flat=True)))


def _remember_kind(sender: Any, instance: Agency, **kwargs: Any) -> None:
    """The kind an agency row was read with, so that saving it can tell whether the kind changed (no query)."""
    instance._indexed_platform_kind = instance.__dict__.get("platform_kind")  # type: ignore[attr-defined]


def _agency_saved(sender: Any, instance: Agency, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A platform's kind changed: the documents that carry it follow. A new agency has no documents yet."""
    before = getattr(instance, "_indexed_platform_kind", None)
    instance._indexed_platform_kind = instance.platform_kind  # type: ignore[attr-defined]
    if not raw and not created and before is not None and before != instance.platform_kind:
        enqueue(PLATFORM_TOPIC, {"agency_id": instance.pk})


@handler(PLATFORM_TOPIC)
def deliver_platform_kind(payload: dict[str, Any]) -> None:
    """Re-index what names the platform: its listings and accounts, and the cases that list it."""
    agency_id = int(payload["agency_id"])
    backend = get_backend()
    rows = {"listing": Listing.objects.filter(platform_id=agency_id),
            "entity": Entity.objects.filter(platform_id=agency_id),
            "case": Case.objects.filter(platforms=agency_id)}
    for doc_type, queryset in rows.items():
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), PLATFORM_BATCH):
            backend.index(doc_type, ids[start:start + PLATFORM_BATCH])


def _term_changed(sender: Any, instance: WatchTerm, raw: bool = False, **kwargs: Any) -> None:
    """A term saved or deleted (a watchlist's deletion deletes its terms one by one, each sending this)."""
    if not raw:
        enqueue_watch_terms([instance.pk])


def _watchlist_saved(sender: Any, instance: Watchlist, raw: bool = False, **kwargs: Any) -> None:
    """A watchlist saved may have been deactivated or reactivated: its terms' queries follow."""
    if not raw:
        enqueue_watch_terms(list(instance.terms.values_list("pk", flat=True)))


def connect() -> None:
    post_save.connect(_access_changed, sender=Share, dispatch_uid="search-index-share")
    post_save.connect(_release_changed, sender=Release, dispatch_uid="search-index-release-save")
    post_delete.connect(_release_changed, sender=Release, dispatch_uid="search-index-release-delete")
    case_access_changed.connect(_case_changed, dispatch_uid="search-index-case-access")
    for model in TRACKED:
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-index-save-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-index-delete-{model.__name__}")
    listings_written.connect(_listings_written, dispatch_uid="search-index-listings-written")
    post_save.connect(_term_changed, sender=WatchTerm, dispatch_uid="search-watch-term-save")
    post_delete.connect(_term_changed, sender=WatchTerm, dispatch_uid="search-watch-term-delete")
    post_save.connect(_watchlist_saved, sender=Watchlist, dispatch_uid="search-watchlist-save")
    post_init.connect(_remember_kind, sender=Agency, dispatch_uid="search-agency-kind-read")
    post_save.connect(_agency_saved, sender=Agency, dispatch_uid="search-agency-kind-saved")
