"""Benchmark of the audit log's writes. Not a test: figures go into README.md.

The issue "Speed" asks for at least 2,000 audit events a second with 4 concurrent writers, one event per
transaction, and a batch whose cost beyond its inserts does not grow with its size. On the database DATABASE_URL
names (PostgreSQL; SQLite serialises writers, so it runs with one), after migrating it afresh, this script

* starts W writer processes (default 4), each recording E events (default 5,000) with ``audit.actions.record``,
  one transaction each, sealing after commit as requests do, and reports events per second over the whole run;
* records batches of 100 events in one transaction and reports the statements per batch (recording and
  sealing) and events per second;
* times one sealing pass with nothing pending, on a small history and again after all of the above (the
  "pending events" query must not slow as history grows);
* verifies the chain (every event sealed, in order, none lost) and reports the verification speed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_audit \
        .venv/bin/python tests/benchmarks/bench_audit.py 4 5000
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

BATCH = 100


def setup() -> None:
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("WILDNET_AUDIT_SEAL_INTERVAL_MS", "500")  # the production default
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()


def writer(index: int, events: int) -> None:
    """One writer process: ``events`` events, one transaction each, as requests record them."""
    setup()
    from django.db import transaction

    from audit.actions import record

    for i in range(events):
        with transaction.atomic():
            record("bench.event", actor_username=f"writer{index}", object_type="cases.case", object_id=str(i),
                   details={"writer": index, "i": i})


def idle_seal_ms(runs: int = 50) -> float:
    from audit import chain

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        chain.seal(wait=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--writer":
        writer(int(sys.argv[2]), int(sys.argv[3]))
        return
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-audit-"))
    setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from audit import chain
    from audit.actions import record
    from audit.models import AuditEvent

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        workers = 1
    for i in range(200):
        record("bench.warmup", actor_username="warmup", details={"i": i})
    chain.seal(wait=True)
    idle_small = idle_seal_ms()

    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, __file__, "--writer", str(w), str(events)]) for w in range(workers)]
    assert all(process.wait() == 0 for process in processes)
    concurrent = time.perf_counter() - started
    chain.seal(wait=True)

    batches = 50
    from audit import actions

    actions._next_seal = math.inf  # each batch is sealed by the call below, as the periodic task would
    started = time.perf_counter()
    for b in range(batches):
        connection.queries_log.clear()
        with transaction.atomic(), CaptureQueriesContext(connection) as recording:  # the transaction's statements
            for i in range(BATCH):
                record("bench.batch", actor_username="importer", object_type="cases.listing",
                       object_id=str(b * BATCH + i), details={"batch": b})
        with CaptureQueriesContext(connection) as sealing:
            chain.seal(wait=True)
    batched = time.perf_counter() - started
    written = [q["sql"].split()[0] for q in recording.captured_queries if "audit_" in q["sql"]]
    sealing_statements = len([q for q in sealing.captured_queries if "audit_" in q["sql"]])

    idle_large = idle_seal_ms()
    total = AuditEvent.objects.count()
    started = time.perf_counter()
    broken = chain.verify()
    verified = time.perf_counter() - started
    assert broken is None, broken
    expected = 200 + workers * events + batches * BATCH
    assert total == expected, (total, expected)

    print(f"database: {connection.vendor}")
    print(f"concurrent: {workers} writers × {events} events, one transaction each, sealed after commit: "
          f"{workers * events / concurrent:,.0f} events/s ({concurrent:.1f} s)")
    print(f"batches of {BATCH}: {len(written)} statements to record one ({written.count('INSERT')} inserts, "
          f"{written.count('UPDATE')} updates), {sealing_statements} to seal it; {batches * BATCH / batched:,.0f} "
          "events/s")
    print(f"sealing with nothing pending: {idle_small:.2f} ms at 200 events, {idle_large:.2f} ms at {total:,}")
    print(f"verification: {total:,} events in {verified:.2f} s ({total / verified:,.0f} events/s), intact")


if __name__ == "__main__":
    main()
