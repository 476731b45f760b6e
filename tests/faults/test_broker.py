"""The broker fails while the outbox drains: nothing is lost, nothing is sent twice.

The outbox rows, not the broker, are the queue: a broker message only says "drain now". So a Redis restarted
without persistence (every queued task gone) or a filesystem broker whose folder turned read-only (every kick
refused) delays delivery until the broker is back and beat's periodic drain runs, and loses nothing. Each test
runs a real Celery worker with beat inside (drain every second) on a private broker, sending through a real
SMTP server process that records what it accepts.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from outbox import actions
from outbox.models import MessageStatus, OutboxMessage
from tests.core.test_outbox_worker import database_url

from .filesystems import read_only
from .servers import (
    django_command,
    private_redis,
    smtp_sink,
    start_worker,
    stop_process,
    wait_until,
    worker_env,
)

RECIPIENT = "duty@agency.example"


def delivered() -> int:
    return OutboxMessage.objects.filter(topic="mail.send", status=MessageStatus.DONE).count()


def mail_env(tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return worker_env(database_url(), WILDNET_VAR_DIR=str(tmp_path / "var"), WILDNET_OUTBOX_DRAIN_SECONDS="1",
                      DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                      DJANGO_EMAIL_HOST="127.0.0.1", DJANGO_EMAIL_PORT=str(smtp_port), **extra)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_while_the_worker_drains_delivers_every_message_once(
        tmp_path: Path, record_property: Any) -> None:
    messages = 400
    with transaction.atomic():
        for number in range(messages):
            actions.send_mail([RECIPIENT], f"Notice {number}", "A takedown notice is overdue.")
    with private_redis() as redis, smtp_sink(tmp_path) as sink:
        worker = start_worker(mail_env(tmp_path, sink.port, CELERY_BROKER_URL=redis.url),
                              beat_schedule=tmp_path / "beat-schedule")
        try:
            assert wait_until(lambda: delivered() >= 20, 60), "the worker delivered nothing"
            redis.stop()
            during_outage = delivered()
            redis.start()
            back_at = time.monotonic()
            assert wait_until(lambda: delivered() == messages, 90)
            recovered = time.monotonic() - back_at
        finally:
            output = stop_process(worker)
    assert during_outage < messages, "the drain ended before the broker went away"
    counts = sink.deliveries()
    assert sum(counts.values()) == messages and set(counts.values()) == {1}, output
    assert not OutboxMessage.objects.exclude(status=MessageStatus.DONE).exists()
    record_property("delivered_before_restart", during_outage)
    record_property("seconds_to_deliver_all_after_restart", round(recovered, 2))


ENQUEUE = textwrap.dedent("""
    from django.db import transaction
    from outbox.actions import send_mail
    with transaction.atomic():
        for number in range({count}):
            send_mail(["{to}"], f"Escalation {{number}}", "A platform has not answered.")
""")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_read_only_filesystem_broker_keeps_messages_pending_until_it_is_writable(
        tmp_path: Path, record_property: Any) -> None:
    messages = 30
    broker = tmp_path / "var" / "broker"
    for folder in ("queue", "processed", "control"):
        (broker / folder).mkdir(parents=True)
    with transaction.atomic():
        actions.send_mail([RECIPIENT], "Warm-up", "Proves the worker and beat run before the fault.")
    with smtp_sink(tmp_path) as sink:
        env = mail_env(tmp_path, sink.port)
        worker = start_worker(env, beat_schedule=tmp_path / "beat-schedule")
        try:
            assert wait_until(lambda: delivered() == 1, 60), "the worker did not start"
            with read_only(broker):
                # A request enqueues mail while the broker refuses writes: it commits, its kick fails quietly.
                command = django_command(env, "shell", "-c", ENQUEUE.format(count=messages, to=RECIPIENT))
                assert command.returncode == 0, command.stderr
                assert "could not reach the broker" in command.stderr
                assert OutboxMessage.objects.filter(status=MessageStatus.PENDING).count() == messages
                assert not wait_until(lambda: delivered() > 1, 3), "delivered while the broker was read-only"
            writable_at = time.monotonic()
            drained = wait_until(lambda: delivered() == messages + 1, 60)
            recovered = time.monotonic() - writable_at
        finally:
            output = stop_process(worker)
    assert drained, output
    counts = sink.deliveries()
    assert sum(counts.values()) == messages + 1 and set(counts.values()) == {1}, output
    record_property("seconds_to_deliver_all_after_writable", round(recovered, 2))
