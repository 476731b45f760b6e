"""Side effects go through the outbox and survive a missing worker or a failing mail server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from outbox import actions
from outbox.models import MessageStatus, OutboxMessage

CELERY = str(Path(sys.executable).parent / "celery")


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_message_written_while_no_worker_runs_is_delivered_when_one_starts(tmp_path: Path) -> None:
    with transaction.atomic():
        message = actions.enqueue("mail.send", {"subject": "Mandate granted", "body": "…", "to": ["a@b.example"]})
    time.sleep(1)
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING  # no worker yet: nothing lost, nothing done

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wildnet.settings", "DJANGO_ENV": "test",
           "DATABASE_URL": database_url(), "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    worker = subprocess.Popen(
        [CELERY, "-A", "wildnet", "worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle",
         "--without-gossip", "--without-heartbeat"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.status == MessageStatus.DONE:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert message.status == MessageStatus.DONE, output
    assert message.attempts == 1
    assert message.processed_at is not None


@pytest.mark.django_db
def test_failing_delivery_is_retried_with_backoff_then_dead_lettered(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    message = actions.enqueue("mail.send", {"subject": "s", "body": "b", "to": ["a@b.example"]})
    assert actions.deliver_due() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.available_at > timezone.now()
    assert "ConnectionRefusedError" in message.last_error or "OSError" in message.last_error
    assert actions.deliver_due() == 0  # not due yet: backoff
    for _ in range(actions.MAX_ATTEMPTS - 1):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        actions.deliver_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert actions.retry_dead([message.pk]) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert actions.deliver_due() == 1


@pytest.mark.django_db
def test_unknown_topic_is_refused_at_write_time() -> None:
    with pytest.raises(actions.UnknownTopic):
        actions.enqueue("no.such.topic", {})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_side_effect_rolls_back_with_its_change() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.enqueue("mail.send", {"subject": "s", "body": "b", "to": ["a@b.example"]})
        raise RuntimeError
    assert not OutboxMessage.objects.exists()
