"""Benchmark of the audit log's writes. Not a test: figures go into README.md.

The issue "Speed" asks for at least 2,000 audit events a second with 4 concurrent writers, one event per
transaction, and a batch whose cost beyond its inserts does not grow with its size. On the database DATABASE_URL
names (PostgreSQL; SQLite serialises writers, so it runs one), after migrating it afresh, this script

* for each writer count (default 1, then 4) starts that many writer processes, each with its own connection,
  which set up Django, wait for a common start, then record E events each (default 5,000) with
  ``audit.actions.record``, one transaction each, sealing after commit as requests do (the production interval);
  it reports events per second from the first start to the last finish, the statements per event (every
  statement the writers sent through Django, sealing included; BEGIN and COMMIT are not statements Django
  sends, and come on top), and the CPU per event of the writers and of their database server processes (when
  PostgreSQL runs on the same machine): with the machine to itself, two cores cannot record more events a second
  than 2 s divided by their sum;
* in its own process, measures the CPU an event costs the writer and its database server process (median of five
  runs): one transaction an event, and the events alone (in one transaction);
* records batches of 100 events in one transaction and reports the statements per batch (recording and
  sealing) and events per second;
* times one sealing pass with nothing pending, on a small history and again after all of the above (the
  "pending events" query must not slow as history grows);
* verifies the chain (every event sealed, in order, none lost) and reports the verification speed;
* prints the load average (1 minute) and the time an empty transaction takes to commit (the disk's flush) before
  and after each part: the figures are only as good as the machine was quiet and its disk quick.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_audit \
        .venv/bin/python tests/benchmarks/bench_audit.py 5000 1 4
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

BATCH = 100
BATCHES = 50
WARMUP = 200


def setup() -> None:
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("WILDNET_AUDIT_SEAL_INTERVAL_MS", "500")  # the production default
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()


def backend_cpu(pid: int) -> float | None:
    """CPU seconds of the database server process ``pid`` so far, when it runs on this machine (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def writer(index: int, events: int) -> None:
    """One writer process: ready, then ``events`` events, one transaction each, as requests record them; prints
    its start and end times, the statements it sent and its CPU time as one JSON line."""
    setup()
    from django.db import connection, transaction

    from audit.actions import record

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += not sql.startswith("BEGIN")  # SQLite's; psycopg sends PostgreSQL's by itself
        return execute(sql, params, many, context)

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
    print("ready", flush=True)
    sys.stdin.readline()  # the common start
    with connection.execute_wrapper(count):
        started, cpu, server = time.time(), time.process_time(), backend_cpu(pid) if pid else None
        for i in range(events):
            with transaction.atomic():
                record("bench.event", actor_username=f"writer{index}", object_type="cases.case",
                       object_id=str(i), details={"writer": index, "i": i})
        finished, cpu = time.time(), time.process_time() - cpu
        if server is not None and pid:
            server = (backend_cpu(pid) or server) - server
    print(json.dumps({"started": started, "finished": finished, "statements": statements, "cpu": cpu,
                      "server": server}), flush=True)


def concurrent(workers: int, events: int) -> dict[str, float]:
    """``workers`` writer processes released together; events per second from the first start to the last end."""
    processes = [subprocess.Popen([sys.executable, __file__, "--writer", str(w), str(events)], text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE) for w in range(workers)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    for process in processes:
        out, _ = process.communicate()
        assert process.returncode == 0
        reports.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    total = workers * events
    servers = [r["server"] for r in reports]
    return {"rate": total / elapsed, "seconds": elapsed, "statements": sum(r["statements"] for r in reports) / total,
            "cpu_ms": 1000 * sum(r["cpu"] for r in reports) / total,
            "server_ms": 1000 * sum(servers) / total if None not in servers else math.nan}


def in_process(runs: int = 5, events: int = 2_000) -> str:
    """CPU an event in this process and its database server process, median of ``runs`` runs: one transaction an
    event (sealed after commit as requests are), and the events alone (all in one transaction, without BEGIN,
    COMMIT or sealing). Steadier than events a second
    on a shared machine: another process's load slows a run down but adds little to its CPU time."""
    from django.db import connection, transaction

    from audit import actions
    from audit.actions import record

    pid = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None

    def event(i: int) -> None:
        record("bench.cpu", actor_username="cpu", object_type="cases.case", object_id=str(i), details={"i": i})

    def each(n: int) -> None:
        for i in range(n):
            with transaction.atomic():
                event(i)

    def together(n: int) -> None:
        actions._next_seal = math.inf  # the events alone: the sealing pass at commit is left to the caller
        with transaction.atomic():
            for i in range(n):
                event(i)
        actions._next_seal = 0.0

    parts = []
    for label, run in (("one transaction an event", each), ("events alone", together)):
        writer, server = [], []
        for _ in range(runs):
            cpu, before = time.process_time(), backend_cpu(pid) if pid else None
            run(events)
            writer.append(1000 * (time.process_time() - cpu) / events)
            if before is not None and pid:
                server.append(1000 * ((backend_cpu(pid) or before) - before) / events)
        parts.append(f"{label}: writer {statistics.median(writer):.3f} ms"
                     + (f", server {statistics.median(server):.3f} ms" if server else ""))
    return "; ".join(parts)


def idle_seal_ms(runs: int = 50) -> float:
    from audit import chain

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        chain.seal(wait=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def load() -> str:
    """The 1-minute load average and, on PostgreSQL, the median time of an empty transaction that must flush its
    commit to disk: with one transaction per event, N writers cannot go faster than N events per flush."""
    from django.db import connection, transaction

    text = f"load {os.getloadavg()[0]:.2f}"
    if connection.vendor == "postgresql":
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_current_xact_id()")  # an id: the commit is written and flushed
            timings.append((time.perf_counter() - started) * 1000)
        text += f", commit {statistics.median(timings):.2f} ms"
    return text


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--writer":
        writer(int(sys.argv[2]), int(sys.argv[3]))
        return
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    counts = [int(arg) for arg in sys.argv[2:]] or [1, 4]
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-audit-"))
    setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from audit import actions, chain
    from audit.actions import record
    from audit.models import AuditEvent

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        counts = [1]
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs; {load()} at the start")
    for i in range(WARMUP):
        record("bench.warmup", actor_username="warmup", details={"i": i})
    chain.seal(wait=True)
    idle_small = idle_seal_ms()

    for workers in counts:
        before = load()
        result = concurrent(workers, events)
        chain.seal(wait=True)
        print(f"{workers} writer{'s' if workers > 1 else ''} × {events:,} events, one transaction each, sealed "
              f"after commit: {result['rate']:,.0f} events/s ({result['seconds']:.1f} s); "
              f"{result['statements']:.3f} statements an event; CPU an event: writer {result['cpu_ms']:.2f} ms"
              + (f", its database server process {result['server_ms']:.2f} ms" if result["server_ms"] >= 0 else "")
              + f" ({before} before, {load()} after)")

    before = load()
    print(f"in one process, CPU an event (median of 5 × 2,000): {in_process()} ({before} before, {load()} after)")
    chain.seal(wait=True)

    actions._next_seal = math.inf  # each batch is sealed by the call below, as the periodic task would
    before = load()
    started = time.perf_counter()
    for b in range(BATCHES):
        with CaptureQueriesContext(connection) as recording, transaction.atomic():
            for i in range(BATCH):
                record("bench.batch", actor_username="importer", object_type="cases.listing",
                       object_id=str(b * BATCH + i), details={"batch": b})
        with CaptureQueriesContext(connection) as sealing:
            assert chain.seal(wait=True) == BATCH
    batched = time.perf_counter() - started
    written = [q["sql"].split()[0] for q in recording.captured_queries]
    written = [verb for verb in written if verb not in ("BEGIN", "COMMIT")]
    sealed = [q for q in sealing.captured_queries if q["sql"].split()[0] not in ("BEGIN", "COMMIT")]
    print(f"batches of {BATCH}: {len(written)} statements to record one ({written.count('INSERT')} inserts, "
          f"{written.count('UPDATE')} updates), {len(sealed)} to seal it (BEGIN and COMMIT apart); "
          f"{BATCHES * BATCH / batched:,.0f} events/s ({before} before, {load()} after)")

    idle_large = idle_seal_ms()
    total = AuditEvent.objects.count()
    started = time.perf_counter()
    broken = chain.verify()
    verified = time.perf_counter() - started
    assert broken is None, broken
    expected = WARMUP + sum(counts) * events + 5 * 2_000 * 2 + BATCHES * BATCH
    assert total == expected, (total, expected)
    print(f"sealing with nothing pending: {idle_small:.2f} ms at {WARMUP} events, {idle_large:.2f} ms at {total:,}")
    print(f"verification: {total:,} events in {verified:.2f} s ({total / verified:,.0f} events/s), intact; "
          f"{load()} at the end")


if __name__ == "__main__":
    main()
