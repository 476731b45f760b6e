"""Benchmark of search: indexing, query latency with and without the access policy, commit-to-searchable.

Not a test: run it by hand or with `make bench`; the figures go into README.md. The issue "Search at scale" asks
for 1,000,000 listings in the database backend on PostgreSQL, indexing throughput, p50/p95/p99 latency of typical
queries, the ratio of an access-filtered search to the same search unfiltered (target at most 1.3x), and
commit-to-searchable (target p99 at most 2 s with Elasticsearch). This script

* loads the demo world (agencies, officers, mandates) and the curated species, then bulk-creates, without
  ``save()`` or its signals, N listings (default 1,000,000) in N/40 cases of five agencies: the owners,
  jurisdictions, classifications, handling codes and statuses of tests/benchmarks/bench_policy.py, one theme
  per case (ivory, pangolin scales, parrots, tortoises, rhino horn, reptiles, falcons) whose species are linked
  to the case and to a third of its listings, and the case's appendices derived from them. Listing texts are
  French, Spanish and English adverts built from a wildlife-trade vocabulary; in parrot and falcon cases most
  are the real bird adverts of ../shared/data/bird_classified_ads_au_stemmed.csv.gz when that file is present.
  A fifth of the adverts carry the seller's phone number, which is also an entity claimed by the case. A
  quarter of the cases of fr-ofb and fr-dgddi, and a tenth of es-seprona's, are shared with fr-oclaesp under
  its mandate in force (the Spanish ones, outside its French jurisdiction, stay invisible to it);
* indexes through the public backend interface, ``backend.index(type, ids)`` in batches of 1,000 ids as the
  outbox handler and ``rebuild`` do, and reports documents per second, then runs VACUUM ANALYZE on PostgreSQL as
  autovacuum would;
* runs typical queries (a common word, a rare word, two words, a quoted phrase, a misspelt species name, a
  misspelt word that matches nothing exactly (the fuzzy fallback), a phone number, a word with platform,
  country and appendix filters, an empty text with a filter, the tenth page through cursors), each RUNS times
  after WARM_UP runs (fewer, at least MIN_RUNS, when they would take more than BUDGET seconds), the variants
  interleaved run by run, as inv.oclaesp declaring the purpose "investigation" (a fresh viewer per run, as per
  request in the API) and unfiltered, with the API's defaults (20 hits, facets and highlights). "Unfiltered"
  means the same backend search with the access policy taken out in this process only (``unfiltered``: the
  database backend's ``visible``, Elasticsearch's ``authz`` filter and page re-check): what the search costs
  without the policy. Totals are printed so results can be checked, and the filtered total must not exceed the
  unfiltered one;
* measures watchlist matching: WATCH_TERMS terms against PERCOLATION_LISTINGS listings in the batches the
  outbox hands ``search.alerts.evaluate`` (Elasticsearch: the percolator; the database backend: Python);
* measures commit-to-searchable: a real Celery worker (``celery -A wildnet worker``) is started on the same
  database and broker, then FRESHNESS times inv.oclaesp records a listing in one of its agency's cases through
  ``cases.actions.add_listing`` (whose outbox row is written in the same transaction) with a unique token in
  its title, and the time from the commit until ``backend.search`` finds the token for that officer is
  recorded (polled every 10 ms). Nothing here depends on the backend: with ``SEARCH_BACKEND=elasticsearch``
  (and ELASTICSEARCH_URL; ``make elasticsearch`` starts a node) the same code measures Elasticsearch, whose
  target is p99 at most 2 s, with production's refresh (``ELASTICSEARCH_REFRESH`` false).

The database is DATABASE_URL, by default the PostgreSQL database ``wildnet_bench`` on 127.0.0.1 (created if
missing); the broker is CELERY_BROKER_URL, by default Redis database 11 on 127.0.0.1. Both are dedicated to this
benchmark: the load refuses to run on a database that already holds listings unless ``--reset`` empties it
(only a database whose name contains "bench").
Usage::

    PYTHONPATH=platform:. .venv/bin/python tests/benchmarks/bench_search.py [N] [--reset] [--skip-load]
        [--queries-only | --freshness-only | --percolation-only] [--percolation 20000] [--runs 30]
        [--warm-up 5] [--budget 300] [--freshness 200] [--only LABEL]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import gzip
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench_import_listings import ADVERTS, phone
from bench_policy import CLASSIFICATIONS, HANDLING, OWNERS, PRIORITIES, STATUSES, pick

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/wildnet_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/11"
REPO = Path(__file__).resolve().parents[2]
VIEWER, PURPOSE, RECIPIENT = "inv.oclaesp", "investigation", "fr-oclaesp"
LISTINGS_PER_CASE = 40
INDEX_BATCH = 1_000
LOAD_BATCH = 20_000
RUNS, WARM_UP, FRESHNESS = 30, 5, 200
WATCH_TERMS, PERCOLATION_LISTINGS = 1_000, 20_000
#: Seconds of timed runs per query (both variants); a slower query runs fewer times, but at least MIN_RUNS.
BUDGET, MIN_RUNS = 300.0, 5
#: Share of the cases of these agencies shared with the recipient (es-seprona's fall outside its mandate).
SHARED = {"fr-ofb": 0.25, "fr-dgddi": 0.25, "es-seprona": 0.10}
#: In cases of these themes, this share of the listings is a real bird advert (when the file is present).
REAL_ADVERTS = {"parrots": 0.8, "falcons": 0.8}
PHONE_SHARE, SPECIES_SHARE = 0.2, 0.35
#: The seller whose number the phone query looks for; every 25th case counts them among its sellers.
PHONE_SELLER = 1235
LANGUAGES = [("fr", 45), ("es", 30), ("en", 25)]
PLATFORMS = {"fr": [("pf-leboncoin", 70), ("pf-facebook", 30)], "es": [("pf-wallapop", 70), ("pf-facebook", 30)],
             "en": [("pf-facebook", 100)]}
HOSTS = {"pf-leboncoin": "www.leboncoin.fr/ad/animaux", "pf-wallapop": "es.wallapop.com/item",
         "pf-facebook": "www.facebook.com/marketplace/item"}
LISTING_STATUSES = [("active", 80), ("removed", 15), ("relisted", 5)]

#: Theme → (weight, species of the case, what sellers call the goods in each language).
THEMES: dict[str, tuple[int, list[str], dict[str, list[str]]]] = {
    "ivory": (20, ["Loxodonta africana", "Elephas maximus"], {
        "fr": ["ivoire", "défense en ivoire", "statuette en ivoire", "netsuké en ivoire", "vieil os sculpté",
               "matière blanche", "ivoire ancien avant 1947", "bracelet en ivoire"],
        "es": ["marfil", "colmillo de marfil", "figura de marfil tallada", "marfil antiguo", "hueso viejo tallado"],
        "en": ["ivory", "carved ivory", "elephant tusk", "ivory netsuke", "antique ivory", "ivory scrimshaw"]}),
    "pangolin": (6, ["Manis javanica", "Manis pentadactyla"], {
        "fr": ["écailles de pangolin", "pangolin", "écailles pour médecine traditionnelle"],
        "es": ["escamas de pangolín", "pangolín", "escamas para medicina tradicional"],
        "en": ["pangolin scales", "pangolin", "scales for traditional medicine"]}),
    "parrots": (34, ["Psittacus erithacus", "Ara macao", "Cacatua galerita", "Cacatua alba", "Amazona aestiva"], {
        "fr": ["perroquet gris du Gabon", "Psittacus erithacus", "cacatoès", "ara macao", "jacquot",
               "perroquet élevé à la main", "bébé perroquet", "cacatoès à huppe jaune"],
        "es": ["loro gris africano", "yaco", "guacamayo", "cacatúa", "amazona frente azul", "loro criado a mano"],
        "en": ["african grey parrot", "Psittacus erithacus", "cockatoo", "scarlet macaw", "hand reared parrot",
               "baby parrot"]}),
    "tortoises": (15, ["Testudo hermanni", "Testudo graeca", "Astrochelys radiata", "Eretmochelys imbricata"], {
        "fr": ["tortue d'Hermann", "tortue hermann", "tortue grecque", "tortue radiée", "écaille de tortue",
               "peigne en écaille"],
        "es": ["tortuga mora", "tortuga de tierra", "carey", "peine de carey", "tortuga mediterránea"],
        "en": ["hermann tortoise", "spur-thighed tortoise", "radiated tortoise", "tortoiseshell",
               "hawksbill shell"]}),
    "rhino": (4, ["Ceratotherium simum", "Diceros bicornis"], {
        "fr": ["corne de rhinocéros", "poudre de corne de rhinocéros", "coupe en corne de rhinocéros"],
        "es": ["cuerno de rinoceronte", "polvo de cuerno de rinoceronte"],
        "en": ["rhino horn", "rhinoceros horn cup", "rhino horn powder"]}),
    "reptiles": (14, ["Python regius", "Chamaeleo calyptratus", "Furcifer pardalis"], {
        "fr": ["python royal", "caméléon panthère", "caméléon casqué", "python royal avec terrarium"],
        "es": ["pitón real", "camaleón pantera", "camaleón velado", "pitón con terrario"],
        "en": ["ball python", "royal python", "panther chameleon", "veiled chameleon"]}),
    "falcons": (7, ["Falco peregrinus"], {
        "fr": ["faucon pèlerin", "faucon pour fauconnerie", "poussin de faucon pèlerin"],
        "es": ["halcón peregrino", "halcón para cetrería", "pollo de halcón"],
        "en": ["peregrine falcon", "falcon for falconry", "falcon chick"]}),
}  # fmt: skip
#: What adverts say around the goods; "{phone}" is the seller's number.
PHRASES = {
    "fr": ["à vendre", "prix négociable", "envoi possible", "remise en main propre", "sans certificat",
           "avec certificat CITES", "urgent", "très bon état", "pièce rare", "collection privée",
           "paiement en espèces", "héritage familial", "photos sur demande"],
    "es": ["se vende", "precio negociable", "envío posible", "entrega en mano", "sin papeles",
           "con certificado CITES", "urgente", "muy buen estado", "pieza única", "colección privada",
           "pago en efectivo", "herencia familiar", "más fotos por privado"],
    "en": ["for sale", "price negotiable", "can ship", "collection only", "no papers", "with CITES certificate",
           "urgent", "excellent condition", "rare piece", "private collection", "cash only", "family heirloom",
           "more photos on request"],
}  # fmt: skip
CONTACT = {"fr": "contactez-moi au {phone}", "es": "llamar al {phone}", "en": "call {phone}"}


@dataclass(frozen=True)
class Typical:
    """A typical query: its label and what it asks (``pages`` > 1: the last of that many pages via cursors)."""

    label: str
    text: str
    filters: dict[str, Any]  # SearchFilters' fields
    pages: int = 1


QUERIES = [
    Typical("common word", "parrot", {}),
    Typical("common word (fr)", "ivoire", {}),
    Typical("rare word", "scrimshaw", {}),
    Typical("two words", "tortue hermann", {}),
    Typical("quoted phrase", '"corne de rhinocéros"', {}),
    Typical("misspelt species", "Psittacus eritacus", {}),
    Typical("misspelt word (no exact match: fuzzy)", "marfill", {}),
    Typical("phone number", phone(PHONE_SELLER), {}),
    Typical("word + platform, country, appendix", "ivoire",
            {"platform_codes": frozenset({"pf-leboncoin"}), "countries": frozenset({"FR"}),
             "cites_appendices": frozenset({"I"})}),
    Typical("empty text, listings of a platform", "",
            {"types": frozenset({"listing"}), "platform_codes": frozenset({"pf-wallapop"})}),
    Typical("10th page via cursor", "perroquet", {}, pages=10),
]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 in ms (inclusive method: with few runs p99 lies between the two slowest)."""
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def real_adverts() -> list[str]:
    """The real advert texts, or none when ../shared/data is absent (the listings are then all synthetic)."""
    if not ADVERTS.exists():
        return []
    # The published file is not UTF-8: a few adverts carry single-byte (Windows-1252) characters.
    with gzip.open(ADVERTS, "rt", encoding="cp1252", errors="replace", newline="") as stream:
        return [row["text_stop_stem"] for row in csv.DictReader(stream) if row["text_stop_stem"].strip()]


