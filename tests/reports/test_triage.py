"""Triage of spotters' reports: routing, the priority score, the queue, the analysts' actions, and the refusals
(nobody but the analysts of the agency a report is routed to triages it or sees what the system found)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from graphql_relay import from_global_id, to_global_id

from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent
from cases.actions import CaseInput, add_watch_term, create_watchlist
from cases.actions import create_case as make_case
from cases.models import Case, CustodyEvent, Evidence, IntelReport, Listing
from compliance.models import TakedownNotice
from officers.models import Officer
from outbox.models import OutboxMessage
from reports.models import ReportRoute, ReportScreenshot, SpotterReport
from reports.ranking import route

from .conftest import PNG, submit

pytestmark = pytest.mark.django_db

LEBONCOIN = "https://www.leboncoin.fr/ad/animaux/2480000001"

QUEUE = """{ triageQueue { totalCount edges { node { id url score scoreParts { reason points } alreadyKnown
  reporterName programme { code } routedTo { code } species { scientificName } duplicates { id }
  screenshots { sha256 } } } } }"""
TRIAGE_ONE = """query($id: ID!) { triageReport(id: $id) { id status } node(id: $id) { id } }"""
REVIEW = """mutation($id: ID!) { startReportReview(id: $id) { report { status } errors { code field } } }"""
PASS = """mutation($id: ID!, $caseId: ID, $title: String) {
  passReportToInvestigation(id: $id, caseId: $caseId, caseTitle: $title) {
    report { status triagedAt case { reference } listing { url } } errors { code field } } }"""
NOT_ACTIONABLE = """mutation($id: ID!, $reason: NotActionableReason!) {
  markReportNotActionable(id: $id, reason: $reason) { report { status reason } errors { code field } } }"""
MERGE = """mutation($id: ID!, $into: ID!) { mergeReport(id: $id, intoId: $into) {
  report { duplicateOf { id } } errors { code field } } }"""
#: The session with its officer, the page with its count, then one batch each: programme and routed agency, species,
#: duplicates, screenshots, reporters' names.
QUEUE_STATEMENTS = 7
MINE = """{ myReports { edges { node { status reason history { status } } } } }"""


def spotter(username: str = "spotter.ifaw") -> Client:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    return client


def triage_id(report_id: str) -> str:
    """The same report as the analysts' type: ``TriageReport:<pk>``."""
    return to_global_id("TriageReport", from_global_id(report_id)[1])


@pytest.fixture
def reported(demo: Any, species: Any, media: Path) -> str:
    """A leboncoin report of a grey parrot (Appendix I) with a screenshot: routed to the OFB."""
    outcome = submit(spotter(), files=[("annonce.png", PNG)], url=LEBONCOIN, speciesSuggested="perroquet gri",
                     language="fr")
    assert outcome["errors"] == []
    return triage_id(outcome["report"]["id"])


# --- routing ------------------------------------------------------------------------------------------------


def test_reports_go_to_the_platform_s_country_then_the_programme_s_unless_a_route_says_otherwise(demo: Any) -> None:
    ifaw, agencies = Agency.objects.get(code="ngo-ifaw"), {a.code: a for a in Agency.objects.all()}
    assert route(ifaw, agencies["pf-leboncoin"]).code == "fr-ofb"  # the wildlife authority of France
    assert route(ifaw, agencies["pf-wallapop"]).code == "es-seprona"  # Spain has none here: its police
    assert route(ifaw, agencies["pf-facebook"]).code == "be-police"  # nobody in Ireland: IFAW's country
    assert route(ifaw, None).code == "be-police"
    ReportRoute.objects.create(programme=ifaw, country="IE", agency=agencies["fr-ofb"])
    ReportRoute.objects.create(country="FR", agency=agencies["fr-oclaesp"])
    assert route(ifaw, agencies["pf-facebook"]).code == "fr-ofb"
    assert route(ifaw, agencies["pf-leboncoin"]).code == "fr-oclaesp"
    ReportRoute.objects.create(programme=ifaw, agency=agencies["fr-dgddi"])
    assert route(ifaw, agencies["pf-leboncoin"]).code == "fr-dgddi"  # the programme's own route wins
    assert route(ifaw, agencies["pf-facebook"]).code == "fr-ofb"  # and its country route beats it


