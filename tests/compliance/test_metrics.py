"""Platform compliance figures against a hand-computed world, and who may see which figures.

The world (times to the second, so every figure below is computed by hand from this table):

    notice  issuer      platform      sent      acknowledged   act by   items (outcome, effective after sent)
    N0      fr-ofb      leboncoin     T0 − 2d   +1h            48h      removed +1h          ← before the period
    N1      fr-ofb      leboncoin     T0        +1h00m07s      48h      A removed +10h (re-listed since),
                                                                        B removed +30h00m05s
    N2      fr-ofb      leboncoin     T0 + 1d   +3h            48h      C restricted +50h (late),
                                                                        D rejected "Not illegal in FR"
    N3      fr-ofb      leboncoin     T0 + 2d   +29m59s        24h      E account suspended +2h00m01s
    N4      fr-ofb      leboncoin     T0 + 3d   +12h           72h      F rejected "Not illegal in FR",
                                                                        G rejected "Listing does not show wildlife"
    N5      fr-ofb      leboncoin     T0 + 4d   —              24h      H pending (open, overdue)
    draft   fr-ofb      leboncoin     —         —              —        pending                ← never sent
    N6      es-seprona  leboncoin     T0 + 5d   +2h            48h      removed +5h
    W1      es-seprona  wallapop      T0        +4h            48h      removed +6h

Leboncoin from French agencies, March 2026 (N1–N5): 5 notices, 4 acknowledged; times to acknowledge sorted
29m59s, 1h00m07s, 3h, 12h → nearest-rank median rank ⌈4·0.5⌉ = 2 → 1h00m07s, p90 rank ⌈4·0.9⌉ = 4 → 12h;
8 items, 4 acted (A, B, C, E) with times to action 2h00m01s, 10h, 30h00m05s, 50h → median 10h, p90 50h;
3 within the SLA (C is late) → 3/4 of acted, 3/8 of items; removal rate 4/8; re-listing 1/4; one open
overdue notice (N5); rejections "Not illegal in FR" ×2, "Listing does not show wildlife" ×1.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from typing import Any

import pytest

from access import policy
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case, Listing
from compliance.metrics import BY_PLATFORM_AND_COUNTRY, period, platform_compliance
from compliance.models import (
    DecisionAccount,
    DecisionVisibility,
    ItemOutcome,
    NoticeItem,
    NoticeStatus,
    Relisting,
    TakedownNotice,
)
from officers.models import Officer

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)
S = datetime.timedelta(seconds=1)
M = datetime.timedelta(minutes=1)

_numbers = itertools.count(1)


class World:
    """Builds notices row by row with exact times (the lifecycle actions stamp ``now``, which we cannot)."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.items: dict[str, NoticeItem] = {}
        self.notices: dict[str, TakedownNotice] = {}

    def case(self, username: str) -> Case:
        if username not in self.cases:
            officer = Officer.objects.select_related("agency").get(username=username)
            self.cases[username] = case_actions.create_case(
                policy.viewer_for(officer), case_actions.CaseInput(title="Online ivory trade",
                                                                   jurisdictions=[officer.agency.country]))
        return self.cases[username]

    def notice(self, name: str, username: str, platform: str, sent: datetime.datetime | None, *,
               acknowledged: datetime.timedelta | None = None, act_within: datetime.timedelta = 48 * H,
               items: dict[str, tuple[str, datetime.timedelta | None, str]]) -> TakedownNotice:
        case = self.case(username)
        pending = any(outcome == ItemOutcome.PENDING for outcome, _, _ in items.values())
        status = (NoticeStatus.DRAFT if sent is None else NoticeStatus.SENT if acknowledged is None
                  else NoticeStatus.ACKNOWLEDGED if pending else NoticeStatus.CLOSED)
        notice = TakedownNotice.objects.create(
            issuing_agency=case.owner_agency, issued_by=case.created_by, platform=Agency.objects.get(code=platform),
            case=case, reference=f"TD-TEST-{next(_numbers):04d}", legal_basis_law="Code de l'environnement",
            legal_basis_article="L415-3", cites_appendices=["I"],
            statement_of_reasons="Sale of Appendix I ivory without a CITES certificate.",
            requested_actions=["remove"], territorial_scope=["FR"], status=status,
            created_at=sent or T0, sent_at=sent, acknowledge_due_at=sent and sent + 24 * H,
            action_due_at=sent and sent + act_within, acknowledged_at=sent and acknowledged and sent + acknowledged,
            closed_at=sent if status == NoticeStatus.CLOSED else None,
        )
        for label, (outcome, after, reason) in items.items():
            number = next(_numbers)
            listing = Listing.objects.create(
                case=case, platform=notice.platform, url=f"https://www.{platform[3:]}.example/ad/{number}",
                external_id=f"ad-{number}", price=120, currency="EUR", created_by=case.created_by,
                first_seen_at=T0 - 10 * D)
            self.items[label] = NoticeItem.objects.create(
                notice=notice, listing=listing, url=listing.url, listing_reference=listing.external_id,
                outcome=outcome, reason=reason, effective_at=sent and after and sent + after,
                reported_at=sent and after and sent + after, **DECISIONS.get(outcome, {}))
        self.notices[name] = notice
        return notice