def synthetic_advert(rng: random.Random, theme: str, language: str, seller: int | None) -> tuple[str, str]:
    """A title and a text the way such adverts read: the goods, a few stock phrases, a price, maybe a number."""
    goods = THEMES[theme][2][language]
    item = rng.choice(goods)
    phrases = rng.sample(PHRASES[language], rng.randint(2, 5))
    parts = [item.capitalize(), *phrases[:2], rng.choice(goods), *phrases[2:], f"{rng.randint(15, 9000)} EUR"]
    if seller is not None:
        parts.append(CONTACT[language].format(phone=phone(seller)))
    return f"{item.capitalize()} {phrases[0]}"[:500], ". ".join(parts) + "."


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database the URL names if it does not exist yet (``make bench-search`` on a fresh
    machine)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    server = {"host": config["HOST"] or "127.0.0.1", "port": config["PORT"] or 5432,
              "user": config["USER"] or "postgres", "password": config["PASSWORD"] or None, "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER)
    os.environ.setdefault("WILDNET_VAR_DIR", tempfile.mkdtemp(prefix="wildnet-bench-search-"))
    os.environ["DJANGO_ENV"] = "test"
    # Production's refresh: a bulk write is searchable at the next refresh (1 s), not at once as in the tests.
    os.environ.setdefault("ELASTICSEARCH_REFRESH", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()


def load(count: int, rng: random.Random) -> dict[str, Any]:
    """Bulk-create the cases, claims, listings and shares (no ``save()``, no outbox rows); returns counts."""
    from django.db import transaction
    from django.utils import timezone

    from agencies.models import Agency
    from cases.identifiers import normalise_entity
    from cases.models import Case, CaseEntity, Entity, EntityKind, Listing, Species
    from cases.models.intel import list_key
    from mandates.models import Mandate
    from officers.models import Officer
    from sharing.models import Share, ShareStatus

    now = timezone.now()
    agencies = {a.code: a for a in Agency.objects.all()}
    officers = {o.username: o for o in Officer.objects.all()}
    species = {s.scientific_name: s for s in Species.objects.filter(
        scientific_name__in={name for _, names, _ in THEMES.values() for name in names})}
    missing = {name for _, names, _ in THEMES.values() for name in names} - set(species)
    assert not missing, f"species missing from the curated fixture: {sorted(missing)}"
    texts = real_adverts()

    # Cases: a theme each, timestamps over three years, numbered in order per agency and year.
    case_count = max(50, count // LISTINGS_PER_CASE)
    moments = sorted(now - datetime.timedelta(seconds=rng.uniform(0, 3 * 365 * 86400)) for _ in range(case_count))
    owners = rng.choices(list(OWNERS), weights=[spec[0] for spec in OWNERS.values()], k=case_count)
    themes = rng.choices(list(THEMES), weights=[spec[0] for spec in THEMES.values()], k=case_count)
    sellers_pool = max(2 * PHONE_SELLER, count // 100)
    numbers: dict[tuple[str, int], int] = {}
    cases, case_sellers = [], []
    for i, (created_at, code, theme) in enumerate(zip(moments, owners, themes, strict=True)):
        _, writers, jurisdiction_weights, areas = OWNERS[code]
        number = numbers[code, created_at.year] = numbers.get((code, created_at.year), 0) + 1
        jurisdictions = pick(rng, jurisdiction_weights)
        appendices = sorted({a for name in THEMES[theme][1] for a in species[name].cites_listing.split("/") if a})
        writer = officers[rng.choice(writers)]
        language = "es" if code.startswith("es-") else "fr"
        goods = rng.choice(THEMES[theme][2][language])
        cases.append(Case(
            reference=f"{code.upper()}-{created_at.year}-{number:05d}", year=created_at.year, number=number,
            owner_agency=agencies[code], title=f"{goods.capitalize()} — {', '.join(jurisdictions)} #{i}",
            summary=f"{goods} ; {rng.choice(PHRASES[language])} ; {rng.choice(PHRASES[language])}",
            status=pick(rng, STATUSES), priority=pick(rng, PRIORITIES), lead_officer=writer,
            jurisdictions=jurisdictions, cites_appendices=appendices, jurisdiction_key=list_key(jurisdictions),
            appendix_key=list_key(appendices), crime_area=rng.choice(areas),
            classification=pick(rng, CLASSIFICATIONS), handling_code=pick(rng, HANDLING), created_by=writer,
            created_at=created_at, updated_at=created_at,
        ))
        sellers = {rng.randrange(sellers_pool) for _ in range(rng.randint(1, 5))}
        case_sellers.append(sorted(sellers | ({PHONE_SELLER} if i % 25 == 0 else set())))
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=2_000)
        Case.species.through.objects.bulk_create(
            [Case.species.through(case_id=case.pk, species_id=species[name].pk)
             for case, theme in zip(cases, themes, strict=True) for name in THEMES[theme][1]], batch_size=5_000)

    # Sellers' phone numbers: entities, and a claim of every case whose adverts show them.
    used = sorted({s for sellers in case_sellers for s in sellers})
    entities = [Entity(kind=EntityKind.PHONE, value=phone(s), normalised=normalise_entity(EntityKind.PHONE, phone(s),
                                                                                           region="FR"))
                for s in used]
    with transaction.atomic():
        Entity.objects.bulk_create(entities, batch_size=5_000)
        entity_of = {s: e.pk for s, e in zip(used, entities, strict=True)}
        CaseEntity.objects.bulk_create(
            [CaseEntity(case=case, entity_id=entity_of[s], role="seller", created_by=case.created_by,
                        handling_code=case.handling_code, created_at=case.created_at)
             for case, sellers in zip(cases, case_sellers, strict=True) for s in sellers], batch_size=5_000)

    # Listings: a heavy-tailed number per case (a few big import cases, many small ones), written in batches.
    weights = [rng.paretovariate(1.2) for _ in cases]
    platforms = {code: agencies[code] for code in HOSTS}
    links = 0
    for start in range(0, count, LOAD_BATCH):
        size = min(LOAD_BATCH, count - start)
        rows, themed = [], []
        for offset, index in enumerate(rng.choices(range(len(cases)), weights=weights, k=size)):
            case, theme, serial = cases[index], themes[index], start + offset
            seller = rng.choice(case_sellers[index]) if rng.random() < PHONE_SHARE else None
            if texts and rng.random() < REAL_ADVERTS.get(theme, 0.0):
                language, text = "en", texts[serial % len(texts)]
                if seller is not None:
                    text = f"{text} {CONTACT['en'].format(phone=phone(seller))}"
                title = " ".join(text.split()[:8])
            else:
                language = pick(rng, LANGUAGES)
                title, text = synthetic_advert(rng, theme, language, seller)
            platform = pick(rng, PLATFORMS[language])
            url = f"https://{HOSTS[platform]}/{case.pk}-{serial}.htm"
            seen = min(now, case.created_at + datetime.timedelta(seconds=rng.uniform(0, 180 * 86400)))
            rows.append(Listing(
                case=case, platform=platforms[platform], url=url, url_digest=hashlib.sha256(url.encode()).hexdigest(),
                title=title, text=text, language=language, price=rng.randint(15, 9000), currency="EUR",
                first_seen_at=seen, last_seen_at=seen, status=pick(rng, LISTING_STATUSES),
                created_by=case.created_by, created_at=seen,
            ))
            themed.append(theme)
        with transaction.atomic():
            Listing.objects.bulk_create(rows, batch_size=2_000)
            through = [Listing.species.through(listing_id=row.pk, species_id=species[rng.choice(THEMES[t][1])].pk)
                       for row, t in zip(rows, themed, strict=True) if rng.random() < SPECIES_SHARE]
            Listing.species.through.objects.bulk_create(through, batch_size=5_000)
        links += len(through)

    # Shares to the recipient under its mandate in force, as in bench_policy.
    recipient = agencies[RECIPIENT]
    mandate = Mandate.objects.in_force(now).get(agency=recipient)
    shares = [
        Share(case=case, recipient_agency=recipient, mandate=mandate, status=ShareStatus.ACTIVE,
              expires_at=now + datetime.timedelta(days=rng.randint(30, 720)) if rng.random() < 0.3 else None,
              redact_personal_data=rng.random() < 0.2, redact_sources=rng.random() < 0.3,
              justification="Joint investigation into online trade.", shared_by=case.created_by,
              created_at=now - datetime.timedelta(days=rng.randint(0, 365)))
        for case in cases if rng.random() < SHARED.get(case.owner_agency.code, 0.0)
    ]
    Share.objects.bulk_create(shares, batch_size=2_000)
    return {"cases": len(cases), "listings": count, "species links": links, "phone entities": len(entities),
            "claims": CaseEntity.objects.count(), "shares": len(shares), "real adverts": len(texts)}


def index_all() -> dict[str, tuple[int, float]]:
    """Index every case, entity and listing through ``backend.index`` in batches; (documents, seconds) per type."""
    from django.apps import apps

    from search.backends import get_backend
    from search.backends.base import DOCUMENT_MODELS

    backend = get_backend()
    done = {}
    for doc_type in ("case", "entity", "listing"):
        ids = list(apps.get_model(DOCUMENT_MODELS[doc_type])._default_manager.order_by("pk")
                   .values_list("pk", flat=True))
        started = time.perf_counter()
        for start in range(0, len(ids), INDEX_BATCH):
            backend.index(doc_type, ids[start:start + INDEX_BATCH])
            if doc_type == "listing" and (start // INDEX_BATCH) % 100 == 99:
                rate = (start + INDEX_BATCH) / (time.perf_counter() - started)
                print(f"  indexed {start + INDEX_BATCH:,} listings ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        done[doc_type] = (len(ids), time.perf_counter() - started)
    return done


def analyse() -> float:
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM too, as autovacuum does after a bulk insert (PostgreSQL 13 and later): it sets the visibility
            # map, without which the search's index-only check of each match (index listing_id_case) reads the heap.
            cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


@contextlib.contextmanager
def unfiltered() -> Iterator[None]:
    """The configured backend with the access policy taken out, in this process only.

    Database backend: ``visible`` returns the queryset unchanged, and the visible rows a search embeds are built
    each time instead of read from the per-process cache (``access.prepared.sql``), which holds the filtered
    statement of the same viewer and would otherwise be run as it is. Elasticsearch: the access filter ``authz``
    matches every document and the policy's re-check of the page (``still_visible``) keeps every hit; the rest of
    the request (text, facets, highlights, the personal-data clause) is the same.
    """
    from types import SimpleNamespace

    from search.backends import database, elasticsearch

    if not all(hasattr(database, name) for name in ("visible", "prepared")) or not hasattr(elasticsearch, "authz"):
        sys.exit("the backends no longer filter through `visible` / `authz`: update the unfiltered variant.")
    originals = (database.visible, elasticsearch.authz, elasticsearch.ElasticsearchBackend.still_visible,
                 database.prepared)
    database.visible = lambda viewer, queryset: queryset
    database.prepared = SimpleNamespace(  # type: ignore[assignment]
        sql=lambda viewer, model, shape, build: build(viewer).query.sql_with_params())
    elasticsearch.authz = lambda viewer, redaction=None: elasticsearch.Q("match_all")
    elasticsearch.ElasticsearchBackend.still_visible = staticmethod(lambda viewer, hits: set(hits))
    try:
        yield
    finally:
        database.visible, elasticsearch.authz, database.prepared = originals[0], originals[1], originals[3]
        elasticsearch.ElasticsearchBackend.still_visible = staticmethod(originals[2])


def run_queries(runs: int, warm_up: int, budget: float, only: str = "") -> list[dict[str, Any]]:
    """Latency of each typical query (those whose label contains ``only``), filtered (the real viewer) and
    unfiltered, interleaved run by run; a query runs ``runs`` times after ``warm_up`` runs, or as often as
    ``budget`` seconds allow when that is fewer."""
    from access import policy
    from officers.models import Officer
    from search.backends import get_backend
    from search.backends.base import SearchFilters, SearchQuery, SearchResult

    backend = get_backend()
    officer = Officer.objects.select_related("agency").get(username=VIEWER)

    def timed(query: SearchQuery, bypass: bool) -> tuple[float, SearchResult]:
        viewer = policy.viewer_for(officer, purpose=PURPOSE)  # one per request, as in the API
        with unfiltered() if bypass else contextlib.nullcontext():
            started = time.perf_counter()
            result = backend.search(viewer, query)
            return time.perf_counter() - started, result

    def last_page(typical: Typical, bypass: bool) -> tuple[SearchQuery, int]:
        """The query of the last requested page (or of the last page there is) and its number, its cursor
        found by paging from the first."""
        query, page = SearchQuery(text=typical.text, filters=SearchFilters(**typical.filters)), 1
        while page < typical.pages:
            cursor = timed(replace(query, facets=False, highlight=False), bypass)[1].next_cursor
            if cursor is None:
                break
            query, page = replace(query, after=cursor), page + 1
        return query, page

    def total(result: SearchResult) -> int:
        assert result.total is not None, "the queries ask for a count"
        return result.total

    variants = {"filtered": False, "unfiltered": True}
    results: list[dict[str, Any]] = []
    for typical in (typical for typical in QUERIES if only in typical.label):
        pages = {name: last_page(typical, bypass) for name, bypass in variants.items()}
        queries = {name: query for name, (query, _) in pages.items()}
        timings: dict[str, list[float]] = {name: [] for name in variants}
        totals: dict[str, int] = {}
        started, warmed = time.perf_counter(), 0
        while warmed < warm_up and (warmed == 0 or time.perf_counter() - started < budget / 10):
            for name, bypass in variants.items():
                totals[name] = total(timed(queries[name], bypass)[1])
            warmed += 1
        # A query slow at this size runs fewer times (never fewer than MIN_RUNS), so that a run ends.
        count = max(MIN_RUNS, min(runs, int(budget * warmed / max(time.perf_counter() - started, 1e-9))))
        for _ in range(count):
            for name, bypass in variants.items():
                elapsed, result = timed(queries[name], bypass)
                totals[name] = total(result)
                timings[name].append(elapsed)
        assert totals["filtered"] <= totals["unfiltered"], (typical.label, totals)
        results.append({"query": typical, "totals": totals, "page": pages["filtered"][1], "runs": count,
                        **{name: percentiles(values) for name, values in timings.items()}})
        line = ", ".join(f"{name} {totals[name]:,} hits p50 {results[-1][name][0]:.0f} ms" for name in variants)
        print(f"  {typical.label}: {line}", file=sys.stderr, flush=True)
    return results


def percolation(terms: int, listings: int) -> dict[str, Any]:
    """Watchlist matching throughput: ``terms`` watch terms of one watchlist (words and phrases of the adverts'
    vocabulary, and species) against ``listings`` listings, in the batches ``search.alerts.evaluate`` receives
    (one outbox message: up to INDEX_BATCH listings). Elasticsearch percolates them against the stored queries;
    the database backend matches in Python. The terms are removed afterwards."""
    from access import policy
    from cases.actions import add_watch_term, create_watchlist
    from cases.models import Listing, Species, Watchlist, WatchTerm
    from officers.models import Officer
    from search.backends import get_backend

    backend = get_backend()
    rng = random.Random(7)
    vocabulary = sorted({phrase for _, _, goods in THEMES.values() for phrases in goods.values()
                         for phrase in phrases} | {p for phrases in PHRASES.values() for p in phrases})
    vocabulary += sorted({word for text in real_adverts()[:5000] for word in text.split() if len(word) > 4})
    species = list(Species.objects.values_list("pk", flat=True)[:200])
    officer = Officer.objects.select_related("agency").get(username="inv.ofb")
    viewer = policy.viewer_for(officer, purpose=PURPOSE)
    Watchlist.objects.filter(name="bench percolation").delete()
    watchlist = create_watchlist(viewer, "bench percolation")
    chosen = rng.sample(vocabulary, min(len(vocabulary), terms - len(species) // 4))
    for text in chosen:
        add_watch_term(viewer, watchlist, text, "code_word")
    for species_id in species[: terms - len(chosen)]:
        add_watch_term(viewer, watchlist, Species.objects.get(pk=species_id).scientific_name, "scientific_name",
                       species_id=species_id)
    term_ids = list(WatchTerm.objects.filter(watchlist=watchlist).values_list("pk", flat=True))
    started = time.perf_counter()
    backend.index_watch_terms(term_ids)
    stored = time.perf_counter() - started
    if hasattr(backend, "client"):
        backend.client.indices.refresh(index=f"{os.environ.get('ELASTICSEARCH_INDEX_PREFIX', 'wildnet')}-watch")
    ids = list(Listing.objects.order_by("?").values_list("pk", flat=True)[:listings])
    matched, started = 0, time.perf_counter()
    for start in range(0, len(ids), INDEX_BATCH):
        matched += len(backend.watch_matches(ids[start:start + INDEX_BATCH]))
    seconds = time.perf_counter() - started
    watchlist.delete()
    backend.index_watch_terms(term_ids)  # their stored queries go too
    return {"terms": len(term_ids), "listings": len(ids), "seconds": seconds, "matches": matched,
            "store seconds": stored}


def worker() -> subprocess.Popen[bytes]:
    """A Celery worker on the same database and broker (as `make run` starts it, without beat)."""
    from wildnet.celery import app

    celery = Path(sys.executable).with_name("celery")
    log = Path(os.environ["WILDNET_VAR_DIR"]) / "worker.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(celery), "-A", "wildnet", "worker", "--loglevel=WARNING", "--concurrency=2", "--without-gossip"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": os.pathsep.join(["platform", "."])}, stdout=output,
            stderr=subprocess.STDOUT,
        )
    print(f"  worker {process.pid} started, log in {log}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the Celery worker did not start")
    return process


def freshness(samples: int) -> dict[str, Any]:
    """Commit-to-searchable of listings recorded through the product path, with a real worker draining."""
    from django.db import transaction

    from access import policy
    from cases.actions import ListingInput, add_listing
    from cases.models import Case
    from officers.models import Officer
    from outbox.actions import deliver_due
    from outbox.models import MessageStatus, OutboxMessage
    from search.backends import get_backend
    from search.backends.base import SearchFilters, SearchQuery

    while deliver_due():  # whatever an earlier run left: the worker starts on an empty queue
        pass
    backend = get_backend()
    officer = Officer.objects.select_related("agency").get(username=VIEWER)
    case = Case.objects.filter(owner_agency=officer.agency).order_by("pk").first()
    assert case is not None, "no case of the viewer's agency: load first"
    run = hashlib.sha256(str(time.time()).encode()).hexdigest()[:8]
    first_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    process = worker()
    delays, missed, committed = [], 0, []
    try:
        for i in range(samples + 3):  # the first three warm the worker up and are not counted
            token = f"fresh{run}n{i}"
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.perf_counter()))  # runs first, at COMMIT
                viewer = policy.viewer_for(officer, purpose=PURPOSE)
                add_listing(viewer, case, ListingInput(
                    # Words no typical query looks for, so that runs with --skip-load keep the same results.
                    url=f"https://www.leboncoin.fr/ad/animaux/{token}.htm", title=f"Annonce témoin {token}",
                    text="Annonce témoin du benchmark.", language="fr", price="900", currency="EUR"))
            # Quoted, so that the polls before indexing do not fall back to fuzzy (trigram) matching, which
            # costs seconds at this size and would blur the measure.
            query = SearchQuery(text=f'"{token}"', filters=SearchFilters(types=frozenset({"listing"})), first=1,
                                facets=False, highlight=False)
            while True:
                if backend.search(policy.viewer_for(officer, purpose=PURPOSE), query).hits:
                    if i >= 3:
                        delays.append(time.perf_counter() - committed[-1])
                    break
                if time.perf_counter() - committed[-1] > 30:
                    missed += 1
                    break
                time.sleep(0.01)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    messages = OutboxMessage.objects.filter(pk__gt=first_message, topic="search.index")
    return {"delays": delays, "missed": missed, "listings": samples + 3, "index messages": messages.count(),
            "retried": messages.filter(attempts__gt=1).count(),
            "dead": messages.filter(status=MessageStatus.DEAD).count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=1_000_000, help="listings to load")
    parser.add_argument("--reset", action="store_true", help="empty the database first (flush)")
    parser.add_argument("--skip-load", action="store_true", help="reuse the listings already loaded and indexed")
    parser.add_argument("--queries-only", action="store_true", help="skip the load and the freshness measure")
    parser.add_argument("--freshness-only", action="store_true", help="skip the load and the queries")
    parser.add_argument("--percolation-only", action="store_true", help="measure watchlist matching alone")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each query, after the warm-up")
    parser.add_argument("--warm-up", type=int, default=WARM_UP)
    parser.add_argument("--only", default="", help="run only the queries whose label contains this text")
    parser.add_argument("--budget", type=float, default=BUDGET, help="seconds of timed runs per query at most "
                        f"(a slow query then runs fewer times, at least {MIN_RUNS})")
    parser.add_argument("--freshness", type=int, default=FRESHNESS, help="listings timed from commit to search")
    parser.add_argument("--percolation", type=int, default=PERCOLATION_LISTINGS,
                        help=f"listings matched against {WATCH_TERMS:,} watch terms (0: not measured)")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Listing, Species
    from cases.species.curated import load_curated
    from search.backends import get_backend
    from wildnet import demo

    call_command("migrate", verbosity=0)
    version = ".".join(str(part) for part in connection.get_database_version())
    print(f"database: {connection.vendor} {version} ({connection.settings_dict['NAME']}); search backend: "
          f"{get_backend().name}")
    table: list[tuple[str, str]] = []
    load_phase = not (args.skip_load or args.queries_only or args.freshness_only or args.percolation_only)
    if load_phase:
        if args.reset:
            if "bench" not in str(connection.settings_dict["NAME"]):
                sys.exit("--reset empties only a database whose name says it is for benchmarks ('bench').")
            call_command("flush", interactive=False, verbosity=0)
        existing = Listing.objects.count()
        if existing:
            sys.exit(f"The database already holds {existing:,} listings: pass --skip-load to reuse them or "
                     "--reset to empty it. Nothing was measured.")
        demo.load()
        if not Species.objects.exists():
            load_curated()
        started = time.perf_counter()
        counts = load(args.count, random.Random(2026))
        load_time = time.perf_counter() - started
        print(f"load: {load_time:.1f} s ({args.count / load_time:,.0f} listings/s) for "
              + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))
        indexed = index_all()
        analyse_time = analyse()
        for doc_type, (n, seconds) in indexed.items():
            print(f"index {doc_type}: {n:,} documents in {seconds:.1f} s ({n / seconds:,.0f} docs/s)")
        print(f"VACUUM ANALYZE: {analyse_time:.1f} s")
        n, seconds = indexed["listing"]
        table += [("bulk load (cases, claims, listings, species links, shares)",
                   f"{load_time:.0f} s ({args.count / load_time:,.0f} listings/s)"),
                  (f"indexing listings, backend.index in batches of {INDEX_BATCH:,}",
                   f"{seconds:.0f} s ({n / seconds:,.0f} docs/s)")]
    listings = Listing.objects.count()
    if not (args.freshness_only or args.percolation_only):
        results = run_queries(args.runs, args.warm_up, args.budget, args.only)
        print()
        print(f"| query ({listings:,} listings; viewer {VIEWER}, purpose {PURPOSE}) | runs "
              "| hits filtered / unfiltered | filtered p50 / p95 / p99 | unfiltered p50 / p95 / p99 | ratio of p50 |")
        print("|---|---|---|---|---|---|")
        for row in results:
            typical, totals = row["query"], row["totals"]
            shown = typical.text + "".join(f" {k}={','.join(sorted(v))}" for k, v in typical.filters.items())
            ratio = row["filtered"][0] / row["unfiltered"][0] if "unfiltered" in row else None
            label = typical.label if row["page"] == typical.pages else f"{typical.label} (last page: {row['page']})"
            print(f"| {label}: `{shown.strip()}` | {row['runs']} | {totals['filtered']:,} / "
                  f"{totals.get('unfiltered', 0):,} | " + " / ".join(f"{v:.0f}" for v in row["filtered"])
                  + " ms | " + (" / ".join(f"{v:.0f}" for v in row["unfiltered"]) + " ms" if ratio else "n/a")
                  + f" | {f'{ratio:.2f}x' if ratio else 'n/a'} |")
        ratios = [row["filtered"][0] / row["unfiltered"][0] for row in results if "unfiltered" in row]
        if ratios:
            worst = max(ratios)
            table.append(("filtered / unfiltered, worst ratio of medians (target 1.3x)",
                          f"{worst:.2f}x ({'met' if worst <= 1.3 else 'NOT met'})"))
    if args.percolation and not (args.queries_only or args.freshness_only):
        matched = percolation(WATCH_TERMS, args.percolation)
        rate = matched["listings"] / matched["seconds"]
        print(f"\nwatchlist matching: {matched['listings']:,} listings against {matched['terms']:,} terms in "
              f"{matched['seconds']:.1f} s ({rate:,.0f} listings/s), {matched['matches']:,} matches; terms stored "
              f"in {matched['store seconds']:.1f} s")
        table.append((f"watchlist matching, {matched['terms']:,} terms, batches of {INDEX_BATCH:,} listings",
                      f"{rate:,.0f} listings/s ({matched['matches']:,} matches in {matched['listings']:,} listings)"))
    if not (args.queries_only or args.percolation_only):
        fresh = freshness(args.freshness)
        p50, p95, p99 = percentiles(fresh["delays"])
        print()
        print(f"commit-to-searchable ({len(fresh['delays'])} listings, {get_backend().name} backend, a worker of "
              "2 processes): "
              f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {max(fresh['delays']) * 1000:.0f} ms; "
              f"{fresh['missed']} not found within 30 s; {fresh['index messages']} search.index outbox rows for "
              f"{fresh['listings']} listings ({fresh['retried']} delivered only on a retry, {fresh['dead']} dead)")
        table.append((f"commit-to-searchable, {get_backend().name} backend (target p99 2 s with Elasticsearch)",
                      f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"))
    print()
    print(f"| measure ({listings:,} listings, {connection.vendor}) | figure |")
    print("|---|---|")
    for label, figure in table:
        print(f"| {label} | {figure} |")


if __name__ == "__main__":
    main()
