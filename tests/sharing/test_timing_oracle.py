"""A hidden object costs exactly what a missing one costs: no timing oracle on the existence of intelligence.

Time itself is measured in ``tests/benchmarks/bench_timing_oracle.py`` (many interleaved requests, a rank test);
here the cause is pinned deterministically: for every path that takes an id or a reference — ``node``, the
case lookup by reference, evidence downloads, the national report — a hidden and a missing target run the same
SQL statements, in number and in text (the id or reference aside), and write nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from audit.models import AuditEvent
from cases import actions as case_actions
from cases.evidence import attach_evidence
from cases.models import CaptureMethod, Case, Evidence
from compliance.measures import actions as measures
from compliance.measures.catalogue import load_catalogue
from compliance.measures.models import MeasureEvidence
from officers.models import Officer
from outbox.models import OutboxMessage

from .conftest import INVESTIGATION, viewer

SAME_SITE = {"HTTP_SEC_FETCH_SITE": "same-origin", **INVESTIGATION}
NODE = "query($id: ID!) { node(id: $id) { id ... on Case { title } } }"
INSTANT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d)?")
DAY = re.compile(r"\d{4}-\d\d-\d\d")
BY_REFERENCE = "query($ref: String!) { case(reference: $ref) { id title } }"


@pytest.fixture
def hidden(demo: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """An OFB case with evidence and a French draft assessment with a file: all hidden from a Spaniard."""
    settings.MEDIA_ROOT = str(tmp_path)
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Hidden", jurisdictions=["FR"]))
    evidence = attach_evidence(inv, case, SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
                               capture_method=CaptureMethod.SCREENSHOT,
                               captured_at=timezone.now() - datetime.timedelta(hours=1))
    load_catalogue()
    draft = measures.create_assessment(viewer("coord.fr"), "FR", datetime.date(2031, 1, 1),
                                       datetime.date(2031, 12, 31))
    measures.set_measure_status(viewer("coord.fr"), draft, measures.StatusChange(
        measure_code="BP-A-02", status="in_progress",
        evidence=[measures.EvidenceInput(kind="file", file=SimpleUploadedFile("protocol.pdf", b"%PDF-1.4 protocol"))]))
    return {"case": case, "evidence": evidence, "measure_evidence": MeasureEvidence.objects.latest("pk")}


SAVEPOINT = re.compile(r'"s\d+_x\d+"')


def statements(client: Client, request: Callable[[Client], Any], secret: str) -> list[tuple[str, list[Any]]]:
    """The SQL ``request`` runs, each statement's text with its parameters, where ``secret`` (the id or
    reference asked for, or a date derived from it) reads ``?`` and the request's clock reads ``NOW``."""
    captured: list[tuple[str, list[Any]]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # a savepoint's name counts the transactions of the process (the session is saved on every request)
        captured.append((SAVEPOINT.sub('"savepoint"', sql), [_masked(value, secret) for value in params or ()]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        request(client)
    return captured


def _masked(value: Any, secret: str) -> Any:
    text = str(value)  # SQLite's backend hands over dates and times already as text
    if isinstance(value, datetime.datetime) or INSTANT.fullmatch(text):
        return "NOW"
    if text == secret or (DAY.fullmatch(text) and text.startswith(secret)):
        return "?"
    return value


def graphql(query: str, variables: dict[str, Any]) -> Callable[[Client], Any]:
    def send(client: Client) -> Any:
        response = client.post("/graphql/", {"query": query, "variables": variables},
                               content_type="application/json", **INVESTIGATION)
        assert response.status_code == 200 and "errors" not in response.json()
        return response

    return send


def get(url: str) -> Callable[[Client], Any]:
    def send(client: Client) -> Any:
        response = client.get(url, **SAME_SITE)
        assert response.status_code == 404
        return response

    return send


def paths(hidden: dict[str, Any]) -> dict[str, Callable[[bool], tuple[Callable[[Client], Any], str]]]:
    """For each path, the request for the hidden target (True) or a missing one (False), and its secret."""
    case, evidence, measure_evidence = hidden["case"], hidden["evidence"], hidden["measure_evidence"]
    missing_case = Case.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]

    def node(existing: bool) -> tuple[Callable[[Client], Any], str]:
        pk = case.pk if existing else missing_case
        return graphql(NODE, {"id": to_global_id("Case", pk)}), str(pk)

    def by_reference(existing: bool) -> tuple[Callable[[Client], Any], str]:
        reference = case.reference if existing else case.reference[:-4] + "9999"
        return graphql(BY_REFERENCE, {"ref": reference}), reference

    def download(existing: bool) -> tuple[Callable[[Client], Any], str]:
        pk = evidence.pk if existing else Evidence.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
        return get(f"/cases/evidence/{pk}/download"), str(pk)

    def measure_download(existing: bool) -> tuple[Callable[[Client], Any], str]:
        pk = measure_evidence.pk if existing else measure_evidence.pk + 1000
        return get(f"/compliance/measure-evidence/{pk}/download"), str(pk)

    def report(existing: bool) -> tuple[Callable[[Client], Any], str]:
        period = "2031" if existing else "2032"
        return get(f"/compliance/national-report/FR/{period}.json"), period

    return {"node": node, "case by reference": by_reference, "evidence download": download,
            "measure evidence download": measure_download, "national report": report}


@pytest.mark.parametrize("path", ["node", "case by reference", "evidence download", "measure evidence download",
                                  "national report"])
@pytest.mark.parametrize("username", ["inv.seprona", "coord.es", "inv.oclaesp", "pf.leboncoin"])
def test_a_hidden_target_runs_the_statements_of_a_missing_one(client: Client, hidden: dict[str, Any], path: str,
                                                              username: str) -> None:
    client.force_login(Officer.objects.get(username=username))
    make = paths(hidden)[path]
    writes_before = (AuditEvent.objects.count(), OutboxMessage.objects.count())
    request, secret = make(False)
    statements(client, request, secret)  # warm what a first request loads once (content types, caches)
    runs = {existing: statements(client, *make(existing)) for existing in (True, False)}
    assert runs[True] == runs[False]
    assert runs[True], "the request ran no statement at all: nothing was compared"
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == writes_before


def test_the_owner_reaches_the_same_targets(client: Client, hidden: dict[str, Any]) -> None:
    """The grant side: the same requests find the objects for those who may see them."""
    client.force_login(Officer.objects.get(username="inv.ofb"))
    case = hidden["case"]
    found = client.post("/graphql/", {"query": BY_REFERENCE, "variables": {"ref": case.reference}},
                        content_type="application/json", **INVESTIGATION).json()
    assert found["data"]["case"]["title"] == "Hidden"
    node = client.post("/graphql/", {"query": NODE, "variables": {"id": to_global_id("Case", case.pk)}},
                       content_type="application/json", **INVESTIGATION).json()
    assert node["data"]["node"]["title"] == "Hidden"
    assert client.get(f"/cases/evidence/{hidden['evidence'].pk}/download", **SAME_SITE).status_code == 200
    client.force_login(Officer.objects.get(username="coord.fr"))
    assert client.get(f"/compliance/measure-evidence/{hidden['measure_evidence'].pk}/download",
                      **SAME_SITE).status_code == 200
    assert client.get("/compliance/national-report/FR/2031.json", **SAME_SITE).status_code == 200