REMOVED, RESTRICTED, SUSPENDED = ItemOutcome.REMOVED, ItemOutcome.RESTRICTED, ItemOutcome.ACCOUNT_SUSPENDED
REJECTED, PENDING = ItemOutcome.REJECTED, ItemOutcome.PENDING
DECISIONS: dict[str, dict[str, Any]] = {  # what a platform reports with each outcome (DSA statement fields)
    REMOVED: {"decision_visibility": DecisionVisibility.CONTENT_REMOVED},
    RESTRICTED: {"decision_visibility": DecisionVisibility.CONTENT_DISABLED, "territorial_scope": ["FR"]},
    SUSPENDED: {"decision_account": DecisionAccount.SUSPENDED},
}


def build_world() -> World:
    """The table of the module docstring (the demo world must be loaded)."""
    w = World()
    w.notice("N0", "inv.ofb", "pf-leboncoin", T0 - 2 * D, acknowledged=H, items={"Z": (REMOVED, H, "")})
    w.notice("N1", "inv.ofb", "pf-leboncoin", T0, acknowledged=H + 7 * S,
             items={"A": (REMOVED, 10 * H, ""), "B": (REMOVED, 30 * H + 5 * S, "")})
    w.notice("N2", "inv.ofb", "pf-leboncoin", T0 + D, acknowledged=3 * H,
             items={"C": (RESTRICTED, 50 * H, ""), "D": (REJECTED, 4 * H, "Not illegal in FR")})
    w.notice("N3", "inv.ofb", "pf-leboncoin", T0 + 2 * D, acknowledged=29 * M + 59 * S, act_within=24 * H,
             items={"E": (SUSPENDED, 2 * H + S, "")})
    w.notice("N4", "inv.ofb", "pf-leboncoin", T0 + 3 * D, acknowledged=12 * H, act_within=72 * H,
             items={"F": (REJECTED, 13 * H, "Not illegal in FR"),
                    "G": (REJECTED, 13 * H, "Listing does not show wildlife")})
    w.notice("N5", "inv.ofb", "pf-leboncoin", T0 + 4 * D, act_within=24 * H, items={"H": (PENDING, None, "")})
    w.notice("draft", "inv.ofb", "pf-leboncoin", None, items={"I": (PENDING, None, "")})
    w.notice("N6", "inv.seprona", "pf-leboncoin", T0 + 5 * D, acknowledged=2 * H,
             items={"J": (REMOVED, 5 * H, "")})
    w.notice("W1", "inv.seprona", "pf-wallapop", T0, acknowledged=4 * H, items={"K": (REMOVED, 6 * H, "")})
    relisted = Listing.objects.create(case=w.case("inv.ofb"), platform=w.items["A"].listing.platform,
                                      url="https://www.leboncoin.example/ad/again", created_by=w.case("inv.ofb")
                                      .created_by)
    Relisting.objects.create(listing=relisted, earlier_item=w.items["A"], matched_on="seller")
    return w


