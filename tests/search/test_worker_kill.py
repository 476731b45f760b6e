"""Killing the indexing worker loses no update: a real Celery worker is killed (SIGKILL) in the middle of a
backlog of ``search.index`` messages, a new one drains the rest, and every listing is then searchable.

Why nothing is lost: each outbox row is delivered in its own transaction that also marks it done, so a worker
killed mid-delivery leaves the row pending (the transaction dies with the connection), and delivering a row
twice indexes the current rows again (idempotent). The workers listen on their own queue, so no worker another
test starts can take these messages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Listing
from officers.models import Officer
from outbox.models import MessageStatus, OutboxMessage
from search.backends import get_backend
from search.backends.base import SearchFilters, SearchQuery
from search.indexing import TOPIC, enqueue_index
from tests.core.test_outbox_worker import CELERY, database_url

QUEUE = "wildnet-test-search-kill"
LISTINGS = 400


def start_worker() -> subprocess.Popen[str]:
    """A worker indexing into the configured backend (on Elasticsearch: under this test's index prefix)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wildnet.settings", "DJANGO_ENV": "test",
           "DATABASE_URL": database_url(), "SEARCH_BACKEND": settings.SEARCH_BACKEND,
           "ELASTICSEARCH_INDEX_PREFIX": settings.ELASTICSEARCH_INDEX_PREFIX}
    return subprocess.Popen(
        [CELERY, "-A", "wildnet", "worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle",
         "--without-gossip", "--without-heartbeat", "-Q", QUEUE],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def done(after: int) -> int:
    return OutboxMessage.objects.filter(topic=TOPIC, status=MessageStatus.DONE, pk__gt=after).count()


def wait(condition: Callable[[], bool], seconds: float = 120, step: float = 0.02) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_backlog_loses_no_update(demo: Any) -> None:
    from wildnet.celery import app

    inv = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    OutboxMessage.objects.update(status=MessageStatus.DONE)  # what the demo left: not this test's backlog
    start = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():  # bulk rows: no outbox row yet, then one message per listing
        listings = Listing.objects.bulk_create(
            Listing(case=case, url=f"https://www.leboncoin.fr/ad/{i}", url_digest=f"{i:064x}",
                    title=f"Défenses en ivoire lot {i}", text="Ivoire ancien", created_by=inv.officer)
            for i in range(LISTINGS))
        for listing in listings:
            enqueue_index("listing", [listing.pk])

    first = start_worker()
    try:
        app.send_task("outbox.tasks.drain_outbox", queue=QUEUE)
        assert wait(lambda: done(start) >= 20), "the first worker delivered nothing"
        first.send_signal(signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=30)  # reaps the killed worker and closes its pipe
    delivered_before_kill = done(start)
    assert 0 < delivered_before_kill < LISTINGS  # killed in the middle of the backlog

    second = start_worker()
    try:
        def drained() -> bool:
            app.send_task("outbox.tasks.drain_outbox", queue=QUEUE)  # each drain delivers at most 200 rows
            return done(start) == LISTINGS

        drained_all = wait(drained, step=1.0)
    finally:
        second.terminate()
        output, _ = second.communicate(timeout=30)
    assert drained_all, (list(OutboxMessage.objects.filter(topic=TOPIC).exclude(status=MessageStatus.DONE)
                              .values("status", "attempts", "last_error")[:3]), output)
    result = get_backend().search(inv, SearchQuery(text="ivoire", first=1,
                                                       filters=SearchFilters(types=frozenset({"listing"}))))
    assert result.total == LISTINGS
