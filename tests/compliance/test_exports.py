"""The compliance exports: figures as CSV, acted items as DSA Transparency Database statements of reasons.

Both use the hand-computed world of ``test_metrics``. Who may export: anyone signed in (session or API
token), each seeing only the notices the policy shows them; anonymous callers get 401 like a bad token.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from compliance import actions
from compliance.exports import EU_COUNTRIES
from officers.actions import issue_token
from officers.models import Officer
from tests.compliance.dsa_rules import body_problems
from tests.compliance.test_metrics import World, build_world

pytestmark = pytest.mark.django_db

METRICS = "/compliance/metrics.csv"
STATEMENTS = "/compliance/statements.json"
MARCH = {"start": "2026-03-01", "end": "2026-04-01"}
HEADER = ["platform", "platform_name", "period_start", "period_end", "notices_sent", "acknowledged",
          "acknowledgement_rate", "median_time_to_acknowledge_s", "p90_time_to_acknowledge_s", "items", "acted",
          "median_time_to_action_s", "p90_time_to_action_s", "acted_within_sla", "within_sla_share_of_acted",
          "within_sla_share_of_items", "removal_rate", "rejected", "rejection_reasons", "relisted",
          "relisting_rate", "open_overdue", "trusted_flagger_notices", "trusted_flagger_items",
          "trusted_flagger_acted", "trusted_flagger_acted_within_sla", "trusted_flagger_within_sla_share",
          "trusted_flagger_removal_rate"]


@pytest.fixture
def world(demo: Any) -> World:
    return build_world()


def login(client: Client, username: str) -> Client:
    client.force_login(Officer.objects.get(username=username))
    return client


def exported(response: Any) -> list[dict[str, Any]]:
    """The statements of an export, each body checked against the Transparency Database's own rules."""
    assert response.status_code == 200, response.content
    export = response.json()
    for body in export["bodies"]:
        assert body_problems(body) == []
    statements = [statement for body in export["bodies"] for statement in body["statements"]]
    assert export["count"] == len(statements)
    return statements


def puid(item: Any) -> str:
    return f"wildnet-item-{item.pk}"


