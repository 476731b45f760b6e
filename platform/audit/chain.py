"""Hashing, sealing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .models import AuditEvent, ChainHead

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
    later batch with a higher sequence number, so the chain never needs to be rewritten. With ``wait=False``
    a caller that finds another sealer at work returns at once: that sealer, or the periodic task, will
    seal what is left.
    """
    total = 0
    while True:
        with transaction.atomic():
            heads = ChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1)
            head = heads.first()
            if head is None:
                if ChainHead.objects.filter(pk=1).exists():
                    return total  # another sealer holds the head
                head, _ = ChainHead.objects.get_or_create(pk=1)
            pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not pending:
                return total
            seq, previous = head.last_seq, head.last_hash or GENESIS
            for event in pending:
                seq += 1
                event.seq = seq
                event.chain_hash = previous = link_hash(previous, seq, event.content_hash)
            AuditEvent.objects.bulk_update(pending, ["seq", "chain_hash"])
            ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=previous)
            total += len(pending)
        if len(pending) < batch:
            return total


@dataclass(frozen=True)
class Break:
    event_id: int | None
    seq: int | None
    reason: str


def verify(chunk: int = 5000) -> Break | None:
    """Walk the whole chain and return the first break, or None when it is intact.

    Detects an altered event (its content no longer matches ``content_hash``), an altered hash, a removed or
    reordered event (a gap or mismatch in the links), truncation of the end (the head remembers the last
    sequence) and an unsealed event whose content was altered.
    """
    previous, expected_seq = GENESIS, 1
    events = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    last_seen = 0
    while True:
        page = list(events.filter(seq__gt=last_seen)[:chunk])
        for event in page:
            if event.seq != expected_seq:
                return Break(event.id, expected_seq, f"event with sequence {expected_seq} is missing")
            if content_hash(event) != event.content_hash:
                return Break(event.id, event.seq, "content does not match its hash (event altered)")
            if link_hash(previous, event.seq, event.content_hash) != event.chain_hash:
                return Break(event.id, event.seq, "chain hash does not link to the previous event")
            previous, expected_seq = event.chain_hash, expected_seq + 1
        if len(page) < chunk:
            break
        last_seen = page[-1].seq or 0
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return Break(None, head.last_seq, f"chain ends at {expected_seq - 1} but was sealed up to {head.last_seq}")
    if head is not None and head.last_seq and head.last_hash != previous:
        return Break(None, head.last_seq, "the last event does not match the chain head")
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id").iterator():
        if content_hash(event) != event.content_hash:
            return Break(event.id, None, "content does not match its hash (unsealed event altered)")
    return None
