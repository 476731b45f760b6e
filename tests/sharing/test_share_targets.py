"""``shareTargets``: who a case can go to and why not, agreeing with ``shareCase``; the sharing page's fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from access.errors import ActionError
from agencies.models import Agency, AgencyType
from cases import actions as case_actions
from cases.models import Case
from mandates.models import Mandate
from sharing import actions
from sharing.models import AccessRequest, Share, ShareStatus

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db

TARGETS = """query($id: ID!) { shareTargets(caseId: $id) {
  covered obstacles agency { code } taskForce { name } mandates { id legalReference } } }"""


def by_code(targets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["agency"]["code"]: t for t in targets if t["agency"]}


def test_the_owner_sees_covering_agencies_with_their_mandate_and_the_reasons_for_the_others(
        gql: Any, ofb_case: Case) -> None:
    targets = gql.login("inv.ofb")(TARGETS, {"id": to_global_id("Case", ofb_case.pk)})["shareTargets"]
    agencies = by_code(targets)
    assert "fr-ofb" not in agencies  # the owner is not a recipient
    assert agencies["fr-oclaesp"]["covered"] and agencies["fr-oclaesp"]["obstacles"] == []
    assert [m["legalReference"] for m in agencies["fr-oclaesp"]["mandates"]] == ["Décret n° 2004-612, art. 2"]
    assert agencies["fr-tracfin"] == {**agencies["fr-tracfin"], "covered": False, "mandates": [],
                                      "obstacles": ["CRIME_AREA_NOT_COVERED"]}
    assert agencies["es-seprona"]["obstacles"] == ["JURISDICTION_NOT_COVERED"]
    assert "HANDLING_FORBIDS" in agencies["pf-leboncoin"]["obstacles"]  # H1 stays among law enforcement
    assert agencies["int-interpol"]["obstacles"] == ["NO_MANDATE"]
    assert any(t["taskForce"] and t["covered"] for t in targets)


def test_the_form_and_the_mutation_never_disagree(gql: Any, ofb_case: Case) -> None:
    targets = gql.login("inv.ofb")(TARGETS, {"id": to_global_id("Case", ofb_case.pk)})["shareTargets"]
    for code, target in by_code(targets).items():
        data = actions.ShareInput(justification="Check", recipient_agency=Agency.objects.get(code=code))
        try:
            with transaction.atomic():
                actions.share_case(viewer("inv.ofb"), ofb_case, data)
                transaction.set_rollback(True)
            accepted = True
        except ActionError:
            accepted = False
        assert accepted == target["covered"], code


@pytest.mark.parametrize("who", ["inv.oclaesp", "spotter.ifaw", "pf.leboncoin"])
def test_no_targets_for_a_case_the_viewer_may_not_share(gql: Any, ofb_case: Case, share: Any, who: str) -> None:
    share(ofb_case)  # visible to OCLAESP under a purpose, but not to share further
    data = gql.login(who)(TARGETS, {"id": to_global_id("Case", ofb_case.pk)}, **INVESTIGATION)
    assert data == {"shareTargets": None}
    missing = gql(TARGETS, {"id": to_global_id("Case", 999_999)}, **INVESTIGATION)
    assert missing == {"shareTargets": None}


def test_can_share_says_who_may_share(gql: Any, ofb_case: Case, share: Any) -> None:
    share(ofb_case)
    query = "query($r: String!) { case(reference: $r) { canShare } }"
    assert gql.login("inv.ofb")(query, {"r": ofb_case.reference}) == {"case": {"canShare": True}}
    assert gql.login("inv.oclaesp")(query, {"r": ofb_case.reference}, **INVESTIGATION) == \
        {"case": {"canShare": False}}
    share(ofb_case, can_reshare=False)
    case_actions.update_case(viewer("inv.ofb"), ofb_case, ofb_case.version, {"handling_code": "H0"})
    share(ofb_case, can_reshare=True)
    assert gql.login("inv.oclaesp")(query, {"r": ofb_case.reference}, **INVESTIGATION) == \
        {"case": {"canShare": True}}


SHARES = """{ sharesGiven { edges { node { mandateReference canApprove canRevoke } } }
  sharesReceived { edges { node { mandateReference canApprove canRevoke } } } }"""


def test_both_sides_read_the_mandate_a_share_relies_on_and_only_the_sharer_may_revoke(
        gql: Any, ofb_case: Case, share: Any) -> None:
    share(ofb_case)
    given = gql.login("inv.ofb")(SHARES)["sharesGiven"]["edges"]
    assert [e["node"] for e in given] == [{"mandateReference": "Décret n° 2004-612, art. 2", "canApprove": False,
                                           "canRevoke": True}]
    received = gql.login("inv.oclaesp")(SHARES, **INVESTIGATION)["sharesReceived"]["edges"]
    assert [e["node"] for e in received] == [{"mandateReference": "Décret n° 2004-612, art. 2",
                                              "canApprove": False, "canRevoke": False}]
    assert gql.login("ana.ofb")(SHARES)["sharesGiven"]["edges"][0]["node"]["canRevoke"] is False


def test_only_a_supervisor_of_the_owner_may_approve_an_h2_share(gql: Any, share: Any) -> None:
    case = case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(
        title="Pangolins", jurisdictions=["FR"], handling_code="H2"))
    pending = share(case)
    assert pending.status == ShareStatus.PENDING_APPROVAL
    query = "{ sharesGiven(status: PENDING_APPROVAL) { edges { node { canApprove } } } }"
    assert gql.login("inv.ofb")(query)["sharesGiven"]["edges"] == [{"node": {"canApprove": False}}]
    assert gql.login("sup.ofb")(query)["sharesGiven"]["edges"] == [{"node": {"canApprove": True}}]


REQUESTS = """{ accessRequestsReceived { edges { node { caseReference canDecide } } }
  accessRequestsSent { edges { node { caseReference canDecide } } } }"""


def test_access_requests_sent_and_received_are_apart(gql: Any, ofb_case: Case) -> None:
    actions.request_access(viewer("inv.seprona"), reference=ofb_case.reference, purpose="investigation",
                           justification="Same phone")
    assert AccessRequest.objects.count() == 1
    supervisor = gql.login("sup.ofb")(REQUESTS)
    assert [e["node"]["canDecide"] for e in supervisor["accessRequestsReceived"]["edges"]] == [True]
    assert supervisor["accessRequestsSent"]["edges"] == []
    assert gql.login("inv.ofb")(REQUESTS)["accessRequestsReceived"]["edges"] == []  # supervisors decide
    requester = gql.login("inv.seprona")(REQUESTS)
    assert requester["accessRequestsReceived"]["edges"] == []
    assert [e["node"]["canDecide"] for e in requester["accessRequestsSent"]["edges"]] == [False]
    assert Share.objects.count() == 0


@pytest.mark.parametrize("n", [1, 10, 100])
def test_share_targets_cost_the_same_statements_whatever_the_number_of_agencies(
        gql: Any, ofb_case: Case, n: int) -> None:
    template = Mandate.objects.filter(agency__code="fr-oclaesp").get()
    for number in range(n):
        agency = Agency.objects.create(code=f"fr-extra-{number}", name=f"Extra {number}", country="FR",
                                       agency_type=AgencyType.POLICE)
        Mandate.objects.create(agency=agency, legal_reference=f"Extra {number}", legal_basis="x",
                               jurisdictions=["FR"], crime_areas=template.crime_areas,
                               cites_appendices=template.cites_appendices, purposes=template.purposes,
                               max_classification=template.max_classification, valid_from=template.valid_from,
                               valid_until=template.valid_until, granted_by=template.granted_by)
    gql.login("inv.ofb")
    with CaptureQueriesContext(connection) as queries:
        data = gql(TARGETS, {"id": to_global_id("Case", ofb_case.pk)})
    assert sum(bool(t["agency"] and t["covered"]) for t in data["shareTargets"]) == n + 3  # OCLAESP, DGDDI, PNR
    # the session with its officer, the case, the agencies, their mandates, the task forces
    assert len(queries) == 5, "\n".join(q["sql"] for q in queries.captured_queries)
