"""Europol handling codes on cases and on the items inside them, and the law-enforcement-only restriction.

The matrix (``test_item_marking_matrix``) checks every read path; these tests pin the rules themselves: what each
code requires when it is written, who releases an H2 item and to whom, what an H2 case's approval covers, that
"not for judicial use" travels with an item, and how the former meanings were migrated.
"""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from access.errors import ActionError
from access.markings import Classification, handling_text
from access.policy import visible
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case, CaseEntity, IntelReport
from cases.rules import claims_held_elsewhere
from mandates.models import Mandate
from officers.models import Officer, Role
from sharing import actions
from sharing.models import Release, Share

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db


def ofb_case(**options: Any) -> Case:
    """An OFB case (France) with an H0 report, an H2 report and an H2 phone claim."""
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"], **options))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Open report", source_evaluation="B",
                                                                information_assessment="2"))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Informant", source_evaluation="B",
                                                                information_assessment="2", handling_code="H2"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33612345678", role="seller",
                                                                handling_code="H2"))
    return case


def share_with_oclaesp(case: Case, by: str = "inv.ofb") -> Share:
    return actions.share_case(viewer(by), case, actions.ShareInput(
        justification="Joint investigation", recipient_agency=Agency.objects.get(code="fr-oclaesp")))


def reports_seen(username: str, case: Case) -> set[str]:
    return set(visible(viewer(username), IntelReport.objects.filter(case=case)).values_list("text", flat=True))


# --- writing a marking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "conditions", "uk", "field"), [
    ("H3", "", "", "handling_conditions"),  # H3 states its conditions
    ("H0", "Call us first", "", "handling_conditions"),  # conditions bind nobody without H3 or code C
    ("H0", "", "C", "handling_conditions"),  # UK 3x5x2 code C states its conditions too
    ("H9", "", "", "handling_code"),
])
def test_a_report_with_a_bad_marking_is_refused_and_nothing_written(demo: Any, code: str, conditions: str, uk: str,
                                                                    field: str) -> None:
    case = case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(title="C", jurisdictions=["FR"]))
    grading = {"source_evaluation": "1", "information_assessment": "A", "grading_system": "uk_3x5x2",
               "uk_handling": uk} if uk else {"source_evaluation": "B", "information_assessment": "2"}
    with pytest.raises(ActionError) as error:
        case_actions.add_report(viewer("inv.ofb"), case, case_actions.ReportInput(
            text="Report", handling_code=code, handling_conditions=conditions, **grading))
    assert error.value.field == field
    assert not IntelReport.objects.filter(case=case).exists()


def test_uk_code_c_and_h3_items_keep_their_conditions(demo: Any) -> None:
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="C", jurisdictions=["FR"]))
    report = case_actions.add_report(inv, case, case_actions.ReportInput(
        text="Report", source_evaluation="2", information_assessment="B", grading_system="uk_3x5x2",
        uk_handling="C", handling_conditions=" Not to the press. "))
    claim = case_actions.link_entity(inv, case, case_actions.ClaimInput(
        kind="email", value="a@example.org", handling_code="H3", handling_conditions="Do not contact."))
    assert (report.uk_handling, report.handling_conditions) == ("C", "Not to the press.")
    assert (claim.handling_code, claim.handling_conditions) == ("H3", "Do not contact.")


def test_leaving_h3_ends_the_case_conditions(demo: Any) -> None:
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="C", jurisdictions=["FR"], handling_code="H3",
                                                                handling_conditions="Court only."))
    case = case_actions.update_case(inv, case, case.version, {"handling_code": "H1"})
    assert (case.handling_code, case.handling_conditions) == ("H1", "")


def test_a_new_case_is_kept_among_law_enforcement_unless_said_otherwise(demo: Any) -> None:
    case = case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(title="C", jurisdictions=["FR"]))
    assert (case.handling_code, case.law_enforcement_only) == ("H0", True)


# --- law enforcement only --------------------------------------------------------------------------------------


def ifaw_analyst() -> Officer:
    ifaw = Agency.objects.get(code="ngo-ifaw")
    start = timezone.now() - datetime.timedelta(days=1)
    Mandate.objects.create(agency=ifaw, legal_reference="MoU", legal_basis="MoU", jurisdictions=["FR"],
                           crime_areas=["online_trade"], cites_appendices=["I", "II", "III", "NC"],
                           purposes=["analysis"], max_classification=Classification.CONFIDENTIAL, valid_from=start,
                           valid_until=start + datetime.timedelta(days=30),
                           granted_by=Officer.objects.get(username="coord.fr"))
    return Officer.objects.create(username="ana.ifaw", agency=ifaw, role=Role.ANALYST,
                                  clearance=Classification.CONFIDENTIAL, email="ana.ifaw@example.org")


