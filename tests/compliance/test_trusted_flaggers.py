"""Notices acting on a trusted flagger's report (DSA Art. 22): issued only for an organisation holding the status,
marked so for the platform (API, e-mail, transparency export) and counted apart in the compliance figures.

The figures' world, built like ``test_metrics``'s (times to the second), French agencies to leboncoin, March 2026:

    notice  trusted flagger   sent      acknowledged   act by   items (outcome, effective after sent)
    T1      IFAW Europe       T0        +1h            48h      X removed +10h, Y removed +50h (late),
                                                                Z rejected "Not illegal in FR"
    O1      —                 T0 + 1d   +2h            48h      W removed +5h

→ 2 notices, 1 from a trusted flagger; 4 items, 3 acted, 2 within the SLA (X, W); the trusted flagger's:
3 items, 2 acted, 1 within the SLA → within-SLA share 1/3, removal rate 2/3.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from access.errors import ActionError, ErrorCode
from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from cases.models import Case, Listing
from compliance import actions
from compliance.metrics import period, platform_compliance
from compliance.models import NoticeItem, PlatformProfile, TakedownNotice
from officers.models import Officer
from outbox.models import OutboxMessage
from tests.compliance.test_metrics import MARCH, REJECTED, REMOVED, T0, D, H, World, build_world

pytestmark = pytest.mark.django_db

STATUS = "DSC-BE/2026/TF-0042"


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


@pytest.fixture
def flagger(demo: Any) -> Agency:
    """IFAW Europe, awarded trusted-flagger status by the Belgian Digital Services Coordinator."""
    ngo = Agency.objects.get(code="ngo-ifaw")
    ngo.trusted_flagger_reference = STATUS
    ngo.save(update_fields=["trusted_flagger_reference"])
    return ngo


def listed(number: int = 1) -> tuple[Case, Listing]:
    """A case of the OFB with one leboncoin listing."""
    case = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="Ivoire signalé",
                                                                         jurisdictions=["FR"]))
    listing = case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/antiquites/{700 + number}"))[0]
    return case, listing


def issue(trusted_flagger: Agency | None = None, number: int = 1,
          on: tuple[Case, Listing] | None = None) -> TakedownNotice:
    """A notice from the OFB to leboncoin, acting on ``trusted_flagger``'s report when one is given."""
    case, listing = on or listed(number)
    return actions.issue_notice(v("inv.ofb"), case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
        statement_of_reasons="Ivoire d'éléphant sans certificat.", requested_actions=["remove"],
        territorial_scope=["FR"]), trusted_flagger=trusted_flagger)


# --- issuing --------------------------------------------------------------------------------------------------


def test_an_organisation_without_the_status_is_a_typed_error_and_nothing_is_written(demo: Any) -> None:
    ngo = Agency.objects.get(code="ngo-ifaw")  # no status reference
    listing = listed()
    before = (TakedownNotice.objects.count(), NoticeItem.objects.count(), OutboxMessage.objects.count(),
              AuditEvent.objects.filter(action="notice.issue").count())
    with pytest.raises(ActionError) as refused:
        issue(ngo, on=listing)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, "trusted_flagger")
    assert refused.value.message == "This organisation is not a trusted flagger."
    assert (TakedownNotice.objects.count(), NoticeItem.objects.count(), OutboxMessage.objects.count(),
            AuditEvent.objects.filter(action="notice.issue").count()) == before


def test_a_trusted_flaggers_notice_carries_the_flagger_and_its_status_reference(flagger: Agency) -> None:
    notice = issue(flagger)
    notice.refresh_from_db()
    assert (notice.trusted_flagger, notice.trusted_flagger_reference) == (flagger, STATUS)
    assert flagger.is_trusted_flagger and not Agency.objects.get(code="fr-ofb").is_trusted_flagger


def test_an_ordinary_notice_names_no_trusted_flagger(demo: Any) -> None:
    notice = issue()
    assert (notice.trusted_flagger_id, notice.trusted_flagger_reference) == (None, "")
    assert "trusted flagger" not in actions.notice_email(notice)[1]


