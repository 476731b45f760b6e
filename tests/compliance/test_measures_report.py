"""The national report: JSON, CSV and printable HTML, with the change since the previous period."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client

from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent
from compliance.measures import actions
from compliance.measures.catalogue import load_catalogue
from compliance.measures.models import NationalAssessment
from officers.actions import issue_token
from officers.models import Officer

pytestmark = pytest.mark.django_db

Y2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
Y2026 = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username))


def change(code: str, status: str, **values: Any) -> actions.StatusChange:
    return actions.StatusChange(measure_code=code, status=status, **values)


@pytest.fixture
def assessments(demo: Any) -> dict[str, NationalAssessment]:
    """France: 2025 signed off; 2026 signed off with two changes; Spain: 2026 draft."""
    load_catalogue()
    coord = v("coord.fr")
    ofb = Agency.objects.get(code="fr-ofb")
    first = actions.create_assessment(coord, "FR", *Y2025)
    actions.set_measure_status(coord, first, change("BP-A-04", "in_progress"))
    actions.set_measure_status(coord, first, change("LM-A-03", "planned"))
    actions.sign_off(coord, first)
    second = actions.create_assessment(coord, "FR", *Y2026)
    actions.set_measure_status(coord, second, change(
        "BP-A-04", "implemented", responsible_agency=ofb, notes="Weekly <b>monitoring</b>",
        evidence=[actions.EvidenceInput(kind="link", url="https://www.ofb.gouv.fr/veille"),
                  actions.EvidenceInput(kind="note", text="=HYPERLINK(\"http://evil\")")]))
    actions.set_measure_status(coord, second, change("LM-A-03", "not_applicable", reason="EU regulation 338/97"))
    actions.sign_off(coord, second)
    draft = actions.create_assessment(v("coord.es"), "ES", *Y2026)
    return {"fr_2025": first, "fr_2026": second, "es_2026": draft}


def get(client: Client, username: str, path: str) -> Any:
    client.force_login(Officer.objects.get(username=username))
    return client.get(path)


def test_json_report_has_statuses_evidence_indicators_and_change(client: Client, assessments: Any) -> None:
    response = get(client, "coord.fr", "/compliance/national-report/FR/2026.json")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    report = response.json()
    assert (report["country"], report["period"], report["assessment"]["revision"], report["assessment"]["status"]) \
        == ("FR", {"label": "2026", "start": "2026-01-01", "end": "2026-12-31"}, 1, "signed_off")
    assert report["by_status"]["implemented"] == {"count": 1, "measures": ["BP-A-04"]}
    assert report["by_status"]["not_applicable"] == {"count": 1, "measures": ["LM-A-03"]}
    assert report["by_status"]["not_started"]["count"] == 43
    monitoring = next(m for m in report["measures"] if m["code"] == "BP-A-04")
    assert monitoring["responsible_agency"] == "fr-ofb" and monitoring["indicator"] == "listings_monthly"
    assert [e["kind"] for e in monitoring["evidence"]] == ["link", "note"]
    assert monitoring["indicator_value"]["total"] == 0
    assert {i["key"] for i in report["indicators"]} == {"listings_monthly", "keyword_watchlists",
                                                        "takedown_removal", "joint_operations",
                                                        "information_exchange", "digital_forensics",
                                                        "citizen_reports"}
    assert report["change_since_previous"] == {
        "previous": {"period": "2025", "revision": 1,
                     "signed_off_at": assessments["fr_2025"].signed_off_at.isoformat()},
        "changes": [{"code": "BP-A-04", "from": "in_progress", "to": "implemented"},
                    {"code": "LM-A-03", "from": "planned", "to": "not_applicable"}]}
    assert AuditEvent.objects.filter(action="assessment.report", object_id=str(assessments["fr_2026"].pk),
                                     details__format="json").count() == 1


def test_the_first_period_has_no_previous(client: Client, assessments: Any) -> None:
    report = get(client, "coord.fr", "/compliance/national-report/FR/2025-01-01..2025-12-31.json").json()
    assert report["change_since_previous"] == {"previous": None, "changes": []}
    assert not any(m["changed"] for m in report["measures"])


def test_csv_report_one_row_per_measure_and_no_formulas(client: Client, assessments: Any) -> None:
    response = get(client, "coord.fr", "/compliance/national-report/FR/2026.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="national-report-FR-2026-r1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 45
    monitoring = next(r for r in rows if r["code"] == "BP-A-04")
    assert (monitoring["status"], monitoring["previous_status"], monitoring["changed"]) == (
        "implemented", "in_progress", "yes")
    assert monitoring["evidence"] == "link: https://www.ofb.gouv.fr/veille; note: =HYPERLINK(\"http://evil\")"
    assert "total=0" in monitoring["indicator_value"]
    n_a = next(r for r in rows if r["code"] == "LM-A-03")
    assert n_a["reason"] == "EU regulation 338/97" and n_a["status"] == "not_applicable"


def test_csv_cells_cannot_start_a_formula(client: Client, assessments: Any) -> None:
    coord = v("coord.fr")
    draft = actions.create_assessment(coord, "FR", datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    actions.set_measure_status(coord, draft, change("BP-A-01", "planned", notes="=1+1"))
    actions.set_measure_status(coord, draft, change("BP-A-02", "not_applicable", reason="@SUM(A1)"))
    rows = list(csv.DictReader(io.StringIO(get(client, "coord.fr",
                                               "/compliance/national-report/FR/2027.csv").content.decode())))
    assert next(r for r in rows if r["code"] == "BP-A-02")["reason"] == "'@SUM(A1)"


def test_html_report_is_the_consoles_printable_page_escaped(client: Client, assessments: Any) -> None:
    response = get(client, "coord.fr", "/compliance/national-report/FR/2026.html")
    assert response.status_code == 302 and response["Location"] == "/measures/FR/2026/report/"
    page = client.get(response["Location"]).content.decode()
    assert "Weekly &lt;b&gt;monitoring&lt;/b&gt;" in page and "<b>monitoring" not in page
    assert "BP-A-04: In progress → Implemented" in page
    assert "Online listings recorded per month" in page
    assert "<script>" not in page and "http-equiv" not in page and 'src="http' not in page


def test_another_coordinator_gets_the_summary_only(client: Client, assessments: Any) -> None:
    report = get(client, "coord.es", "/compliance/national-report/FR/2026.json").json()
    assert report["details"] is False and report["indicators"] is None
    monitoring = next(m for m in report["measures"] if m["code"] == "BP-A-04")
    assert monitoring["status"] == "implemented" and monitoring["evidence"] is None and monitoring["notes"] is None


@pytest.mark.parametrize(("username", "path"), [
    ("coord.fr", "/compliance/national-report/ES/2026.json"),  # another country's draft
    ("coord.fr", "/compliance/national-report/ES/2026.html"),
    ("coord.fr", "/compliance/national-report/PT/2026.json"),  # none at all
    ("coord.fr", "/compliance/national-report/FR/2031.csv"),
    ("inv.seprona", "/compliance/national-report/FR/2026.json"),  # another country's agency
    ("pf.leboncoin", "/compliance/national-report/FR/2026.json"),
    ("spotter.ifaw", "/compliance/national-report/FR/2026.json"),
    ("sysadmin", "/compliance/national-report/FR/2026.json"),
    ("coord.fr", "/compliance/national-report/FR/2026-12-31..2026-01-01.json"),  # empty period
])
def test_refused_and_missing_are_the_same_404(client: Client, assessments: Any, username: str, path: str) -> None:
    response = get(client, username, path)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "No such assessment.", "extensions": {"code": "NOT_FOUND"}}]}


def test_anonymous_gets_404_and_a_token_works(client: Client, assessments: Any) -> None:
    assert client.get("/compliance/national-report/FR/2026.json").status_code == 404
    _, raw = issue_token(Officer.objects.get(username="inv.ofb"), name="report", scopes=["read"])
    response = client.get("/compliance/national-report/FR/2026.json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["details"] is True


def test_graphql_national_report(gql: Any, assessments: Any) -> None:
    query = '{ nationalReport(country: "FR", period: "2026") }'
    report = gql.login("coord.fr")(query)["nationalReport"]
    assert report["change_since_previous"]["changes"][0]["code"] == "BP-A-04"
    assert gql.login("coord.fr")('{ nationalReport(country: "ES", period: "2026") }') == {"nationalReport": None}
    assert gql.login("pf.leboncoin")(query) == {"nationalReport": None}
