"""Benchmark: does a hidden object answer in the time of a missing one? Not a test; figures go into README.md.

The issue "Hardening" found ``node(id)`` of an existing case the viewer may not see about 8 ms slower than one
that does not exist. ``tests/sharing/test_timing_oracle.py`` pins the cause (the same SQL for both); this
script measures the effect. On a fresh database (SQLite in a temporary directory, or the one DATABASE_URL
names) with the demo world, as ``inv.seprona`` (who sees nothing of the OFB's), it sends N requests of each
kind — hidden, missing, and, as a positive control, one the viewer may see — in a random interleaved order
through the whole Django stack (session, middleware, GraphQL view or download view), for ``node``, the case
lookup by reference and the evidence download, and reports for each path the medians and a two-sided
Mann–Whitney rank test of hidden against missing. A p-value far from 0 means the rank test cannot tell them
apart; the control must be told apart, which shows the test has the power to see a difference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_timing \
        .venv/bin/python tests/benchmarks/bench_timing_oracle.py 2000
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def mann_whitney(a: list[float], b: list[float]) -> tuple[float, float]:
    """U statistic of ``a`` and the two-sided p-value (normal approximation with the tie correction)."""
    pooled = sorted([(value, 0) for value in a] + [(value, 1) for value in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        size = j - i + 1
        ties += size ** 3 - size
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(rank for rank, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma if sigma else 0.0
    return u, math.erfc(abs(z) / math.sqrt(2))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    workdir = tempfile.mkdtemp(prefix="wildnet-bench-timing-")
    os.environ.setdefault("WILDNET_VAR_DIR", workdir)
    os.environ["WILDNET_MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from graphql_relay import to_global_id

    from access.policy import viewer_for
    from cases import actions as case_actions
    from cases.evidence import attach_evidence
    from cases.models import CaptureMethod, Case, Evidence
    from officers.models import Officer
    from wildnet import demo

    call_command("migrate", verbosity=0)
    demo.load()
    owner = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    hidden = case_actions.create_case(owner, case_actions.CaseInput(title="Hidden", jurisdictions=["FR"]))
    hidden_evidence = attach_evidence(owner, hidden, SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
                                      capture_method=CaptureMethod.SCREENSHOT,
                                      captured_at=timezone.now() - datetime.timedelta(hours=1))
    reader = viewer_for(Officer.objects.get(username="inv.seprona"), purpose="investigation")
    mine = case_actions.create_case(reader, case_actions.CaseInput(title="Mine", jurisdictions=["ES"]))
    my_evidence = attach_evidence(reader, mine, SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"1" * 64),
                                  capture_method=CaptureMethod.SCREENSHOT,
                                  captured_at=timezone.now() - datetime.timedelta(hours=1))
    missing_case = (Case.objects.order_by("-pk").first() or hidden).pk + 1000
    missing_evidence = (Evidence.objects.order_by("-pk").first() or hidden_evidence).pk + 1000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    logging.getLogger("django.request").setLevel(logging.ERROR)  # every miss is a 404 warning otherwise
    client = Client()
    client.force_login(Officer.objects.get(username="inv.seprona"))
    headers = {"HTTP_X_WILDNET_PURPOSE": "investigation", "HTTP_SEC_FETCH_SITE": "same-origin"}

    def graphql(query: str, variables: dict[str, Any]) -> Callable[[], Any]:
        return lambda: client.post("/graphql/", {"query": query, "variables": variables},
                                   content_type="application/json", **headers)

    def download(pk: int) -> Callable[[], Any]:
        def send() -> Any:
            response = client.get(f"/cases/evidence/{pk}/download", **headers)
            if response.streaming:
                b"".join(response.streaming_content)
            return response

        return send

    node = "query($id: ID!) { node(id: $id) { id ... on Case { title } } }"
    by_reference = "query($ref: String!) { case(reference: $ref) { id title } }"
    paths: dict[str, dict[str, Callable[[], Any]]] = {
        "node(id)": {"hidden": graphql(node, {"id": to_global_id("Case", hidden.pk)}),
                     "missing": graphql(node, {"id": to_global_id("Case", missing_case)}),
                     "visible": graphql(node, {"id": to_global_id("Case", mine.pk)})},
        "case(reference)": {"hidden": graphql(by_reference, {"ref": hidden.reference}),
                            "missing": graphql(by_reference, {"ref": hidden.reference[:-4] + "9999"}),
                            "visible": graphql(by_reference, {"ref": mine.reference})},
        "evidence download": {"hidden": download(hidden_evidence.pk), "missing": download(missing_evidence),
                              "visible": download(my_evidence.pk)},
    }
    rng = random.Random(2026)
    print(f"{connection.vendor}, {rounds} requests of each kind per path, interleaved at random")
    print(f"{'path':<18} {'hidden p50':>10} {'missing p50':>11} {'Δ p50':>9} {'p (hidden~missing)':>19} "
          f"{'visible p50':>11} {'p (visible~missing)':>20}")
    for name, kinds in paths.items():
        for send in kinds.values():  # warm up each kind
            for _ in range(20):
                send()
        timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        order = [kind for kind in kinds for _ in range(rounds)]
        rng.shuffle(order)
        for kind in order:
            started = time.perf_counter()
            kinds[kind]()
            timings[kind].append((time.perf_counter() - started) * 1000)
        medians = {kind: statistics.median(values) for kind, values in timings.items()}
        _, p_hidden = mann_whitney(timings["hidden"], timings["missing"])
        _, p_visible = mann_whitney(timings["visible"], timings["missing"])
        print(f"{name:<18} {medians['hidden']:>8.3f}ms {medians['missing']:>9.3f}ms "
              f"{(medians['hidden'] - medians['missing']) * 1000:>+7.0f}µs {p_hidden:>19.3f} "
              f"{medians['visible']:>9.3f}ms {p_visible:>20.2g}")


if __name__ == "__main__":
    main()
