"""The append-only, tamper-evident audit log.

An event says who did what to which object (``details``: identifiers, counts, codes); what the object *says*
(a listing's URL, an evidence digest, a reviewer's notes, the words searched for) goes into ``content``, which
the GraphQL layer shows only to readers the policy lets see the object: an auditor learns who did what, never the
intelligence itself.

Each event stores the HMAC of its own canonical content (``content_hash``) when it is written, inside the
transaction of the change it records, so an event exists exactly when its change does. It is one INSERT, and
the row is never updated: nothing else is written with it, not even a "pending" row. The database stamps it with
the id of the inserting transaction (``txid``); ``(txid, id)`` is the event's *position*, the order in which the
chain takes events.

Chaining happens in a separate short step, :func:`audit.chain.seal`, which appends one ``ChainLink`` per event
(``chain_hash = HMAC(previous chain_hash, seq, content_hash)``) to the chain, an append-only table of its own,
and moves the ``ChainHead``: the position of the last chained event (the high-water mark) and an HMAC of the
whole head. Pending events are the events after the mark, found through the ``(txid, id)`` index whatever the
size of the history. Why the position is not simply the id: on PostgreSQL ids are taken from a sequence when a
row is inserted, but become visible when its transaction commits, so a sealer that chained "every id above the
last one" would skip an event whose transaction took a smaller id and committed later. Transaction ids order
transactions instead: the sealer takes only events of transactions older than every transaction still running in
this database (see ``chain.HORIZON``), so nothing can later appear behind the mark. SQLite lets one writer in at a
time, so ids are committed in order there and ``txid`` is always 0.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CurrentTransaction(models.Func):
    """The column default that stamps an event with the id of the transaction inserting it.

    On PostgreSQL ``pg_current_xact_id()`` (a 64-bit id that never wraps, cast to ``bigint``); elsewhere 0, because
    SQLite serialises writers and the event id alone orders events as they commit.
    """

    template = "0"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="pg_current_xact_id()::text::bigint", **extra_context)


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")
    FAILED = "failed", _("Failed")


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "officers.Officer", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", db_index=False,  # audit_actor_recent starts with it
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    country = models.CharField(max_length=2, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", help_text=_("The agency that owns the object, so owners can review access to it."),
        db_index=False,  # audit_owner_recent starts with it
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    mandate_id = models.BigIntegerField(null=True, blank=True)
    purpose = models.CharField(max_length=32, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    content = models.JSONField(
        default=dict, blank=True,
        help_text=_("What the object says (URLs, digests, notes, search words): shown only to readers who may see "
                    "the object, or to the actor when there is none."),
    )
    content_hash = models.CharField(max_length=64, editable=False)
    txid = models.BigIntegerField(
        db_default=CurrentTransaction(), editable=False,
        help_text=_("The inserting transaction, set by the database: with the id, the order in which events are "
                    "chained."))

    class Meta:
        ordering = ["-id"]
        # Every event is inserted into each of these, so only indexes some query uses are kept. Dropped: ``actor``
        # and ``object_agency`` alone (the two ``*_recent`` indexes start with them), ``country`` (its one filter,
        # the coordinators' visibility, is OR-ed with the object agency's country, which no index on this table
        # can serve) and the second index Django gives ``action`` for prefix searches: one pattern index serves
        # both ``action = …`` (the access log) and ``action LIKE 'auth.%'`` (the sign-in page).
        indexes = [
            models.Index(fields=["action"], opclasses=["varchar_pattern_ops"], name="audit_action"),
            models.Index(fields=["txid", "id"], name="audit_chain_position"),
            models.Index(fields=["object_agency", "-occurred_at"], name="audit_owner_recent"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_recent"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only")

    def canonical(self) -> dict[str, object]:
        """The content the HMAC covers: every field an investigator relies on, in a stable form.

        ``content`` enters only when there is some, so events written before it existed verify unchanged;
        adding content to such an event, or removing it from one, still changes the hash.
        """
        canonical: dict[str, object] = {
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "agency_id": self.agency_id,
            "country": self.country,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_agency_id": self.object_agency_id,
            "outcome": self.outcome,
            "mandate_id": self.mandate_id,
            "purpose": self.purpose,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "details": self.details,
        }
        if self.content:
            canonical["content"] = self.content
        return canonical


class ChainLink(models.Model):
    """The chain, one append-only row per sealed event: its place and the HMAC that ties it to the previous one."""

    seq = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    chain_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"link {self.seq} → event #{self.event_id}"


class ChainHead(models.Model):
    """The single row that holds the end of the chain; its row lock serialises sealers, nothing else.

    It says where the chain ends (``last_seq``, ``last_hash``) and where sealing resumes (the position
    ``last_txid``, ``last_event_id`` of the last chained event), and carries an HMAC of all four (``mac``). Without
    the key nobody can wind it back to an earlier link after cutting off the end of the chain: the links are
    append-only, so any earlier head could be rebuilt from them, but not its HMAC, which only this row ever held.
    """

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    last_txid = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