def table(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_a_header_and_one_row_per_platform(client: Client, world: World) -> None:
    response = login(client, "coord.fr").get(METRICS, MARCH)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="platform-compliance-2026-03-01-2026-04-01.csv"'
    assert table(response) == [HEADER, [
        "pf-leboncoin", "leboncoin", "2026-03-01", "2026-04-01", "5", "4", "0.8000", "3607", "43200", "8", "4",
        "36000", "180000", "3", "0.7500", "0.3750", "0.5000", "3",
        '{"Not illegal in FR": 2, "Listing does not show wildlife": 1}', "1", "0.2500", "1", "0", "0", "0", "0", "",
        ""]]


def test_the_csv_groups_by_country_and_narrows_to_a_platform(client: Client, world: World) -> None:
    rows = table(login(client, "pf.leboncoin").get(METRICS, {**MARCH, "by_country": "1"}))
    assert rows[0][:3] == ["platform", "platform_name", "country"]
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [("pf-leboncoin", "ES", "1"), ("pf-leboncoin", "FR", "5")]
    assert table(client.get(METRICS, {**MARCH, "platform": "pf-wallapop"})) == [HEADER]


def test_the_csv_leaves_missing_figures_empty(client: Client, world: World) -> None:
    rows = table(login(client, "coord.fr").get(METRICS, {"start": "2026-03-06", "end": "2026-03-07"}))
    [n5] = rows[1:]  # only N5: sent, never acknowledged, nothing acted
    figures = dict(zip(HEADER, n5, strict=True))
    assert figures["acknowledgement_rate"] == "0.0000" and figures["median_time_to_acknowledge_s"] == ""
    assert figures["within_sla_share_of_acted"] == "" and figures["rejection_reasons"] == "{}"


def test_the_csv_neutralises_spreadsheet_formulas_in_free_text(client: Client, world: World) -> None:
    Agency.objects.filter(code="pf-wallapop").update(name="=HYPERLINK(\"http://x\")")
    rows = table(login(client, "pf.wallapop").get(METRICS, MARCH))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"


def test_a_coordinator_of_another_country_exports_no_figures(client: Client, world: World) -> None:
    assert table(login(client, "coord.be").get(METRICS, MARCH)) == [HEADER]
    assert login(client, "coord.be").get(STATEMENTS, MARCH).json() == {
        "count": 0, "left_out": {"outside_eea": 0, "no_platform_reason": 0}, "bodies": []}


def test_an_api_token_exports_the_figures_of_its_officer(client: Client, world: World) -> None:
    _, raw = issue_token(Officer.objects.get(username="pf.wallapop"), name="compliance", scopes=["read"])
    rows = table(client.get(METRICS, MARCH, HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert [r[0] for r in rows[1:]] == ["pf-wallapop"]


@pytest.mark.parametrize("url", [METRICS, STATEMENTS])
def test_anonymous_callers_get_401(client: Client, world: World, url: str) -> None:
    response = client.get(url, MARCH)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="wildnet"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not AuditEvent.objects.filter(action="compliance.export").exists()


@pytest.mark.parametrize("url", [METRICS, STATEMENTS])
@pytest.mark.parametrize(("query", "field"), [
    ({"end": "2026-04-01"}, "start"),
    ({"start": "2026-03-01"}, "end"),
    ({"start": "2026-3-1", "end": "2026-04-01"}, "start"),
    ({"start": "20260301", "end": "2026-04-01"}, "start"),
    ({"start": "2026-02-30", "end": "2026-04-01"}, "start"),
    ({"start": "2026-04-01", "end": "2026-04-01"}, "end"),
    ({"start": "2026-04-01", "end": "2026-03-01"}, "end"),
    ({**MARCH, "by_country": "yes"}, "by_country"),
    ({**MARCH, "platform": "x" * 33}, "platform"),
    ({"start": "٢٠٢٦-03-01", "end": "2026-04-01"}, "start"),
])
def test_bad_parameters_get_400_with_a_typed_error(client: Client, world: World, url: str,
                                                   query: dict[str, str], field: str) -> None:
    response = login(client, "coord.fr").get(url, query)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": field}
    assert not AuditEvent.objects.filter(action="compliance.export").exists()


@pytest.mark.parametrize("url", [METRICS, STATEMENTS])
def test_exports_are_get_only(client: Client, world: World, url: str) -> None:
    assert login(client, "coord.fr").post(f"{url}?start=2026-03-01&end=2026-04-01").status_code == 405


def test_every_export_is_audited_with_its_parameters(client: Client, world: World) -> None:
    login(client, "pf.leboncoin")
    table(client.get(METRICS, {**MARCH, "by_country": "true"}))
    client.get(STATEMENTS, {**MARCH, "platform": "pf-leboncoin"})
    events = AuditEvent.objects.filter(action="compliance.export").order_by("id")
    assert [(e.actor_username, e.details) for e in events] == [
        ("pf.leboncoin", {"export": "metrics.csv", "start": "2026-03-01", "end": "2026-04-01", "platform": "",
                          "by_country": True, "rows": 2}),
        ("pf.leboncoin", {"export": "statements.json", "start": "2026-03-01", "end": "2026-04-01",
                          "platform": "pf-leboncoin", "by_country": False, "rows": 5}),
    ]


def test_statements_are_the_acted_items_in_the_period_in_the_transparency_database_format(
        client: Client, world: World) -> None:
    response = login(client, "coord.fr").get(STATEMENTS, MARCH)
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="statements-of-reasons-2026-03-01-2026-04-01'
                                               '.json"')
    statements = exported(response)
    # A (2 March), B (3 March), E (4 March), C (5 March); Z took effect in February, rejections restrict nothing
    assert [s["puid"] for s in statements] == [puid(world.items[x]) for x in "ABEC"]
    a, _, e, c = statements
    notice = world.notices["N1"]
    assert a == {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Code de l'environnement, L415-3",
        "illegal_content_explanation": "Sale of Appendix I ivory without a CITES certificate.",
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "territorial_scope": ["FR"],
        "content_date": world.items["A"].listing.first_seen_at.date().isoformat(),  # first seen, not notified
        "application_date": "2026-03-02",
        "decision_facts": f"Acted on takedown notice {notice.reference} from Office français de la biodiversité "
                          "(Code de l'environnement, L415-3): Sale of Appendix I ivory without a CITES certificate.",
        "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION",
        "source_identity": "Office français de la biodiversité",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": puid(world.items["A"]),
    }
    assert e["decision_account"] == "DECISION_ACCOUNT_SUSPENDED" and "decision_visibility" not in e
    assert c["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert (c["content_date"], c["application_date"]) == (
        world.items["C"].listing.first_seen_at.date().isoformat(), "2026-03-05")


def test_statements_cover_only_the_platforms_the_viewer_may_see(client: Client, world: World) -> None:
    statements = exported(login(client, "pf.wallapop").get(STATEMENTS, MARCH))
    assert [s["puid"] for s in statements] == [puid(world.items["K"])]
    assert exported(client.get(STATEMENTS, {**MARCH, "platform": "pf-leboncoin"})) == []


def test_an_outcome_reported_through_the_api_becomes_a_complete_statement(client: Client, demo: Any) -> None:
    """The lifecycle actions, end to end: issued by OFB, restricted EU-wide by leboncoin with partial automation."""
    investigator = viewer_for(Officer.objects.get(username="inv.ofb"))
    case = case_actions.create_case(investigator, case_actions.CaseInput(title="Parrots", jurisdictions=["FR"]))
    listing, _ = case_actions.add_listing(investigator, case, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/animaux/123", title="Perroquet gris"))
    notice = actions.issue_notice(investigator, case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3", requested_actions=["remove"],
        statement_of_reasons="Grey parrots (CITES Appendix I) offered without an exemption certificate.",
        territorial_scope=["EU"]))
    [item] = notice.items.all()
    actions.report_outcome(viewer_for(Officer.objects.get(username="pf.leboncoin")), notice, item,
                           actions.OutcomeInput(outcome="restricted", territorial_scope=["EU"],
                                                reason="Disabled across the EU under our protected species policy.",
                                                automated_detection=True,
                                                automated_decision="AUTOMATED_DECISION_PARTIALLY"))
    today = timezone.now().date()
    window = {"start": today.isoformat(), "end": (today + datetime.timedelta(days=1)).isoformat()}
    [statement] = exported(login(client, "pf.leboncoin").get(STATEMENTS, window))
    assert statement == {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Code de l'environnement, L415-3",
        "illegal_content_explanation": "Grey parrots (CITES Appendix I) offered without an exemption certificate.",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "category": "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "territorial_scope": sorted(EU_COUNTRIES),
        "content_date": today.isoformat(),
        "application_date": today.isoformat(),
        "decision_facts": "Disabled across the EU under our protected species policy.",
        "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION",
        "source_identity": "Office français de la biodiversité",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "puid": puid(item),
    }