@pytest.fixture
def world(demo: Any) -> World:
    return build_world()


def figures(username: str | None = None, group_by: tuple[str, ...] = ("platform",), **narrow: str) -> list[Any]:
    notices = TakedownNotice.objects.all()
    if username is not None:
        notices = policy.visible(policy.viewer_for(Officer.objects.get(username=username)), notices)
    return platform_compliance(notices.filter(**narrow), *period(*MARCH), group_by=group_by)


def test_every_figure_of_a_platform_matches_the_hand_computation(world: World) -> None:
    [leboncoin] = figures(issuing_agency__country="FR", platform__code="pf-leboncoin")
    assert (leboncoin.platform_code, leboncoin.platform_name, leboncoin.country) == ("pf-leboncoin", "leboncoin",
                                                                                     None)
    assert (leboncoin.notices_sent, leboncoin.acknowledged, leboncoin.items) == (5, 4, 8)
    assert leboncoin.acknowledgement_rate == 4 / 5
    assert leboncoin.median_time_to_acknowledge == H + 7 * S
    assert leboncoin.p90_time_to_acknowledge == 12 * H
    assert leboncoin.median_time_to_action == 10 * H
    assert leboncoin.p90_time_to_action == 50 * H
    assert (leboncoin.acted, leboncoin.acted_within_sla) == (4, 3)
    assert leboncoin.within_sla_share_of_acted == 3 / 4
    assert leboncoin.within_sla_share_of_items == 3 / 8
    assert leboncoin.removal_rate == 4 / 8
    assert (leboncoin.relisted, leboncoin.relisting_rate) == (1, 1 / 4)
    assert leboncoin.open_overdue == 1
    assert leboncoin.rejected == 3
    assert leboncoin.rejection_reasons == [("Not illegal in FR", 2), ("Listing does not show wildlife", 1)]


def test_the_period_is_half_open_and_counts_sent_notices_only(world: World) -> None:
    first_day = platform_compliance(TakedownNotice.objects.filter(platform__code="pf-leboncoin"),
                                    *period(datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)))
    assert [m.notices_sent for m in first_day] == [1]  # N1 only: N2 is sent on the 3rd, the draft never
    assert platform_compliance(TakedownNotice.objects.all(), *period(datetime.date(2026, 4, 1),
                                                                      datetime.date(2026, 5, 1))) == []


def test_percentiles_are_nearest_rank_observed_values_with_one_value_or_none(world: World) -> None:
    [wallapop] = figures(platform__code="pf-wallapop")
    assert wallapop.median_time_to_acknowledge == wallapop.p90_time_to_acknowledge == 4 * H
    assert wallapop.median_time_to_action == wallapop.p90_time_to_action == 6 * H
    assert wallapop.rejection_reasons == [] and wallapop.relisting_rate == 0
    [only_open] = platform_compliance(TakedownNotice.objects.filter(pk=world.notices["N5"].pk), *period(*MARCH))
    assert only_open.median_time_to_acknowledge is None and only_open.p90_time_to_action is None
    assert only_open.removal_rate == 0 and only_open.within_sla_share_of_acted is None


def test_five_values_take_the_third_as_median_and_the_fifth_as_p90(world: World) -> None:
    NoticeItem.objects.filter(pk=world.items["D"].pk).update(outcome=REMOVED)  # 4h after N2 was sent
    [leboncoin] = figures(issuing_agency__country="FR", platform__code="pf-leboncoin")
    # 2h00m01s, 4h, 10h, 30h00m05s, 50h: rank ⌈2.5⌉ = 3 and ⌈4.5⌉ = 5
    assert (leboncoin.median_time_to_action, leboncoin.p90_time_to_action) == (10 * H, 50 * H)
    assert (leboncoin.acted, leboncoin.acted_within_sla) == (5, 4)