def test_the_notice_keeps_the_reference_it_was_sent_under_when_the_status_is_withdrawn(flagger: Agency) -> None:
    notice = issue(flagger)
    flagger.trusted_flagger_reference = ""
    flagger.save(update_fields=["trusted_flagger_reference"])
    notice.refresh_from_db()
    assert notice.trusted_flagger_reference == STATUS
    with pytest.raises(ActionError):
        issue(flagger, number=2)


def test_the_notice_email_asks_the_platform_for_priority(flagger: Agency) -> None:
    PlatformProfile.objects.update_or_create(agency=Agency.objects.get(code="pf-leboncoin"),
                                             defaults={"languages": ["en"]})
    notice = issue(flagger)
    _, body = actions.notice_email(notice)
    assert (f"Notice based on a report by trusted flagger IFAW Europe (DSA Art. 22, status {STATUS}): please "
            "process it with priority.") in body
    [queued] = [m for m in OutboxMessage.objects.filter(topic="mail.send") if notice.reference in
                m.payload["subject"]]
    assert STATUS in queued.payload["body"]


# --- the API --------------------------------------------------------------------------------------------------

NOTICES = """query($reference: String, $trusted: Boolean) {
  takedownNotices(reference: $reference, trustedFlagger: $trusted, first: 50) {
    edges { node { reference trustedFlagger { code name trustedFlaggerReference } trustedFlaggerReference } } } }"""


def _nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["takedownNotices"]["edges"]]


def test_the_addressed_platform_sees_the_trusted_flagger_and_its_reference(gql: Any, flagger: Agency) -> None:
    notice = issue(flagger)
    [node] = _nodes(gql.login("pf.leboncoin")(NOTICES, {"reference": notice.reference}))
    assert node["trustedFlagger"] == {"code": "ngo-ifaw", "name": "IFAW Europe", "trustedFlaggerReference": STATUS}
    assert node["trustedFlaggerReference"] == STATUS


def test_an_ordinary_notice_has_null_trusted_flagger_fields(gql: Any, demo: Any) -> None:
    notice = issue()
    [node] = _nodes(gql.login("pf.leboncoin")(NOTICES, {"reference": notice.reference}))
    assert node["trustedFlagger"] is None and node["trustedFlaggerReference"] is None


def test_another_platforms_officer_does_not_see_the_notice_at_all(gql: Any, flagger: Agency) -> None:
    notice = issue(flagger)
    client = gql.login("pf.wallapop")
    assert _nodes(client(NOTICES, {"reference": notice.reference})) == []
    assert _nodes(client(NOTICES, {"trusted": True})) == []


def test_the_filter_keeps_the_trusted_flaggers_notices_or_the_others(gql: Any, flagger: Agency) -> None:
    trusted, ordinary = issue(flagger), issue(number=2)
    client = gql.login("pf.leboncoin")
    assert [n["reference"] for n in _nodes(client(NOTICES, {"trusted": True}))] == [trusted.reference]
    others = {n["reference"] for n in _nodes(client(NOTICES, {"trusted": False}))}
    assert ordinary.reference in others and trusted.reference not in others


def test_an_agency_without_the_status_has_a_null_reference(gql: Any, flagger: Agency) -> None:
    query = "query($code: String) { agencies(code: $code) { edges { node { trustedFlaggerReference } } } }"
    client = gql.login("inv.ofb")
    for code, expected in [("ngo-ifaw", STATUS), ("fr-ofb", None)]:
        assert client(query, {"code": code})["agencies"]["edges"][0]["node"]["trustedFlaggerReference"] == expected


# --- the figures ----------------------------------------------------------------------------------------------


@pytest.fixture
def figures_world(flagger: Agency) -> World:
    w = World()
    w.notice("T1", "inv.ofb", "pf-leboncoin", T0, acknowledged=H,
             items={"X": (REMOVED, 10 * H, ""), "Y": (REMOVED, 50 * H, ""), "Z": (REJECTED, 3 * H, "Not illegal")})
    w.notice("O1", "inv.ofb", "pf-leboncoin", T0 + D, acknowledged=2 * H, items={"W": (REMOVED, 5 * H, "")})
    TakedownNotice.objects.filter(pk=w.notices["T1"].pk).update(trusted_flagger=flagger,
                                                                 trusted_flagger_reference=STATUS)
    return w