@pytest.mark.parametrize("username", ["admin.ofb", "coord.ifaw", "ana.ofb"])
def test_only_system_administrators_configure_routes_and_each_change_is_audited(demo: Any, username: str) -> None:
    Officer.objects.filter(username__in=["sysadmin", username]).update(is_staff=True)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=["ngo-ifaw", "fr-ofb"])}
    refused = Client()
    refused.force_login(Officer.objects.get(username=username))
    assert refused.get("/admin/reports/reportroute/add/").status_code == 403
    allowed = Client()
    allowed.force_login(Officer.objects.get(username="sysadmin"))
    saved = allowed.post("/admin/reports/reportroute/add/", {
        "programme": agencies["ngo-ifaw"].pk, "country": "IE", "agency": agencies["fr-ofb"].pk})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    created = ReportRoute.objects.get()
    assert route(agencies["ngo-ifaw"], Agency.objects.get(code="pf-facebook")) == agencies["fr-ofb"]
    event = AuditEvent.objects.filter(action="report.route").get()
    assert event.actor.username == "sysadmin" and event.details["country"] == "IE"
    assert allowed.post(f"/admin/reports/reportroute/{created.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ReportRoute.objects.exists() and AuditEvent.objects.filter(action="report.route").count() == 2


# --- the queue and the score --------------------------------------------------------------------------------


def test_the_queue_ranks_by_score_and_says_why(gql: Any, reported: str, media: Path) -> None:
    python = submit(spotter(), url="https://www.leboncoin.fr/ad/animaux/2", speciesSuggested="python royal")
    assert python["errors"] == []
    gql.login("ana.ofb")
    nodes = [edge["node"] for edge in gql(QUEUE)["triageQueue"]["edges"]]
    assert [node["id"] for node in nodes] == [reported, triage_id(python["report"]["id"])]
    parrot, snake = nodes
    assert {part["reason"]: part["points"] for part in parrot["scoreParts"]} == {"appendix": 40, "track_record": 5}
    assert parrot["score"] == 45 and snake["score"] == 25
    assert parrot["reporterName"] == "Emma Wouters" and parrot["programme"] == {"code": "ngo-ifaw"}
    assert parrot["routedTo"] == {"code": "fr-ofb"} and parrot["species"] == {"scientificName": "Psittacus erithacus"}
    assert len(parrot["screenshots"]) == 1 and parrot["alreadyKnown"] is False


def test_duplicates_watchlists_and_known_addresses_raise_the_score(gql: Any, reported: str, media: Path,
                                                                   other_spotter: Officer) -> None:
    ofb = viewer_for(Officer.objects.get(username="sup.ofb"))
    add_watch_term(ofb, create_watchlist(ofb, "Psittacidés"), "perroquet", "common_name")
    case = make_case(ofb, CaseInput(title="Perroquets", jurisdictions=["FR"]))
    Listing.objects.create(case=case, url="https://www.leboncoin.fr/ad/animaux/77", created_by=ofb.officer)
    again = submit(spotter("spotter2.ifaw"), url=LEBONCOIN + "?utm_source=share", speciesSuggested="")
    known = submit(spotter("spotter2.ifaw"), url="https://www.leboncoin.fr/ad/animaux/77",
                   description="Un perroquet à vendre.", speciesSuggested="")
    gql.login("ana.ofb")
    nodes = {edge["node"]["id"]: edge["node"] for edge in gql(QUEUE)["triageQueue"]["edges"]}
    # the repeat is listed under the first report, not in the queue; the first gains the duplicate's points
    assert triage_id(again["report"]["id"]) not in nodes
    assert nodes[reported]["duplicates"] == [{"id": triage_id(again["report"]["id"])}]
    assert {p["reason"]: p["points"] for p in nodes[reported]["scoreParts"]} == {
        "appendix": 40, "duplicates": 5, "track_record": 5}
    known_node = nodes[triage_id(known["report"]["id"])]
    assert known_node["alreadyKnown"] is True
    assert {p["reason"]: p["points"] for p in known_node["scoreParts"]} == {
        "watchlist": 15, "known": 10, "track_record": 5}


def test_the_queue_pins_its_statements(gql: Any, reported: str, media: Path,
                                       django_assert_num_queries: Any) -> None:
    for number in range(5):
        submit(spotter(), url=f"https://www.leboncoin.fr/ad/animaux/{number}", files=[("a.png", PNG)])
    gql.login("ana.ofb")
    gql(QUEUE)  # warm the session and the viewer's caches
    with django_assert_num_queries(QUEUE_STATEMENTS):
        assert gql(QUEUE)["triageQueue"]["totalCount"] == 6
    for number in range(5, 15):
        submit(spotter(), url=f"https://www.leboncoin.fr/ad/animaux/{number}", files=[("a.png", PNG)])
    with django_assert_num_queries(QUEUE_STATEMENTS):
        assert gql(QUEUE)["triageQueue"]["totalCount"] == 16


# --- refusals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["spotter.ifaw", "coord.ifaw", "inv.seprona", "inv.oclaesp", "coord.fr",
                                      "admin.ofb", "pf.leboncoin", "sysadmin"])
