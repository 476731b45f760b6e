"""Benchmark of the console's pages (issue 12). Not a test: run with `make bench-console`.

On a fresh PostgreSQL database (DATABASE_URL; its name must start with ``wildnet_bench``, it is dropped and
created again) holding the demo world and bench_graphql's 2,000 extra cases of fr-ofb (10 listings, claims and
2 reports each), as inv.ofb with the purpose "investigation" declared (a session through ``django.test.Client``:
middleware, view, the named GraphQL documents, templates), this script measures the server time of

* the workspace (``/``), the search page (``/search/?q=ivoire``), the case list (``/cases/``) and a case page
  with 10 listings (``/cases/<reference>/``),
* and, each as its own role (issue 13): the platform's notice inbox (pf.leboncoin), the compliance dashboard,
  the mandates, the model-measures assessment and the access log (coord.fr), the officers page (admin.ofb),

interleaved run by run after a warm-up: p50 and p95 wall time, median CPU, the SQL statements of one request and
the median time spent inside the database driver (the database's own cost, measured in the same run), so the
share the page's Python costs is plain. Every response is checked (200, the expected content).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_console .venv/bin/python \\
        tests/benchmarks/bench_console.py --runs 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench_graphql import CASES, LISTINGS_PER_CASE, setup_world

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/wildnet_bench_console"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--existing", action="store_true",
                        help="Measure the database DATABASE_URL names as it is (e.g. the 1 M-listing one that "
                             "`make bench-search` leaves), migrated first; the case page is the OFB's largest case.")
    args = parser.parse_args()
    detail_pk = existing_world() if args.existing else setup_world(DEFAULT_DATABASE)["case_ids"][CASES // 2]

    from django.db import connection
    from django.test import Client

    from cases.models import Case, Listing
    from officers.models import Officer

    detail = Case.objects.get(pk=detail_pk)
    clients: dict[str, Client] = {}
    for username in ("inv.ofb", "pf.leboncoin", "coord.fr", "admin.ofb"):
        clients[username] = Client()
        clients[username].force_login(Officer.objects.get(username=username))
    assert clients["inv.ofb"].post("/purpose/", {"purpose": "INVESTIGATION"}).status_code == 302
    pages: dict[str, tuple[str, str, str]] = {
        "home": ("inv.ofb", "/", "Unhandled alerts"),
        "search": ("inv.ofb", "/search/?q=ivoire", "Export as CSV"),
        "case list": ("inv.ofb", "/cases/", detail.owner_agency.name),
        "case page": ("inv.ofb", f"/cases/{detail.reference}/", detail.reference),
        "inbox": ("pf.leboncoin", "/notices/", "Takedown notices"),
        "compliance": ("coord.fr", "/compliance/dashboard/", "Figures by platform"),
        "mandates": ("coord.fr", "/mandates/", "Mandates of your country"),
        "measures": ("coord.fr", "/measures/FR/2025/", "Indicators"),
        "access log": ("coord.fr", "/access-log/", "Access log"),
        "officers": ("admin.ofb", "/officers/", "inv.ofb"),
    }
    database: list[float] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            database.append(time.perf_counter() - started)

    def fetch(username: str, path: str, expected: str) -> Callable[[], Any]:
        def get() -> Any:
            response = clients[username].get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert expected in response.content.decode(), (path, expected)
            return response
        return get

    actions = {name: fetch(*page) for name, page in pages.items()}
    for _ in range(args.warm_up):
        for action in actions.values():
            action()
    wall: dict[str, list[float]] = {name: [] for name in actions}
    cpu: dict[str, list[float]] = {name: [] for name in actions}
    sql: dict[str, list[float]] = {name: [] for name in actions}
    statements: dict[str, int] = {}
    with connection.execute_wrapper(timed):
        for _ in range(args.runs):
            for name, action in actions.items():
                database.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                action()
                cpu[name].append(time.process_time() - started_cpu)
                wall[name].append(time.perf_counter() - started)
                sql[name].append(sum(database))
                statements[name] = len(database)
    data = (f"{Case.objects.count():,} cases, {Listing.objects.count():,} listings" if args.existing
            else f"demo world + {CASES:,} cases x {LISTINGS_PER_CASE} listings")
    print(f"console pages, {args.runs} runs each after {args.warm_up} warm-up runs; {data}; case page: "
          f"{detail.listings.count()} listings (PostgreSQL)")
    print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'SQL ms':>8} {'stmts':>6}")
    for name in actions:
        ordered = sorted(wall[name])
        print(f"{name:<12} {statistics.median(ordered) * 1000:>8.1f} "
              f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:>8.1f} {statistics.median(cpu[name]) * 1000:>8.1f} "
              f"{statistics.median(sql[name]) * 1000:>8.1f} {statements[name]:>6}")


def existing_world() -> int:
    """Set Django up on the database DATABASE_URL names, migrated; the primary key of the OFB's largest case."""
    url = os.environ.get("DATABASE_URL", "")
    if "/wildnet_bench" not in url:
        raise SystemExit("--existing measures a benchmark database: DATABASE_URL must name a wildnet_bench* one.")
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-console-"))
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from cases.models import Case

    call_command("migrate", verbosity=0)
    largest = (Case.objects.filter(owner_agency__code="fr-ofb").annotate(size=Count("listings"))
               .order_by("-size", "pk").values_list("pk", flat=True).first())
    if largest is None:
        raise SystemExit("No case of the OFB in this database.")
    return largest


if __name__ == "__main__":
    main()
