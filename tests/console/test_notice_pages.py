"""The platform's notice pages: the inbox (deadlines, filters, sort, bulk acknowledgement), a notice, the outcome
form with the API's typed errors, and the refusals (another platform's notice answers as a missing one)."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases import actions as case_actions
from compliance import actions
from compliance.deadlines import notice_state
from compliance.models import ItemOutcome, NoticeStatus, TakedownNotice
from officers.models import Officer
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, signed_in


def leboncoin(state: str) -> TakedownNotice:
    """The demo's leboncoin notice in ``state`` (the demo has one in every state)."""
    notices = TakedownNotice.objects.filter(platform__code="pf-leboncoin").order_by("pk")
    return next(notice for notice in notices if notice_state(notice) == state)


def gid(notice: TakedownNotice) -> str:
    return to_global_id("TakedownNotice", notice.pk)


def extra_notices(count: int, items: int = 1) -> list[TakedownNotice]:
    """``count`` more notices from the OFB to leboncoin, each naming ``items`` new listings."""
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(viewer, case_actions.CaseInput(title="Ivoire en ligne", jurisdictions=["FR"]))
    made = []
    for number in range(count):
        listings = [case_actions.add_listing(viewer, case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/antiquites/{900000 + number * 100 + item}"))[0]
            for item in range(items)]
        made.append(actions.issue_notice(viewer, case, listings, actions.NoticeInput(
            legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
            statement_of_reasons="Ivoire d'éléphant sans certificat.", requested_actions=["remove"],
            territorial_scope=["FR"])))
    return made


def references(page: str) -> list[str]:
    return re.findall(r'<a href="/notices/(TD-[^/"]+)/">', page)


# --- the inbox ------------------------------------------------------------------------------------------------


def test_the_inbox_shows_the_open_notices_of_my_platform_soonest_deadline_first(world: None) -> None:
    page = signed_in("pf.leboncoin").get("/notices/").content.decode()
    shown = references(page)
    open_ones = [leboncoin(state) for state in ("sent", "acknowledged", "overdue", "escalated")]
    assert sorted(shown) == sorted(notice.reference for notice in open_ones)
    due = {notice.reference: notice.acknowledge_due_at if notice.acknowledged_at is None else notice.action_due_at
           for notice in open_ones}
    assert shown == sorted(shown, key=due.__getitem__)
    assert not TakedownNotice.objects.filter(platform__code="pf-wallapop", reference__in=shown).exists()
    # late and escalated notices say so in words, not only in colour
    assert "Overdue and escalated" in page and "late by" in page and "Acknowledge by" in page


def test_the_inbox_filters_by_status_priority_country_and_due_date(world: None) -> None:
    client = signed_in("pf.leboncoin")
    assert references(client.get("/notices/", {"state": "escalated"}).content.decode()) == [
        leboncoin("escalated").reference]
    high = references(client.get("/notices/", {"state": "", "priority": "HIGH"}).content.decode())
    assert sorted(high) == sorted(TakedownNotice.objects.filter(
        platform__code="pf-leboncoin", priority="high").exclude(status="draft").values_list("reference", flat=True))
    assert references(client.get("/notices/", {"country": "es"}).content.decode()) == []
    assert len(references(client.get("/notices/", {"country": "fr"}).content.decode())) == 4
    overdue = leboncoin("overdue")
    # the day is the officer's own: a deadline at 23:30 UTC falls on the next day in Paris
    zone = zoneinfo.ZoneInfo(Officer.objects.get(username="pf.leboncoin").zone_name)
    day = overdue.acknowledge_due_at.astimezone(zone).date()
    by_then = references(client.get("/notices/", {"due": day.isoformat()}).content.decode())
    assert overdue.reference in by_then and leboncoin("sent").reference not in by_then
    bad = client.get("/notices/", {"due": "tomorrow"}).content.decode()
    assert "Enter the due date as a date" in bad


def test_the_inbox_sorts_by_latest_deadline_or_sending(world: None) -> None:
    client = signed_in("pf.leboncoin")
    soonest = references(client.get("/notices/").content.decode())
    assert references(client.get("/notices/", {"sort": "-deadline"}).content.decode()) == soonest[::-1]
    sent = references(client.get("/notices/", {"sort": "-sent"}).content.decode())
    assert sent[0] == leboncoin("sent").reference


def test_bulk_acknowledgement_acknowledges_each_notice_ticked(world: None) -> None:
    client = signed_in("pf.leboncoin")
    chosen = [leboncoin("sent"), leboncoin("overdue")]
    response = client.post("/notices/?state=open", {"notice": [gid(notice) for notice in chosen]})
    assert response.status_code == 302 and response["Location"] == "/notices/?state=open"
    for notice in chosen:
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ACKNOWLEDGED and notice.acknowledged_by.username == "pf.leboncoin"
    page = client.get(response["Location"]).content.decode()
    assert "2 notices acknowledged" in page and chosen[0].reference in page


def test_bulk_acknowledgement_reports_each_refusal_and_does_the_rest(world: None) -> None:
    client = signed_in("pf.leboncoin")
    mine = leboncoin("escalated")
    theirs = TakedownNotice.objects.filter(platform__code="pf-wallapop", status="sent").first()
    response = client.post("/notices/", {"notice": [gid(mine), gid(theirs)]})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and "Not acknowledged" in page and "1 notices" not in page
    assert f"Notice acknowledged: {mine.reference}" in page
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.acknowledged_at is not None and theirs.acknowledged_at is None
    single = client.post("/notices/", {"notice": gid(leboncoin("sent")), "next": "/notices/x/"})
    assert single.status_code == 302 and single["Location"] == "/notices/x/"  # the notice page's own button
    elsewhere = client.post("/notices/", {"notice": gid(mine), "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/notices/"
    nothing = client.post("/notices/", {})
    assert nothing.status_code == 400 and "Tick the notices to acknowledge" in nothing.content.decode()


# --- the notice page ------------------------------------------------------------------------------------------


def test_the_notice_page_shows_what_is_asked_every_address_the_deadlines_and_the_history(world: None) -> None:
    notice = leboncoin("escalated")
    page = signed_in("pf.leboncoin").get(f"/notices/{notice.reference}/").content.decode()
    assert notice.issuing_agency.name in page and notice.legal_basis_law.replace("'", "&#x27;") in page
    assert "Remove the content" in page and "Overdue and escalated" in page
    for item in notice.items.all():
        assert f'<a href="{item.url}" rel="noreferrer noopener">' in page
    assert f'datetime="{notice.action_due_at.isoformat()}"' in page
    assert "Reminder sent" not in page or "History" in page
    assert "Escalated" in page and "Sent" in page and f'/notices/{notice.reference}/items/1/' in page
    assert notice.case.reference not in page and notice.case.title not in page  # never the case


def test_another_platforms_notice_answers_exactly_as_a_notice_that_does_not_exist(world: None) -> None:
    theirs = TakedownNotice.objects.filter(platform__code="pf-wallapop").exclude(status="draft").first()
    client = signed_in("pf.leboncoin")
    for suffix in ("", "items/1/"):
        hidden = client.get(f"/notices/{theirs.reference}/{suffix}")
        missing = client.get(f"/notices/TD-XX-0000-000000/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        asked = CSRF.sub(b"", hidden.content).replace(theirs.reference.encode(), b"TD-XX-0000-000000")
        assert asked == CSRF.sub(b"", missing.content)
    posted = client.post(f"/notices/{theirs.reference}/items/1/", {"outcome": "REMOVED"})
    assert posted.status_code == 404 and theirs.items.get().outcome == ItemOutcome.PENDING
    assert signed_in("pf.wallapop").get(f"/notices/{theirs.reference}/").status_code == 200


@pytest.mark.parametrize("username", ["inv.ofb", "coord.fr", "admin.ofb"])
def test_the_notice_pages_are_the_platforms_only(world: None, username: str) -> None:
    client = signed_in(username)
    own = leboncoin("sent")  # issued by the OFB: its officers follow it from the case, not from this inbox
    assert client.get("/notices/").status_code == 404
    assert client.get(f"/notices/{own.reference}/").status_code == 404
    assert client.post(f"/notices/{own.reference}/items/1/", {"outcome": "REMOVED"}).status_code == 404
    assert "/notices/" not in client.get("/").content.decode()


# --- the outcome form -----------------------------------------------------------------------------------------


def test_reporting_a_removal_goes_back_to_the_notice(world: None) -> None:
    notice = leboncoin("acknowledged")
    client = signed_in("pf.leboncoin")
    form = client.get(f"/notices/{notice.reference}/items/1/").content.decode()
    assert "Ground of the decision" in form and "Illegal content" in form and "Animal welfare" in form
    assert "Fully automated" in form and "DECISION_GROUND" not in form.replace('value="', "")
    response = client.post(f"/notices/{notice.reference}/items/1/", {
        "outcome": "REMOVED", "decisionGround": "ILLEGAL_CONTENT", "category": "ANIMAL_WELFARE",
        "automatedDetection": "no", "automatedDecision": "AUTOMATED_DECISION_NOT_AUTOMATED", "reason": ""})
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.reference}/"
    item = notice.items.get()
    assert item.outcome == ItemOutcome.REMOVED and item.decision_visibility == "DECISION_VISIBILITY_CONTENT_REMOVED"
    page = client.get(response["Location"]).content.decode()
    assert "Outcome recorded" in page and "Removed" in page and "Outcome reported" in page


@pytest.mark.parametrize(("posted", "field", "message"), [
    ({"outcome": "REJECTED", "reason": "  "}, "reason", "A rejection states its reasons"),
    ({"outcome": "RESTRICTED"}, "territorialScope", "Say in which territories"),
    ({"outcome": "RESTRICTED", "territorialScope": "FR, XX"}, "territorialScope", "XX"),
    ({"outcome": "ACCOUNT_SUSPENDED"}, "decisionAccount", "suspended or terminated"),
    ({"outcome": "REMOVED", "effectiveAt": "2099-01-01T10:00"}, "effectiveAt", "not in the future"),
    ({"outcome": "REMOVED", "effectiveAt": "soon"}, "effectiveAt", "Enter a date and time"),
    ({}, "outcome", "Say what you did"),
    ({"outcome": "REMOVED", "decisionVisibility": "OTHER"}, "decisionVisibilityOther", "Describe the restriction"),
    ({"outcome": "REMOVED", "decisionGround": "INCOMPATIBLE_CONTENT"}, "reason", "Name the term of your conditions"),
    ({"outcome": "REMOVED", "reason": "Seller: 06 12 34 56 78"}, "reason", "personal data"),
    ({"outcome": "REMOVED", "incompatibleContentIllegal": "yes"}, "incompatibleContentIllegal", "terms and conditions"),
])
def test_the_outcome_form_shows_the_apis_errors_beside_their_fields_and_changes_nothing(
        world: None, posted: dict[str, str], field: str, message: str) -> None:
    notice = leboncoin("sent")
    response = signed_in("pf.leboncoin").post(f"/notices/{notice.reference}/items/1/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'<span class="error" id="error_{field}" role="alert">([^<]*)</span>', page)
    assert error and message in error.group(1), page
    assert re.search(rf'aria-describedby="[^"]*error_{field}"', page)
    notice.refresh_from_db()
    assert notice.items.get().outcome == ItemOutcome.PENDING and notice.acknowledged_at is None


def test_a_refusal_with_reasons_is_recorded_and_closes_the_notice(world: None) -> None:
    notice = leboncoin("overdue")
    client = signed_in("pf.leboncoin")
    response = client.post(f"/notices/{notice.reference}/items/1/", {
        "outcome": "REJECTED", "reason": "Objet antérieur à 1947, certificat intra-UE fourni.",
        "decisionGround": "INCOMPATIBLE_CONTENT", "automatedDetection": "no"})
    assert response.status_code == 302
    notice.refresh_from_db()
    item = notice.items.get()
    assert item.outcome == ItemOutcome.REJECTED and item.reason.startswith("Objet antérieur")
    assert notice.status == NoticeStatus.CLOSED and notice.acknowledged_at is not None
    again = client.get(f"/notices/{notice.reference}/items/1/").content.decode()
    assert "You already reported this address" in again and 'name="outcome"' not in again


# --- cost -----------------------------------------------------------------------------------------------------


def test_the_inbox_costs_the_same_statements_whatever_its_length(world: None) -> None:
    client = signed_in("pf.leboncoin")
    few = _statements(client, "/notices/?size=50")
    extra_notices(25)
    assert len(references(client.get("/notices/?size=50").content.decode())) == 29
    assert _statements(client, "/notices/?size=50") == few


def test_a_notice_page_costs_the_same_statements_whatever_its_number_of_addresses(world: None) -> None:
    client = signed_in("pf.leboncoin")
    one, many = extra_notices(1, items=1)[0], extra_notices(1, items=10)[0]
    assert _statements(client, f"/notices/{one.reference}/") == _statements(client, f"/notices/{many.reference}/")
