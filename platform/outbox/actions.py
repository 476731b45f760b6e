"""Enqueueing side effects and delivering them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from .models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, Handler] = {}

MAX_ATTEMPTS = 8
#: How long a worker keeps trying to record a delivery it made just before the database went away.
RECORD_PATIENCE = 60.0


class UnknownTopic(LookupError):
    pass


class PartialDelivery(Exception):
    """Raised by a handler that delivered part of a message: ``remaining`` is the payload still to deliver.

    The row keeps only what remains and is retried like a failure, so the part already delivered is never
    delivered again (a mail server that refuses one recipient for a while must not make the others receive the
    notice twice).
    """

    def __init__(self, remaining: dict[str, Any], cause: str) -> None:
        super().__init__(cause)
        self.remaining = remaining


def handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that delivers messages of ``topic``. It must be idempotent: delivery is
    at-least-once (a worker killed after delivering and before marking the row done delivers again)."""

    def register(func: Handler) -> Handler:
        _handlers[topic] = func
        return func

    return register


def enqueue(topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Write a side effect in the caller's transaction; a drain is kicked off once it commits."""
    if topic not in _handlers:
        raise UnknownTopic(topic)
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(kick)
    return message


def send_mail(recipients: list[str], subject: str, body: str) -> None:
    """Queue one e-mail in the caller's transaction; nothing is queued when there is nobody to tell."""
    if recipients:
        enqueue("mail.send", {"subject": f"[WildNet] {subject}", "body": body, "to": sorted(set(recipients))})


def kick() -> None:
    """Ask a worker to drain now. If the broker is down the periodic drain will do it: never fail the caller."""
    from .tasks import drain_outbox

    try:
        drain_outbox.apply_async(retry=False)
    except Exception:  # the broker is unreachable: the rows wait for the periodic drain
        logger.warning("outbox: could not reach the broker; messages wait for the periodic drain")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def deliver_due(limit: int = 200) -> int:
    """Deliver due messages one by one, each in its own transaction; returns how many were delivered.

    On PostgreSQL ``SKIP LOCKED`` lets several workers drain in parallel without delivering a row twice; on
    SQLite writes are serialised anyway. A database that goes away ends the drain (the next one resumes),
    except when it went away between a delivery and the commit that records it: see ``_record_delivery``.
    """
    delivered = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _ in range(limit):
        message: OutboxMessage | None = None
        try:
            with transaction.atomic():
                qs = OutboxMessage.objects.filter(status=MessageStatus.PENDING, available_at__lte=timezone.now())
                if skip_locked:
                    qs = qs.select_for_update(skip_locked=True)
                message = qs.order_by("id").first()
                if message is None:
                    break
                _deliver(message)
        except (OperationalError, InterfaceError):
            if message is None or message.status != MessageStatus.DONE:
                raise
            _record_delivery(message)
        delivered += message.status == MessageStatus.DONE
    return delivered


def _record_delivery(message: OutboxMessage) -> None:
    """Mark ``message`` done after the database went away between its delivery and the commit recording it.

    The row is still pending once the database is back, so the next drain would deliver it a second time
    (a second e-mail). This worker knows it delivered it: it reconnects and records that for up to
    ``RECORD_PATIENCE`` seconds before giving up, and then carries on with the batch. Only a worker that dies
    in that window, or a database down for longer, leaves a duplicate possible, which is why handlers are
    idempotent.
    """
    deadline = time.monotonic() + RECORD_PATIENCE
    pause = 0.1
    while True:
        connection.close()  # the broken connection; the next query opens a new one
        try:
            OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
                status=MessageStatus.DONE, attempts=message.attempts, processed_at=timezone.now(), last_error="")
            logger.warning("outbox: %s #%s was delivered as the database went away; recorded once it was back",
                           message.topic, message.pk)
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 2.0)


def _deliver(message: OutboxMessage) -> None:
    """Run the handler of ``message`` in a savepoint and write the outcome on its row (not yet committed)."""
    message.attempts += 1
    try:
        with transaction.atomic():
            _handlers[message.topic](message.payload)
            # Delivered, whatever happens next: if the database goes away as the savepoint is released, the
            # message must still count as delivered (``deliver_due`` records it), not as a failed attempt.
            message.status = MessageStatus.DONE
    except Exception as exc:
        if message.status == MessageStatus.DONE:
            raise
        logger.warning("outbox: %s #%s failed (attempt %s): %s", message.topic, message.pk, message.attempts,
                       type(exc).__name__)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if isinstance(exc, PartialDelivery):
            message.payload = exc.remaining
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.DEAD
        else:
            message.available_at = timezone.now() + backoff(message.attempts)
    else:
        message.processed_at = timezone.now()
        message.last_error = ""
    message.save(update_fields=["attempts", "status", "available_at", "processed_at", "last_error", "payload"])


def retry_dead(ids: list[int] | None = None) -> int:
    """Put dead letters back in the queue (after the cause was fixed)."""
    qs = OutboxMessage.objects.filter(status=MessageStatus.DEAD)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(status=MessageStatus.PENDING, attempts=0, available_at=timezone.now())
