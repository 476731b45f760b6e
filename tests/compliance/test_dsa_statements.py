"""DSA statements of reasons against the Transparency Database's own rules (``dsa_rules``): what a platform must
give for each case (an "other" restriction described, a decision under its terms with its reason, no personal
data), what the export leaves out rather than invents, and bulk bodies the database accepts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from access.errors import ActionError
from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Listing
from compliance import actions, exports
from compliance.models import ItemOutcome, NoticeItem, TakedownNotice
from compliance.personal_data import find, mask
from officers.models import Officer
from tests.compliance.dsa_rules import body_problems, problems

pytestmark = pytest.mark.django_db

STATEMENTS = "/compliance/statements.json"


def today_window() -> dict[str, str]:
    today = timezone.now().date()
    return {"start": today.isoformat(), "end": (today + datetime.timedelta(days=1)).isoformat()}


def notice_with(count: int = 1, statement: str = "Perroquets gris (annexe A) sans certificat.") -> TakedownNotice:
    investigator = viewer_for(Officer.objects.get(username="inv.ofb"))
    case = case_actions.create_case(investigator, case_actions.CaseInput(title="Perroquets", jurisdictions=["FR"]))
    listings = [case_actions.add_listing(investigator, case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/animaux/{700 + number}",
        seen_at=timezone.now() - datetime.timedelta(days=12)))[0] for number in range(count)]
    return actions.issue_notice(investigator, case, listings, actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3", requested_actions=["remove"],
        statement_of_reasons=statement, territorial_scope=["FR"]))


def respond(notice: TakedownNotice, item: NoticeItem, **values: Any) -> NoticeItem:
    platform = viewer_for(Officer.objects.get(username="pf.leboncoin"))
    return actions.report_outcome(platform, notice, item, actions.OutcomeInput(**{"outcome": "removed", **values}))


def export(client: Client, **params: str) -> dict[str, Any]:
    client.force_login(Officer.objects.get(username="pf.leboncoin"))
    response = client.get(STATEMENTS, {**today_window(), **params})
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


# --- the platform's input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "code", "field"), [
    ({"decision_visibility": "DECISION_VISIBILITY_OTHER"}, "REQUIRED", "decision_visibility_other"),
    ({"decision_visibility_other": "Hidden from search"}, "INVALID", "decision_visibility_other"),
    ({"decision_visibility": "DECISION_VISIBILITY_OTHER", "decision_visibility_other": "x" * 501}, "INVALID",
     "decision_visibility_other"),
    ({"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"}, "REQUIRED", "reason"),
    ({"incompatible_content_illegal": True}, "INVALID", "incompatible_content_illegal"),
    ({"reason": "Seller reachable at 06 12 34 56 78."}, "PERSONAL_DATA", "reason"),
    ({"reason": "Seller wrote vendeur.perroquet@gmail.com in the advert."}, "PERSONAL_DATA", "reason"),
    ({"reason": "Also offered by @parrot_seller."}, "PERSONAL_DATA", "reason"),
])
def test_what_the_database_would_refuse_is_a_typed_error_and_changes_nothing(
        demo: Any, values: dict[str, Any], code: str, field: str) -> None:
    notice = notice_with()
    item = notice.items.get()
    with pytest.raises(ActionError) as refused:
        respond(notice, item, **values)
    assert (refused.value.code, refused.value.field) == (code, field)
    item.refresh_from_db()
    assert item.outcome == ItemOutcome.PENDING and not item.reason


def test_personal_data_refusal_reaches_the_api_with_what_to_remove(gql: Any, demo: Any) -> None:
    notice = notice_with()
    gql.login("pf.leboncoin")
    answer = gql("""mutation($input: ReportNoticeOutcomeInput!) { reportNoticeOutcome(input: $input) {
      item { outcome } errors { code field message } } }""", {"input": {
        "noticeId": to_global_id("TakedownNotice", notice.pk), "itemId": to_global_id("NoticeItem",
                                                                                     notice.items.get().pk),
        "outcome": "REMOVED", "reason": "Removed; the seller's number +33 6 12 34 56 78 is banned."}})
    [error] = answer["reportNoticeOutcome"]["errors"]
    assert (error["code"], error["field"]) == ("PERSONAL_DATA", "reason")
    assert "+33 6 12 34 56 78" in error["message"] and "Art. 24(5)" in error["message"]


def test_an_other_restriction_and_a_decision_under_the_terms_export_as_stated(client: Client, demo: Any) -> None:
    notice = notice_with(count=2)
    first, second = notice.items.order_by("pk")
    respond(notice, first, decision_visibility="DECISION_VISIBILITY_OTHER",
            decision_visibility_other="Listing hidden from search and category pages")
    respond(notice, second, decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT", incompatible_content_illegal=False,
            reason="Section 4.2 of our rules: no sale of wild animals.")
    [body] = export(client)["bodies"]
    assert body_problems(body) == []
    other, terms = body["statements"]
    assert other["decision_visibility_other"] == "Listing hidden from search and category pages"
    assert terms["incompatible_content_ground"] == "Section 4.2 of our rules: no sale of wild animals."
    assert terms["incompatible_content_illegal"] == "No"
    assert "illegal_content_legal_ground" not in terms


def test_nothing_the_platform_did_not_state_is_invented(client: Client, demo: Any) -> None:
    notice = notice_with()
    respond(notice, notice.items.get(), decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
            reason="Our rules forbid the sale of protected species.")
    [statement] = export(client)["bodies"][0]["statements"]
    assert "incompatible_content_illegal" not in statement  # not said, so not sent
    # an item reported before the reason was required is left out rather than given an invented one
    NoticeItem.objects.filter(notice=notice).update(reason="")
    answer = export(client)
    assert answer["bodies"] == [] and answer["left_out"]["no_platform_reason"] == 1


# --- the export ---------------------------------------------------------------------------------------------


def test_content_date_is_when_the_listing_was_first_seen(client: Client, demo: Any) -> None:
    notice = notice_with()
    respond(notice, notice.items.get())
    [statement] = export(client)["bodies"][0]["statements"]
    first_seen = Listing.objects.get(notice_items__notice=notice).first_seen_at.date()
    assert statement["content_date"] == first_seen.isoformat() != notice.sent_at.date().isoformat()


def test_a_restriction_only_outside_the_eea_is_left_out_and_counted(client: Client, demo: Any) -> None:
    notice = notice_with(count=2)
    first, second = notice.items.order_by("pk")
    respond(notice, first, outcome="restricted", territorial_scope=["US", "CH"])
    respond(notice, second, outcome="restricted", territorial_scope=["CH", "FR"])
    answer = export(client)
    [statement] = answer["bodies"][0]["statements"]
    assert statement["territorial_scope"] == ["FR"] and answer["left_out"]["outside_eea"] == 1
    assert answer["count"] == 1


def test_the_agency_s_text_is_masked_where_it_would_carry_personal_data(client: Client, demo: Any) -> None:
    notice = notice_with(statement="Annonce du vendeur joignable au 06 12 34 56 78 (perroquets gris, annexe A).")
    respond(notice, notice.items.get())
    [statement] = export(client)["bodies"][0]["statements"]
    assert "06 12 34 56 78" not in str(statement) and "[…]" in statement["decision_facts"]
    assert "[…]" in statement["illegal_content_explanation"]


def test_the_export_is_paged_into_bodies_the_bulk_endpoint_accepts(client: Client, demo: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "BULK_LIMIT", 2)
    notice = notice_with(count=5)
    for item in notice.items.all():
        respond(notice, item)
    answer = export(client)
    assert answer["count"] == 5 and [len(body["statements"]) for body in answer["bodies"]] == [2, 2, 1]
    assert export(client, page="3") == answer["bodies"][2]
    too_far = client.get(STATEMENTS, {**today_window(), "page": "4"})
    assert too_far.status_code == 400 and too_far.json()["errors"][0]["extensions"] == {"code": "INVALID",
                                                                                         "field": "page"}


def test_an_empty_export_has_no_body_and_says_so(client: Client, demo: Any) -> None:
    assert export(client) == {"count": 0, "left_out": {"outside_eea": 0, "no_platform_reason": 0}, "bodies": []}
    assert client.get(STATEMENTS, {**today_window(), "page": "1"}).status_code == 400


def test_every_statement_of_the_demo_passes_the_database_s_rules(client: Client, settings: Any,
                                                                 tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("load_demo", verbosity=0)
    everything = {"start": "2020-01-01", "end": (timezone.now().date() + datetime.timedelta(days=1)).isoformat()}
    seen = 0
    for username in ("coord.fr", "coord.es", "pf.leboncoin", "pf.wallapop", "pf.facebook"):
        client.force_login(Officer.objects.get(username=username))
        answer = client.get(STATEMENTS, everything).json()
        for body in answer["bodies"]:
            assert body_problems(body) == []
        seen += answer["count"]
    assert seen > 0


# --- the oracle itself -----------------------------------------------------------------------------------------


def test_the_rules_refuse_what_the_database_refuses() -> None:
    valid = {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
             "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT", "illegal_content_legal_ground": "Law, art. 1",
             "illegal_content_explanation": "Why.", "content_type": ["CONTENT_TYPE_TEXT"],
             "category": "STATEMENT_CATEGORY_ANIMAL_WELFARE", "territorial_scope": ["FR"],
             "content_date": "2026-01-01", "application_date": "2026-01-02", "decision_facts": "Facts.",
             "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION", "automated_detection": "No",
             "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED", "puid": "wildnet-item-1"}
    assert problems(valid) == []
    for change in [{"url": "https://x"}, {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
                   {"incompatible_content_illegal": "Yes"}, {"territorial_scope": ["US"]},
                   {"content_date": "1999-12-31"}, {"puid": "wildnet item 1"},
                   {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"}]:
        assert problems({**valid, **change}) != [], change
    assert body_problems({"statements": []}) != [] and body_problems({"statements": [valid] * 101}) != []


def test_personal_data_is_found_and_masked_but_not_in_ordinary_figures() -> None:
    text = "Appelez le 06 12 34 56 78 ou vendeur.perroquet@gmail.com, ou @parrot_seller. Prix 450 EUR, art. 8."
    assert [f.kind for f in find(text, ["FR"])] == ["phone", "email", "handle"]
    assert mask(text, ["FR"]) == "Appelez le […] ou […], ou […]. Prix 450 EUR, art. 8."
    assert find("Regulation (EC) No 338/97, L415-3, ad 2461100987, 2026-03-01", ["FR"]) == []
