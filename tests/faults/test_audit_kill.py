"""A worker SIGKILLed in the middle of sealing the audit chain: the chain stays verifiable and catches up.

The backlog is made the way production makes one: a process records events, commits, and is killed before its
after-commit sealing runs (its first after-commit callback is a SIGKILL). A real Celery worker then seals the
backlog in batches, one transaction each, and is SIGKILLed while a batch is open (on PostgreSQL the test waits
until the worker's session is inside a transaction). The batches it committed form a chain that verifies; the
open one died with its connection. A new worker seals the rest and ``verify_audit`` finds every event chained.
Only the public face of the chain is used: ``record``, ``chain.verify``, the seal task and ``verify_audit``.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit import chain
from audit.models import AuditEvent, ChainLink
from tests.core.test_outbox_worker import database_url

from .servers import django_command, kill, start_worker, stop_process, wait_until, worker_env

QUEUE = "wildnet-faults-audit-seal"
EVENTS = 6_000
SEALER = "wildnet-faults-sealer"

CRASH_AFTER_COMMIT = textwrap.dedent("""
    import os, signal
    from django.db import transaction
    from audit.actions import record
    with transaction.atomic():
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        for number in range({events}):
            record("faults.backlog", actor_username="load", details={{"n": number}})
""")


def sealed() -> int:
    """How many events have a place in the chain (the one read of the chain's storage in this test)."""
    return ChainLink.objects.count()


def sealer_in_transaction() -> bool:
    """On PostgreSQL: the worker's session has a transaction open (it is writing a batch); elsewhere unknown."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                       "AND xact_start IS NOT NULL", [SEALER])
        return bool(cursor.fetchone()[0])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sealer_killed_mid_batch_leaves_a_verifiable_chain_that_catches_up(
        capsys: Any, record_property: Any) -> None:
    from wildnet.celery import app

    url = database_url()
    if connection.vendor == "postgresql":
        url += f"?application_name={SEALER}"
    env = worker_env(url, CELERY_BROKER_URL=settings.CELERY_BROKER_URL)  # the broker send_task uses
    crashed = django_command(env, "shell", "-c", CRASH_AFTER_COMMIT.format(events=EVENTS))
    assert crashed.returncode == -9, crashed.stderr
    assert AuditEvent.objects.count() == EVENTS and sealed() == 0  # committed, never sealed

    first = start_worker(env, QUEUE)
    try:
        app.send_task("audit.tasks.seal_audit_chain", queue=QUEUE)
        assert wait_until(lambda: sealed() > 0 and sealer_in_transaction(), 90, step=0.01), "nothing sealed"
    finally:
        output = kill(first)
    sealed_before_kill = sealed()
    assert 0 < sealed_before_kill < EVENTS, output  # killed in the middle of the backlog
    assert chain.verify() is None

    second = start_worker(env, QUEUE)
    began = time.monotonic()
    try:
        app.send_task("audit.tasks.seal_audit_chain", queue=QUEUE)
        caught_up = wait_until(lambda: sealed() == EVENTS, 90, step=0.1)
        seconds = time.monotonic() - began
    finally:
        output = stop_process(second)
    assert caught_up, output
    capsys.readouterr()
    call_command("verify_audit")
    assert f"Audit chain intact: {EVENTS} events (0 newly sealed)" in capsys.readouterr().out
    record_property("sealed_before_kill", sealed_before_kill)
    record_property("seconds_for_a_new_worker_to_seal_the_rest", round(seconds, 2))
