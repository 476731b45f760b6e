"""Hashing, sealing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .models import AuditEvent, ChainHead, ChainLink, PendingSeal

GENESIS = "0" * 64
SEAL_BATCH = 1000


def _mac(message: str) -> str:
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def content_hash(event: AuditEvent) -> str:
    return _mac(json.dumps(event.canonical(), sort_keys=True, separators=(",", ":"), default=str))


def link_hash(previous: str, seq: int, content: str) -> str:
    return _mac(f"{previous}:{seq}:{content}")


def seal(batch: int = SEAL_BATCH, wait: bool = False) -> int:
    """Chain every committed, unsealed event; returns how many were sealed.

    Events are sealed in id order within a batch; an event whose transaction commits late simply lands in a
    later batch with a higher sequence number, so the chain never needs to be rewritten. A batch is six
    statements whatever its size (lock the head, read the pending ids, then their events, append their links,
    drop their pending rows, move the head); nothing is updated in the events themselves. With ``wait=False``
    a caller that finds another sealer at work returns at once: that sealer, or the periodic task, will seal
    what is left.
    """
    total = 0
    while True:
        with transaction.atomic():
            head = ChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
            if head is None:
                if ChainHead.objects.filter(pk=1).exists():
                    return total  # another sealer holds the head
                head, _ = ChainHead.objects.get_or_create(pk=1)
            # The small pending table first, then those events by primary key: finding them never scans the
            # history, whatever the planner believes of a table that empties and fills all day.
            ids = list(PendingSeal.objects.order_by("event_id").values_list("event_id", flat=True)[:batch])
            if not ids:
                return total
            pending = list(AuditEvent.objects.filter(pk__in=ids).order_by("id").values_list("id", "content_hash"))
            seq, previous = head.last_seq, head.last_hash or GENESIS
            links = []
            for event_id, digest in pending:
                seq += 1
                previous = link_hash(previous, seq, digest)
                links.append(ChainLink(seq=seq, event_id=event_id, chain_hash=previous))
            ChainLink.objects.bulk_create(links)
            PendingSeal.objects.filter(event_id__in=ids).delete()
            ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=previous)
            total += len(pending)
        if len(ids) < batch:
            return total


@dataclass(frozen=True)
class Break:
    event_id: int | None
    seq: int | None
    reason: str


def verify(chunk: int = 5000) -> Break | None:
    """Walk the whole chain and return the first break, or None when it is intact.

    Detects an altered event (its content no longer matches ``content_hash``), an altered hash, a removed or
    reordered event or link (a gap or mismatch in the links, a link to no event), truncation of the end (the head
    remembers the last sequence), an unsealed event whose content was altered, and an event that is neither
    chained nor waiting to be (its pending row removed to keep it out of the chain).
    """
    previous, expected_seq = GENESIS, 1
    last_seen = 0
    while True:
        page = list(ChainLink.objects.filter(seq__gt=last_seen).order_by("seq")[:chunk])
        events = AuditEvent.objects.in_bulk([link.event_id for link in page])
        for link in page:
            if link.seq != expected_seq:
                return Break(link.event_id, expected_seq, f"event with sequence {expected_seq} is missing")
            event = events.get(link.event_id)
            if event is None:
                return Break(link.event_id, link.seq, f"event with sequence {link.seq} is missing (deleted)")
            if content_hash(event) != event.content_hash:
                return Break(event.id, link.seq, "content does not match its hash (event altered)")
            if link_hash(previous, link.seq, event.content_hash) != link.chain_hash:
                return Break(event.id, link.seq, "chain hash does not link to the previous event")
            previous, expected_seq = link.chain_hash, expected_seq + 1
        if len(page) < chunk:
            break
        last_seen = page[-1].seq
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return Break(None, head.last_seq, f"chain ends at {expected_seq - 1} but was sealed up to {head.last_seq}")
    if head is not None and head.last_seq and head.last_hash != previous:
        return Break(None, head.last_seq, "the last event does not match the chain head")
    pending = PendingSeal.objects.values("event_id")
    for event in AuditEvent.objects.filter(pk__in=pending).order_by("id").iterator():
        if content_hash(event) != event.content_hash:
            return Break(event.id, None, "content does not match its hash (unsealed event altered)")
    stray = (AuditEvent.objects.exclude(pk__in=pending).exclude(pk__in=ChainLink.objects.values("event_id"))
             .order_by("id").values_list("id", flat=True).first())
    if stray is not None:
        return Break(stray, None, "event is neither chained nor waiting to be sealed")
    return None