def test_open_overdue_depends_on_the_time_of_asking(world: World) -> None:
    notices = TakedownNotice.objects.filter(issuing_agency__country="FR")
    before_due = platform_compliance(notices, *period(*MARCH), now=T0 + 4 * D + 23 * H)
    after_due = platform_compliance(notices, *period(*MARCH), now=T0 + 5 * D + H)
    assert [m.open_overdue for m in before_due] == [0]
    assert [m.open_overdue for m in after_due] == [1]


def test_grouping_by_country_splits_a_platform_by_issuing_country(world: World) -> None:
    rows = figures(group_by=BY_PLATFORM_AND_COUNTRY, platform__code="pf-leboncoin")
    assert [(m.country, m.notices_sent, m.items) for m in rows] == [("ES", 1, 1), ("FR", 5, 8)]
    spain = rows[0]
    assert spain.median_time_to_acknowledge == spain.p90_time_to_acknowledge == 2 * H
    assert spain.median_time_to_action == 5 * H and spain.acknowledgement_rate == 1


def test_the_whole_computation_takes_five_queries(world: World, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(5):
        platform_compliance(TakedownNotice.objects.all(), *period(*MARCH), group_by=BY_PLATFORM_AND_COUNTRY)


@pytest.mark.parametrize(("username", "expected"), [
    ("coord.fr", [("pf-leboncoin", 5)]),
    ("inv.ofb", [("pf-leboncoin", 5)]),
    ("coord.es", [("pf-leboncoin", 1), ("pf-wallapop", 1)]),
    ("pf.leboncoin", [("pf-leboncoin", 6)]),
    ("pf.wallapop", [("pf-wallapop", 1)]),
    ("coord.be", []),
    ("pf.facebook", []),
    ("spotter.ifaw", []),
])
def test_figures_cover_only_the_notices_the_viewer_may_see(world: World, username: str,
                                                            expected: list[tuple[str, int]]) -> None:
    assert [(m.platform_code, m.notices_sent) for m in figures(username)] == expected


QUERY = """query($start: Date!, $end: Date!, $platform: String, $country: String, $byCountry: Boolean) {
  platformCompliance(start: $start, end: $end, platformCode: $platform, country: $country,
                     groupByCountry: $byCountry) {
    platformCode platformName country noticesSent acknowledged acknowledgementRate
    medianTimeToAcknowledge p90TimeToAcknowledge medianTimeToAction p90TimeToAction
    items acted actedWithinSla withinSlaShareOfActed withinSlaShareOfItems removalRate
    rejected rejectionReasons { reason count } relisted relistingRate openOverdue } }"""
MARCH_VARS = {"start": "2026-03-01", "end": "2026-04-01"}


def test_the_query_gives_a_coordinator_the_figures_of_their_country(gql: Any, world: World) -> None:
    data = gql.login("coord.fr")(QUERY, MARCH_VARS)["platformCompliance"]
    assert data == [{
        "platformCode": "pf-leboncoin", "platformName": "leboncoin", "country": None, "noticesSent": 5,
        "acknowledged": 4, "acknowledgementRate": 0.8, "medianTimeToAcknowledge": 3607.0,
        "p90TimeToAcknowledge": 43200.0, "medianTimeToAction": 36000.0, "p90TimeToAction": 180000.0,
        "items": 8, "acted": 4, "actedWithinSla": 3, "withinSlaShareOfActed": 0.75, "withinSlaShareOfItems": 0.375,
        "removalRate": 0.5, "rejected": 3,
        "rejectionReasons": [{"reason": "Not illegal in FR", "count": 2},
                             {"reason": "Listing does not show wildlife", "count": 1}],
        "relisted": 1, "relistingRate": 0.25, "openOverdue": 1,
    }]


def test_the_query_narrows_by_platform_and_country_and_groups_by_country(gql: Any, world: World) -> None:
    gql.login("pf.leboncoin")
    grouped = gql(QUERY, {**MARCH_VARS, "byCountry": True})["platformCompliance"]
    assert [(m["country"], m["noticesSent"]) for m in grouped] == [("ES", 1), ("FR", 5)]
    spain = gql(QUERY, {**MARCH_VARS, "country": "es"})["platformCompliance"]
    assert [(m["country"], m["noticesSent"]) for m in spain] == [(None, 1)]
    assert gql(QUERY, {**MARCH_VARS, "platform": "pf-wallapop"})["platformCompliance"] == []


def test_a_coordinator_of_another_country_sees_no_figures(gql: Any, world: World) -> None:
    assert gql.login("coord.be")(QUERY, MARCH_VARS)["platformCompliance"] == []
    spain = gql.login("coord.es")(QUERY, {**MARCH_VARS, "country": "FR"})["platformCompliance"]
    assert spain == []


def test_a_platform_officer_sees_only_their_platform(gql: Any, world: World) -> None:
    data = gql.login("pf.wallapop")(QUERY, MARCH_VARS)["platformCompliance"]
    assert [(m["platformCode"], m["noticesSent"]) for m in data] == [("pf-wallapop", 1)]


def test_an_anonymous_caller_gets_no_figures(gql: Any, world: World) -> None:
    response = gql.post(QUERY, MARCH_VARS)
    assert response.status_code == 401 and "data" not in response.json()


def test_an_empty_period_is_an_invalid_input(gql: Any, world: World) -> None:
    body = gql.login("coord.fr").post(QUERY, {"start": "2026-04-01", "end": "2026-03-01"}).json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "end"}


