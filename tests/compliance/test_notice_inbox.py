"""What a platform's inbox asks of the API: notices by state, requesting country and due date, sorted by the next
deadline; whether a notice is due soon and whether the viewer may answer it; and the notice e-mail."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from compliance import actions
from compliance.models import PlatformProfile, Priority, TakedownNotice
from officers.models import Officer
from outbox.actions import deliver_due

pytestmark = pytest.mark.django_db

INBOX = """query($state: String, $country: String, $dueBefore: DateTime, $orderBy: String) {
  takedownNotices(state: $state, requestingCountry: $country, dueBefore: $dueBefore, orderBy: $orderBy) {
    edges { node { reference state nextDueAt dueSoon canRespond } } } }"""


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


@pytest.fixture
def notices(demo: Any) -> list[TakedownNotice]:
    """Three notices from the OFB to leboncoin: an urgent one sent now, a normal one sent now and acknowledged,
    and a normal one sent four days ago (both its deadlines missed)."""
    viewer = v("inv.ofb")
    case = case_actions.create_case(viewer, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    made = []
    for number, priority in enumerate([Priority.URGENT, Priority.NORMAL, Priority.NORMAL]):
        listing = case_actions.add_listing(viewer, case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/antiquites/{700 + number}"))[0]
        made.append(actions.issue_notice(viewer, case, [listing], actions.NoticeInput(
            legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
            statement_of_reasons="Ivoire sans certificat.", requested_actions=["remove"], territorial_scope=["FR"],
            priority=priority)))
    actions.acknowledge_notice(v("pf.leboncoin"), made[1])
    late = timezone.now() - datetime.timedelta(days=4)
    TakedownNotice.objects.filter(pk=made[2].pk).update(sent_at=late, acknowledge_due_at=late + datetime.timedelta(
        days=1), action_due_at=late + datetime.timedelta(days=3))
    return made


def refs(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["reference"] for edge in data["takedownNotices"]["edges"]]


def test_the_platform_sorts_its_notices_by_the_next_deadline(gql: Any, notices: list[TakedownNotice]) -> None:
    urgent, acknowledged, late = notices
    client = gql.login("pf.leboncoin")
    assert refs(client(INBOX, {"orderBy": "deadline"})) == [late.reference, urgent.reference, acknowledged.reference]
    assert refs(client(INBOX, {"orderBy": "-deadline"})) == [acknowledged.reference, urgent.reference, late.reference]
    nodes = {edge["node"]["reference"]: edge["node"] for edge in client(INBOX, {})["takedownNotices"]["edges"]}
    assert nodes[urgent.reference]["dueSoon"] and nodes[urgent.reference]["state"] == "SENT"
    assert nodes[urgent.reference]["nextDueAt"] == urgent.acknowledge_due_at.isoformat()
    assert nodes[acknowledged.reference]["nextDueAt"] == acknowledged.action_due_at.isoformat()
    assert not nodes[late.reference]["dueSoon"] and nodes[late.reference]["state"] == "OVERDUE"
    assert all(node["canRespond"] for node in nodes.values())


def test_the_platform_filters_by_state_requesting_country_and_due_date(gql: Any,
                                                                       notices: list[TakedownNotice]) -> None:
    urgent, acknowledged, late = notices
    client = gql.login("pf.leboncoin")
    assert refs(client(INBOX, {"state": "overdue"})) == [late.reference]
    assert refs(client(INBOX, {"state": "acknowledged"})) == [acknowledged.reference]
    assert sorted(refs(client(INBOX, {"state": "open"}))) == sorted(n.reference for n in notices)
    assert sorted(refs(client(INBOX, {"country": "fr"}))) == sorted(n.reference for n in notices)
    assert refs(client(INBOX, {"country": "ES"})) == []
    soon = (timezone.now() + datetime.timedelta(hours=6)).isoformat()
    assert sorted(refs(client(INBOX, {"dueBefore": soon}))) == sorted([urgent.reference, late.reference])
    refused = client.post(INBOX, {"state": "lost"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "INVALID"


def test_the_filters_show_nothing_the_policy_hides(gql: Any, notices: list[TakedownNotice]) -> None:
    assert refs(gql.login("pf.wallapop")(INBOX, {"country": "FR"})) == []
    assert refs(gql.login("inv.seprona")(INBOX, {"state": "overdue"})) == []


def test_only_the_addressed_platform_may_answer(gql: Any, notices: list[TakedownNotice]) -> None:
    issuer = gql.login("inv.ofb")(INBOX, {"orderBy": "deadline"})
    assert len(refs(issuer)) == 3  # the issuing agency sees its notices, with the deadlines
    assert not any(edge["node"]["canRespond"] for edge in issuer["takedownNotices"]["edges"])


def test_the_notice_email_is_in_the_platforms_language_with_its_link_addresses_and_deadlines(
        demo: Any, settings: Any) -> None:
    settings.WILDNET_PUBLIC_URL = "https://wildnet.example.org/"
    mail.outbox.clear()
    PlatformProfile.objects.update_or_create(agency=Agency.objects.get(code="pf-leboncoin"), defaults={
        "languages": ["fr"], "contacts": [{"email": "trust-safety@demo.leboncoin.invalid"}]})
    viewer = v("inv.ofb")
    case = case_actions.create_case(viewer, case_actions.CaseInput(title="Opération Défense", jurisdictions=["FR"]))
    listings = [case_actions.add_listing(viewer, case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/antiquites/{800 + number}"))[0] for number in range(2)]
    notice = actions.issue_notice(viewer, case, listings, actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
        statement_of_reasons="Ivoire sans certificat.", requested_actions=["remove"], territorial_scope=["FR"]))
    deliver_due()
    [message] = [m for m in mail.outbox if notice.reference in m.subject]
    assert message.to == ["trust-safety@demo.leboncoin.invalid"]
    assert f"https://wildnet.example.org/notices/{notice.reference}/" in message.body
    assert all(listing.url in message.body for listing in listings)
    assert "(Europe/Paris)" in message.body and "Code de l'environnement, L415-3" in message.body
    assert case.title not in message.body  # never the case
    due = {}
    for language in ("fr", "en"):
        with translation.override(language), timezone.override(ZoneInfo("Europe/Paris")):
            due[language] = date_format(timezone.localtime(notice.action_due_at), "DATETIME_FORMAT")
    assert due["fr"] in message.body and due["fr"] != due["en"]  # dates written the French way
    PlatformProfile.objects.filter(agency=notice.platform).update(languages=["de", "es"])
    assert actions.platform_language(notice.platform) == "es"  # the first language WildNet speaks
    PlatformProfile.objects.filter(agency=notice.platform).update(languages=["de"])
    assert actions.platform_language(notice.platform) == "en"
    assert due["en"] in actions.notice_email(notice)[1]
