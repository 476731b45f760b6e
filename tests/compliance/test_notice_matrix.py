"""The access matrix of takedown notices: who sees a notice, its items and its case, and who may act on it.

Each cell is one relation × one operation; ``EXPECTED`` says what it must give. Refusals of objects the viewer
cannot see look like absence (``null`` / not listed / ``NOT_FOUND``); an action on a visible notice that the
viewer's side may not take is ``PERMISSION_DENIED``.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases import actions as case_actions
from compliance import actions
from compliance.models import TakedownNotice
from officers.models import Officer

pytestmark = pytest.mark.django_db

RELATIONS = {
    "platform_addressed": "pf.leboncoin",
    "platform_other": "pf.wallapop",
    "issuer_investigator": "inv.ofb",
    "issuer_analyst": "ana.ofb",
    "issuer_admin": "admin.ofb",
    "other_agency": "inv.seprona",
    "coordinator_same_country": "coord.fr",
    "coordinator_other_country": "coord.es",
    "trusted_reporter": "spotter.ifaw",
    "system_admin": "sysadmin",
}
SEES = {"platform_addressed", "issuer_investigator", "issuer_analyst", "coordinator_same_country"}
SEES_CASE = {"issuer_investigator", "issuer_analyst"}
RESPONDS = {"platform_addressed"}
MANAGES = {"issuer_investigator", "issuer_analyst"}
OPERATIONS = ["list", "node_notice", "node_item", "notice_case", "acknowledge", "report", "verify", "close"]


def expected(relation: str, operation: str) -> str:
    if relation not in SEES:
        return "absent"
    if operation in {"list", "node_notice", "node_item"}:
        return "visible"
    if operation == "notice_case":
        return "visible" if relation in SEES_CASE else "absent"
    allowed = RESPONDS if operation in {"acknowledge", "report"} else MANAGES
    return "ok" if relation in allowed else "PERMISSION_DENIED"


@pytest.fixture
def notice(demo: Any) -> TakedownNotice:
    inv = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    listing, _ = case_actions.add_listing(inv, case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/1"))
    sent = actions.issue_notice(inv, case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3", statement_of_reasons="r",
        requested_actions=["remove"], territorial_scope=["FR"]))
    return sent


def run(gql: Any, notice: TakedownNotice, operation: str) -> Any:
    nid = to_global_id("TakedownNotice", notice.pk)
    item = notice.items.get()
    iid = to_global_id("NoticeItem", item.pk)
    if operation == "list":
        edges = gql("{ takedownNotices { totalCount edges { node { id } } } }")["takedownNotices"]
        return "visible" if [e["node"]["id"] for e in edges["edges"]] == [nid] and edges["totalCount"] == 1 else (
            "absent" if edges["totalCount"] == 0 else edges)
    if operation in {"node_notice", "node_item"}:
        data = gql("query($id: ID!) { node(id: $id) { id } }", {"id": nid if operation == "node_notice" else iid})
        return "visible" if data["node"] else "absent"
    if operation == "notice_case":
        data = gql("query($id: ID!) { node(id: $id) { ... on TakedownNotice { case { id } } } }", {"id": nid})
        return "visible" if data["node"] and data["node"]["case"] else "absent"
    documents = {
        "acknowledge": ("mutation($id: ID!) { acknowledgeNotice(id: $id) { errors { code } } }", {"id": nid}),
        "report": ("""mutation($n: ID!, $i: ID!) { reportNoticeOutcome(input: {noticeId: $n, itemId: $i,
                   outcome: REMOVED}) { errors { code } } }""", {"n": nid, "i": iid}),
        "verify": ("mutation($i: ID!) { verifyNoticeItem(itemId: $i, verified: true) { errors { code } } }",
                   {"i": iid}),
        "close": ('mutation($id: ID!) { closeNotice(id: $id, reason: "done") { errors { code } } }', {"id": nid}),
    }
    query, variables = documents[operation]
    errors = next(iter(gql(query, variables).values()))["errors"]
    if not errors:
        return "ok"
    return "absent" if errors[0]["code"] == "NOT_FOUND" else errors[0]["code"]


@pytest.mark.parametrize(("relation", "operation"), [
    pytest.param(r, o, id=f"{r}-{o}") for r in RELATIONS for o in OPERATIONS])
def test_cell(gql: Any, notice: TakedownNotice, relation: str, operation: str) -> None:
    if operation == "verify":  # a verification needs an answered item
        actions.report_outcome(viewer_for(Officer.objects.get(username="pf.leboncoin")), notice,
                               notice.items.get(), actions.OutcomeInput(outcome="removed"))
    gql.login(RELATIONS[relation])
    before = state()
    outcome = run(gql, notice, operation)
    assert outcome == expected(relation, operation)
    if outcome != "ok":
        assert state() == before  # reads and refusals change nothing


def state() -> tuple[Any, ...]:
    notice = TakedownNotice.objects.get()
    item = notice.items.get()
    return notice.status, notice.acknowledged_at, notice.closed_at, item.outcome, item.verification


def test_state_through_node_costs_no_query_of_its_own(gql: Any, notice: TakedownNotice) -> None:
    """``state`` needs to know whether items are pending: ``node(id)`` loads it annotated, as the list does."""
    past = timezone.now() - datetime.timedelta(hours=1)
    TakedownNotice.objects.filter(pk=notice.pk).update(acknowledge_due_at=past, action_due_at=past)
    gql.login("inv.ofb")
    nid = to_global_id("TakedownNotice", notice.pk)
    counts = []
    for fields in ("id", "id state"):
        with CaptureQueriesContext(connection) as queries:
            data = gql("query($id: ID!) { node(id: $id) { ... on TakedownNotice { " + fields + " } } }", {"id": nid})
        assert data["node"]["id"] == nid and data["node"].get("state", "OVERDUE") == "OVERDUE"
        counts.append(len(queries))
    assert counts[0] == counts[1]