def test_a_monthly_series_gives_each_months_figures_as_the_month_alone_would(world: World) -> None:
    april = TakedownNotice.objects.get(pk=world.notices["N6"].pk)
    TakedownNotice.objects.filter(pk=april.pk).update(sent_at=T0 + 31 * D, action_due_at=T0 + 33 * D,
                                                      acknowledged_at=T0 + 31 * D + 2 * H)
    notices = TakedownNotice.objects.filter(platform__code="pf-leboncoin", reference__startswith="TD-TEST")
    series = platform_compliance(notices, *period(datetime.date(2026, 1, 1), datetime.date(2026, 5, 1)),
                                 interval="month")
    assert [(m.period_start, m.notices_sent) for m in series] == [  # N0; N1–N5; N6
        (datetime.date(2026, 2, 1), 1), (datetime.date(2026, 3, 1), 5), (datetime.date(2026, 4, 1), 1)]
    [alone] = platform_compliance(notices, *period(*MARCH))
    assert series[1] == dataclasses.replace(alone, period_start=datetime.date(2026, 3, 1))


def test_a_quarterly_series_groups_by_quarter(world: World) -> None:
    series = platform_compliance(TakedownNotice.objects.filter(reference__startswith="TD-TEST"),
                                 *period(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)), interval="quarter")
    assert [(m.platform_code, m.period_start, m.notices_sent) for m in series] == [
        ("pf-leboncoin", datetime.date(2026, 1, 1), 7), ("pf-wallapop", datetime.date(2026, 1, 1), 1)]


