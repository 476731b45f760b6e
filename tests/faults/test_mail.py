"""The mail server refuses, then accepts: every recipient gets each notification exactly once.

A real SMTP server process (aiosmtpd, ``smtp_sink.py``) first answers ``451`` to every recipient, then to one
of the two recipients of each message, then to none; a real Celery worker with beat (drain every second, on a
private filesystem broker) sends through Django's SMTP backend. The test skips the backoff by making the rows
due again, as time would. It asserts what the recipients see (nothing while refused, then each message once),
not how many attempts it took: a slow machine may try a row again within a round.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outbox import actions
from outbox.models import MessageStatus, OutboxMessage
from tests.core.test_outbox_worker import database_url

from .servers import smtp_sink, start_worker, stop_process, wait_until, worker_env

MESSAGES = 20
FIRST, SECOND = "first@agency-a.example", "second@agency-b.example"


def mail_rows() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(topic="mail.send"))


def make_due() -> None:
    OutboxMessage.objects.filter(status=MessageStatus.PENDING).update(available_at=timezone.now())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_refused_then_accepted_mail_reaches_each_recipient_once(tmp_path: Path, record_property: Any) -> None:
    with smtp_sink(tmp_path) as sink:
        sink.refuse()
        with transaction.atomic():
            for number in range(MESSAGES):
                actions.send_mail([FIRST, SECOND], f"Mandate {number}", "A mandate of your agency changed.")
        env = worker_env(database_url(), WILDNET_VAR_DIR=str(tmp_path / "var"), WILDNET_OUTBOX_DRAIN_SECONDS="1",
                         DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                         DJANGO_EMAIL_HOST="127.0.0.1", DJANGO_EMAIL_PORT=str(sink.port))
        worker = start_worker(env, beat_schedule=tmp_path / "beat-schedule")
        failure: AssertionError | None = None
        try:
            # At least once, not exactly once: a round slower than the first backoff (5 s, a loaded machine)
            # tries its first rows again before its last ones, and that is the outbox working as it should.
            assert wait_until(lambda: all(row.attempts >= 1 for row in mail_rows()), 60), "no attempt was made"
            assert sink.received() == []
            assert all(row.status == MessageStatus.PENDING and "451" in row.last_error for row in mail_rows())

            sink.refuse(SECOND)  # the server takes one recipient of each message, not the other
            make_due()
            assert wait_until(lambda: all(row.payload["to"] == [SECOND] for row in mail_rows()), 60), \
                "the accepted recipient was not dropped from the rows"
            assert all(row.status == MessageStatus.PENDING for row in mail_rows())

            sink.accept()
            accepted_at = time.monotonic()
            make_due()
            assert wait_until(lambda: all(row.status == MessageStatus.DONE for row in mail_rows()), 60), \
                "not every row was delivered"
            recovered = time.monotonic() - accepted_at
        except AssertionError as error:
            failure = error
        finally:
            output = stop_process(worker)
        if failure is not None:
            rows = [(row.pk, row.attempts, row.status, row.payload["to"], row.last_error[:80]) for row in mail_rows()]
            raise AssertionError(f"{failure}\nrows: {rows}\nworker:\n{output}")
        expected = Counter({(to, f"[WildNet] Mandate {n}"): 1 for n in range(MESSAGES) for to in (FIRST, SECOND)})
        assert sink.deliveries() == expected, output
        assert all(row.attempts >= 3 for row in mail_rows())  # refused, then half taken, then the rest
        record_property("deliveries", sum(expected.values()))
        record_property("seconds_to_deliver_after_accepting", round(recovered, 2))
