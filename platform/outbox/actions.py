"""Enqueueing side effects and delivering them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, Handler] = {}

MAX_ATTEMPTS = 8


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
    SQLite writes are serialised anyway.
    """
    delivered = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _ in range(limit):
        with transaction.atomic():
            qs = OutboxMessage.objects.filter(status=MessageStatus.PENDING, available_at__lte=timezone.now())
            if skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            message = qs.order_by("id").first()
            if message is None:
                break
            _deliver(message)
            delivered += message.status == MessageStatus.DONE
    return delivered


def _deliver(message: OutboxMessage) -> None:
    message.attempts += 1
    try:
        with transaction.atomic():
            _handlers[message.topic](message.payload)
    except Exception as exc:
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
        message.status = MessageStatus.DONE
        message.processed_at = timezone.now()
        message.last_error = ""
    message.save(update_fields=["attempts", "status", "available_at", "processed_at", "last_error", "payload"])


def retry_dead(ids: list[int] | None = None) -> int:
    """Put dead letters back in the queue (after the cause was fixed)."""
    qs = OutboxMessage.objects.filter(status=MessageStatus.DEAD)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(status=MessageStatus.PENDING, attempts=0, available_at=timezone.now())
