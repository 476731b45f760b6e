"""Writing audit events. The only way an event is created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    actor_username: str = "",
) -> AuditEvent:
    """Append an event to the audit log, in the caller's transaction.

    Call it inside the transaction of the change it records: if the change rolls back, so does its event.
    For refusals and failed logins there is no change, so the event commits on its own. Sealing into the
    hash chain is attempted right after commit and otherwise done by the periodic task.
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
    )
    event.content_hash = chain.content_hash(event)
    event.save()
    transaction.on_commit(_seal_quietly, robust=True)  # a failed seal must not fail a change already committed
    return event


def _seal_quietly() -> None:
    chain.seal(batch=chain.SEAL_BATCH, wait=False)
