"""Benchmark of the overdue-notice query. Not a test: run with `make bench`; the figures go into README.md.

Builds 100,000 open notices (default; first argument) with one to three items each, plus 20,000 closed ones,
spread over the last 30 days with the default SLA windows of every priority: half waiting for an
acknowledgement, half acknowledged with some items answered; some already reminded, some escalated. Then it
times the one SQL statement the beat job runs to find the notices to remind or escalate
(``compliance.deadlines.due_notices``) and the ``overdue_q`` count the API filters with: median of 7 runs
after a warm-up. Target: at most 1 s over 100,000 open notices, on SQLite and on PostgreSQL.

On a fresh SQLite database in a temporary folder by default; for PostgreSQL::

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE wildnet_bench_notices"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_notices .venv/bin/python \\
        tests/benchmarks/bench_notices.py
    psql -h 127.0.0.1 -U postgres -c "DROP DATABASE wildnet_bench_notices"

PostgreSQL tables are ANALYZEd after the bulk load (as autovacuum would do) and the plan is printed.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

RUNS = 7
CLOSED = 20_000
BATCH = 5_000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-notices-"))
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from compliance.deadlines import due_notices, overdue_q
    from compliance.models import TakedownNotice
    from wildnet import demo

    call_command("migrate", verbosity=0)
    if TakedownNotice.objects.exists():
        sys.exit("The database already holds notices: give the benchmark an empty one.")
    demo.load()
    now = timezone.now()
    started = time.perf_counter()
    build(count, now, random.Random(2026))
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    due = due_notices(now).order_by("pk").values_list("pk", flat=True)
    overdue = TakedownNotice.objects.filter(overdue_q(now))
    due_times, found = timed(lambda: len(list(due.all())))  # .all(): a fresh query each run, not the cache
    count_times, overdue_count = timed(overdue.count)
    print(f"database: {connection.vendor}; {count:,} open and {CLOSED:,} closed notices built in {built:.1f} s")
    print(f"due_notices (the job's one statement): {found:,} notices to remind or escalate; median "
          f"{statistics.median(due_times) * 1000:.1f} ms, min {min(due_times) * 1000:.1f} ms, max "
          f"{max(due_times) * 1000:.1f} ms over {RUNS} runs")
    print(f"overdue_q count (API filter): {overdue_count:,} overdue; median "
          f"{statistics.median(count_times) * 1000:.1f} ms over {RUNS} runs")
    verdict = "OK" if statistics.median(due_times) <= 1.0 else "SLOWER THAN THE 1 s TARGET"
    print(f"target <= 1 s for the job's statement: {verdict}")
    if connection.vendor == "postgresql":
        print(due.explain(analyze=True, buffers=True))
    else:
        print(due.explain())


def timed(run: Callable[[], int]) -> tuple[list[float], int]:
    """Timings of ``run`` (which returns a count) over ``RUNS`` runs, after one warm-up run."""
    result = run()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return timings, result


def build(count: int, now: datetime.datetime, rng: random.Random) -> None:
    """Bulk-create ``count`` open and ``CLOSED`` closed notices, their items, and the listings they name."""
    from agencies.models import Agency
    from cases.models import Case, Listing
    from cases.models.intel import url_digest
    from compliance.models import (
        DEFAULT_SLA,
        ItemOutcome,
        NoticeItem,
        NoticeStatus,
        Priority,
        TakedownNotice,
    )
    from officers.models import Officer

    officer = Officer.objects.get(username="inv.ofb")
    platforms = list(Agency.objects.filter(code__in=["pf-leboncoin", "pf-wallapop"]))
    case = Case.objects.create(reference="BENCH-NOTICES", year=now.year, number=999_999, owner_agency=officer.agency,
                               title="Benchmark", created_by=officer)
    urls = [f"https://www.leboncoin.fr/animaux/{i}.htm" for i in range(1_000)]
    listings = Listing.objects.bulk_create([
        Listing(case=case, platform=platforms[0], url=url, url_digest=url_digest(url), created_by=officer)
        for url in urls])
    answered = [ItemOutcome.REMOVED, ItemOutcome.REJECTED, ItemOutcome.NOT_FOUND, ItemOutcome.RESTRICTED]
    for start in range(0, count + CLOSED, BATCH):
        notices, outcomes = [], []
        for i in range(start, min(start + BATCH, count + CLOSED)):
            priority = rng.choice(list(Priority))
            acknowledge_within, act_within = DEFAULT_SLA[priority]
            sent_at = now - datetime.timedelta(seconds=rng.uniform(0, 30 * 86_400))
            notice = TakedownNotice(
                issuing_agency=officer.agency, issued_by=officer, platform=rng.choice(platforms), case=case,
                reference=f"TD-BENCH-{i:07d}", legal_basis_law="Code de l'environnement",
                legal_basis_article="L415-3", statement_of_reasons="Benchmark", requested_actions=["remove"],
                territorial_scope=["FR"], priority=priority, status=NoticeStatus.SENT, created_at=sent_at,
                sent_at=sent_at, acknowledge_due_at=sent_at + acknowledge_within,
                action_due_at=sent_at + act_within)
            items = rng.randint(1, 3)
            if i >= count:
                notice.status, notice.closed_at = NoticeStatus.CLOSED, sent_at + act_within / 2
                notice.acknowledged_at = sent_at + acknowledge_within / 2
                outcomes.append([rng.choice(answered) for _ in range(items)])
            elif rng.random() < 0.5:
                notice.status = NoticeStatus.ACKNOWLEDGED
                notice.acknowledged_at = sent_at + acknowledge_within * rng.uniform(0.1, 1.5)
                outcomes.append([rng.choice([*answered, ItemOutcome.PENDING]) for _ in range(items)])
            else:
                outcomes.append([ItemOutcome.PENDING] * items)
                if notice.acknowledge_due_at and notice.acknowledge_due_at < now and rng.random() < 0.3:
                    notice.reminded_at = notice.acknowledge_due_at + datetime.timedelta(minutes=5)
                    if rng.random() < 0.5:
                        notice.escalated_at = notice.reminded_at + acknowledge_within
            notices.append(notice)
        TakedownNotice.objects.bulk_create(notices)
        NoticeItem.objects.bulk_create([
            NoticeItem(notice=notice, listing=listings[(notice.pk + k) % len(listings)],
                       url=listings[(notice.pk + k) % len(listings)].url, outcome=outcome)
            for notice, row in zip(notices, outcomes, strict=True) for k, outcome in enumerate(row)])


if __name__ == "__main__":
    main()
