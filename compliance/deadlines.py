"""Deadlines of sent notices: a reminder to the platform, then an escalation to the issuing side.

Beat runs :func:`process_deadlines` every five minutes (``compliance.tasks.process_notice_deadlines``).

* A notice is **overdue** (:func:`overdue_q`) when it was sent, is not closed, and either was not acknowledged
  by ``acknowledge_due_at`` or still has a pending item after ``action_due_at``.
* The first time a notice is found overdue, the platform's contacts get a **reminder** (once per notice: the
  reminder names every deadline missed so far).
* If it is still overdue a **grace period** after the reminder, it is **escalated** (once) to the issuing
  agency's supervisors and the coordinators of its country. The grace period is the notice's own acknowledge
  window (``acknowledge_due_at - sent_at``, i.e. from its priority's SLA), and at least :data:`MIN_GRACE`: the
  platform gets as long to react to the reminder as it had to acknowledge the notice, so an urgent notice about
  live animals escalates within hours and a low-priority one after days, but never minutes after a reminder.
  A notice reminded for a late acknowledgement that later misses its action deadline too is therefore escalated
  without a second reminder: it was already told.

The candidates are found in one SQL statement (:func:`due_notices`); each is then re-read under a row lock and
handled in its own transaction, with its mail written to the outbox, its ``NoticeEvent`` and its audit event in
that same transaction. So a failure on one notice does not block the others, nothing is lost when the mail
server is down, and two overlapping runs never notify twice: on PostgreSQL ``SKIP LOCKED`` leaves a notice
another run holds, and the re-read sees a reminder or escalation already committed (on SQLite, writers are
serialised and the re-read happens under the write lock).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, When
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from audit.actions import record
from outbox.actions import send_mail

from .actions import escalation_contacts, platform_contacts
from .models import ItemOutcome, NoticeEvent, NoticeEventKind, NoticeItem, NoticeStatus, TakedownNotice

logger = logging.getLogger(__name__)

#: The shortest time between a reminder and an escalation, whatever the notice's acknowledge window.
MIN_GRACE = datetime.timedelta(hours=1)

#: Statuses in which a notice waits for the platform.
OPEN = (NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED)

#: A deadline closer than this is "due soon": the platform's inbox flags it before it is missed.
DUE_SOON = datetime.timedelta(hours=24)


def _pending_items() -> Exists:
    return Exists(NoticeItem.objects.filter(notice_id=OuterRef("pk"), outcome=ItemOutcome.PENDING))


def overdue_q(now: datetime.datetime) -> Q:
    """Notices that missed a deadline at ``now``: sent and not closed, and either not acknowledged past
    ``acknowledge_due_at`` or past ``action_due_at`` with an item still pending. For filters and the job."""
    missed_acknowledgement = Q(acknowledged_at__isnull=True, acknowledge_due_at__lt=now)
    missed_action = Q(action_due_at__lt=now) & Q(_pending_items())
    return Q(status__in=OPEN, sent_at__isnull=False) & (missed_acknowledgement | missed_action)


def due_notices(now: datetime.datetime) -> QuerySet[TakedownNotice]:
    """Overdue notices the job must act on at ``now``: not yet reminded, or reminded at least a grace period
    ago and not yet escalated. Escalated notices drop out, so the set stays small however long they linger."""
    grace_over = LessThanOrEqual(
        ExpressionWrapper(F("reminded_at") + (F("acknowledge_due_at") - F("sent_at")), output_field=DateTimeField()),
        now,
    )
    reminded_long_enough = Q(reminded_at__lte=now - MIN_GRACE) & Q(grace_over)
    return TakedownNotice.objects.filter(
        overdue_q(now), Q(reminded_at__isnull=True) | reminded_long_enough, escalated_at__isnull=True)


def with_pending_flag(notices: QuerySet[TakedownNotice]) -> QuerySet[TakedownNotice]:
    """Annotate ``has_pending_items`` so that :func:`notice_state` needs no query per notice in a list."""
    return notices.annotate(has_pending_items=_pending_items())


def with_next_deadline(notices: QuerySet[TakedownNotice]) -> QuerySet[TakedownNotice]:
    """Annotate ``next_due_at`` (see :func:`next_deadline`), so that lists filter and sort by it in SQL."""
    return notices.annotate(next_due_at=Case(
        When(status__in=OPEN, acknowledged_at__isnull=True, then=F("acknowledge_due_at")),
        When(status__in=OPEN, then=F("action_due_at")), default=None, output_field=DateTimeField()))


def next_deadline(notice: TakedownNotice) -> datetime.datetime | None:
    """The deadline an open notice waits for: acknowledging it until it is acknowledged, then acting on its
    items; None for a draft or a closed notice. Past when the notice is late. Uses the annotation when present."""
    if hasattr(notice, "next_due_at"):
        return notice.next_due_at
    if notice.status not in OPEN:
        return None
    return notice.acknowledge_due_at if notice.acknowledged_at is None else notice.action_due_at


def due_soon(notice: TakedownNotice, now: datetime.datetime) -> bool:
    """Whether the next deadline is still ahead but less than :data:`DUE_SOON` away."""
    due = next_deadline(notice)
    return due is not None and now <= due < now + DUE_SOON


def missed_deadlines(notice: TakedownNotice, now: datetime.datetime) -> list[str]:
    """Which deadlines a sent, open notice has missed at ``now``: ``acknowledge`` and/or ``action``.

    The Python twin of :func:`overdue_q`. Uses the ``has_pending_items`` annotation when present
    (:func:`with_pending_flag`), else asks the database once.
    """
    if notice.status not in OPEN or notice.sent_at is None:
        return []
    missed = []
    if notice.acknowledged_at is None and notice.acknowledge_due_at is not None and notice.acknowledge_due_at < now:
        missed.append("acknowledge")
    if notice.action_due_at is not None and notice.action_due_at < now:
        pending = getattr(notice, "has_pending_items", None)
        if pending is None:
            pending = NoticeItem.objects.filter(notice=notice, outcome=ItemOutcome.PENDING).exists()
        if pending:
            missed.append("action")
    return missed


def notice_state(notice: TakedownNotice, now: datetime.datetime | None = None) -> str:
    """The state the API shows: draft, sent, acknowledged, overdue, escalated or closed.

    ``status`` records what happened; this adds what the clock says. A sent or acknowledged notice that has
    missed a deadline is ``overdue``, or ``escalated`` once the escalation went out. A platform that catches up
    after an escalation (acknowledges, or answers every item) takes the notice back to ``acknowledged``: the
    state says what the notice waits for now, and its history keeps the reminder and the escalation.
    """
    if notice.status in (NoticeStatus.DRAFT, NoticeStatus.CLOSED):
        return str(notice.status)
    if missed_deadlines(notice, now or timezone.now()):
        return "escalated" if notice.escalated_at is not None else "overdue"
    return "acknowledged" if notice.acknowledged_at is not None else "sent"


@dataclass
class DeadlineReport:
    """What one run did, by notice id."""

    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"reminded": len(self.reminded), "escalated": len(self.escalated), "skipped": len(self.skipped),
                "failed": len(self.failed)}


def process_deadlines(now: datetime.datetime | None = None) -> DeadlineReport:
    """Remind, then escalate, every notice that missed a deadline; see the module docstring. Idempotent."""
    now = now or timezone.now()
    report = DeadlineReport()
    for pk in list(due_notices(now).order_by("pk").values_list("pk", flat=True)):
        try:
            outcome = _handle(pk, now)
        except Exception:
            logger.exception("deadlines: notice #%s could not be processed", pk)
            report.failed.append(pk)
            continue
        if outcome == "reminded":
            report.reminded.append(pk)
        elif outcome == "escalated":
            report.escalated.append(pk)
        else:
            report.skipped.append(pk)
    return report


def _handle(pk: int, now: datetime.datetime) -> str | None:
    """Remind or escalate one notice in its own transaction; None when another run has it or it is done."""
    with transaction.atomic():
        notices = with_pending_flag(due_notices(now).filter(pk=pk)).select_related("platform", "issuing_agency")
        if connection.features.has_select_for_update_skip_locked:
            notices = notices.select_for_update(skip_locked=True, of=("self",))
        notice = notices.first()
        if notice is None:
            return None
        missed = missed_deadlines(notice, now)
        if notice.reminded_at is None:
            _remind(notice, missed, now)
            return "reminded"
        _escalate(notice, missed, now)
        return "escalated"


def _deadlines_text(notice: TakedownNotice, missed: list[str]) -> str:
    lines = []
    if "acknowledge" in missed and notice.acknowledge_due_at is not None:
        lines.append(f"acknowledgement was due by {notice.acknowledge_due_at:%Y-%m-%d %H:%M} UTC")
    if "action" in missed and notice.action_due_at is not None:
        lines.append(f"action on every item was due by {notice.action_due_at:%Y-%m-%d %H:%M} UTC")
    return "; ".join(lines)


def _remind(notice: TakedownNotice, missed: list[str], now: datetime.datetime) -> None:
    recipients = platform_contacts(notice.platform)
    notice.reminded_at = now
    notice.save(update_fields=["reminded_at"])
    send_mail(recipients, f"Reminder: takedown notice {notice.reference} is overdue",
           f"Notice {notice.reference} from {notice.issuing_agency.name}: {_deadlines_text(notice, missed)}. "
           f"Please acknowledge it and report an outcome for every item.")
    details: dict[str, object] = {"to": recipients, "missed": missed}
    NoticeEvent.objects.create(notice=notice, kind=NoticeEventKind.REMINDER, at=now, details=details)
    record("notice.reminder", obj=notice, object_agency_id=notice.issuing_agency_id, actor_username="system",
           details={"reference": notice.reference, **details})


def _escalate(notice: TakedownNotice, missed: list[str], now: datetime.datetime) -> None:
    recipients = escalation_contacts(notice)
    notice.escalated_at = now
    notice.save(update_fields=["escalated_at"])
    assert notice.reminded_at is not None
    send_mail(recipients, f"Escalation: {notice.platform.name} has not answered notice {notice.reference}",
           f"{notice.platform.name} was reminded on {notice.reminded_at:%Y-%m-%d %H:%M} UTC and is still late on "
           f"notice {notice.reference}: {_deadlines_text(notice, missed)}.")
    details: dict[str, object] = {"to": recipients, "missed": missed, "reminded_at": notice.reminded_at.isoformat()}
    NoticeEvent.objects.create(notice=notice, kind=NoticeEventKind.ESCALATED, at=now, details=details)
    record("notice.escalate", obj=notice, object_agency_id=notice.issuing_agency_id, actor_username="system",
           details={"reference": notice.reference, **details})