def test_a_case_kept_among_law_enforcement_is_never_shared_with_an_ngo(demo: Any) -> None:
    ifaw_analyst()
    case = ofb_case()
    with pytest.raises(ActionError) as error:
        actions.share_case(viewer("inv.ofb"), case, actions.ShareInput(
            justification="Analysis", recipient_agency=Agency.objects.get(code="ngo-ifaw")))
    assert (error.value.code, error.value.field) == ("HANDLING_FORBIDS", "recipient")
    assert not Share.objects.filter(case=case).exists()


def test_an_item_kept_among_law_enforcement_stays_hidden_from_an_ngo_recipient_only(demo: Any) -> None:
    ifaw_analyst()
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="C", jurisdictions=["FR"],
                                                                law_enforcement_only=False))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="For the NGO", source_evaluation="B",
                                                                information_assessment="2"))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Police only", source_evaluation="B",
                                                                information_assessment="2", law_enforcement_only=True))
    actions.share_case(inv, case, actions.ShareInput(justification="Analysis",
                                                     recipient_agency=Agency.objects.get(code="ngo-ifaw")))
    share_with_oclaesp(case)
    assert reports_seen("inv.oclaesp", case) == {"For the NGO", "Police only"}
    ngo = set(visible(viewer("ana.ifaw", purpose="analysis"), IntelReport.objects.filter(case=case))
              .values_list("text", flat=True))
    assert ngo == {"For the NGO"}


# --- H2 items and their release --------------------------------------------------------------------------------


def test_an_h2_item_added_to_a_shared_case_waits_for_the_owners_release(demo: Any) -> None:
    """The issue's case: an H2 report added to a case already shared is not visible to the recipient at once."""
    case = ofb_case()
    share = share_with_oclaesp(case)
    case_actions.add_report(viewer("inv.ofb"), case, case_actions.ReportInput(
        text="Later informant", source_evaluation="A", information_assessment="1", handling_code="H2"))
    assert reports_seen("inv.oclaesp", case) == {"Open report"}
    assert reports_seen("inv.ofb", case) == {"Open report", "Informant", "Later informant"}
    later = IntelReport.objects.get(text="Later informant")
    actions.release_items(viewer("sup.ofb"), share, [later.pk], [])
    assert reports_seen("inv.oclaesp", case) == {"Open report", "Later informant"}
    actions.release_items(viewer("sup.ofb"), share, [later.pk], [], release=False)
    assert reports_seen("inv.oclaesp", case) == {"Open report"}


def test_only_a_supervisor_of_the_owning_agency_releases(demo: Any) -> None:
    case = ofb_case()
    share = share_with_oclaesp(case)
    report = IntelReport.objects.get(text="Informant")
    for username in ("inv.ofb", "inv.oclaesp"):
        with pytest.raises(ActionError) as error:
            actions.release_items(viewer(username), share, [report.pk], [])
        assert error.value.code == "PERMISSION_DENIED"
    assert not Release.objects.exists()


def test_a_supervisor_cleared_below_the_case_cannot_release_its_items(demo: Any) -> None:
    case = ofb_case(classification=Classification.CONFIDENTIAL)
    share = share_with_oclaesp(case)
    Officer.objects.filter(username="sup.ofb").update(clearance=Classification.RESTRICTED)
    with pytest.raises(ActionError) as error:
        actions.release_items(viewer("sup.ofb"), share, [IntelReport.objects.get(text="Informant").pk], [])
    assert (error.value.code, error.value.field) == ("NOT_FOUND", "report_ids")
    assert not Release.objects.exists()


def test_only_items_held_from_the_share_can_be_released(demo: Any) -> None:
    case = ofb_case()
    share = share_with_oclaesp(case)
    other = ofb_case()
    for wanted in (IntelReport.objects.get(case=case, text="Open report"),  # not H2: nothing to release
                   IntelReport.objects.get(case=other, text="Informant")):  # another case's
        with pytest.raises(ActionError) as error:
            actions.release_items(viewer("sup.ofb"), share, [wanted.pk], [])
        assert (error.value.code, error.value.field) == ("NOT_FOUND", "report_ids")
    assert not Release.objects.exists()


def test_the_approval_of_an_h2_case_share_is_the_permission_for_what_it_holds(demo: Any) -> None:
    case = ofb_case(handling_code="H2")
    share = share_with_oclaesp(case)
    assert reports_seen("inv.oclaesp", case) == set()  # waiting for approval
    actions.approve_share(viewer("sup.ofb"), share)
    assert reports_seen("inv.oclaesp", case) == {"Open report", "Informant"}
    assert actions.held_items(viewer("sup.ofb"), [(share.pk, case.pk)]) == [[]]


def test_a_held_claim_is_held_elsewhere_for_the_recipient(demo: Any) -> None:
    """The recipient does not read the claim, and searching the phone records a hit for OFB, as for any claim
    held elsewhere; once released, it is theirs to read and no longer a hit."""
    case = ofb_case()
    share = share_with_oclaesp(case)
    claim = CaseEntity.objects.get(case=case)
    recipient = viewer("inv.oclaesp")
    assert list(claims_held_elsewhere(recipient, [claim.entity_id])) == [claim]
    actions.release_items(viewer("sup.ofb"), share, [], [claim.pk])
    assert list(claims_held_elsewhere(viewer("inv.oclaesp"), [claim.entity_id])) == []


