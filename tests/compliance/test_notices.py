"""The notice lifecycle through the API: issuing agencies and platforms each do their part, and nothing else."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Listing, ListingStatus
from compliance.models import NoticeEvent, NoticeItem, NoticeStatus, TakedownNotice
from officers.actions import issue_token
from officers.models import Officer

pytestmark = pytest.mark.django_db

ISSUE = """mutation($input: IssueTakedownNoticeInput!) { issueTakedownNotice(input: $input) {
  notice { id reference status state priority sentAt acknowledgeDueAt actionDueAt platform { code }
           items { id url outcome } } errors { code field message } } }"""


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


@pytest.fixture
def listings(demo: Any) -> Any:
    case = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    made = [case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/{i}?utm_source=x", seller=f"seller{i}"))[0] for i in range(2)]
    other = case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url="https://es.wallapop.com/item/1"))[0]
    return case, made, other


def notice_input(case: Any, items: list[Listing], **overrides: Any) -> dict[str, Any]:
    return {"caseId": to_global_id("Case", case.pk), "listingIds": [to_global_id("Listing", x.pk) for x in items],
            "legalBasisLaw": "Code de l'environnement", "legalBasisArticle": "L415-3",
            "statementOfReasons": "Sale of an Appendix I specimen without documents.",
            "requestedActions": ["REMOVE"], "territorialScope": ["FR"], "priority": "HIGH", **overrides}


def test_issue_and_send_sets_deadlines_from_the_sla(gql: Any, listings: Any) -> None:
    case, items, _ = listings
    out = gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items)})["issueTakedownNotice"]
    assert out["errors"] == []
    notice = out["notice"]
    assert notice["status"] == "SENT" and notice["state"] == "SENT" and notice["platform"] == {"code": "pf-leboncoin"}
    assert sorted(i["url"] for i in notice["items"]) == sorted(x.url for x in items)
    row = TakedownNotice.objects.get()
    assert row.reference.startswith("TD-FR-OFB-")
    assert row.acknowledge_due_at - row.sent_at == datetime.timedelta(hours=12)  # default HIGH SLA
    assert NoticeEvent.objects.filter(notice=row, kind="sent").exists()


@pytest.mark.parametrize(("override", "error"), [
    ({"listingIds": []}, {"code": "REQUIRED", "field": "listingIds"}),
    ({"legalBasisLaw": " "}, {"code": "REQUIRED", "field": "legalBasisLaw"}),
    ({"statementOfReasons": ""}, {"code": "REQUIRED", "field": "statementOfReasons"}),
    ({"requestedActions": []}, {"code": "REQUIRED", "field": "requestedActions"}),
    ({"territorialScope": ["XX"]}, {"code": "INVALID", "field": "territorialScope"}),
    ({"requestedActions": ["REMOVE", "PRESERVE_DATA"]}, {"code": "INVALID_STATE", "field": "requestedActions"}),
    ("two_platforms", {"code": "INVALID", "field": "listingIds"}),
    ("foreign_listing", {"code": "NOT_FOUND", "field": "listingIds"}),
])
def test_issue_refusals_write_nothing(gql: Any, listings: Any, override: Any, error: dict[str, str]) -> None:
    case, items, other = listings
    if override == "two_platforms":
        override = {"listingIds": [to_global_id("Listing", items[0].pk), to_global_id("Listing", other.pk)]}
    elif override == "foreign_listing":
        foreign_case = case_actions.create_case(v("inv.seprona"), case_actions.CaseInput(title="x",
                                                                                       jurisdictions=["ES"]))
        foreign = case_actions.add_listing(v("inv.seprona"), foreign_case,
                                           case_actions.ListingInput(url="https://es.wallapop.com/item/9"))[0]
        override = {"listingIds": [to_global_id("Listing", foreign.pk)]}
    out = gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items, **override)})["issueTakedownNotice"]
    assert [{"code": e["code"], "field": e["field"]} for e in out["errors"]] == [error]
    assert not TakedownNotice.objects.exists() and not NoticeItem.objects.exists()


ACK = "mutation($id: ID!) { acknowledgeNotice(id: $id) { notice { status acknowledgedAt } errors { code } } }"
REPORT = """mutation($input: ReportNoticeOutcomeInput!) { reportNoticeOutcome(input: $input) {
  item { outcome decisionVisibility reason } notice { status state } errors { code field } } }"""


def test_platform_token_does_the_whole_flow_and_nothing_else(client: Any, gql: Any, listings: Any) -> None:
    case, items, _ = listings
    gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items)})
    notice = TakedownNotice.objects.get()
    _, raw = issue_token(Officer.objects.get(username="pf.leboncoin"), name="moderation", scopes=["read", "write"])
    client.logout()
    gql.bearer(raw)
    seen = gql("""{ takedownNotices { totalCount edges { node { reference statementOfReasons requestedActions
      case { id } issuedBy { username } items { url listing { id } } } } }
      cases { totalCount } listings { totalCount } entities { totalCount } }""")
    node = seen["takedownNotices"]["edges"][0]["node"]
    assert seen["takedownNotices"]["totalCount"] == 1
    assert node["case"] is None and node["issuedBy"] is None  # never case intelligence
    assert all(item["listing"] is None for item in node["items"])
    assert [seen[k]["totalCount"] for k in ("cases", "listings", "entities")] == [0, 0, 0]
    nid = to_global_id("TakedownNotice", notice.pk)
    first = gql(ACK, {"id": nid})["acknowledgeNotice"]
    again = gql(ACK, {"id": nid})["acknowledgeNotice"]
    assert first["errors"] == again["errors"] == [] and first["notice"] == again["notice"]
    assert NoticeEvent.objects.filter(kind="acknowledged").count() == 1
    item_ids = [to_global_id("NoticeItem", i.pk) for i in notice.items.order_by("id")]
    out = gql(REPORT, {"input": {"noticeId": nid, "itemId": item_ids[0], "outcome": "REMOVED"}})
    assert out["reportNoticeOutcome"]["item"]["decisionVisibility"] == "DECISION_VISIBILITY_CONTENT_REMOVED"
    assert out["reportNoticeOutcome"]["notice"]["status"] == "ACKNOWLEDGED"
    rejected = gql(REPORT, {"input": {"noticeId": nid, "itemId": item_ids[1], "outcome": "REJECTED"}})
    assert rejected["reportNoticeOutcome"]["errors"] == [{"code": "REQUIRED", "field": "reason"}]
    out = gql(REPORT, {"input": {"noticeId": nid, "itemId": item_ids[1], "outcome": "REJECTED",
                                 "reason": "Sold with a valid certificate."}})
    assert out["reportNoticeOutcome"]["notice"] == {"status": "CLOSED", "state": "CLOSED"}
    after = gql(REPORT, {"input": {"noticeId": nid, "itemId": item_ids[0], "outcome": "NOT_FOUND"}})
    assert after["reportNoticeOutcome"]["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    removed = notice.items.order_by("id").first()
    assert removed is not None and Listing.objects.get(pk=removed.listing_id).status == ListingStatus.REMOVED
    # nothing else: no cases, no issuing, no verification
    refused = gql(ISSUE, {"input": notice_input(case, items)})["issueTakedownNotice"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"  # the case is not theirs to see
    verify = gql("mutation($i: ID!) { verifyNoticeItem(itemId: $i, verified: true) { errors { code } } }",
                 {"i": item_ids[0]})
    assert verify["verifyNoticeItem"]["errors"] == [{"code": "PERMISSION_DENIED"}]


def test_other_platform_and_wrong_item_are_refused(gql: Any, listings: Any) -> None:
    case, items, other = listings
    gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items)})
    gql(ISSUE, {"input": notice_input(case, [other], territorialScope=["ES"])})
    leboncoin, wallapop = TakedownNotice.objects.order_by("id")
    foreign_item = to_global_id("NoticeItem", wallapop.items.get().pk)
    nid = to_global_id("TakedownNotice", leboncoin.pk)
    gql.login("pf.leboncoin")
    out = gql(REPORT, {"input": {"noticeId": nid, "itemId": foreign_item, "outcome": "REMOVED"}})
    assert out["reportNoticeOutcome"]["errors"] == [{"code": "NOT_FOUND", "field": "itemId"}]
    out = gql(REPORT, {"input": {"noticeId": to_global_id("TakedownNotice", wallapop.pk),
                                 "itemId": foreign_item, "outcome": "REMOVED"}})
    assert out["reportNoticeOutcome"]["errors"] == [{"code": "NOT_FOUND", "field": "noticeId"}]
    assert gql(ACK, {"id": to_global_id("TakedownNotice", wallapop.pk)})["acknowledgeNotice"]["errors"] == [
        {"code": "NOT_FOUND"}]
    assert NoticeItem.objects.exclude(outcome="pending").count() == 0
    assert TakedownNotice.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_drafts_are_invisible_to_platforms_until_sent(gql: Any, listings: Any) -> None:
    case, items, _ = listings
    out = gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items, send=False)})["issueTakedownNotice"]
    assert out["notice"]["status"] == "DRAFT" and out["notice"]["sentAt"] is None
    assert gql.login("pf.leboncoin")("{ takedownNotices { totalCount } }") == {"takedownNotices": {"totalCount": 0}}
    sent = gql.login("inv.ofb")("mutation($id: ID!) { sendNotice(id: $id) { notice { status } errors { code } } }",
                                {"id": out["notice"]["id"]})
    assert sent["sendNotice"] == {"notice": {"status": "SENT"}, "errors": []}
    assert gql.login("pf.leboncoin")("{ takedownNotices { totalCount } }") == {"takedownNotices": {"totalCount": 1}}


def test_verification_and_dispute(gql: Any, listings: Any) -> None:
    from compliance import actions

    case, items, _ = listings
    gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items[:1])})
    notice = TakedownNotice.objects.get()
    item = notice.items.get()
    actions.report_outcome(v("pf.leboncoin"), notice, item, actions.OutcomeInput(outcome="removed"))
    dispute = """mutation($i: ID!) { verifyNoticeItem(itemId: $i, verified: false, note: "%s") {
      item { verification } errors { code field } } }"""
    iid = to_global_id("NoticeItem", item.pk)
    assert gql(dispute % "", {"i": iid})["verifyNoticeItem"]["errors"] == [{"code": "REQUIRED", "field": "note"}]
    out = gql(dispute % "Still online at 10:00", {"i": iid})["verifyNoticeItem"]
    assert out == {"item": {"verification": "DISPUTED"}, "errors": []}
    assert notice.events.filter(kind="verified").count() == 1
    assert gql.login("coord.fr")("{ takedownNotices { totalCount } }") == {"takedownNotices": {"totalCount": 1}}
    assert gql.login("coord.es")("{ takedownNotices { totalCount } }") == {"takedownNotices": {"totalCount": 0}}


def test_outcome_time_cannot_be_in_the_future(listings: Any) -> None:
    from access.errors import ActionError
    from compliance import actions

    case, items, _ = listings
    notice = actions.issue_notice(v("inv.ofb"), case, items[:1], actions.NoticeInput(
        legal_basis_law="law", legal_basis_article="1", statement_of_reasons="r", requested_actions=["remove"],
        territorial_scope=["FR"]))
    with pytest.raises(ActionError) as excinfo:
        actions.report_outcome(v("pf.leboncoin"), notice, notice.items.get(), actions.OutcomeInput(
            outcome="removed", effective_at=timezone.now() + datetime.timedelta(days=1)))
    assert excinfo.value.field == "effective_at"
    assert notice.items.get().outcome == "pending" and TakedownNotice.objects.get().status == NoticeStatus.SENT


def test_an_outcome_time_without_its_utc_offset_is_invalid_and_changes_nothing(gql: Any, listings: Any) -> None:
    case, items, _ = listings
    gql.login("inv.ofb")(ISSUE, {"input": notice_input(case, items[:1])})
    notice = TakedownNotice.objects.get()
    out = gql.login("pf.leboncoin")(REPORT, {"input": {
        "noticeId": to_global_id("TakedownNotice", notice.pk), "outcome": "REMOVED",
        "itemId": to_global_id("NoticeItem", notice.items.get().pk), "effectiveAt": "2026-01-01T00:00:00"}})
    assert out["reportNoticeOutcome"]["errors"] == [{"code": "INVALID", "field": "effectiveAt"}]
    assert notice.items.get().outcome == "pending" and TakedownNotice.objects.get().status == NoticeStatus.SENT
