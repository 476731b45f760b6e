"""32 clients update one case at once, round after round: exactly one wins each round, the others get CONFLICT.

Real concurrency: gunicorn serving the test database with 32 request threads (one database connection each),
and 32 client threads, each with its own API token and its own open connection, released together by a barrier
with the version they all loaded. Optimistic locking is one ``UPDATE … WHERE version = %s``: on PostgreSQL the
losers wait on the winner's row lock, then find the version gone; SQLite serialises the writers.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from graphql_relay import to_global_id

from audit.models import AuditEvent, Outcome
from cases.models import Case
from officers.actions import issue_token
from officers.models import Officer
from tests.core.test_outbox_worker import database_url

from .servers import start_web, stop_process, worker_env

CLIENTS = 32
ROUNDS = 5
UPDATE = """mutation($id: ID!, $version: Int!, $title: String!) {
  updateCase(id: $id, version: $version, input: {title: $title}) { case { version title } errors { code field } } }"""


def post(url: str, token: str, variables: dict[str, Any], start: threading.Barrier) -> dict[str, Any]:
    """Connect first, then wait for the others: the requests leave together, not as connections are accepted."""
    client = http.client.HTTPConnection(urlsplit(url).netloc, timeout=60)
    client.connect()
    start.wait()
    client.request("POST", "/graphql/", body=json.dumps({"query": UPDATE, "variables": variables}),
                   headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    response = client.getresponse()
    body: dict[str, Any] = json.loads(response.read())
    client.close()
    assert response.status == 200 and "errors" not in body, body
    return body["data"]["updateCase"]  # type: ignore[no-any-return]


def one_round(url: str, tokens: list[str], case: Case, number: int, pool: ThreadPoolExecutor) -> float:
    """Every client saves the version they all loaded; returns how long the round took."""
    version = Case.objects.get(pk=case.pk).version
    start = threading.Barrier(len(tokens))
    variables = [{"id": to_global_id("Case", case.pk), "version": version, "title": f"Round {number} by client {i}"}
                 for i in range(len(tokens))]
    began = time.monotonic()
    results = list(pool.map(lambda i: post(url, tokens[i], variables[i], start), range(len(tokens))))
    seconds = time.monotonic() - began
    winners = [i for i, result in enumerate(results) if result["errors"] == []]
    assert len(winners) == 1, results
    assert all(result["errors"] == [{"code": "CONFLICT", "field": "version"}] and result["case"] is None
               for i, result in enumerate(results) if i != winners[0])
    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.title) == (version + 1, f"Round {number} by client {winners[0]}")
    return seconds


@pytest.mark.django_db(transaction=True)
def test_concurrent_conflicting_updates_have_exactly_one_winner_per_round(
        make_case: Any, tmp_path: Path, record_property: Any) -> None:
    case = make_case()
    officers = [Officer.objects.get(username=name) for name in ("inv.ofb", "sup.ofb")]
    tokens = [issue_token(officers[i % 2], name=f"client {i}", scopes=["read", "write"])[1] for i in range(CLIENTS)]
    server, url = start_web(worker_env(database_url(), WILDNET_VAR_DIR=str(tmp_path / "var")), CLIENTS,
                            tmp_path / "gunicorn.log")
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            durations = [one_round(url, tokens, case, number, pool) for number in range(ROUNDS)]
    finally:
        stop_process(server)
    updates = AuditEvent.objects.filter(action="case.update")
    assert updates.filter(outcome=Outcome.ALLOWED).count() == ROUNDS
    assert updates.filter(outcome=Outcome.FAILED).count() == ROUNDS * (CLIENTS - 1)
    record_property("requests", ROUNDS * CLIENTS)
    record_property("slowest_round_seconds", round(max(durations), 2))