def test_the_figures_count_the_trusted_flaggers_notices_apart(figures_world: World) -> None:
    [leboncoin] = platform_compliance(TakedownNotice.objects.all(), *period(*MARCH))
    assert (leboncoin.notices_sent, leboncoin.items, leboncoin.acted, leboncoin.acted_within_sla) == (2, 4, 3, 2)
    assert (leboncoin.trusted_flagger_notices, leboncoin.trusted_flagger_items, leboncoin.trusted_flagger_acted,
            leboncoin.trusted_flagger_acted_within_sla) == (1, 3, 2, 1)
    assert leboncoin.trusted_flagger_within_sla_share == 1 / 3
    assert leboncoin.trusted_flagger_removal_rate == 2 / 3


def test_without_trusted_flaggers_their_counts_are_zero_and_their_rates_none(demo: Any) -> None:
    build_world()
    [wallapop] = platform_compliance(TakedownNotice.objects.filter(platform__code="pf-wallapop"), *period(*MARCH))
    assert (wallapop.trusted_flagger_notices, wallapop.trusted_flagger_items) == (0, 0)
    assert wallapop.trusted_flagger_within_sla_share is None and wallapop.trusted_flagger_removal_rate is None


def test_the_trusted_flaggers_figures_take_no_extra_query(figures_world: World,
                                                          django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(5):
        platform_compliance(TakedownNotice.objects.all(), *period(*MARCH), interval="month")


def test_the_figures_query_gives_the_trusted_flaggers_column(gql: Any, figures_world: World) -> None:
    query = """{ platformCompliance(start: "2026-03-01", end: "2026-04-01") { platformCode trustedFlaggerNotices
      trustedFlaggerItems trustedFlaggerActed trustedFlaggerActedWithinSla trustedFlaggerWithinSlaShare
      trustedFlaggerRemovalRate } }"""
    assert gql.login("coord.fr")(query)["platformCompliance"] == [{
        "platformCode": "pf-leboncoin", "trustedFlaggerNotices": 1, "trustedFlaggerItems": 3,
        "trustedFlaggerActed": 2, "trustedFlaggerActedWithinSla": 1, "trustedFlaggerWithinSlaShare": 1 / 3,
        "trustedFlaggerRemovalRate": 2 / 3}]
    assert gql.login("coord.es")(query)["platformCompliance"] == []


def test_the_csv_has_the_trusted_flaggers_columns(client: Client, figures_world: World) -> None:
    client.force_login(Officer.objects.get(username="coord.fr"))
    response = client.get("/compliance/metrics.csv", {"start": "2026-03-01", "end": "2026-04-01"})
    header, row = b"".join(response.streaming_content).decode().splitlines()
    figures = dict(zip(header.split(","), row.split(","), strict=True))
    assert {name: value for name, value in figures.items() if name.startswith("trusted_flagger")} == {
        "trusted_flagger_notices": "1", "trusted_flagger_items": "3", "trusted_flagger_acted": "2",
        "trusted_flagger_acted_within_sla": "1", "trusted_flagger_within_sla_share": "0.3333",
        "trusted_flagger_removal_rate": "0.6667"}


def test_a_trusted_flaggers_notice_is_the_statements_source(client: Client, flagger: Agency) -> None:
    """The source is a trusted flagger only for a notice acting on a report of an organisation holding that
    status: not for an agency's own notice, whatever the platform."""
    world = build_world()
    client.force_login(Officer.objects.get(username="coord.es"))
    asked = {"start": "2026-03-01", "end": "2026-04-01", "platform": "pf-wallapop"}
    [before] = client.get("/compliance/statements.json", asked).json()["bodies"][0]["statements"]
    assert before["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    TakedownNotice.objects.filter(pk=world.notices["W1"].pk).update(trusted_flagger=flagger,
                                                                     trusted_flagger_reference=STATUS)
    [after] = client.get("/compliance/statements.json", asked).json()["bodies"][0]["statements"]
    assert after["source_type"] == "SOURCE_TRUSTED_FLAGGER"
