"""The audit log is append-only and tamper-evident."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit import chain
from audit.actions import record
from audit.models import AppendOnlyError, AuditEvent, ChainHead, ChainLink, PendingSeal

pytestmark = pytest.mark.django_db


def make_events(n: int) -> list[AuditEvent]:
    events = [record("test.event", actor_username=f"user{i}", details={"i": i}) for i in range(n)]
    chain.seal(wait=True)
    return events


def drop_guards() -> None:
    """What a database owner could do; the chain must still tell."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_immutable")
            cursor.execute("DROP TRIGGER IF EXISTS audit_link_immutable")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent")
            cursor.execute("DROP TRIGGER IF EXISTS audit_link_append_only ON audit_chainlink")


def test_sealed_chain_verifies() -> None:
    make_events(5)
    assert chain.verify() is None
    head = ChainHead.objects.get(pk=1)
    assert head.last_seq == 5
    assert list(ChainLink.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert not PendingSeal.objects.exists()


def test_model_refuses_update_and_delete() -> None:
    event = make_events(1)[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_database_refuses_to_change_a_sealed_event() -> None:
    make_events(1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    assert AuditEvent.objects.get().action == "test.event"


def test_altered_event_is_detected() -> None:
    events = make_events(4)
    drop_guards()
    AuditEvent.objects.filter(pk=events[2].pk).update(details={"i": 99})
    broken = chain.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk
    assert "altered" in broken.reason


@pytest.mark.parametrize("content", [{"url": "https://elsewhere.example/"}, {}])
def test_altered_or_removed_content_is_detected(content: dict[str, str]) -> None:
    """Content (what the object says) is kept apart from the details for readers, not for the chain."""
    event = record("case.add_listing", actor_username="inv", content={"url": "https://www.example.org/ad/1"})
    chain.seal(wait=True)
    assert chain.verify() is None
    drop_guards()
    AuditEvent.objects.filter(pk=event.pk).update(content=content)
    broken = chain.verify()
    assert broken is not None and broken.event_id == event.pk and "altered" in broken.reason


def test_content_added_to_an_event_without_is_detected() -> None:
    event = make_events(1)[0]
    drop_guards()
    AuditEvent.objects.filter(pk=event.pk).update(content={"url": "https://www.example.org/ad/1"})
    broken = chain.verify()
    assert broken is not None and broken.event_id == event.pk


def test_rehashed_event_is_detected_without_the_key() -> None:
    """Recomputing a plain SHA-256 is not enough: the hashes are HMACs keyed outside the database."""
    import hashlib

    events = make_events(3)
    drop_guards()
    fake = hashlib.sha256(b"forged").hexdigest()
    AuditEvent.objects.filter(pk=events[1].pk).update(action="forged", content_hash=fake)
    broken = chain.verify()
    assert broken is not None and broken.event_id == events[1].pk


def test_deleted_event_is_detected() -> None:
    events = make_events(4)
    drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    broken = chain.verify()
    assert broken is not None
    assert "missing" in broken.reason


def test_truncated_end_is_detected() -> None:
    events = make_events(3)
    drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE event_id = %s", [events[-1].pk])
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    broken = chain.verify()
    assert broken is not None
    assert "sealed up to 3" in broken.reason


def test_altered_unsealed_event_is_detected() -> None:
    make_events(2)
    pending = record("test.pending", actor_username="late")
    drop_guards()
    AuditEvent.objects.filter(pk=pending.pk).update(actor_username="someone else")
    broken = chain.verify()
    assert broken is not None and broken.event_id == pending.pk and broken.seq is None


def test_removed_link_is_detected() -> None:
    events = make_events(4)
    drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_chainlink WHERE event_id = %s", [events[1].pk])
    broken = chain.verify()
    assert broken is not None and "sequence 2 is missing" in broken.reason


def test_event_kept_out_of_the_chain_is_detected() -> None:
    """Deleting an event's pending row would keep it from ever being sealed: verification notices."""
    make_events(2)
    hidden = record("test.hidden", actor_username="x")
    PendingSeal.objects.filter(event_id=hidden.pk).delete()
    broken = chain.verify()
    assert broken is not None and broken.event_id == hidden.pk and "neither chained" in broken.reason


def test_database_refuses_to_change_a_link() -> None:
    make_events(1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ChainLink.objects.update(chain_hash="0" * 64)


@pytest.mark.parametrize("events", [1, 100])
def test_events_are_written_once_and_a_batch_seals_in_six_statements(events: int) -> None:
    """Recording is one insert per event (the database adds its pending row); sealing costs the same for 1 or
    100 events."""
    with CaptureQueriesContext(connection) as written, transaction.atomic():
        for i in range(events):
            record("test.event", actor_username=f"user{i}")
    assert [q["sql"].split()[0] for q in written.captured_queries if "audit_" in q["sql"]] == ["INSERT"] * events
    with CaptureQueriesContext(connection) as sealing:
        assert chain.seal(wait=True) == events
    statements = [q["sql"] for q in sealing.captured_queries if "SAVEPOINT" not in q["sql"]]  # the test's own
    assert len(statements) == 6, statements
    assert chain.verify() is None


def test_verify_audit_command(capsys: pytest.CaptureFixture[str]) -> None:
    events = make_events(2)
    record("test.unsealed", actor_username="x")
    call_command("verify_audit")
    assert "Audit chain intact: 3 events (1 newly sealed)" in capsys.readouterr().out
    drop_guards()
    AuditEvent.objects.filter(pk=events[0].pk).update(object_id="42")
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit")


def test_event_rolls_back_with_its_change() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record("test.rolled_back", actor_username="x")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
