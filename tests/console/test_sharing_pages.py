"""The share form and the sharing page: what the API allows, shown; what it refuses, said next to the field."""

from __future__ import annotations

from django.test import Client
from graphql_relay import to_global_id

from access.policy import viewer_for
from agencies.models import Agency
from cases.actions import CaseInput, create_case
from cases.models import Case
from officers.models import Officer
from sharing import actions
from sharing.models import AccessRequest, AccessRequestStatus, Share, ShareStatus
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, signed_in


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def pangolin() -> Case:
    return Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")


def recipient(code: str) -> str:
    return "agency:" + to_global_id("Agency", Agency.objects.get(code=code).pk)


def with_purpose(username: str) -> Client:
    client = signed_in(username)
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    return client


def test_the_case_page_links_to_the_share_form_for_who_may_share(world: None) -> None:
    case = ivory()
    page = signed_in("inv.ofb").get(f"/cases/{case.reference}/").content.decode()
    assert f'href="/sharing/cases/{case.reference}/share/"' in page


def test_the_share_form_lists_a_covering_agency_with_its_mandate_and_why_not_for_the_others(world: None) -> None:
    response = signed_in("inv.ofb").get(f"/sharing/cases/{ivory().reference}/share/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{recipient("fr-oclaesp")}"' in page and "Décret n° 2004-612, art. 2" in page
    assert f'value="{recipient("fr-tracfin")}"' not in page  # financial flows only
    uncovered = page[page.index('id="uncovered-title"'):]
    assert "Tracfin" in uncovered and "Its mandate does not cover this kind of crime" in uncovered
    assert "Its mandate does not cover the case&#x27;s jurisdictions" in uncovered  # SEPRONA, Spain
    assert "The case is kept among law-enforcement and regulatory bodies" in uncovered  # leboncoin
    assert "It has no mandate" in uncovered  # INTERPOL
    assert "CRIME_AREA_NOT_COVERED" not in page and "NO_MANDATE" not in page  # words, never codes


def test_sharing_with_a_covering_agency_shows_the_case_to_it_with_its_redactions(world: None) -> None:
    case = ivory()
    response = signed_in("inv.ofb").post(f"/sharing/cases/{case.reference}/share/", {
        "recipient": recipient("fr-dgddi"), "justification": "Shipments through Roissy",
        "redact": ["PERSONAL_DATA", "EVIDENCE"]})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    share = Share.objects.get(case=case, justification="Shipments through Roissy", status=ShareStatus.ACTIVE)
    assert share.redacted_groups == ["personal_data", "evidence"]
    page = with_purpose("inv.douane").get(f"/cases/{case.reference}/")
    text = page.content.decode()
    assert page.status_code == 200 and case.title in text
    assert "Shared with your agency with parts withheld" in text and "Evidence files" in text
    assert "+33" not in text  # the suspects' identifiers are withheld


def test_the_share_form_shows_typed_errors_next_to_their_fields(world: None) -> None:
    path = f"/sharing/cases/{ivory().reference}/share/"
    client = signed_in("inv.ofb")
    response = client.post(path, {"recipient": recipient("fr-dgddi"), "justification": " "})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="justification-error">Say why you share this case.' in page
    assert 'aria-describedby="justification-hint justification-error"' in page and 'role="alert"' in page
    expired = client.post(path, {"recipient": recipient("fr-dgddi"), "justification": "x",
                                 "expires_at": "2001-01-01T10:00"}).content.decode()
    assert 'id="expires-error">The expiry must be in the future.' in expired
    refused = client.post(path, {"recipient": recipient("fr-tracfin"), "justification": "x"}).content.decode()
    assert 'id="recipient-error">No mandate of fr-tracfin in force covers this case' in refused
    assert not Share.objects.filter(justification__in=["x", " "]).exists()


def test_the_share_form_of_another_agencys_case_answers_as_a_missing_case(world: None) -> None:
    client = signed_in("inv.ofb")
    hidden = client.get(f"/sharing/cases/{pangolin().reference}/share/")
    missing = client.get("/sharing/cases/XX-0000-0000/share/")
    assert hidden.status_code == missing.status_code == 404
    assert CSRF.sub(b"", hidden.content).replace(pangolin().reference.encode(), b"XX-0000-0000") == \
        CSRF.sub(b"", missing.content)
    posted = client.post(f"/sharing/cases/{pangolin().reference}/share/",
                         {"recipient": recipient("fr-pnr"), "justification": "x"})
    assert posted.status_code == 404 and not Share.objects.filter(justification="x").exists()


def test_an_officer_who_may_not_share_gets_no_form(world: None) -> None:
    case = ivory()
    client = with_purpose("inv.oclaesp")  # sees the OFB's case through a share that does not allow resharing
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert case.title in page and "/share/" not in page
    assert client.get(f"/sharing/cases/{case.reference}/share/").status_code == 404
    assert client.post(f"/sharing/cases/{case.reference}/share/",
                       {"recipient": recipient("fr-pnr"), "justification": "x"}).status_code == 404
    assert not Share.objects.filter(justification="x").exists()


def test_a_supervisor_approves_an_h2_share_from_the_sharing_page(world: None) -> None:
    case = pangolin()
    asked = signed_in("inv.oclaesp").post(f"/sharing/cases/{case.reference}/share/", {
        "recipient": recipient("fr-pnr"), "justification": "Prosecution of the network"}, follow=True)
    assert "waits for a supervisor" in asked.content.decode()
    share = Share.objects.get(case=case, recipient_agency__code="fr-pnr")
    assert share.status == ShareStatus.PENDING_APPROVAL
    investigator = signed_in("inv.oclaesp").get("/sharing/").content.decode()
    assert "A supervisor of your agency approves it." in investigator
    assert 'name="action" value="approve"' not in investigator
    supervisor = signed_in("sup.oclaesp")
    queue = supervisor.get("/sharing/").content.decode()
    assert "Prosecution of the network" in queue and 'name="action" value="approve"' in queue
    done = supervisor.post("/sharing/", {"action": "approve", "id": to_global_id("Share", share.pk)})
    assert done.status_code == 302 and done["Location"] == "/sharing/"
    share.refresh_from_db()
    assert share.status == ShareStatus.ACTIVE and share.approved_by.username == "sup.oclaesp"


def test_a_supervisor_refuses_an_h2_share_from_the_queue_with_a_reason(world: None) -> None:
    case = pangolin()
    signed_in("inv.oclaesp").post(f"/sharing/cases/{case.reference}/share/", {
        "recipient": recipient("fr-pnr"), "justification": "Prosecution of the network"})
    share = Share.objects.get(case=case, recipient_agency__code="fr-pnr")
    supervisor = signed_in("sup.oclaesp")
    home = supervisor.get("/").content.decode()
    assert 'href="/sharing/#approvals-title"' in home and 'href="/sharing/#to-decide-title"' not in home
    queue = supervisor.get("/sharing/").content.decode()
    assert 'name="action" value="refuse"' in queue and 'data-confirm="Refuse this share?' in queue
    share_id = to_global_id("Share", share.pk)
    refused = supervisor.post("/sharing/", {"action": "refuse", "id": share_id, "reason": " "})
    page = refused.content.decode()
    assert refused.status_code == 400 and 'aria-describedby="refuse-error-1"' in page
    assert 'id="refuse-error-1" role="alert">Give a reason; the recipient reads it.' in page
    assert Share.objects.get(pk=share.pk).status == ShareStatus.PENDING_APPROVAL
    done = supervisor.post("/sharing/", {"action": "refuse", "id": share_id, "reason": "Not before the hearing"},
                           follow=True)
    assert "Share refused" in done.content.decode()
    share.refresh_from_db()
    assert share.status == ShareStatus.REVOKED and share.revoke_reason == "Not before the hearing"
    assert 'name="action" value="approve"' not in done.content.decode()


def test_revoking_needs_a_reason_and_then_the_recipient_loses_access(world: None) -> None:
    case = ivory()
    share = Share.objects.get(case=case, recipient_agency__code="fr-oclaesp")
    recipient_client = with_purpose("inv.oclaesp")
    assert recipient_client.get(f"/cases/{case.reference}/").status_code == 200
    client = signed_in("inv.ofb")
    listed = client.get("/sharing/").content.decode()
    assert "Décret n° 2004-612, art. 2" in listed and 'data-confirm="Revoke this share?' in listed
    share_id = to_global_id("Share", share.pk)
    refused = client.post("/sharing/", {"action": "revoke", "id": share_id, "reason": "  "})
    assert refused.status_code == 400
    assert "Give a reason; the recipient reads it." in refused.content.decode()
    assert Share.objects.get(pk=share.pk).status == ShareStatus.ACTIVE
    done = client.post("/sharing/", {"action": "revoke", "id": share_id, "reason": "Case closed"})
    assert done.status_code == 302
    assert Share.objects.get(pk=share.pk).status == ShareStatus.REVOKED
    assert recipient_client.get(f"/cases/{case.reference}/").status_code == 404


def test_a_supervisor_decides_an_access_request_and_the_requester_reads_the_answer(world: None) -> None:
    request = AccessRequest.objects.get(requester__username="inv.seprona")
    supervisor = signed_in("sup.ofb")
    page = supervisor.get("/sharing/").content.decode()
    assert "Access requests to decide" in page and "Same phone number" in page
    request_id = to_global_id("AccessRequest", request.pk)
    not_covering = supervisor.post("/sharing/", {"action": "decide", "id": request_id, "decision": "approve",
                                                 "reason": "Go ahead"})
    assert not_covering.status_code == 400 and "No mandate of es-seprona" in not_covering.content.decode()
    refused = supervisor.post("/sharing/", {"action": "decide", "id": request_id, "decision": "refuse",
                                            "reason": "Outside your jurisdiction"})
    assert refused.status_code == 302
    assert AccessRequest.objects.get(pk=request.pk).status == AccessRequestStatus.REFUSED
    sent = signed_in("inv.seprona").get("/sharing/").content.decode()
    assert "Outside your jurisdiction" in sent and "Refused" in sent


def test_an_investigator_does_not_see_requests_to_decide(world: None) -> None:
    page = signed_in("inv.ofb").get("/sharing/").content.decode()
    assert "Access requests to decide" not in page and 'name="action" value="decide"' not in page


def test_the_sharing_page_costs_the_same_statements_whatever_its_length(world: None) -> None:
    owner = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    secret = create_case(owner, CaseInput(title="H2 case", jurisdictions=["FR"], handling_code="H2"))
    oclaesp = viewer_for(Officer.objects.get(username="inv.oclaesp"), purpose="investigation")
    theirs = create_case(oclaesp, CaseInput(title="Their case", jurisdictions=["FR"]))
    seprona = viewer_for(Officer.objects.get(username="inv.seprona"), purpose="investigation")
    agencies = {code: Agency.objects.get(code=code) for code in ("fr-oclaesp", "fr-ofb")}

    def grow(count: int) -> None:
        """Every list of the page gets ``count`` more rows: shares given, pending, received, requests both ways."""
        for number in range(count):
            for case in (ivory(), secret):
                actions.share_case(owner, case, actions.ShareInput(
                    justification=f"Extra {number}", recipient_agency=agencies["fr-oclaesp"], redact_sources=True))
            actions.share_case(oclaesp, theirs, actions.ShareInput(
                justification=f"Extra {number}", recipient_agency=agencies["fr-ofb"]))
            actions.request_access(seprona, reference=ivory().reference, purpose="investigation",
                                   justification=f"Extra {number}")
            actions.request_access(owner, reference=pangolin().reference, purpose="investigation",
                                   justification=f"Extra {number}")

    grow(1)
    client = with_purpose("sup.ofb")
    few = _statements(client, "/sharing/")
    grow(30)
    page = client.get("/sharing/?size=50").content.decode()
    assert page.count('name="action" value="approve"') == 31
    assert page.count('name="action" value="decide"') == 32  # and the demo's request
    assert _statements(client, "/sharing/?size=50") == few