def test_a_series_takes_five_queries_whatever_its_length(world: World, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(5):
        platform_compliance(TakedownNotice.objects.all(),
                            *period(datetime.date(2024, 1, 1), datetime.date(2027, 1, 1)), interval="month")


SERIES = """query($start: Date!, $end: Date!, $interval: ComplianceInterval) {
  platformComplianceSeries(start: $start, end: $end, interval: $interval) {
    platformCode periodStart noticesSent medianTimeToAcknowledge removalRate } }"""
FIRST_HALF = {"start": "2026-01-01", "end": "2026-07-01"}


def test_the_series_query_gives_a_coordinator_their_countrys_months(gql: Any, world: World) -> None:
    data = gql.login("coord.fr")(SERIES, FIRST_HALF)["platformComplianceSeries"]
    assert data == [
        {"platformCode": "pf-leboncoin", "periodStart": "2026-02-01", "noticesSent": 1,
         "medianTimeToAcknowledge": 3600.0, "removalRate": 1.0},
        {"platformCode": "pf-leboncoin", "periodStart": "2026-03-01", "noticesSent": 5,
         "medianTimeToAcknowledge": 3607.0, "removalRate": 0.5},
    ]
    quarters = gql(SERIES, {**FIRST_HALF, "interval": "QUARTER"})["platformComplianceSeries"]
    assert [(m["periodStart"], m["noticesSent"]) for m in quarters] == [("2026-01-01", 6)]


def test_the_series_query_gives_another_countrys_coordinator_nothing_of_ours(gql: Any, world: World) -> None:
    data = gql.login("coord.es")(SERIES, FIRST_HALF)["platformComplianceSeries"]
    assert [(m["platformCode"], m["periodStart"], m["noticesSent"]) for m in data] == [
        ("pf-leboncoin", "2026-03-01", 1), ("pf-wallapop", "2026-03-01", 1)]
    assert gql.login("coord.be")(SERIES, FIRST_HALF)["platformComplianceSeries"] == []


def test_an_empty_series_period_is_an_invalid_input(gql: Any, world: World) -> None:
    body = gql.login("coord.fr").post(SERIES, {"start": "2026-04-01", "end": "2026-04-01"}).json()
    assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "INVALID", "field": "end"}


BEHIND = """query($outcomes: [ItemOutcome!], $relisted: Boolean, $acknowledged: Boolean) {
  takedownNotices(itemOutcomes: $outcomes, relisted: $relisted, acknowledged: $acknowledged,
                  sentAt_Gte: "2026-03-01T00:00:00+00:00", sentAt_Lt: "2026-04-01T00:00:00+00:00") {
    edges { node { reference } } } }"""


def _behind(gql: Any, **variables: Any) -> set[str]:
    return {edge["node"]["reference"] for edge in gql(BEHIND, variables)["takedownNotices"]["edges"]}


def test_a_coordinator_lists_the_notices_behind_each_figure(gql: Any, world: World) -> None:
    gql.login("coord.fr")
    ref = {name: notice.reference for name, notice in world.notices.items()}
    assert _behind(gql, outcomes=["REMOVED", "RESTRICTED", "ACCOUNT_SUSPENDED"]) == {ref["N1"], ref["N2"], ref["N3"]}
    assert _behind(gql, outcomes=["REJECTED"]) == {ref["N2"], ref["N4"]}
    assert _behind(gql, relisted=True) == {ref["N1"]}
    assert _behind(gql, relisted=False) == {ref["N2"], ref["N3"], ref["N4"], ref["N5"]}
    assert _behind(gql, acknowledged=False) == {ref["N5"]}
    assert _behind(gql, acknowledged=True) == {ref["N1"], ref["N2"], ref["N3"], ref["N4"]}


def test_the_notices_behind_a_figure_are_only_those_the_viewer_may_see(gql: Any, world: World) -> None:
    ref = {name: notice.reference for name, notice in world.notices.items()}
    assert _behind(gql.login("coord.es"), outcomes=["REMOVED"]) == {ref["N6"], ref["W1"]}
    assert _behind(gql.login("coord.es"), relisted=True) == set()
    assert _behind(gql.login("coord.be"), outcomes=["REMOVED"]) == set()
    assert _behind(gql.login("spotter.ifaw"), outcomes=["REMOVED"]) == set()
