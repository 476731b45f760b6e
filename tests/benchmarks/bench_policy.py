"""Benchmark of the visibility policy on cases. Not a test: run with `make bench`; the figures go into README.md.

The issue "Mandate-based sharing" asks that an officer with 10,000 shares received sees a 100-case page with
the same SQL count as with 1 share, and that the policy-filtered case list stays within 1.5x of an unfiltered
one on 100,000 cases. On a fresh SQLite database (or the one DATABASE_URL names) this script

* loads the demo world and bulk-creates N cases (default 100,000) spread over five agencies (fr-ofb,
  fr-oclaesp, fr-dgddi, es-seprona, be-police), with realistic jurisdictions, CITES appendices, crime areas,
  classifications and handling codes;
* shares 1, then 10,000 cases of the other French agencies with fr-oclaesp under its mandate in force (some of
  them outside what the mandate covers: another country's jurisdiction, a crime area it does not hold);
* for inv.oclaesp declaring the purpose "investigation", times the first page of 100 cases plus the total
  count, through ``access.policy.visible`` and without any filter (median of 30 runs after 5 of warm-up, the
  variants interleaved run by run; each filtered run builds a fresh viewer, so it includes the per-request
  mandate look-up), checks the filtered total and page against those computed in Python from the generated
  data, counts SQL statements with 1 and with 10,000 shares, and prints the query plans (EXPLAIN ANALYZE on
  PostgreSQL, where ANALYZE is run after loading, as autovacuum would).
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
from typing import Any

SHARES = 10_000
RUNS, WARM_UP = 30, 5
VIEWER, PURPOSE, RECIPIENT = "inv.oclaesp", "investigation", "fr-oclaesp"
#: Owner agencies with their share of the cases, the officers who record them, the jurisdictions their cases
#: carry (weighted) and their crime areas.
OWNERS: dict[str, tuple[int, list[str], list[tuple[list[str], int]], list[str]]] = {
    "fr-ofb": (30, ["inv.ofb", "ana.ofb", "sup.ofb"], [(["FR"], 85), (["ES", "FR"], 8), (["BE", "FR"], 7)],
               ["online_trade", "online_trade", "poaching"]),
    "fr-oclaesp": (15, ["inv.oclaesp", "sup.oclaesp"], [(["FR"], 80), (["ES", "FR"], 10), (["BE", "FR"], 10)],
                   ["online_trade", "border", "financial_flows"]),
    "fr-dgddi": (20, ["inv.douane"], [(["FR"], 75), (["ES", "FR"], 15), (["BE", "FR", "NL"], 10)],
                 ["border", "border", "online_trade", "financial_flows"]),
    "es-seprona": (20, ["inv.seprona", "sup.seprona"], [(["ES"], 85), (["ES", "FR"], 10), (["ES", "PT"], 5)],
                   ["online_trade", "poaching"]),
    "be-police": (15, ["inv.bepol"], [(["BE"], 80), (["BE", "FR"], 10), (["BE", "NL"], 10)],
                  ["online_trade", "border"]),
}
APPENDICES = [([], 15), (["II"], 40), (["I"], 10), (["I", "II"], 15), (["II", "III"], 5), (["III"], 5),
              (["NC"], 10)]
CLASSIFICATIONS = [(0, 10), (1, 50), (2, 30), (3, 10)]
HANDLING = [("H0", 20), ("H1", 50), ("H2", 15), ("H3", 15)]
STATUSES = [("open", 30), ("active", 35), ("referred", 10), ("closed", 20), ("archived", 5)]
PRIORITIES = [("low", 20), ("medium", 50), ("high", 25), ("critical", 5)]


def pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


def medians(actions: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median time of each action in ms, interleaved run by run so that a busy machine slows all of them alike."""
    for _ in range(WARM_UP):
        for action in actions.values():
            action()
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(RUNS):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    workdir = tempfile.mkdtemp(prefix="wildnet-bench-policy-")
    os.environ.setdefault("WILDNET_VAR_DIR", workdir)
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from access import policy
    from agencies.models import Agency
    from cases.models import Case
    from cases.models.intel import list_key
    from mandates.models import Mandate
    from officers.models import Officer
    from sharing.models import Share, ShareStatus
    from wildnet import demo

    call_command("migrate", verbosity=0)
    demo.load()
    rng = random.Random(2026)
    now = timezone.now()
    agencies = {code: Agency.objects.get(code=code) for code in OWNERS}
    officers = {o.username: o for o in Officer.objects.select_related("agency")}

    # Cases: timestamps over three years, numbered in order per agency and year.
    started = time.perf_counter()
    moments = sorted(now - datetime.timedelta(seconds=rng.uniform(0, 3 * 365 * 86400)) for _ in range(count))
    owners = rng.choices(list(OWNERS), weights=[spec[0] for spec in OWNERS.values()], k=count)
    numbers: dict[tuple[str, int], int] = {}
    rows: list[Case] = []
    for i, (created_at, code) in enumerate(zip(moments, owners, strict=True)):
        _, writers, jurisdiction_weights, areas = OWNERS[code]
        number = numbers[code, created_at.year] = numbers.get((code, created_at.year), 0) + 1
        jurisdictions, appendices = pick(rng, jurisdiction_weights), pick(rng, APPENDICES)
        writer = officers[rng.choice(writers)]
        rows.append(Case(
            reference=f"{code.upper()}-{created_at.year}-{number:05d}", year=created_at.year, number=number,
            owner_agency=agencies[code], title=f"Bench case {i}", status=pick(rng, STATUSES),
            priority=pick(rng, PRIORITIES), lead_officer=writer, jurisdictions=jurisdictions,
            cites_appendices=appendices, jurisdiction_key=list_key(jurisdictions), appendix_key=list_key(appendices),
            crime_area=rng.choice(areas), classification=pick(rng, CLASSIFICATIONS),
            handling_code=pick(rng, HANDLING), created_by=writer, created_at=created_at, updated_at=created_at,
        ))
    with transaction.atomic():
        Case.objects.bulk_create(rows, batch_size=2_000)
    cases_time = time.perf_counter() - started

    # Shares to fr-oclaesp of cases of the other French agencies (ofb and dgddi), under its mandate in force.
    recipient = Agency.objects.get(code=RECIPIENT)
    mandate = Mandate.objects.in_force(now).get(agency=recipient)
    viewer_officer = officers[VIEWER]
    clearance = viewer_officer.clearance
    candidates = list(Case.objects.filter(owner_agency__code__in=["fr-ofb", "fr-dgddi"])
                      .values_list("pk", "jurisdictions", "cites_appendices", "crime_area", "classification"))
    assert len(candidates) >= SHARES, f"only {len(candidates)} French cases to share: raise the number of cases"
    chosen = rng.sample(candidates, SHARES)

    def covered(row: tuple[int, list[str], list[str], str, int]) -> bool:
        _, jurisdictions, appendices, area, level = row
        return (set(jurisdictions) <= set(mandate.jurisdictions) and set(appendices) <= set(mandate.cites_appendices)
                and area in mandate.crime_areas and level <= min(mandate.max_classification, clearance))

    chosen.sort(key=lambda row: not covered(row))  # the single share of the first measurement is a covered case
    sharer = officers["inv.ofb"]

    def share(row: tuple[int, list[str], list[str], str, int]) -> Share:
        return Share(case_id=row[0], recipient_agency=recipient, mandate=mandate, status=ShareStatus.ACTIVE,
                     expires_at=now + datetime.timedelta(days=rng.randint(30, 720)) if rng.random() < 0.3 else None,
                     redact_personal_data=rng.random() < 0.2, redact_sources=rng.random() < 0.3,
                     justification="Joint investigation into online trade.", shared_by=sharer,
                     created_at=now - datetime.timedelta(days=rng.randint(0, 365)))

    own_total = Case.objects.filter(owner_agency=recipient, classification__lte=clearance).count()
    unfiltered_page = Case.objects.order_by("-created_at", "-id")

    def filtered_queryset() -> Any:
        viewer = policy.viewer_for(viewer_officer, purpose=PURPOSE)  # one per request, as in the API
        return policy.visible(viewer, Case.objects.all()).order_by("-created_at", "-id")

    def filtered() -> tuple[list[Case], int]:
        queryset = filtered_queryset()
        return list(queryset[:100]), queryset.count()

    def unfiltered() -> tuple[list[Case], int]:
        return list(unfiltered_page[:100]), unfiltered_page.count()

    def analyse() -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def measure() -> dict[str, Any]:
        with CaptureQueriesContext(connection) as queries:
            page, total = filtered()
        return {"queries": len(queries), "sql": [q["sql"] for q in queries], "page": page, "total": total,
                **medians({"unfiltered": unfiltered, "filtered": filtered,
                           "unfiltered page": lambda: list(unfiltered_page[:100]),
                           "filtered page": lambda: list(filtered_queryset()[:100]),
                           "unfiltered count": unfiltered_page.count,
                           "filtered count": lambda: filtered_queryset().count()})}

    Share.objects.bulk_create([share(chosen[0])])
    analyse()
    one = measure()
    assert one["total"] == own_total + 1, (one["total"], own_total)
    started = time.perf_counter()
    with transaction.atomic():
        Share.objects.bulk_create([share(row) for row in chosen[1:]], batch_size=2_000)
    shares_time = time.perf_counter() - started
    analyse()
    many = measure()
    expected = own_total + sum(covered(row) for row in chosen)
    assert many["total"] == expected, (many["total"], expected)
    assert many["queries"] == one["queries"], (one["sql"], many["sql"])
    covered_ids = [row[0] for row in chosen if covered(row)]
    reference_page = Case.objects.filter(Q(owner_agency=recipient, classification__lte=clearance)
                                         | Q(pk__in=covered_ids)).order_by("-created_at", "-id")[:100]
    assert [c.pk for c in many["page"]] == [c.pk for c in reference_page]

    ratio = many["filtered"] / many["unfiltered"]
    version = connection.pg_version if connection.vendor == "postgresql" else connection.Database.sqlite_version
    print(f"database: {connection.vendor} {version}".rstrip())
    print(f"setup: {count:,} cases bulk-created in {cases_time:.1f} s; {SHARES:,} active shares to {RECIPIENT} "
          f"in {shares_time:.1f} s ({sum(covered(row) for row in chosen):,} covered by its mandate)")
    print(f"viewer: {VIEWER} (purpose {PURPOSE}) sees {many['total']:,} cases: {own_total:,} of their agency + "
          f"{many['total'] - own_total:,} shared")
    print(f"SQL statements for the page and its count (fresh viewer, mandates included): {one['queries']} with "
          f"1 share, {many['queries']} with {SHARES:,} shares")
    print()
    print(f"| measure ({count:,} cases, median of {RUNS} after {WARM_UP} warm-up) | 1 share | {SHARES:,} shares |")
    print("|---|---|---|")
    for key in ["unfiltered page", "unfiltered count", "unfiltered", "filtered page", "filtered count", "filtered"]:
        label = {"unfiltered": "unfiltered page + count", "filtered": "policy-filtered page + count"}.get(key, key)
        print(f"| {label} | {one[key]:.1f} ms | {many[key]:.1f} ms |")
    print(f"| ratio filtered / unfiltered | {one['filtered'] / one['unfiltered']:.2f}x | {ratio:.2f}x |")
    print()
    print(f"target: within 1.5x -> {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x with {SHARES:,} shares)")
    print()
    print("page SQL:", str(filtered_queryset()[:100].query))
    with CaptureQueriesContext(connection) as queries:
        filtered()
    for title, sql in [("page", queries[-2]["sql"]), ("count", queries[-1]["sql"])]:
        print()
        print(f"QUERY PLAN of the filtered {title} ({SHARES:,} shares):")
        print(explain(sql))


def explain(sql: str) -> str:
    """The plan of a statement as executed: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in cursor.fetchall())


if __name__ == "__main__":
    main()
