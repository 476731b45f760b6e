"""Overdue notices: a reminder to the platform, then an escalation to the issuing side, each once.

The clock is passed to ``process_deadlines(now=…)``: a notice's deadlines stay what ``send_notice`` fixed from
the SLA, and each test moves time past them.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from compliance import actions, deadlines
from compliance.deadlines import DeadlineReport, notice_state, overdue_q, process_deadlines
from compliance.models import (
    ItemOutcome,
    NoticeEvent,
    NoticeEventKind,
    NoticeItem,
    Priority,
    SlaPolicy,
    TakedownNotice,
)
from officers.models import Officer
from outbox.models import MessageStatus, OutboxMessage
from tests.core.test_outbox_worker import CELERY, database_url

MINUTE = datetime.timedelta(minutes=1)
PLATFORM_CONTACT = "pf.leboncoin@demo.wildnet.invalid"
QUEUE = "wildnet-test-deadlines"
ESCALATION = ["coord.fr@demo.wildnet.invalid", "sup.ofb@demo.wildnet.invalid"]

Issue = Callable[..., TakedownNotice]


def viewer(username: str) -> Any:
    return viewer_for(Officer.objects.select_related("agency").get(username=username))


@pytest.fixture
def issue(demo: Any) -> Issue:
    """Issue (and send) a notice from OFB to the platform of ``host`` for ``items`` new listings."""
    counter = iter(range(1, 10_000))

    def make(priority: str = Priority.NORMAL, items: int = 1, host: str = "www.leboncoin.fr/animaux",
             send: bool = True) -> TakedownNotice:
        investigator = viewer("inv.ofb")
        case = case_actions.create_case(investigator, case_actions.CaseInput(title="Grey parrots for sale",
                                                                            jurisdictions=["FR"]))
        listings = [case_actions.add_listing(investigator, case, case_actions.ListingInput(
            url=f"https://{host}/{next(counter)}.htm"))[0] for _ in range(items)]
        return actions.issue_notice(investigator, case, listings, actions.NoticeInput(
            legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
            statement_of_reasons="Sale of a CITES Appendix I species without a permit.",
            requested_actions=["remove"], territorial_scope=["FR"], priority=priority), send=send)

    return make


def reload(notice: TakedownNotice) -> TakedownNotice:
    return TakedownNotice.objects.get(pk=notice.pk)


def events(notice: TakedownNotice, kind: str) -> list[NoticeEvent]:
    return list(NoticeEvent.objects.filter(notice=notice, kind=kind))


def mails(notice: TakedownNotice, subject: str) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.objects.filter(topic="mail.send")
            if subject in m.payload["subject"] and notice.reference in m.payload["subject"]]


def audits(notice: TakedownNotice, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type="compliance.takedownnotice",
                                          object_id=str(notice.pk)))


def past_acknowledgement(notice: TakedownNotice) -> datetime.datetime:
    assert notice.acknowledge_due_at is not None
    return notice.acknowledge_due_at + MINUTE


def grace(notice: TakedownNotice) -> datetime.timedelta:
    assert notice.acknowledge_due_at is not None and notice.sent_at is not None
    return max(notice.acknowledge_due_at - notice.sent_at, deadlines.MIN_GRACE)


@pytest.mark.django_db
def test_notice_within_its_deadlines_is_left_alone(issue: Issue) -> None:
    notice = issue()
    assert notice.acknowledge_due_at is not None
    report = process_deadlines(now=notice.acknowledge_due_at - MINUTE)
    assert notice.pk not in report.reminded + report.escalated
    notice = reload(notice)
    assert notice.reminded_at is None
    assert notice_state(notice, notice.acknowledge_due_at - MINUTE) == "sent"


@pytest.mark.django_db
def test_unacknowledged_notice_is_reminded_to_the_platform_contacts(issue: Issue) -> None:
    notice = issue()
    now = past_acknowledgement(notice)
    report = process_deadlines(now=now)
    assert notice.pk in report.reminded
    notice = reload(notice)
    assert notice.reminded_at == now
    assert notice.escalated_at is None
    assert notice_state(notice, now) == "overdue"
    [event] = events(notice, NoticeEventKind.REMINDER)
    assert event.at == now
    assert event.details == {"to": [PLATFORM_CONTACT], "missed": ["acknowledge"]}
    [mail] = mails(notice, "Reminder")
    assert mail.payload["to"] == [PLATFORM_CONTACT]
    assert mail.status == MessageStatus.PENDING  # delivered by the outbox worker, not by the job
    [audit] = audits(notice, "notice.reminder")
    assert audit.actor_username == "system"
    assert audit.details["missed"] == ["acknowledge"]


@pytest.mark.django_db
def test_running_twice_reminds_once(issue: Issue) -> None:
    notice = issue()
    now = past_acknowledgement(notice)
    process_deadlines(now=now)
    for later in (now, now + 5 * MINUTE, now + grace(notice) - MINUTE):
        report = process_deadlines(now=later)
        assert notice.pk not in report.reminded + report.escalated
    assert len(events(notice, NoticeEventKind.REMINDER)) == 1
    assert len(mails(notice, "Reminder")) == 1
    assert len(audits(notice, "notice.reminder")) == 1


@pytest.mark.django_db
def test_still_overdue_after_the_grace_period_is_escalated_to_supervisors_and_coordinators(issue: Issue) -> None:
    notice = issue()
    reminded = past_acknowledgement(notice)
    process_deadlines(now=reminded)
    now = reminded + grace(notice)
    report = process_deadlines(now=now)
    assert notice.pk in report.escalated
    notice = reload(notice)
    assert notice.escalated_at == now
    assert notice_state(notice, now) == "escalated"
    [event] = events(notice, NoticeEventKind.ESCALATED)
    assert event.details == {"to": ESCALATION, "missed": ["acknowledge"], "reminded_at": reminded.isoformat()}
    [mail] = mails(notice, "Escalation")
    assert mail.payload["to"] == ESCALATION  # not the Spanish coordinator, not another agency's supervisor
    assert len(audits(notice, "notice.escalate")) == 1


@pytest.mark.django_db
def test_escalation_happens_once(issue: Issue) -> None:
    notice = issue()
    reminded = past_acknowledgement(notice)
    process_deadlines(now=reminded)
    process_deadlines(now=reminded + grace(notice))
    for later in (reminded + grace(notice), reminded + 10 * grace(notice)):
        report = process_deadlines(now=later)
        assert notice.pk not in report.reminded + report.escalated
    assert len(events(notice, NoticeEventKind.ESCALATED)) == 1
    assert len(mails(notice, "Escalation")) == 1


@pytest.mark.django_db
def test_grace_period_is_the_acknowledge_window_but_at_least_an_hour(issue: Issue) -> None:
    platform = Agency.objects.get(code="pf-leboncoin")
    SlaPolicy.objects.create(platform=platform, priority=Priority.URGENT,
                             acknowledge_within=datetime.timedelta(minutes=10), act_within=datetime.timedelta(hours=2))
    notice = issue(priority=Priority.URGENT)
    reminded = past_acknowledgement(notice)
    process_deadlines(now=reminded)
    assert notice.pk not in process_deadlines(now=reminded + 30 * MINUTE).escalated  # the window (10 min) is over
    assert notice.pk in process_deadlines(now=reminded + deadlines.MIN_GRACE).escalated


@pytest.mark.django_db
def test_a_long_acknowledge_window_gives_as_long_a_grace_period(issue: Issue) -> None:
    notice = issue(priority=Priority.LOW)
    reminded = past_acknowledgement(notice)
    process_deadlines(now=reminded)
    assert grace(notice) > datetime.timedelta(hours=24)
    assert notice.pk not in process_deadlines(now=reminded + grace(notice) - MINUTE).escalated
    assert notice.pk in process_deadlines(now=reminded + grace(notice)).escalated


@pytest.mark.django_db
def test_acknowledged_notice_with_items_pending_after_the_action_deadline_is_reminded(issue: Issue) -> None:
    notice = issue(items=2)
    platform = viewer("pf.leboncoin")
    actions.acknowledge_notice(platform, notice)
    first = NoticeItem.objects.filter(notice=notice).first()
    assert first is not None
    actions.report_outcome(platform, notice, first, actions.OutcomeInput(outcome=ItemOutcome.REMOVED))
    notice = reload(notice)
    assert notice.action_due_at is not None
    assert notice.pk not in process_deadlines(now=past_acknowledgement(notice)).reminded
    assert notice_state(notice, past_acknowledgement(notice)) == "acknowledged"
    now = notice.action_due_at + MINUTE
    assert notice.pk in process_deadlines(now=now).reminded
    [event] = events(notice, NoticeEventKind.REMINDER)
    assert event.details["missed"] == ["action"]
    assert notice_state(reload(notice), now) == "overdue"


@pytest.mark.django_db
def test_acknowledgement_after_the_reminder_stops_the_escalation(issue: Issue) -> None:
    notice = issue()
    reminded = past_acknowledgement(notice)
    process_deadlines(now=reminded)
    actions.acknowledge_notice(viewer("pf.leboncoin"), notice)
    now = reminded + grace(notice)
    notice = reload(notice)
    assert notice.action_due_at is not None and now < notice.action_due_at
    assert notice.pk not in process_deadlines(now=now).escalated
    assert notice_state(notice, now) == "acknowledged"
    assert reload(notice).escalated_at is None


@pytest.mark.django_db
def test_closed_and_draft_notices_are_ignored(issue: Issue) -> None:
    closed = issue()
    actions.close_notice(viewer("inv.ofb"), closed, "Seller arrested; listing offline.")
    draft = issue(send=False)
    now = past_acknowledgement(closed) + datetime.timedelta(days=30)
    report = process_deadlines(now=now)
    assert {closed.pk, draft.pk}.isdisjoint(report.reminded + report.escalated)
    assert not NoticeEvent.objects.filter(notice__in=[closed, draft],
                                          kind__in=[NoticeEventKind.REMINDER, NoticeEventKind.ESCALATED]).exists()
    assert notice_state(reload(closed), now) == "closed"
    assert notice_state(reload(draft), now) == "draft"


@pytest.mark.django_db
def test_notice_answered_in_full_is_closed_and_never_reminded(issue: Issue) -> None:
    notice = issue()
    item = NoticeItem.objects.get(notice=notice)
    actions.report_outcome(viewer("pf.leboncoin"), notice, item, actions.OutcomeInput(outcome=ItemOutcome.REMOVED))
    notice = reload(notice)
    assert notice.action_due_at is not None
    assert notice.pk not in process_deadlines(now=notice.action_due_at + MINUTE).reminded


@pytest.mark.django_db
def test_a_failure_on_one_notice_does_not_block_the_others(issue: Issue, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = issue()
    healthy = issue(host="es.wallapop.com/item")
    leboncoin = Agency.objects.get(code="pf-leboncoin")
    contacts = deadlines.platform_contacts

    def failing(platform: Agency) -> list[str]:
        if platform.pk == leboncoin.pk:
            raise RuntimeError("directory unavailable")
        return contacts(platform)

    monkeypatch.setattr(deadlines, "platform_contacts", failing)
    now = max(past_acknowledgement(broken), past_acknowledgement(healthy))
    report = process_deadlines(now=now)
    assert broken.pk in report.failed
    assert healthy.pk in report.reminded
    assert reload(broken).reminded_at is None  # its transaction rolled back whole
    assert not events(broken, NoticeEventKind.REMINDER)
    assert not mails(broken, "Reminder")
    monkeypatch.setattr(deadlines, "platform_contacts", contacts)
    assert broken.pk in process_deadlines(now=now).reminded  # the next run picks it up


@pytest.mark.django_db(transaction=True)
def test_a_notice_another_run_holds_is_skipped_then_reminded_once(issue: Issue) -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    notice = issue()
    now = past_acknowledgement(notice)
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        try:
            with transaction.atomic():
                TakedownNotice.objects.select_for_update().get(pk=notice.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert locked.wait(30)
        report = process_deadlines(now=now)
    finally:
        release.set()
        holder.join()
    assert notice.pk in report.skipped
    assert reload(notice).reminded_at is None
    assert notice.pk in process_deadlines(now=now).reminded
    assert len(events(notice, NoticeEventKind.REMINDER)) == 1


@pytest.mark.django_db
def test_overdue_query_and_shown_state_agree(issue: Issue) -> None:
    waiting, acknowledged, answered, closed = issue(), issue(), issue(items=2), issue()
    platform = viewer("pf.leboncoin")
    actions.acknowledge_notice(platform, acknowledged)
    item = NoticeItem.objects.filter(notice=answered).first()
    assert item is not None
    actions.report_outcome(platform, answered, item, actions.OutcomeInput(outcome=ItemOutcome.REJECTED,
                                                                          reason="Not a protected species."))
    actions.close_notice(viewer("inv.ofb"), closed, "Withdrawn.")
    mine = [waiting.pk, acknowledged.pk, answered.pk, closed.pk]
    start = reload(waiting).sent_at
    assert start is not None
    for hours in (1, 25, 24 * 4, 24 * 30):
        now = start + datetime.timedelta(hours=hours)
        in_sql = set(TakedownNotice.objects.filter(overdue_q(now), pk__in=mine).values_list("pk", flat=True))
        shown = {pk for pk in mine if notice_state(TakedownNotice.objects.get(pk=pk), now) == "overdue"}
        assert in_sql == shown, hours


@pytest.mark.django_db
def test_shown_state_needs_no_query_when_the_pending_flag_is_annotated(
        issue: Issue, django_assert_num_queries: Any) -> None:
    notice = issue()
    assert notice.action_due_at is not None
    annotated = deadlines.with_pending_flag(TakedownNotice.objects.filter(pk=notice.pk)).get()
    with django_assert_num_queries(0):
        assert notice_state(annotated, notice.action_due_at + MINUTE) == "overdue"


def test_report_counts() -> None:
    assert DeadlineReport(reminded=[1, 2], escalated=[3]).counts() == {
        "reminded": 2, "escalated": 1, "skipped": 0, "failed": 0}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_task_through_the_broker_reminds_and_the_worker_delivers_the_mail(issue: Issue) -> None:
    """A real worker, on the configured broker (filesystem by default, Redis in CI), runs the beat task sent
    by name, then drains the outbox. It listens only on ``QUEUE``, so that a worker another test starts on the
    same broker cannot take these messages, nor this one theirs (one fixed name: no queue left behind per run)."""
    from wildnet.celery import app

    notice = issue()
    now = datetime.datetime.now(tz=datetime.UTC)
    TakedownNotice.objects.filter(pk=notice.pk).update(
        sent_at=now - datetime.timedelta(days=2), acknowledge_due_at=now - datetime.timedelta(days=1),
        action_due_at=now + datetime.timedelta(days=1))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wildnet.settings", "DJANGO_ENV": "test",
           "DATABASE_URL": database_url(), "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    worker = subprocess.Popen(
        [CELERY, "-A", "wildnet", "worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle",
         "--without-gossip", "--without-heartbeat", "-Q", QUEUE],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        app.send_task("compliance.tasks.process_notice_deadlines", queue=QUEUE)
        reminder = wait_for(lambda: mails(notice, "Reminder"))
        app.send_task("outbox.tasks.drain_outbox", queue=QUEUE)  # the worker's own kick goes to the default queue
        delivered = wait_for(lambda: [m for m in mails(notice, "Reminder") if m.status == MessageStatus.DONE])
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert reminder, output
    assert delivered, output
    assert delivered[0].payload["to"] == [PLATFORM_CONTACT]
    notice = reload(notice)
    assert notice.reminded_at is not None
    [event] = events(notice, NoticeEventKind.REMINDER)
    assert event.details["to"] == [PLATFORM_CONTACT]


def wait_for(probe: Callable[[], list[Any]], seconds: float = 90) -> list[Any]:
    """Poll the database until ``probe`` finds rows (a worker's progress is only visible there)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    return []
