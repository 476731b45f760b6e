"""Benchmark of the GraphQL read path (issue 18 "Speed"). Not a test: run with `make bench-graphql`.

The issue found a 100-case page with its listings and claims 19-22x slower through GraphQL than the same rows
read with plain SQL and written as JSON, and asks for at most 4x; a case detail within 6 ms of CPU,
a 20-case list within 4 ms, and a search with facets within 5 SQL statements and 25 ms. On a fresh PostgreSQL
database (the one DATABASE_URL names; it is dropped and created again, so its name must start with
``wildnet_bench``) this script

* loads the demo world and indexes it (the database search backend), then bulk-creates 2,000 cases of fr-ofb
  with 10 listings each (platform, URL, title, advert text, price, seller), the sellers' phone numbers and
  platform accounts as entity claims, and two graded reports per case, newer than every demo case so that the
  first page holds only them (bulk rows are not indexed: the search runs on the demo world);
* imports ``wildnet.wsgi`` as gunicorn does (everything loaded, then the heap frozen: ``wildnet.wsgi.settle``);
* as inv.ofb declaring the purpose "investigation" (an API token, through ``wildnet.wsgi.application`` called
  as gunicorn calls it: the full Django stack of middleware, view, validation, execution and JSON, the response
  closed, the database connection kept as production keeps it), measures in one process, interleaved run by
  run after a warm-up, the median wall time and CPU time (``time.process_time``) of

  A. ``cases(first: 100)`` with each case's listings and claims;
  B. ``node(id)`` of one case with its listings, claims and reports;
  C. ``cases(first: 20)`` with a few scalar fields and ``totalCount``;
  D. ``search(query: "ivoire")`` with its hits and facets;

  A, B and C each beside the same rows read with raw SQL (the minimal statements and joins) and serialised to
  the same JSON with orjson, the writer of the API's own answers (it was ``json.dumps`` on both sides until the
  API switched), with the ratios of wall and CPU time;
* checks every response on every run (no errors, the expected number of items; each GraphQL answer equal to its
  raw SQL's JSON), and counts each operation's SQL statements at its second run (the first run of a process
  makes what later ones reuse: a search checks once whether pg_trgm is installed). With ``--profile`` it then
  prints a cProfile of operation A, or of the one named (``--profile B``): own time by package, top 25 by
  cumulative and by own time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_gql .venv/bin/python \\
        tests/benchmarks/bench_graphql.py --runs 30 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import io
import json
import os
import pstats
import random
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from bench_import_listings import phone
from bench_policy import CLASSIFICATIONS, HANDLING, PRIORITIES, STATUSES, pick
from bench_search import HOSTS, LANGUAGES, LISTING_STATUSES, PLATFORMS, THEMES, synthetic_advert

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/wildnet_bench_gql"
CASES, LISTINGS_PER_CASE, REPORTS_PER_CASE = 2_000, 10, 2
#: Sellers' phone numbers and platform accounts, each shared by a few cases (numbers far from the demo's).
PHONES, ACCOUNTS, FIRST_SELLER = 3_000, 3_000, 500_000
OWNER, VIEWER, PURPOSE = "fr-ofb", "inv.ofb", "investigation"
WRITERS = ["inv.ofb", "ana.ofb", "sup.ofb"]
TARGETS = {"ratio": 4.0, "detail_cpu": 6.0, "list_cpu": 4.0, "search_statements": 5, "search_ms": 25.0}

PAGE = """query Page($first: Int!) {
  cases(first: $first) { edges { node { id reference title
    listings { url title status platform { code } }
    entityLinks { role entity { kind value } } } } }
}"""
DETAIL = """query Detail($id: ID!) {
  node(id: $id) { ... on Case { id reference title summary status priority jurisdictions citesAppendices
    crimeArea classification handlingCode createdAt ownerAgency { code name } redactedGroups
    listings { id url title text price currency status firstSeenAt lastSeenAt platform { code }
               seller { kind value } }
    entityLinks { id role sourceReliability informationCredibility entity { id kind value normalised } }
    reports { id text grading reportedOn handlingCode } } }
}"""
LIST = """query List($first: Int!) {
  cases(first: $first) { totalCount edges { node { id reference title status priority createdAt } } }
}"""
SEARCH = """query Search($query: String!) {
  search(query: $query) { totalCount nextCursor
    hits { type score highlights { field fragments } case { reference } listing { url } entity { value }
           report { id } }
    facets { name values { value count } } }
}"""


class Answer(NamedTuple):
    status_code: int
    content: bytes


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database ``url`` names: every run measures the same fresh data."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    if not config["NAME"].startswith("wildnet_bench"):
        raise SystemExit(f"Refusing to drop {config['NAME']!r}: a benchmark database's name starts with "
                         "wildnet_bench.")
    server = {"host": config["HOST"] or "127.0.0.1", "port": config["PORT"] or 5432,
              "user": config["USER"] or "postgres", "password": config["PASSWORD"] or None, "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"])))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def setup_world(default_database: str) -> dict[str, Any]:
    """Set Django up on a fresh database with the demo world (indexed) and the bench cases; returns their ids.

    Shared with bench_load.py, which serves the same data through gunicorn. Connections are kept between
    requests as production keeps them (``DATABASE_CONN_MAX_AGE``), not opened again for each.
    """
    os.environ.setdefault("DATABASE_URL", default_database)
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    fresh_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-graphql-"))
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from search.models import SearchEntry

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())  # the whole demo world, then `search_index --rebuild`
    indexed = SearchEntry.objects.count()
    started = time.perf_counter()
    case_ids = bulk_create_cases(random.Random(2026))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"case_ids": case_ids, "indexed": indexed, "load_seconds": time.perf_counter() - started}


def bulk_create_cases(rng: random.Random) -> list[int]:
    """The bench cases, newest first, with their listings, claims and reports (no ``save()``, no outbox)."""
    from django.db import transaction
    from django.db.models import Max

    from agencies.models import Agency
    from cases.identifiers import normalise_entity
    from cases.models import Case, CaseEntity, Entity, EntityKind, IntelReport, Listing
    from cases.models.intel import list_key
    from officers.models import Officer

    owner = Agency.objects.get(code=OWNER)
    platforms = {code: Agency.objects.get(code=code) for code in HOSTS}
    writers = [Officer.objects.get(username=name) for name in WRITERS]
    clearance = Officer.objects.get(username=VIEWER).clearance
    levels = [(level, weight) for level, weight in CLASSIFICATIONS if level <= clearance]
    # Just after the newest demo case, 100 µs apart: the first pages hold bench cases only, newest first.
    latest = Case.objects.aggregate(latest=Max("created_at"))["latest"]
    top = latest + datetime.timedelta(seconds=1)
    year = top.year
    first_number = (Case.objects.filter(owner_agency=owner, year=year).aggregate(n=Max("number"))["n"] or 0) + 1

    phones = [Entity(kind=EntityKind.PHONE, value=phone(s), normalised=normalise_entity(EntityKind.PHONE, phone(s),
                                                                                        region="FR"))
              for s in range(FIRST_SELLER, FIRST_SELLER + PHONES)]
    accounts = []
    for k in range(ACCOUNTS):
        code = rng.choice(list(HOSTS))
        handle = f"bench_seller_{k}"
        accounts.append(Entity(kind=EntityKind.ONLINE_ACCOUNT, value=handle, platform=platforms[code],
                               normalised=normalise_entity(EntityKind.ONLINE_ACCOUNT, handle, platform_code=code)))
    cases, themes, claims, listings, reports = [], [], [], [], []
    with transaction.atomic():
        Entity.objects.bulk_create(phones + accounts, batch_size=2_000)
        for i in range(CASES):
            created_at = top - datetime.timedelta(microseconds=100 * i)
            writer = rng.choice(writers)
            theme = rng.choices(list(THEMES), weights=[spec[0] for spec in THEMES.values()])[0]
            themes.append(theme)
            cases.append(Case(
                reference=f"{OWNER.upper()}-{year}-{first_number + i:05d}", year=year, number=first_number + i,
                owner_agency=owner, title=f"Online trade in {theme} #{i}", summary=f"Adverts for {theme} online.",
                status=pick(rng, STATUSES), priority=pick(rng, PRIORITIES), lead_officer=writer,
                jurisdictions=["FR"], cites_appendices=["I"], jurisdiction_key=list_key(["FR"]),
                appendix_key=list_key(["I"]), crime_area="online_trade", classification=pick(rng, levels),
                handling_code=pick(rng, HANDLING), created_by=writer, created_at=created_at, updated_at=created_at,
            ))
        Case.objects.bulk_create(cases, batch_size=2_000)
        for case, theme in zip(cases, themes, strict=True):
            sellers = rng.sample(range(PHONES), rng.randint(1, 3))
            for entity in [*(phones[s] for s in sellers), rng.choice(accounts)]:
                claims.append(CaseEntity(case=case, entity=entity, role="seller", source_reliability="B",
                                         information_credibility="2", handling_code=case.handling_code,
                                         created_by=case.created_by, created_at=case.created_at))
            for j in range(LISTINGS_PER_CASE):
                language = pick(rng, LANGUAGES)
                code = pick(rng, PLATFORMS[language])
                seller = rng.choice(sellers) if rng.random() < 0.6 else None
                title, text = synthetic_advert(rng, theme, language, None if seller is None else FIRST_SELLER + seller)
                url = f"https://{HOSTS[code]}/{case.pk}-{j}.htm"
                seen = case.created_at - datetime.timedelta(seconds=rng.uniform(0, 180 * 86400))
                listings.append(Listing(
                    case=case, platform=platforms[code], url=url, url_digest=hashlib.sha256(url.encode()).hexdigest(),
                    external_id=f"{case.pk}-{j}", title=title, text=text, language=language,
                    price=rng.randint(15, 9000), currency="EUR", first_seen_at=seen, last_seen_at=seen,
                    seller=None if seller is None else phones[seller], status=pick(rng, LISTING_STATUSES),
                    created_by=case.created_by, created_at=seen,
                ))
            for k in range(REPORTS_PER_CASE):
                reports.append(IntelReport(
                    case=case, text=f"Seller active on {k + 2} platforms; payment through a prepaid card.",
                    author=case.created_by, grading_system="europol_4x4", source_evaluation=rng.choice("ABC"),
                    information_assessment=rng.choice("123"), handling_code=case.handling_code,
                    reported_on=case.created_at.date(), created_at=case.created_at,
                ))
        CaseEntity.objects.bulk_create(claims, batch_size=5_000)
        Listing.objects.bulk_create(listings, batch_size=2_000)
        IntelReport.objects.bulk_create(reports, batch_size=5_000)
    return [case.pk for case in cases]


def page_by_sql(owner_id: int, clearance: int, first: int) -> bytes:
    """Operation A without GraphQL: the same page read with three plain statements, as the same JSON."""
    from django.db import connection
    from graphql_relay import to_global_id

    from agencies.models import Agency
    from cases.models import Case, CaseEntity, Entity, Listing

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, reference, title FROM {Case._meta.db_table} "  # noqa: S608  (table names)
                       "WHERE owner_agency_id = %s AND classification <= %s "
                       "ORDER BY created_at DESC, id DESC LIMIT %s", [owner_id, clearance, first])
        cases = cursor.fetchall()
        ids = [row[0] for row in cases]
        nodes = {pk: {"id": to_global_id("Case", pk), "reference": reference, "title": title, "listings": [],
                      "entityLinks": []} for pk, reference, title in cases}
        cursor.execute(f"SELECT l.case_id, l.url, l.title, l.status, a.code FROM {Listing._meta.db_table} l "  # noqa: S608
                       f"LEFT JOIN {Agency._meta.db_table} a ON a.id = l.platform_id WHERE l.case_id = ANY(%s) "
                       "ORDER BY l.last_seen_at DESC, l.id DESC", [ids])
        for case_id, url, title, status, code in cursor.fetchall():
            nodes[case_id]["listings"].append({"url": url, "title": title, "status": status.upper(),
                                               "platform": {"code": code} if code is not None else None})
        cursor.execute(f"SELECT c.case_id, c.role, e.kind, e.value FROM {CaseEntity._meta.db_table} c "  # noqa: S608
                       f"JOIN {Entity._meta.db_table} e ON e.id = c.entity_id WHERE c.case_id = ANY(%s) "
                       "ORDER BY e.kind, e.normalised, c.id", [ids])
        for case_id, role, kind, value in cursor.fetchall():
            nodes[case_id]["entityLinks"].append({"role": role.upper(),
                                                  "entity": {"kind": kind.upper(), "value": value}})
    page = {"data": {"cases": {"edges": [{"node": nodes[pk]} for pk in ids]}}}
    return orjson.dumps(page)


def detail_by_sql(case_id: int, owner_id: int, clearance: int) -> bytes:
    """Operation B without GraphQL: the case with its agency, listings, claims and reports in four statements."""
    from django.db import connection
    from graphql_relay import to_global_id

    from access.markings import Classification, CrimeArea, HandlingCode
    from agencies.models import Agency
    from cases.models import (
        Case,
        CaseEntity,
        CaseStatus,
        Entity,
        EntityKind,
        EntityRole,
        IntelReport,
        Listing,
        ListingStatus,
        Priority,
    )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id, c.reference, c.title, c.summary, c.status, c.priority, c.jurisdictions, "  # noqa: S608
                       "c.cites_appendices, c.crime_area, c.classification, c.handling_code, c.created_at, a.code, "
                       f"a.name FROM {Case._meta.db_table} c JOIN {Agency._meta.db_table} a "
                       "ON a.id = c.owner_agency_id WHERE c.id = %s AND c.owner_agency_id = %s "
                       "AND c.classification <= %s", [case_id, owner_id, clearance])
        (pk, reference, title, summary, status, priority, jurisdictions, appendices, crime_area, classification,
         handling, created_at, agency_code, agency_name) = cursor.fetchone()
        node: dict[str, Any] = {
            "id": to_global_id("Case", pk), "reference": reference, "title": title, "summary": summary,
            "status": CaseStatus(status).name, "priority": Priority(priority).name,
            # JSON columns: Django's cursor hands their text over (models decode it in ``from_db_value``).
            "jurisdictions": json.loads(jurisdictions), "citesAppendices": json.loads(appendices),
            "crimeArea": CrimeArea(crime_area).name,
            "classification": Classification(classification).name, "handlingCode": HandlingCode(handling).name,
            "createdAt": created_at.isoformat(), "ownerAgency": {"code": agency_code, "name": agency_name},
            "redactedGroups": [], "listings": [], "entityLinks": [], "reports": []}
        cursor.execute(f"SELECT l.id, l.url, l.title, l.text, l.price, l.currency, l.status, l.first_seen_at, "  # noqa: S608
                       f"l.last_seen_at, p.code, e.kind, e.value FROM {Listing._meta.db_table} l "
                       f"LEFT JOIN {Agency._meta.db_table} p ON p.id = l.platform_id "
                       f"LEFT JOIN {Entity._meta.db_table} e ON e.id = l.seller_id WHERE l.case_id = %s "
                       "ORDER BY l.last_seen_at DESC, l.id DESC", [pk])
        for (lid, url, ltitle, text, price, currency, lstatus, first_seen, last_seen, platform, kind,
             value) in cursor.fetchall():
            node["listings"].append({
                "id": to_global_id("Listing", lid), "url": url, "title": ltitle, "text": text,
                "price": None if price is None else str(price), "currency": currency,
                "status": ListingStatus(lstatus).name, "firstSeenAt": first_seen.isoformat(),
                "lastSeenAt": last_seen.isoformat(), "platform": None if platform is None else {"code": platform},
                "seller": None if kind is None else {"kind": EntityKind(kind).name, "value": value}})
        cursor.execute(f"SELECT c.id, c.role, c.source_reliability, c.information_credibility, e.id, e.kind, "  # noqa: S608
                       f"e.value, e.normalised FROM {CaseEntity._meta.db_table} c "
                       f"JOIN {Entity._meta.db_table} e ON e.id = c.entity_id WHERE c.case_id = %s "
                       "ORDER BY e.kind, e.normalised, c.id", [pk])
        for cid, role, reliability, credibility, eid, kind, value, normalised in cursor.fetchall():
            node["entityLinks"].append({
                "id": to_global_id("EntityClaim", cid), "role": EntityRole(role).name,
                "sourceReliability": reliability, "informationCredibility": credibility,
                "entity": {"id": to_global_id("Entity", eid), "kind": EntityKind(kind).name, "value": value,
                           "normalised": normalised}})
        cursor.execute(f"SELECT id, text, source_evaluation, information_assessment, uk_handling, reported_on, "  # noqa: S608
                       f"handling_code FROM {IntelReport._meta.db_table} WHERE case_id = %s "
                       "ORDER BY reported_on DESC, id DESC", [pk])
        for rid, text, source, information, uk, reported_on, rhandling in cursor.fetchall():
            node["reports"].append({"id": to_global_id("IntelReport", rid), "text": text,
                                    "grading": f"{source}{information}{uk}", "reportedOn": reported_on.isoformat(),
                                    "handlingCode": HandlingCode(rhandling).name})
    return orjson.dumps({"data": {"node": node}})


def list_by_sql(owner_id: int, clearance: int, first: int) -> bytes:
    """Operation C without GraphQL: the count and the page of cases, in two statements."""
    from django.db import connection
    from graphql_relay import to_global_id

    from cases.models import Case, CaseStatus, Priority

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Case._meta.db_table} "  # noqa: S608
                       "WHERE owner_agency_id = %s AND classification <= %s", [owner_id, clearance])
        (total,) = cursor.fetchone()
        cursor.execute(f"SELECT id, reference, title, status, priority, created_at FROM {Case._meta.db_table} "  # noqa: S608
                       "WHERE owner_agency_id = %s AND classification <= %s "
                       "ORDER BY created_at DESC, id DESC LIMIT %s", [owner_id, clearance, first])
        edges = [{"node": {"id": to_global_id("Case", pk), "reference": reference, "title": title,
                           "status": CaseStatus(status).name, "priority": Priority(priority).name,
                           "createdAt": created_at.isoformat()}}
                 for pk, reference, title, status, priority, created_at in cursor.fetchall()]
    return orjson.dumps({"data": {"cases": {"totalCount": total, "edges": edges}}})


def measure(actions: dict[str, Callable[[], Any]], check: Callable[[str, Any], None], runs: int,
            warm_up: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU ms of each action, interleaved run by run so a busy machine slows all alike.

    Only the call is timed; its result is checked after the clocks stop, on every run.
    """
    for _ in range(warm_up):
        for name, action in actions.items():
            check(name, action())
    wall: dict[str, list[float]] = {name: [] for name in actions}
    cpu: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            result = action()
            cpu[name].append(time.process_time() - started_cpu)
            wall[name].append(time.perf_counter() - started)
            check(name, result)
    return {name: {"wall": statistics.median(wall[name]) * 1000, "cpu": statistics.median(cpu[name]) * 1000,
                   "wall_p95": sorted(wall[name])[int(0.95 * (len(wall[name]) - 1))] * 1000}
            for name in actions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="Timed runs of each operation (after the warm-up).")
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--profile", nargs="?", const="A", choices="ABCD", metavar="OPERATION",
                        help="Then print a cProfile of one operation (A unless named: A, B, C or D).")
    args = parser.parse_args()
    world = setup_world(DEFAULT_DATABASE)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from graphql_relay import to_global_id

    from cases.models import Case
    from officers.actions import issue_token
    from officers.models import Officer
    from wildnet.wsgi import application  # the process as gunicorn runs it: everything loaded, the heap frozen

    officer = Officer.objects.select_related("agency").get(username=VIEWER)
    detail_case = Case.objects.get(pk=world["case_ids"][CASES // 2])
    expected = {"claims": detail_case.entity_links.count(), "reports": detail_case.reports.count()}
    _, token = issue_token(officer, name="bench_graphql", scopes=["read"])

    def graphql(query: str, variables: dict[str, Any]) -> Callable[[], Answer]:
        """``POST /graphql/`` as gunicorn makes it: the WSGI application, the API token, the response closed
        (which ends the request: ``request_finished``)."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/graphql/", "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
                   "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_WILDNET_PURPOSE": PURPOSE}

        def post() -> Answer:
            statuses: list[str] = []

            def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Callable[[bytes], object]:
                statuses.append(status)
                return sys.stdout.buffer.write  # the legacy write() callable; Django never calls it

            response = application({**environ, "wsgi.input": io.BytesIO(body)}, start_response)
            try:
                content = b"".join(response)
            finally:
                response.close()
            return Answer(int(statuses[0][:3]), content)

        return post

    owner, clearance = officer.agency_id, officer.clearance
    actions: dict[str, Callable[[], Any]] = {
        "A graphql": graphql(PAGE, {"first": 100}),
        "A raw sql": lambda: page_by_sql(owner, clearance, 100),
        "B graphql": graphql(DETAIL, {"id": to_global_id("Case", detail_case.pk)}),
        "B raw sql": lambda: detail_by_sql(detail_case.pk, owner, clearance),
        "C graphql": graphql(LIST, {"first": 20}),
        "C raw sql": lambda: list_by_sql(owner, clearance, 20),
        "D search": graphql(SEARCH, {"query": "ivoire"}),
    }
    #: What each GraphQL operation must answer: exactly the raw SQL's JSON.
    reference = {"A": json.loads(page_by_sql(owner, clearance, 100)),
                 "B": json.loads(detail_by_sql(detail_case.pk, owner, clearance)),
                 "C": json.loads(list_by_sql(owner, clearance, 20))}

    def check(name: str, result: Any) -> None:
        if name.endswith("raw sql"):
            assert json.loads(result) == reference[name[0]]
            return
        assert result.status_code == 200, (name, result.status_code, result.content[:500])
        body = json.loads(result.content)
        assert "errors" not in body, (name, body["errors"])
        data = body["data"]
        if name == "A graphql":
            edges = data["cases"]["edges"]
            assert len(edges) == 100 and all(len(e["node"]["listings"]) == LISTINGS_PER_CASE for e in edges)
        elif name == "B graphql":
            node = data["node"]
            assert node["reference"] == detail_case.reference and len(node["listings"]) == LISTINGS_PER_CASE
            assert (len(node["entityLinks"]), len(node["reports"])) == (expected["claims"], expected["reports"])
        elif name == "C graphql":
            assert len(data["cases"]["edges"]) == 20 and data["cases"]["totalCount"] >= CASES
        else:
            assert data["search"]["hits"] and data["search"]["facets"], data["search"]
        if name[0] in reference:
            assert data == reference[name[0]]["data"], (f"GraphQL and raw SQL disagree on {name[0]}",
                                                         json.dumps(data)[:1500],
                                                         json.dumps(reference[name[0]]["data"])[:1500])

    statements: dict[str, int] = {}
    sql: dict[str, list[str]] = {}
    for name, action in actions.items():
        check(name, action())  # the first run of a process builds what later runs reuse (the search's checks)
        with CaptureQueriesContext(connection) as queries:
            check(name, action())
        statements[name], sql[name] = len(queries), [q["sql"] for q in queries]
    figures = measure(actions, check, args.runs, args.warm_up)
    report(world, figures, statements, sql, args)
    if args.profile:
        operation = next(name for name in actions if name[0] == args.profile and not name.endswith("raw sql"))
        profile(operation, actions[operation], args.runs)


def report(world: dict[str, Any], figures: dict[str, dict[str, float]], statements: dict[str, int],
           sql: dict[str, list[str]], args: argparse.Namespace) -> None:
    from django.db import connection

    print(f"database: {connection.vendor} {connection.pg_version}; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"setup: demo world ({world['indexed']} documents indexed) + {CASES:,} cases x {LISTINGS_PER_CASE} "
          f"listings, claims, {REPORTS_PER_CASE} reports each, bulk-created in {world['load_seconds']:.1f} s")
    print(f"viewer: {VIEWER} (purpose {PURPOSE}), API token, through wildnet.wsgi.application; the raw SQL reads "
          "the same rows with plain statements and writes the same JSON with orjson (checked equal on every run)")
    print()
    print(f"Median of {args.runs} interleaved runs after {args.warm_up} of warm-up; CPU is the process's CPU time "
          "per request (time.process_time).")
    print()
    print("| operation | GraphQL wall (p95) | GraphQL CPU | statements | raw SQL + JSON wall | raw CPU | statements "
          "| ratio wall | ratio CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    labels = {"A": "A. cases(first: 100) + listings + claims",
              "B": "B. node(id) case detail + listings, claims, reports",
              "C": "C. cases(first: 20), scalar fields + totalCount"}
    for letter, label in labels.items():
        g, r = figures[f"{letter} graphql"], figures[f"{letter} raw sql"]
        print(f"| {label} | {g['wall']:.2f} ms ({g['wall_p95']:.2f}) | {g['cpu']:.2f} ms "
              f"| {statements[f'{letter} graphql']} | {r['wall']:.2f} ms | {r['cpu']:.2f} ms "
              f"| {statements[f'{letter} raw sql']} | {g['wall'] / r['wall']:.1f}x | {g['cpu'] / r['cpu']:.1f}x |")
    d = figures["D search"]
    print(f'| D. search(query: "ivoire") hits + facets (demo data) | {d["wall"]:.2f} ms ({d["wall_p95"]:.2f}) '
          f"| {d['cpu']:.2f} ms | {statements['D search']} | | | | | |")
    print()
    a, raw = figures["A graphql"], figures["A raw sql"]
    ratio, cpu_ratio = a["wall"] / raw["wall"], a["cpu"] / raw["cpu"]
    targets = [
        (f"A: GraphQL / raw SQL <= {TARGETS['ratio']}x", f"{ratio:.1f}x wall ({cpu_ratio:.1f}x CPU)",
         ratio <= TARGETS["ratio"]),
        (f"B: detail CPU <= {TARGETS['detail_cpu']} ms", f"{figures['B graphql']['cpu']:.2f} ms",
         figures["B graphql"]["cpu"] <= TARGETS["detail_cpu"]),
        (f"C: list CPU <= {TARGETS['list_cpu']} ms", f"{figures['C graphql']['cpu']:.2f} ms",
         figures["C graphql"]["cpu"] <= TARGETS["list_cpu"]),
        (f"D: search <= {TARGETS['search_statements']} statements", str(statements["D search"]),
         statements["D search"] <= TARGETS["search_statements"]),
        (f"D: search <= {TARGETS['search_ms']} ms", f"{figures['D search']['wall']:.2f} ms",
         figures["D search"]["wall"] <= TARGETS["search_ms"]),
    ]
    for target, value, met in targets:
        print(f"target {target}: {value} -> {'met' if met else 'NOT met'}")
    for name in figures:
        print()
        print(f"SQL of {name} ({statements[name]} statements):")
        for statement in sql[name]:
            print(f"  {statement[:300]}{' …' if len(statement) > 300 else ''}")


def profile(name: str, action: Callable[[], Any], runs: int) -> None:
    """Where one operation's time goes in this process: ``runs`` requests under cProfile, own time by package."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        action()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[package_of(filename)] = by_package.get(package_of(filename), 0.0) + own
    total = sum(by_package.values())
    print()
    print(f"cProfile of {name}, {runs} requests ({total / runs * 1000:.0f} ms each under the profiler), "
          "own time by package:")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:15]:
        print(f"  {package:<36} {own / runs * 1000:7.1f} ms/request  {own / total:5.1%}")
    stats.strip_dirs()
    for order in ("cumulative", "tottime"):
        print()
        print(f"cProfile of {name}, {runs} requests, top 25 by {order}:")
        stats.sort_stats(order).print_stats(25)


def package_of(filename: str) -> str:
    """A profiled function's package: ``django.db``, ``graphql``, ``psycopg``, ``wildnet:cases``, ``stdlib:json``."""
    if filename.startswith(("~", "<")):
        return "builtins (C)"
    path = Path(filename).resolve()
    if "site-packages" in path.parts:
        parts = path.parts[path.parts.index("site-packages") + 1:]
        return ".".join(parts[:2]) if parts[0] == "django" and len(parts) > 2 else parts[0].removesuffix(".py")
    if path.is_relative_to(REPO):
        parts = path.relative_to(REPO).parts
        return f"wildnet:{parts[1] if parts[0] == 'platform' else parts[0]}"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    if path.is_relative_to(stdlib):
        return f"stdlib:{path.relative_to(stdlib).parts[0].removesuffix('.py')}"
    return f"other:{path.name}"


if __name__ == "__main__":
    main()
