"""Sharing under mandates: what a share grants, what ends it, redactions, requests, hits, the access log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from graphql_relay import to_global_id

from agencies.models import Agency, TaskForce, TaskForceMembership
from api import reads as api_reads
from audit.models import AuditEvent, Outcome
from cases import actions as case_actions
from mandates.models import Mandate, MandateStatus
from officers.models import Officer
from outbox.models import OutboxMessage
from sharing import actions
from sharing.models import AccessRequest, Hit, Share, ShareStatus

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db

CONTENTS = """{ cases { totalCount edges { node { reference redactedGroups
  listings { url seller { normalised } } entityLinks { role sourceReliability entity { normalised } }
  reports { grading } } } } listings { totalCount } entities { totalCount } intelReports { totalCount } }"""


def counts(data: dict[str, Any]) -> list[int]:
    return [data[k]["totalCount"] for k in ("cases", "listings", "entities", "intelReports")]


def test_share_grants_the_recipient_under_its_mandate_and_purpose(gql: Any, ofb_case: Any, share: Any) -> None:
    gql.login("inv.oclaesp")
    assert counts(gql(CONTENTS, **INVESTIGATION)) == [0, 0, 0, 0]
    share(ofb_case)
    data = gql(CONTENTS, **INVESTIGATION)
    assert counts(data) == [1, 1, 2, 1]
    assert data["cases"]["edges"][0]["node"]["redactedGroups"] == []
    assert counts(gql(CONTENTS)) == [0, 0, 0, 0]  # no declared purpose: nothing shared
    assert counts(gql(CONTENTS, HTTP_X_WILDNET_PURPOSE="prosecution")) == [0, 0, 0, 0]  # not in the mandate


def test_declared_purpose_for_the_session(gql: Any, ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    gql.login("inv.oclaesp")
    out = gql("mutation { declarePurpose(purpose: INVESTIGATION) { purpose errors { code } } }")
    assert out["declarePurpose"] == {"purpose": "INVESTIGATION", "errors": []}
    assert gql("{ purpose cases { totalCount } }") == {"purpose": "INVESTIGATION", "cases": {"totalCount": 1}}


@pytest.mark.parametrize("ending", ["revoke_share", "suspend_mandate", "revoke_mandate", "expire_mandate",
                                    "expire_share", "mandate_stops_covering", "clearance_lowered"])
def test_access_ends_at_the_next_request(gql: Any, ofb_case: Any, share: Any, ending: str) -> None:
    granted = share(ofb_case)
    gql.login("inv.oclaesp")
    assert counts(gql(CONTENTS, **INVESTIGATION)) == [1, 1, 2, 1]
    mandate = Mandate.objects.get(pk=granted.mandate_id)
    past = timezone.now() - datetime.timedelta(seconds=1)
    if ending == "revoke_share":
        actions.revoke_share(viewer("sup.ofb"), granted, "Case closed")
    elif ending == "suspend_mandate":
        Mandate.objects.filter(pk=mandate.pk).update(status=MandateStatus.SUSPENDED)
    elif ending == "revoke_mandate":
        Mandate.objects.filter(pk=mandate.pk).update(status=MandateStatus.REVOKED)
    elif ending == "expire_mandate":
        Mandate.objects.filter(pk=mandate.pk).update(valid_until=past, valid_from=past - datetime.timedelta(days=9))
    elif ending == "expire_share":
        Share.objects.filter(pk=granted.pk).update(expires_at=past)
    elif ending == "mandate_stops_covering":
        case_actions.update_case(viewer("inv.ofb"), ofb_case, 1, {"jurisdictions": ["FR", "ES"]})
    else:
        Officer.objects.filter(username="inv.oclaesp").update(clearance=0)
    gql.client.force_login(Officer.objects.get(username="inv.oclaesp"))
    assert counts(gql(CONTENTS, **INVESTIGATION)) == [0, 0, 0, 0]
    listing = ofb_case.listings.get()
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("Listing", listing.pk)},
               **INVESTIGATION) == {"node": None}


@pytest.mark.parametrize(("redact", "visible", "groups"), [
    (["personal_data"], [1, 1, 0, 1], ["personal_data"]),
    (["sources"], [1, 1, 2, 0], ["sources"]),
    (["personal_data", "sources", "evidence"], [1, 1, 0, 0], ["personal_data", "sources", "evidence"]),
])
def test_redacted_groups_are_absent(gql: Any, ofb_case: Any, share: Any, redact: list[str], visible: list[int],
                                    groups: list[str]) -> None:
    share(ofb_case, **{f"redact_{g}": True for g in redact})
    data = gql.login("inv.oclaesp")(CONTENTS, **INVESTIGATION)
    assert counts(data) == visible
    case = data["cases"]["edges"][0]["node"]
    assert case["redactedGroups"] == groups
    if "personal_data" in redact:
        assert case["listings"][0]["seller"] is None and case["entityLinks"] == []
    if "sources" in redact:
        assert case["reports"] == []
        assert all(link["sourceReliability"] is None for link in case["entityLinks"])
    else:
        assert case["reports"] == [{"grading": "B2"}]
    owner = gql.login("inv.ofb")(CONTENTS)["cases"]["edges"][0]["node"]
    assert owner["redactedGroups"] == [] and len(owner["entityLinks"]) == 2


def test_share_refusals_are_typed(share: Any, ofb_case: Any) -> None:
    from access.errors import ActionError

    with pytest.raises(ActionError) as excinfo:
        share(ofb_case, recipient="es-seprona")  # its mandate covers Spain only
    assert excinfo.value.code == "MANDATE_NOT_COVERING" and "JURISDICTION_NOT_COVERED" in excinfo.value.message
    with pytest.raises(ActionError) as excinfo:
        share(ofb_case, recipient="ngo-ifaw")  # H1: law enforcement only
    assert excinfo.value.code == "HANDLING_FORBIDS"
    case_actions.update_case(viewer("sup.ofb"), ofb_case, 1, {"classification": 3})
    ofb_case.refresh_from_db()
    with pytest.raises(ActionError) as excinfo:
        share(ofb_case, recipient="fr-dgddi")  # mandate up to CONFIDENTIAL only
    assert "CLASSIFICATION_TOO_HIGH" in excinfo.value.message
    with pytest.raises(ActionError) as excinfo:
        share(ofb_case, recipient="fr-ofb")
    assert excinfo.value.code == "INVALID"
    assert not Share.objects.exists()



def test_an_expiry_without_its_utc_offset_is_invalid_and_shares_nothing(gql: Any, ofb_case: Any) -> None:
    share = """mutation($c: ID!, $a: ID!) { shareCase(input: {caseId: $c, agencyId: $a, justification: "Joint",
      expiresAt: "2036-01-01T00:00:00"}) { share { id } errors { code field } } }"""
    out = gql.login("inv.ofb")(share, {"c": to_global_id("Case", ofb_case.pk),
                                       "a": to_global_id("Agency", Agency.objects.get(code="fr-oclaesp").pk)})
    assert out["shareCase"] == {"share": None, "errors": [{"code": "INVALID", "field": "expiresAt"}]}
    request = actions.request_access(viewer("inv.oclaesp"), reference=ofb_case.reference,
                                     purpose="investigation", justification="x")
    decide = """mutation($id: ID!) { decideAccessRequest(id: $id, approve: true, reason: "Joint work",
      expiresAt: "2036-01-01T00:00:00") { accessRequest { status } errors { code field } } }"""
    out = gql.login("sup.ofb")(decide, {"id": to_global_id("AccessRequest", request.pk)})
    assert out["decideAccessRequest"] == {"accessRequest": None, "errors": [{"code": "INVALID", "field": "expiresAt"}]}
    assert not Share.objects.exists() and AccessRequest.objects.get().status == "pending"

def test_h2_share_waits_for_supervisor_approval(gql: Any, ofb_case: Any, share: Any) -> None:
    case_actions.update_case(viewer("inv.ofb"), ofb_case, 1, {"handling_code": "H2"})
    ofb_case.refresh_from_db()
    pending = share(ofb_case)
    assert pending.status == ShareStatus.PENDING_APPROVAL and pending.approved_by is None
    gql.login("inv.oclaesp")
    assert gql("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 0}}
    from access.errors import ActionError

    with pytest.raises(ActionError):
        actions.approve_share(viewer("inv.ofb"), pending)  # an investigator cannot approve
    actions.approve_share(viewer("sup.ofb"), pending)
    gql.client.force_login(Officer.objects.get(username="inv.oclaesp"))
    assert gql("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 1}}


def test_task_force_share_follows_current_membership(gql: Any, ofb_case: Any, share: Any) -> None:
    operation = TaskForce.objects.get(name="Operation Thunder (demo)")
    share(ofb_case, recipient_task_force=operation)
    gql.login("inv.oclaesp")
    assert gql("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 1}}
    assert gql.login("inv.seprona")("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 0}}
    TaskForceMembership.objects.filter(task_force=operation, agency__code="fr-oclaesp").update(
        left_on=timezone.localdate())
    assert gql.login("inv.oclaesp")("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 0}}


def test_guardian_mirrors_active_shares(ofb_case: Any, share: Any) -> None:
    from sharing.actions import agency_group

    oclaesp = Officer.objects.get(username="inv.oclaesp")
    oclaesp.groups.add(agency_group(oclaesp.agency))
    granted = share(ofb_case, can_contribute=True)
    assert oclaesp.has_perm("cases.view_case", ofb_case) and oclaesp.has_perm("cases.change_case", ofb_case)
    actions.revoke_share(viewer("sup.ofb"), granted, "done")
    oclaesp = Officer.objects.get(pk=oclaesp.pk)  # fresh permission cache
    assert not oclaesp.has_perm("cases.view_case", ofb_case)


def test_contributing_recipient_can_add_a_listing(ofb_case: Any, share: Any) -> None:
    from access.errors import ActionError

    data = case_actions.ListingInput(url="https://www.leboncoin.fr/ad/2")
    with pytest.raises(ActionError):
        case_actions.add_listing(viewer("inv.oclaesp"), ofb_case, data)
    share(ofb_case, can_contribute=True)
    listing, created = case_actions.add_listing(viewer("inv.oclaesp"), ofb_case, data)
    assert created and listing.case == ofb_case


REQUEST = """mutation($ref: String!) { requestAccess(reference: $ref, purpose: INVESTIGATION,
  justification: "Same seller in our case") { accessRequest { caseReference status case { id } } errors { code } } }"""


def test_access_request_by_reference_reveals_nothing(gql: Any, ofb_case: Any) -> None:
    gql.login("inv.oclaesp")
    real = gql(REQUEST, {"ref": ofb_case.reference}, **INVESTIGATION)["requestAccess"]
    fake = gql(REQUEST, {"ref": "FR-OFB-2026-99999"}, **INVESTIGATION)["requestAccess"]
    assert real["errors"] == fake["errors"] == []
    assert real["accessRequest"]["case"] is None and fake["accessRequest"]["case"] is None
    assert real["accessRequest"]["status"] == fake["accessRequest"]["status"] == "PENDING"
    requests = gql.login("sup.ofb")("{ accessRequests { totalCount edges { node { id caseReference } } } }")
    assert requests["accessRequests"]["totalCount"] == 1  # only the real one reaches the owner
    decide = """mutation($id: ID!) { decideAccessRequest(id: $id, approve: true, reason: "Joint work",
      redact: [SOURCES]) { accessRequest { status share { redactedGroups } } errors { code field } } }"""
    rid = requests["accessRequests"]["edges"][0]["node"]["id"]
    out = gql(decide, {"id": rid})["decideAccessRequest"]
    assert out == {"accessRequest": {"status": "APPROVED", "share": {"redactedGroups": ["SOURCES"]}}, "errors": []}
    assert gql.login("inv.oclaesp")("{ cases { totalCount } }", **INVESTIGATION) == {"cases": {"totalCount": 1}}


def test_refusal_needs_a_reason_and_only_owner_supervisors_decide(gql: Any, ofb_case: Any) -> None:
    request = actions.request_access(viewer("inv.oclaesp"), reference=ofb_case.reference,
                                     purpose="investigation", justification="x")
    decide = """mutation($id: ID!, $reason: String!) { decideAccessRequest(id: $id, approve: false,
      reason: $reason) { accessRequest { status decisionReason } errors { code field } } }"""
    rid = to_global_id("AccessRequest", request.pk)
    out = gql.login("inv.ofb")(decide, {"id": rid, "reason": "no"})["decideAccessRequest"]
    assert out["errors"] == [{"code": "NOT_FOUND", "field": "id"}]  # investigators do not see requests
    out = gql.login("sup.ofb")(decide, {"id": rid, "reason": " "})["decideAccessRequest"]
    assert out["errors"] == [{"code": "REQUIRED", "field": "reason"}]
    out = gql(decide, {"id": rid, "reason": "Operational reasons"})["decideAccessRequest"]
    assert out == {"accessRequest": {"status": "REFUSED", "decisionReason": "Operational reasons"}, "errors": []}
    assert not Share.objects.exists()


def test_hit_names_only_the_holding_agency_and_notifies_it(gql: Any, ofb_case: Any) -> None:
    seprona_case = case_actions.create_case(viewer("inv.seprona"), case_actions.CaseInput(
        title="Loros", jurisdictions=["ES"]))
    case_actions.link_entity(viewer("inv.seprona"), seprona_case, case_actions.ClaimInput(
        kind="phone", value="0033 6 12 34 56 78", role="seller"))
    hit = Hit.objects.get()
    assert hit.holder_agency.code == "fr-ofb" and hit.officer.username == "inv.seprona"
    query = "{ hits { edges { node { id kind trigger holderAgency { code } searcher searcherAgency case { id } } } } }"
    mine = gql.login("inv.seprona")(query)["hits"]["edges"][0]["node"]
    assert mine["holderAgency"] == {"code": "fr-ofb"} and mine["kind"] == "phone"
    assert mine["searcher"] is None and mine["case"] is None
    theirs = gql.login("sup.ofb")(query)["hits"]["edges"][0]["node"]
    assert theirs["searcherAgency"] == "es-seprona" and theirs["case"] is not None
    assert gql.login("inv.seprona")("{ cases { totalCount } entities { totalCount } }") == {
        "cases": {"totalCount": 1}, "entities": {"totalCount": 1}}
    assert any("Hit:" in m.payload["body"] and "sup.ofb@" in str(m.payload["to"])
               for m in OutboxMessage.objects.filter(topic="mail.send"))
    # a hit leads to a request by hit id
    out = gql.login("inv.seprona")("""mutation($h: ID!) { requestAccess(hitId: $h, purpose: INVESTIGATION,
      justification: "Same phone") { accessRequest { status } errors { code } } }""", {"h": mine["id"]})
    assert out["requestAccess"] == {"accessRequest": {"status": "PENDING"}, "errors": []}
    assert AccessRequest.objects.get().case == ofb_case


def test_a_hit_is_recorded_once_a_day_even_when_requests_race(ofb_case: Any) -> None:
    """A request that loses the race to record the same hit finds the row the winner made: no second hit, no
    second notice to the holder; the database refuses a duplicate outright. The next day is a new hit."""
    seprona_case = case_actions.create_case(viewer("inv.seprona"), case_actions.CaseInput(
        title="Loros", jurisdictions=["ES"]))
    case_actions.link_entity(viewer("inv.seprona"), seprona_case, case_actions.ClaimInput(
        kind="phone", value="+33612345678", role="seller"))
    first = Hit.objects.get()
    notices = OutboxMessage.objects.filter(topic="mail.send").count()
    assert actions.record_hits(viewer("inv.seprona"), [first.entity_id], "search") == []
    assert (Hit.objects.count(), OutboxMessage.objects.filter(topic="mail.send").count()) == (1, notices)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hit.objects.create(entity_id=first.entity_id, case_id=first.case_id, officer=first.officer,
                           holder_agency_id=first.holder_agency_id, officer_agency_id=first.officer_agency_id,
                           trigger="search")
    Hit.objects.filter(pk=first.pk).update(day=first.day - datetime.timedelta(days=1))
    assert len(actions.record_hits(viewer("inv.seprona"), [first.entity_id], "search")) == 1
    assert OutboxMessage.objects.filter(topic="mail.send").count() == notices + 1


@pytest.mark.django_db(transaction=True)  # requests in autocommit, as in production
def test_shared_intelligence_never_leaves_unaudited(client: Any, ofb_case: Any, share: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """If the read events cannot be written, the request fails (500, nothing of the case in the body) and no
    partial set of events remains."""
    share(ofb_case)

    def failing(request: Any, reads: Any) -> Any:
        def write() -> None:
            AuditEvent.objects.create(action="intel.read", actor_username="partial", outcome=Outcome.ALLOWED)
            raise OSError("audit storage unavailable")

        return write

    monkeypatch.setattr(api_reads, "_recorders", [*api_reads._recorders, failing])
    client.force_login(Officer.objects.get(username="inv.oclaesp"))
    client.raise_request_exception = False
    response = client.post("/graphql/", {"query": CONTENTS}, content_type="application/json", **INVESTIGATION)
    assert response.status_code == 500
    assert ofb_case.reference.encode() not in response.content
    assert not AuditEvent.objects.filter(action="intel.read").exists()


def test_reads_of_shared_intelligence_are_audited(gql: Any, ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    gql.login("inv.oclaesp")(CONTENTS, **INVESTIGATION)
    event = AuditEvent.objects.get(action="intel.read", outcome=Outcome.ALLOWED)
    assert event.actor_username == "inv.oclaesp" and event.object_id == str(ofb_case.pk)
    assert event.object_agency == Agency.objects.get(code="fr-ofb") and event.purpose == "investigation"
    assert event.mandate_id is not None and "Case" in event.details["cases"][str(ofb_case.pk)]
    hidden = case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(title="Hidden",
                                                                                jurisdictions=["FR"]))
    before = AuditEvent.objects.count()
    for pk in (hidden.pk, hidden.pk + 1000):  # hidden, then missing: neither is recorded, both are a miss
        assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("Case", pk)},
                   **INVESTIGATION) == {"node": None}
    assert AuditEvent.objects.count() == before
    log = gql.login("sup.ofb")('{ accessLog { totalCount edges { node { actorUsername outcome purpose } } } }')
    assert log["accessLog"]["totalCount"] == 1
    assert log["accessLog"]["edges"][0]["node"] == {"actorUsername": "inv.oclaesp", "outcome": "ALLOWED",
                                                    "purpose": "investigation"}
    assert gql.login("coord.fr")("{ accessLog { totalCount } }") == {"accessLog": {"totalCount": 1}}
    assert gql.login("coord.es")("{ accessLog { totalCount } }") == {"accessLog": {"totalCount": 0}}
    assert gql.login("inv.ofb")('{ auditEvents(action: "intel.read") { totalCount } }') == {
        "auditEvents": {"totalCount": 0}}


LOG_ROW = """{ accessLog { edges { node {
  agency { code } objectAgency { code } mandateReference mandate { legalReference } } } } }"""


def test_the_access_log_names_both_agencies_and_the_mandate_relied_on(gql: Any, ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    gql.login("inv.oclaesp")(CONTENTS, **INVESTIGATION)
    reference = Mandate.objects.get(agency__code="fr-oclaesp").legal_reference
    row = {"agency": {"code": "fr-oclaesp"}, "objectAgency": {"code": "fr-ofb"}, "mandateReference": reference}
    coordinator = gql.login("coord.fr")(LOG_ROW)["accessLog"]["edges"]
    assert [edge["node"] for edge in coordinator] == [row | {"mandate": {"legalReference": reference}}]
    # the owner's supervisor learns the legal basis the read relied on, not the reader's mandate itself
    supervisor = gql.login("sup.ofb")(LOG_ROW)["accessLog"]["edges"]
    assert [edge["node"] for edge in supervisor] == [row | {"mandate": None}]
    assert gql.login("coord.es")(LOG_ROW) == {"accessLog": {"edges": []}}


def test_the_access_log_filters_by_reading_and_owning_agency(gql: Any, ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    gql.login("inv.oclaesp")(CONTENTS, **INVESTIGATION)
    gql.login("coord.fr")
    count = 'query($r: String, $o: String) { accessLog(agency_Code: $r, objectAgency_Code: $o) { totalCount } }'
    assert gql(count, {"r": "fr-oclaesp"})["accessLog"]["totalCount"] == 1
    assert gql(count, {"o": "fr-ofb"})["accessLog"]["totalCount"] == 1
    assert gql(count, {"r": "fr-ofb"})["accessLog"]["totalCount"] == 0
    assert gql(count, {"o": "fr-oclaesp"})["accessLog"]["totalCount"] == 0


def test_the_access_log_filters_by_the_mandate_relied_on(gql: Any, ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    gql.login("inv.oclaesp")(CONTENTS, **INVESTIGATION)
    count = "query($m: ID) { accessLog(mandateId: $m) { totalCount } }"
    mandates = {code: to_global_id("Mandate", Mandate.objects.get(agency__code=code).pk)
                for code in ("fr-oclaesp", "fr-dgddi")}
    gql.login("coord.fr")
    assert gql(count, {"m": mandates["fr-oclaesp"]})["accessLog"]["totalCount"] == 1
    assert gql(count, {"m": mandates["fr-dgddi"]})["accessLog"]["totalCount"] == 0
    assert gql(count, {"m": to_global_id("Case", ofb_case.pk)})["accessLog"]["totalCount"] == 0  # not a mandate
    assert gql.login("coord.es")(count, {"m": mandates["fr-oclaesp"]})["accessLog"]["totalCount"] == 0


@pytest.mark.parametrize("shares", [1, 40])
def test_case_page_costs_the_same_whatever_the_number_of_shares(gql: Any, ofb_case: Any, share: Any,
                                                                django_assert_num_queries: Any,
                                                                shares: int) -> None:
    share(ofb_case)
    inv = viewer("inv.ofb")
    for i in range(shares - 1):
        case = case_actions.create_case(inv, case_actions.CaseInput(title=f"Case {i}", jurisdictions=["FR"]))
        share(case)
    gql.login("inv.oclaesp")
    # the session with its officer and the mandates in force, the page with its count, owner agencies, then the
    # read audit's one event (the cases' owners are known from the cases read)
    with django_assert_num_queries(4):
        data = gql("{ cases(first: 100) { totalCount edges { node { reference ownerAgency { code } } } } }",
                   **INVESTIGATION)
    assert data["cases"]["totalCount"] == shares


def test_tidy_task_removes_expired_grants_and_tells_the_owner_once(ofb_case: Any, share: Any) -> None:
    from outbox.models import OutboxMessage
    from sharing.actions import agency_group
    from sharing.tasks import tidy_expired_shares

    oclaesp = Officer.objects.get(username="inv.oclaesp")
    oclaesp.groups.add(agency_group(oclaesp.agency))
    granted = share(ofb_case, expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert oclaesp.has_perm("cases.view_case", ofb_case)
    Share.objects.filter(pk=granted.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    before = OutboxMessage.objects.count()
    assert tidy_expired_shares() == 1
    assert tidy_expired_shares() == 0
    assert OutboxMessage.objects.count() == before + 1
    assert not Officer.objects.get(pk=oclaesp.pk).has_perm("cases.view_case", ofb_case)
    assert AuditEvent.objects.filter(action="share.expire").count() == 1
