"""Benchmarks of the foundation. Not a test: run with `make bench`; the figures go into README.md.

Measures, on a fresh SQLite database (or the one DATABASE_URL names):

* audit: events recorded per second (each in its own transaction, sealed in batches), and chain verification
  speed over the whole log;
* GraphQL: median and 95th-percentile latency of a signed-in request for a 100-item mandates page with nested
  agency, parent and granting officer (through the full HTTP stack: middleware, policy, loaders).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    workdir = tempfile.mkdtemp(prefix="wildnet-bench-")
    os.environ.setdefault("WILDNET_VAR_DIR", workdir)
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("WILDNET_AUDIT_SEAL_INTERVAL_MS", "500")  # production's sealing, not the tests'
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from audit import chain
    from audit.actions import record

    started = time.perf_counter()
    for i in range(events):
        with transaction.atomic():
            record("bench.event", actor_username=f"user{i % 50}", object_type="cases.case", object_id=str(i),
                   details={"i": i})
    recorded = time.perf_counter() - started
    started = time.perf_counter()
    chain.seal(wait=True)
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    assert chain.verify() is None
    verified = time.perf_counter() - started
    print(f"database: {connection.vendor}")
    print(f"audit: {events} events recorded in {recorded:.2f} s ({events / recorded:,.0f}/s, one transaction each)")
    print(f"audit: remaining events sealed in {sealed:.2f} s; chain of {events} verified in {verified:.2f} s "
          f"({events / verified:,.0f} events/s)")

    import datetime
    import json

    from django.test import Client
    from django.utils import timezone

    from agencies.models import Agency, AgencyType
    from mandates.models import Mandate
    from officers.models import Officer, Role

    home = Agency.objects.create(code="fr-home", name="Home", country="FR",
                                 agency_type=AgencyType.CITES_MANAGEMENT_AUTHORITY)
    coordinator = Officer.objects.create(username="coord", role=Role.NATIONAL_COORDINATOR, agency=home,
                                         clearance=3)
    parent = Agency.objects.create(code="fr-parent", name="Parent", country="FR",
                                   agency_type=AgencyType.WILDLIFE_AUTHORITY)
    now = timezone.now()
    for i in range(100):
        agency = Agency.objects.create(code=f"fr-unit-{i}", name=f"Unit {i}", country="FR", parent=parent,
                                       agency_type=AgencyType.POLICE)
        Mandate.objects.create(agency=agency, legal_basis="b", legal_reference="r", jurisdictions=["FR"],
                               crime_areas=["online_trade"], cites_appendices=["I"], purposes=["investigation"],
                               max_classification=1, valid_from=now, valid_until=now + datetime.timedelta(days=9),
                               granted_by=coordinator)
    client = Client()
    client.force_login(coordinator)
    query = json.dumps({"query": "{ mandates(first: 100) { totalCount edges { node { id state inForce "
                                 "agency { code parent { code } } grantedBy { username } } } } }"})
    timings = []
    for _ in range(120):
        started = time.perf_counter()
        response = client.post("/graphql/", query, content_type="application/json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    timings = sorted(timings[20:])
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95) - 1] * 1000
    print(f"graphql: mandates page of 100 with nested agency/parent/grantedBy: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(100 requests after 20 warm-up)")


if __name__ == "__main__":
    main()