def test_release_through_graphql_and_held_items(gql: Any, demo: Any) -> None:
    cases = [ofb_case() for _ in range(3)]
    shares = [share_with_oclaesp(case) for case in cases]
    gql.login("sup.ofb")
    query = """{ sharesGiven(first: 10) { edges { node { id canRelease heldItems { released
                 report { id text } claim { id } } } } } }"""
    body = gql.post(query).json()
    nodes = {edge["node"]["id"]: edge["node"] for edge in body["data"]["sharesGiven"]["edges"]}
    assert all(len(nodes[to_global_id("Share", s.pk)]["heldItems"]) == 2 for s in shares)
    report = IntelReport.objects.get(case=cases[0], text="Informant")
    result = gql.post("""mutation($id: ID!, $r: [ID!]) { releaseItems(id: $id, reportIds: $r) {
                         share { id } errors { code field } } }""",
                      {"id": to_global_id("Share", shares[0].pk), "r": [to_global_id("IntelReport", report.pk)]})
    assert result.json()["data"]["releaseItems"]["errors"] == []
    held = gql.post(query).json()["data"]["sharesGiven"]["edges"]
    released = [item["released"] for edge in held for item in edge["node"]["heldItems"]
                if item["report"] and item["report"]["text"] == "Informant"]
    assert sorted(released) == [False, False, True]
    gql.login("inv.oclaesp")
    received = gql.post(query.replace("sharesGiven", "sharesReceived"), **INVESTIGATION).json()
    edges = received["data"]["sharesReceived"]["edges"]
    assert len(edges) == 3 and all(edge["node"]["heldItems"] == [] for edge in edges)  # never told what is held
    assert not any(edge["node"]["canRelease"] for edge in edges)


def test_held_items_cost_a_fixed_number_of_statements(gql: Any, demo: Any) -> None:
    def count(n: int) -> int:
        for _ in range(n):
            share_with_oclaesp(ofb_case())
        gql.login("sup.ofb")
        with CaptureQueriesContext(connection) as captured:
            gql.post("{ sharesGiven(first: 50) { edges { node { heldItems { released report { id } "
                     "claim { id } } } } } }")
        return len(captured.captured_queries)

    assert count(1) == count(5)


# --- not for judicial use --------------------------------------------------------------------------------------


def test_not_for_judicial_use_follows_the_item_or_its_case(gql: Any, demo: Any) -> None:
    inv = viewer("inv.ofb")
    h1_case = case_actions.create_case(inv, case_actions.CaseInput(title="H1", jurisdictions=["FR"],
                                                                   handling_code="H1"))
    h0_case = case_actions.create_case(inv, case_actions.CaseInput(title="H0", jurisdictions=["FR"]))
    for case, code in ((h1_case, "H0"), (h0_case, "H1"), (h0_case, "H0")):
        case_actions.add_report(inv, case, case_actions.ReportInput(
            text=f"{case.title}/{code}", source_evaluation="B", information_assessment="2", handling_code=code))
    gql.login("inv.ofb")
    body = gql.post("{ intelReports(first: 10) { edges { node { text notForJudicialUse } } } }").json()
    found = {edge["node"]["text"]: edge["node"]["notForJudicialUse"]
             for edge in body["data"]["intelReports"]["edges"]}
    assert found == {"H1/H0": True, "H0/H1": True, "H0/H0": False}


def test_the_handling_text_of_files_says_not_for_judicial_use_and_the_conditions() -> None:
    assert handling_text("H1") == "H1 (not for judicial use)"
    assert handling_text("H0", "", ("H1", "")) == "H0; case H1 (not for judicial use)"
    assert handling_text("H3", "Court only.", ("H3", "Court only.")) == "H3: Court only."


# --- the migration of the former meanings ----------------------------------------------------------------------


def test_former_h1_and_h2_become_law_enforcement_only(demo: Any) -> None:
    migration = importlib.import_module("cases.migrations.0005_handling_meanings")
    inv = viewer("inv.ofb")
    cases = {code: case_actions.create_case(inv, case_actions.CaseInput(title=code, jurisdictions=["FR"],
                                                                        handling_code=code, handling_conditions=(
                                                                            "x" if code == "H3" else "")))
             for code in ("H0", "H1", "H2", "H3")}
    Case.objects.filter(pk__in=[c.pk for c in cases.values()]).update(law_enforcement_only=False)
    migration.europol_meanings(django_apps, None)
    after = {c.title: (c.handling_code, c.law_enforcement_only)
             for c in Case.objects.filter(pk__in=[c.pk for c in cases.values()])}
    assert after == {"H0": ("H0", False), "H1": ("H0", True), "H2": ("H2", True), "H3": ("H3", False)}
