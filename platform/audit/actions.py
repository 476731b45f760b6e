"""Writing audit events. The only way an event is created."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from access import prepared

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
    # Positional, in the model's field order (``_FIELDS``): a third of the cost of keyword arguments. The same
    # values, but the id and the transaction id, are the INSERT's.
    values: list[Any] = [
        None, timezone.now(), actor.pk if actor is not None else None,
        actor.username if actor is not None else actor_username, actor.agency_id if actor is not None else None,
        actor.agency.country if actor is not None else "", action, object_type, str(object_id), object_agency_id,
        outcome, mandate_id, purpose, ctx.request_id, ctx.ip_address, details or {}, content or {}, "", None]
    event = AuditEvent(*values)
    event.content_hash = values[_HASH] = chain.content_hash(event)
    connection = transaction.get_connection()
    _insert(connection, event, values[1:-1])
    if not any(func is _seal_quietly for _, func, _ in connection.run_on_commit):  # once per transaction
        connection.on_commit(_seal_quietly, robust=True)  # a failed seal must not fail a committed change
    return event


#: The model's fields in order, as ``record`` passes them; checked here so that a new field cannot shift them.
_FIELDS = ("id", "occurred_at", "actor_id", "actor_username", "agency_id", "country", "action", "object_type",
           "object_id", "object_agency_id", "outcome", "mandate_id", "purpose", "request_id", "ip_address", "details",
           "content", "content_hash", "txid")
if tuple(field.attname for field in AuditEvent._meta.concrete_fields) != _FIELDS:
    raise ImproperlyConfigured("audit.actions._FIELDS no longer matches the fields of AuditEvent")

#: The columns ``record`` writes: every one but the id and the transaction id, which the database sets (the first
#: and the last field). Only the fields whose database value differs from the Python one (a date, an address, JSON)
#: are prepared by the field; the others are strings, integers or None already, exactly what ``save`` would send.
_COLUMNS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key and not field.has_db_default()]
if [field.attname for field in _COLUMNS] != list(_FIELDS[1:-1]):
    raise ImproperlyConfigured("audit.actions: the id and the transaction id are no longer the first and last fields")
_HASH = _FIELDS.index("content_hash")
_TO_PREPARE = tuple((index, field) for index, field in enumerate(_COLUMNS)
                    if isinstance(field, (models.DateTimeField, models.GenericIPAddressField, models.JSONField)))


def _insert(connection: Any, event: AuditEvent, values: list[Any]) -> None:
    """Insert ``event``, whose column values are ``values`` (in ``_COLUMNS`` order), with one prepared statement
    whose text never changes, and take back its id and transaction id.

    Every request writes at least one event, and ``Model.save`` compiles its INSERT again each time, prepares every
    value through its field and, with Django's client-side binding, quotes each into the statement's text: most of
    a writer's CPU for an event, on a machine where the writers and the database share the cores. The statement still
    goes through Django's cursor wrapper and its execute wrappers; while Django logs queries (DEBUG, tests counting
    statements) it goes through Django's own cursor, so that the log shows its text. The instance then
    counts as saved (``save`` and ``delete`` refuse it). Nothing listens to the audit model's save signals.
    """
    for index, field in _TO_PREPARE:
        values[index] = field.get_db_prep_save(values[index], connection)
    with prepared.server_cursor(connection) as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)
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