def test_outside_the_routed_agency_a_report_is_not_in_any_queue(gql: Any, reported: str, username: str) -> None:
    missing = to_global_id("TriageReport", 999999)
    gql.login(username)
    assert gql(TRIAGE_ONE, {"id": reported}) == gql(TRIAGE_ONE, {"id": missing}) == {"triageReport": None,
                                                                                       "node": None}
    assert gql("{ triageQueue { totalCount } }") == {"triageQueue": {"totalCount": 0}}
    for mutation, variables in [(REVIEW, {}), (PASS, {}), (NOT_ACTIONABLE, {"reason": "OUT_OF_SCOPE"}),
                                (MERGE, {"into": reported})]:
        answers = [next(iter(gql(mutation, {"id": report_id, **variables}).values())) for report_id in
                   (reported, missing)]
        assert answers[0] == answers[1] and answers[0]["errors"][0]["code"] == "NOT_FOUND"
    assert SpotterReport.objects.get().status == "received" and not Case.objects.filter(
        title__startswith="Spotter").exists()


@pytest.mark.parametrize("username", ["ana.ofb", "inv.ofb", "sup.ofb"])
def test_the_routed_agency_s_intelligence_officers_triage(gql: Any, reported: str, username: str) -> None:
    gql.login(username)
    assert gql(TRIAGE_ONE, {"id": reported})["triageReport"] == {"id": reported, "status": "RECEIVED"}
    assert gql(REVIEW, {"id": reported})["startReportReview"] == {"report": {"status": "UNDER_REVIEW"},
                                                                  "errors": []}


# --- actions ------------------------------------------------------------------------------------------------


def test_passing_to_a_new_case_moves_listing_source_and_screenshots_with_custody(
        gql: Any, reported: str, media: Path, django_capture_on_commit_callbacks: Any) -> None:
    screenshot = ReportScreenshot.objects.get()
    stored, digest = screenshot.file.name, screenshot.sha256
    gql.login("ana.ofb")
    with django_capture_on_commit_callbacks(execute=True):
        answer = gql(PASS, {"id": reported, "title": "Perroquets gris — leboncoin"})["passReportToInvestigation"]
    assert answer["errors"] == [] and answer["report"]["status"] == "PASSED_TO_INVESTIGATION"
    assert answer["report"]["listing"] == {"url": LEBONCOIN} and answer["report"]["triagedAt"]
    case = Case.objects.get(reference=answer["report"]["case"]["reference"])
    assert case.owner_agency.code == "fr-ofb" and case.title == "Perroquets gris — leboncoin"
    assert case.jurisdictions == ["FR"] and list(case.species.values_list("scientific_name", flat=True)) == [
        "Psittacus erithacus"]
    source = IntelReport.objects.get(case=case)
    assert "Emma Wouters" in source.text and "IFAW Europe" in source.text
    assert (source.source_evaluation, source.information_assessment) == ("C", "2")
    evidence = Evidence.objects.get(case=case)
    assert evidence.sha256 == digest and evidence.listing.url == LEBONCOIN
    assert evidence.captured_by.username == "spotter.ifaw" and evidence.file.read() == PNG
    assert [(e.action, e.actor.username, e.from_holder, e.to_holder) for e in CustodyEvent.objects.filter(
        evidence=evidence)] == [("captured", "spotter.ifaw", "", "IFAW Europe"),
                                ("transferred", "ana.ofb", "IFAW Europe", "Office français de la biodiversité")]
    screenshot.refresh_from_db()
    assert screenshot.evidence == evidence and not screenshot.file
    assert not evidence.file.storage.exists(stored)  # the report's copy is gone once the move committed


def test_the_spotter_sees_the_outcome_and_nothing_of_the_case(gql: Any, reported: str, media: Path) -> None:
    gql.login("ana.ofb")
    gql(PASS, {"id": reported})
    gql.login("spotter.ifaw")
    assert gql(MINE)["myReports"]["edges"] == [{"node": {"status": "PASSED_TO_INVESTIGATION", "reason": None,
                                                         "history": [{"status": "RECEIVED"},
                                                                     {"status": "PASSED_TO_INVESTIGATION"}]}}]
    case = SpotterReport.objects.get().case
    answer = gql("""query($id: ID!) { node(id: $id) { id } cases { totalCount } }""",
                 {"id": to_global_id("Case", case.pk)})
    assert answer == {"node": None, "cases": {"totalCount": 0}}
    mails = [m.payload for m in OutboxMessage.objects.filter(topic="mail.send")
             if "spotter.ifaw@demo.wildnet.invalid" in m.payload["to"]]
    assert len(mails) == 1 and case.reference not in mails[0]["body"]


