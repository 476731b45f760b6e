"""Writing audit events. The only way an event is created."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction

from . import chain
from .context import current
from .models import AuditEvent, Outcome

if TYPE_CHECKING:
    from officers.models import Officer


def record(
    action: str,
    *,
    actor: Officer | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_agency_id: int | None = None,
    outcome: str = Outcome.ALLOWED,
    mandate_id: int | None = None,
    purpose: str = "",
    details: dict[str, Any] | None = None,
    content: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """Append an event to the audit log, in the caller's transaction.

    Call it inside the transaction of the change it records: if the change rolls back, so does its event.
    For refusals and failed logins there is no change, so the event commits on its own. Sealing into the
    hash chain is attempted after commit (at most every ``AUDIT_SEAL_INTERVAL_MS``) and otherwise done by the
    periodic task.

    ``details`` is read by every auditor of the event; anything the object says (a URL, a digest, free text,
    search words) belongs in ``content``, which only readers who may see the object receive.
    """
    ctx = current.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if object_agency_id is None:
            object_agency_id = getattr(obj, "owner_agency_id", None) or getattr(obj, "agency_id", None)
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.username if actor is not None else actor_username,
        agency_id=actor.agency_id if actor is not None else None,
        country=actor.agency.country if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_agency_id=object_agency_id,
        outcome=outcome,
        mandate_id=mandate_id,
        purpose=purpose,
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
        details=details or {},
        content=content or {},
    )
    event.content_hash = chain.content_hash(event)
    _insert(event)
    connection = transaction.get_connection()
    if not any(func is _seal_quietly for _, func, _ in connection.run_on_commit):  # once per transaction
        transaction.on_commit(_seal_quietly, robust=True)  # a failed seal must not fail a committed change
    return event


#: The columns ``record`` writes: every one but the id and the transaction id, which the database sets.
_COLUMNS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key and not field.has_db_default()]


def _insert(event: AuditEvent) -> None:
    """Insert ``event`` with one statement whose text never changes, and take back its id and transaction id.

    Every request writes at least one event, and ``Model.save`` compiles its INSERT again each time: about a fifth
    of a writer's CPU per event, on a machine where the writers and the database share the cores. The values are
    prepared by the fields themselves, exactly as ``save`` would; the instance then counts as saved (``save`` and
    ``delete`` refuse it). Nothing listens to the audit model's save signals.
    """
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor),
                       [field.get_db_prep_save(field.pre_save(event, True), connection) for field in _COLUMNS])
        event.pk, event.txid = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias


@functools.cache
def _insert_sql(vendor: str) -> str:
    """The INSERT of ``_insert``, built once from the model."""
    quote = transaction.get_connection().ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    columns = ", ".join(quote(field.column) for field in _COLUMNS)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id, txid"  # noqa: S608 (model names)


_next_seal = 0.0


def _seal_quietly() -> None:
    """Seal after commit, at most once per ``AUDIT_SEAL_INTERVAL_MS`` in this process.

    One event per request would otherwise cost two transactions (two disk flushes): under load the events of
    many requests go into one sealing batch instead. A race between threads only means one extra attempt.
    """
    global _next_seal
    now = time.monotonic()
    if now < _next_seal:
        return
    _next_seal = now + settings.AUDIT_SEAL_INTERVAL_MS / 1000
    chain.seal(batch=chain.SEAL_BATCH, wait=False)