def test_adding_to_another_agency_s_case_is_refused_like_a_missing_case(gql: Any, reported: str) -> None:
    theirs = make_case(viewer_for(Officer.objects.get(username="inv.oclaesp")),
                       CaseInput(title="Autre office", jurisdictions=["FR"]))
    gql.login("ana.ofb")
    refused = gql(PASS, {"id": reported, "caseId": to_global_id("Case", theirs.pk)})["passReportToInvestigation"]
    missing = gql(PASS, {"id": reported, "caseId": to_global_id("Case", 999999)})["passReportToInvestigation"]
    assert refused == missing == {"report": None, "errors": [{"code": "NOT_FOUND", "field": "caseId"}]}
    assert SpotterReport.objects.get().status == "received" and not Listing.objects.filter(url=LEBONCOIN).exists()


def test_adding_to_an_existing_case_of_the_agency(gql: Any, reported: str) -> None:
    ours = make_case(viewer_for(Officer.objects.get(username="inv.ofb")),
                     CaseInput(title="Perroquets", jurisdictions=["FR"]))
    gql.login("ana.ofb")
    answer = gql(PASS, {"id": reported, "caseId": to_global_id("Case", ours.pk)})["passReportToInvestigation"]
    assert answer["errors"] == [] and answer["report"]["case"] == {"reference": ours.reference}
    assert Listing.objects.filter(case=ours, url=LEBONCOIN).exists()


def test_not_actionable_needs_a_general_reason_and_is_final(gql: Any, reported: str) -> None:
    gql.login("ana.ofb")
    bad = gql("""mutation($id: ID!) { markReportNotActionable(id: $id, reason: OUT_OF_SCOPE) {
      report { status reason } errors { code } } }""", {"id": reported})["markReportNotActionable"]
    assert bad == {"report": {"status": "NOT_ACTIONABLE", "reason": "OUT_OF_SCOPE"}, "errors": []}
    again = gql(PASS, {"id": reported})["passReportToInvestigation"]
    assert again == {"report": None, "errors": [{"code": "INVALID_STATE", "field": "id"}]}
    assert not Case.objects.filter(owner_agency__code="fr-ofb", title__startswith="Spotter").exists()


def test_merged_reports_follow_the_report_they_were_merged_into(gql: Any, reported: str, media: Path,
                                                                other_spotter: Officer) -> None:
    other = triage_id(submit(spotter("spotter2.ifaw"), url="https://www.leboncoin.fr/ad/animaux/3",
                             description="Le même perroquet, autre annonce.")["report"]["id"])
    gql.login("ana.ofb")
    assert gql(MERGE, {"id": other, "into": other})["mergeReport"]["errors"] == [
        {"code": "INVALID", "field": "intoId"}]
    assert gql(MERGE, {"id": other, "into": reported})["mergeReport"] == {
        "report": {"duplicateOf": {"id": reported}}, "errors": []}
    assert gql(REVIEW, {"id": other})["startReportReview"]["errors"] == []  # its spotter may be told it is seen
    assert gql(PASS, {"id": other})["passReportToInvestigation"]["errors"] == [
        {"code": "INVALID_STATE", "field": "id"}]
    gql(NOT_ACTIONABLE, {"id": reported, "reason": "LISTING_UNAVAILABLE"})
    assert {(r.status, r.reason) for r in SpotterReport.objects.all()} == {("not_actionable", "listing_unavailable")}
    gql.login("spotter2.ifaw")
    assert gql(MINE)["myReports"]["edges"][0]["node"]["status"] == "NOT_ACTIONABLE"


def test_a_notice_cannot_be_sent_for_an_address_on_no_known_platform(gql: Any, demo: Any, media: Path) -> None:
    report = triage_id(submit(spotter(), url="https://shop.example.com/item/9")["report"]["id"])
    gql.login("inv.bepol")
    answer = gql("""mutation($input: SendReportToPlatformInput!) { sendReportToPlatform(input: $input) {
      notice { reference } errors { code field } } }""", {"input": {
        "id": report, "legalBasisLaw": "Loi", "legalBasisArticle": "1", "statementOfReasons": "Vente illégale.",
        "requestedActions": ["REMOVE"], "territorialScope": ["BE"]}})["sendReportToPlatform"]
    assert answer == {"notice": None, "errors": [{"code": "INVALID", "field": "id"}]}
    assert not TakedownNotice.objects.exists() and not Case.objects.filter(owner_agency__code="be-police").exists()
