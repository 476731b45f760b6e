"""Figures of spotters' reports, against a hand-built world whose every figure is worked out below.

Two programmes (IFAW, and another NGO), two platforms (leboncoin in FR, Wallapop in ES), one agency per country
that triages (OFB in FR, SEPRONA in ES). Period: the first quarter of 2026 (UTC). IFAW's reports in it:

======  ==========  =========  ==========  ===========================  =========  ==========================
report  received    platform   routed to   status                       triaged    removal that followed
======  ==========  =========  ==========  ===========================  =========  ==========================
r1      5 Jan       leboncoin  OFB         sent to the platform         +2 h       yes (its listing removed)
r2      10 Jan      leboncoin  OFB         passed to an investigation   +10 h      no
r3      1 Feb       leboncoin  OFB         not actionable               +4 h       no
r4      15 Feb      leboncoin  OFB         received                     —          no
r5      1 Mar       Wallapop   SEPRONA     sent to the platform         +1 h       no (its item rejected)
r6      10 Mar      none       OFB         not actionable               +30 h      no
======  ==========  =========  ==========  ===========================  =========  ==========================

plus one IFAW report just before the period and one at its very end (never counted), and the other NGO's o1
(20 Jan, Wallapop, SEPRONA, sent to the platform after 5 h). Nearest-rank: of n sorted durations, the p-th
percentile is the one of rank ⌈p·n/100⌉.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.policy import condition, viewer_for
from agencies.models import Agency, AgencyType
from cases import actions as case_actions
from cases.models.intel import url_digest
from compliance.measures import indicators
from compliance.models import NoticeItem, NoticeStatus, TakedownNotice
from officers.models import Officer, Role
from reports.figures import BY_PROGRAMME, BY_PROGRAMME_AND_COUNTRY, TOGETHER, ReportFigures, report_figures
from reports.models import SpotterReport
from tests.conftest import GraphQL

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
H = datetime.timedelta(hours=1)
START, END = datetime.datetime(2026, 1, 1, tzinfo=UTC), datetime.datetime(2026, 4, 1, tzinfo=UTC)
_n = itertools.count(1)

FIGURES = """query($start: Date!, $end: Date!, $groupBy: [ReportFiguresDimension!], $interval: ReportFiguresInterval) {
  reportFigures(start: $start, end: $end, groupBy: $groupBy, interval: $interval) {
    programme { code } country periodStart received triaged actedOn sentToPlatform passedToInvestigation
    notActionable removals actedOnShare medianTimeToTriage p90TimeToTriage } }"""
QUARTER = {"start": "2026-01-01", "end": "2026-04-01"}


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    def __init__(self) -> None:
        def agency(code: str, country: str, kind: str, domains: list[str] | None = None) -> Agency:
            return Agency.objects.create(code=code, name=code.upper(), country=country, agency_type=kind,
                                         domains=domains or [])

        def officer(username: str, of: Agency, role: str) -> Officer:
            return Officer.objects.create(username=username, agency=of, role=role)

        self.ifaw = agency("ngo-ifaw", "BE", AgencyType.NGO)
        self.other_ngo = agency("ngo-other", "FR", AgencyType.NGO)
        self.leboncoin = agency("pf-leboncoin", "FR", AgencyType.ONLINE_PLATFORM, ["leboncoin.fr"])
        self.wallapop = agency("pf-wallapop", "ES", AgencyType.ONLINE_PLATFORM, ["wallapop.com"])
        self.ofb = agency("fr-ofb", "FR", AgencyType.WILDLIFE_AUTHORITY)
        self.seprona = agency("es-seprona", "ES", AgencyType.POLICE)
        self.officers = {
            "spotter": officer("spotter.ifaw", self.ifaw, Role.TRUSTED_REPORTER),
            "other_spotter": officer("spotter.other", self.other_ngo, Role.TRUSTED_REPORTER),
            "coordinator": officer("coord.ifaw", self.ifaw, Role.AGENCY_ADMIN),
            "other_coordinator": officer("coord.other", self.other_ngo, Role.AGENCY_ADMIN),
            "coord.fr": officer("coord.fr", agency("fr-cites", "FR", AgencyType.CITES_MANAGEMENT_AUTHORITY),
                                Role.NATIONAL_COORDINATOR),
            "coord.es": officer("coord.es", agency("es-cites", "ES", AgencyType.CITES_MANAGEMENT_AUTHORITY),
                                Role.NATIONAL_COORDINATOR),
            "coord.be": officer("coord.be", agency("be-cites", "BE", AgencyType.CITES_MANAGEMENT_AUTHORITY),
                                Role.NATIONAL_COORDINATOR),
            "ana.ofb": officer("ana.ofb", self.ofb, Role.ANALYST),
            "sup.ofb": officer("sup.ofb", self.ofb, Role.SUPERVISOR),
            "inv.seprona": officer("inv.seprona", self.seprona, Role.INVESTIGATOR),
            "admin.ofb": officer("admin.ofb", self.ofb, Role.AGENCY_ADMIN),
            "pf.leboncoin": officer("pf.leboncoin", self.leboncoin, Role.PLATFORM_OFFICER),
        }
        self.case = case_actions.create_case(viewer_for(self.officers["sup.ofb"]), case_actions.CaseInput(
            title="Ivory online", jurisdictions=["FR"]))
        ifaw, other = self.officers["spotter"], self.officers["other_spotter"]
        self.report(ifaw, "2026-01-05T10:00", self.leboncoin, self.ofb, "sent_to_platform", 2 * H, outcome="removed")
        self.report(ifaw, "2026-01-10T00:00", self.leboncoin, self.ofb, "passed_to_investigation", 10 * H)
        self.report(ifaw, "2026-02-01T00:00", self.leboncoin, self.ofb, "not_actionable", 4 * H)
        self.report(ifaw, "2026-02-15T00:00", self.leboncoin, self.ofb, "received", None)
        self.report(ifaw, "2026-03-01T00:00", self.wallapop, self.seprona, "sent_to_platform", H, outcome="rejected")
        self.report(ifaw, "2026-03-10T00:00", None, self.ofb, "not_actionable", 30 * H)
        self.report(ifaw, "2025-12-31T23:59", self.leboncoin, self.ofb, "sent_to_platform", H)
        self.report(ifaw, "2026-04-01T00:00", self.leboncoin, self.ofb, "sent_to_platform", H)
        self.report(other, "2026-01-20T00:00", self.wallapop, self.seprona, "sent_to_platform", 5 * H)

    def report(self, reporter: Officer, received: str, platform: Agency | None, routed_to: Agency, status: str,
               after: datetime.timedelta | None, outcome: str | None = None) -> SpotterReport:
        created = at(received)
        url = f"https://www.{platform.domains[0] if platform else 'example.org'}/ad/{next(_n)}"
        report = SpotterReport.objects.create(
            reporter=reporter, organisation=reporter.agency, url_as_given=url, url=url, url_digest=url_digest(url),
            platform=platform, description="Ivory", seen_at=created - H, status=status, created_at=created,
            routed_to=routed_to, triaged_at=created + after if after is not None else None)
        if outcome is not None:
            report.listing, report.notice = self.notice(url, created, outcome)
            report.save(update_fields=["listing", "notice"])
        return report

    def notice(self, url: str, sent_at: datetime.datetime, outcome: str) -> tuple[Any, TakedownNotice]:
        viewer = viewer_for(self.officers["sup.ofb"])
        listing, _ = case_actions.add_listing(viewer, self.case, case_actions.ListingInput(url=url))
        notice = TakedownNotice.objects.create(
            issuing_agency=self.ofb, issued_by=self.officers["sup.ofb"], platform=self.leboncoin, case=self.case,
            reference=f"TD-{next(_n)}", legal_basis_law="law", legal_basis_article="1", statement_of_reasons="r",
            requested_actions=["remove"], territorial_scope=["FR"], status=NoticeStatus.SENT, sent_at=sent_at,
            acknowledge_due_at=sent_at + 24 * H, action_due_at=sent_at + 48 * H)
        NoticeItem.objects.create(notice=notice, listing=listing, url=url, outcome=outcome, effective_at=sent_at + H)
        return listing, notice


@pytest.fixture
def world(db: Any) -> World:
    return World()


def figures(group_by: tuple[str, ...] = BY_PROGRAMME, interval: str | None = None,
            reports: Any = None) -> list[ReportFigures]:
    return report_figures(reports if reports is not None else SpotterReport.objects.all(), START, END,
                          group_by=group_by, interval=interval)


def summary(row: ReportFigures) -> tuple[Any, ...]:
    return (row.received, row.triaged, row.acted_on, row.sent_to_platform, row.passed_to_investigation,
            row.not_actionable, row.removals, row.acted_on_share, row.median_time_to_triage, row.p90_time_to_triage)


# --- the figures -------------------------------------------------------------------------------------------------

def test_per_programme_counts_shares_removals_and_nearest_rank_durations(world: World) -> None:
    ifaw, other = figures()
    assert (ifaw.programme_id, ifaw.country, ifaw.period_start) == (world.ifaw.pk, None, None)
    # Durations 1, 2, 4, 10, 30 h: median rank ⌈2.5⌉ = 3 (4 h), p90 rank ⌈4.5⌉ = 5 (30 h).
    assert summary(ifaw) == (6, 5, 3, 2, 1, 2, 1, 0.6, 4 * H, 30 * H)
    assert other.programme_id == world.other_ngo.pk and summary(other) == (1, 1, 1, 1, 0, 0, 0, 1.0, 5 * H, 5 * H)


def test_per_country_is_the_platforms_else_the_routed_agencys(world: World) -> None:
    rows = {(row.programme_id, row.country): row for row in figures(BY_PROGRAMME_AND_COUNTRY)}
    assert set(rows) == {(world.ifaw.pk, "ES"), (world.ifaw.pk, "FR"), (world.other_ngo.pk, "ES")}
    # FR: r1–r4 and r6 (no platform, routed to OFB). Durations 2, 4, 10, 30 h: ranks ⌈2⌉ = 2 and ⌈3.6⌉ = 4.
    assert summary(rows[world.ifaw.pk, "FR"]) == (5, 4, 2, 1, 1, 2, 1, 0.5, 4 * H, 30 * H)
    assert summary(rows[world.ifaw.pk, "ES"]) == (1, 1, 1, 1, 0, 0, 0, 1.0, H, H)


def test_per_month_each_month_has_its_own_figures(world: World) -> None:
    rows = [row for row in figures(interval="month") if row.programme_id == world.ifaw.pk]
    assert [row.period_start for row in rows] == [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1),
                                                  datetime.date(2026, 3, 1)]
    january, february, march = (summary(row) for row in rows)
    assert january == (2, 2, 2, 1, 1, 0, 1, 1.0, 2 * H, 10 * H)  # 2 values: median rank 1, p90 rank ⌈1.8⌉ = 2
    assert february == (2, 1, 0, 0, 0, 1, 0, 0.0, 4 * H, 4 * H)  # r4 untriaged: no share of it, no duration
    assert march == (2, 2, 1, 1, 0, 1, 0, 0.5, H, 30 * H)


def test_a_quarter_and_a_year_series_and_everything_together(world: World) -> None:
    assert [(row.period_start, row.received) for row in figures(interval="quarter")] \
        == [(datetime.date(2026, 1, 1), 6), (datetime.date(2026, 1, 1), 1)]
    assert [row.period_start for row in figures(interval="year")] == [datetime.date(2026, 1, 1)] * 2
    (together,) = figures(TOGETHER)
    # Durations 1, 2, 4, 5, 10, 30 h: ranks 3 (4 h) and ⌈5.4⌉ = 6 (30 h).
    assert together.programme_id is None and summary(together) == (7, 6, 4, 3, 1, 2, 1, 4 / 6, 4 * H, 30 * H)


def test_nothing_received_gives_no_row_and_no_share(world: World) -> None:
    assert figures(reports=SpotterReport.objects.none()) == []
    assert figures(TOGETHER, reports=SpotterReport.objects.filter(pk=0)) == []
    (untriaged,) = figures(reports=SpotterReport.objects.filter(status="received"))
    assert (untriaged.triaged, untriaged.acted_on_share, untriaged.median_time_to_triage) == (0, None, None)


def test_unknown_grouping_or_interval_is_a_programming_error(world: World) -> None:
    with pytest.raises(ValueError, match="grouping"):
        figures(("country",))
    with pytest.raises(ValueError, match="interval"):
        figures(interval="week")


@pytest.mark.parametrize("grouping", [TOGETHER, BY_PROGRAMME, BY_PROGRAMME_AND_COUNTRY])
@pytest.mark.parametrize("interval", [None, "month"])
def test_two_queries_whatever_the_number_of_reports(world: World, grouping: tuple[str, ...], interval: str | None,
                                                    django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        figures(grouping, interval)
    for day in range(1, 29):
        world.report(world.officers["other_spotter"], f"2026-02-{day:02d}T08:00", world.wallapop, world.ofb,
                     "not_actionable", day * H)
    with django_assert_num_queries(2):
        assert figures(grouping, interval)


# --- who counts what ---------------------------------------------------------------------------------------------

def api(gql: GraphQL, who: Officer, **variables: Any) -> Any:
    gql.login(who)
    return gql.post(FIGURES, {**QUARTER, **variables}).json()


def programmes(gql: GraphQL, who: Officer) -> dict[str, int]:
    return {row["programme"]["code"]: row["received"] for row in api(gql, who)["data"]["reportFigures"]}


def test_a_programme_coordinator_counts_their_programmes_reports_only(gql: GraphQL, world: World) -> None:
    assert programmes(gql, world.officers["coordinator"]) == {"ngo-ifaw": 6}
    assert programmes(gql, world.officers["other_coordinator"]) == {"ngo-other": 1}


def test_a_national_coordinator_counts_the_reports_about_their_country(gql: GraphQL, world: World) -> None:
    assert programmes(gql, world.officers["coord.fr"]) == {"ngo-ifaw": 5}
    assert programmes(gql, world.officers["coord.es"]) == {"ngo-ifaw": 1, "ngo-other": 1}
    assert programmes(gql, world.officers["coord.be"]) == {}  # IFAW is Belgian; its reports are not about BE


def test_a_national_coordinator_counts_reports_they_may_not_open(gql: GraphQL, world: World) -> None:
    coordinator = world.officers["coord.fr"]
    counted = SpotterReport.objects.filter(condition("report.counted", viewer_for(coordinator)))
    assert counted.count() == 7  # the quarter's 5, and the 2 just outside it
    gql.login(coordinator)
    assert gql("{ spotterReports(first: 10) { totalCount } }")["spotterReports"]["totalCount"] == 0


def test_analysts_investigators_and_supervisors_count_what_was_routed_to_their_agency(gql: GraphQL,
                                                                                      world: World) -> None:
    assert programmes(gql, world.officers["ana.ofb"]) == {"ngo-ifaw": 5}
    assert programmes(gql, world.officers["sup.ofb"]) == {"ngo-ifaw": 5}
    assert programmes(gql, world.officers["admin.ofb"]) == {"ngo-ifaw": 5}  # and their agency's administrator
    assert programmes(gql, world.officers["inv.seprona"]) == {"ngo-ifaw": 1, "ngo-other": 1}


@pytest.mark.parametrize("who", ["spotter", "other_spotter", "pf.leboncoin"])
def test_anyone_else_is_refused_with_a_typed_error(gql: GraphQL, world: World, who: str) -> None:
    body = api(gql, world.officers[who])
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["PERMISSION_DENIED"]


def test_an_anonymous_client_counts_nothing(gql: GraphQL, world: World) -> None:
    body = gql.post(FIGURES, QUARTER).json()
    assert body.get("data") is None or not body["data"].get("reportFigures")


def test_the_api_gives_grouping_interval_seconds_and_shares(gql: GraphQL, world: World) -> None:
    rows = api(gql, world.officers["coordinator"], groupBy=["PROGRAMME", "COUNTRY"])["data"]["reportFigures"]
    assert [(row["country"], row["received"], row["actedOnShare"], row["medianTimeToTriage"],
             row["p90TimeToTriage"], row["removals"]) for row in rows] \
        == [("ES", 1, 1.0, 3600.0, 3600.0, 0), ("FR", 5, 0.5, 4 * 3600.0, 30 * 3600.0, 1)]
    months = api(gql, world.officers["coordinator"], interval="MONTH")["data"]["reportFigures"]
    assert [(row["periodStart"], row["received"], row["actedOn"], row["country"]) for row in months] \
        == [("2026-01-01", 2, 2, None), ("2026-02-01", 2, 0, None), ("2026-03-01", 2, 1, None)]


def test_an_end_before_the_start_is_a_typed_error(gql: GraphQL, world: World) -> None:
    body = api(gql, world.officers["coordinator"], start="2026-04-01", end="2026-01-01")
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID", "end")


def test_the_api_costs_the_same_statements_whatever_the_number_of_reports(gql: GraphQL, world: World) -> None:
    gql.login(world.officers["ana.ofb"])

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            body = gql.post(FIGURES, {**QUARTER, "groupBy": ["COUNTRY"]}).json()
        assert len(body["data"]["reportFigures"]) >= 1
        return len(queries)

    few = statements()
    for day in range(1, 29):
        world.report(world.officers["other_spotter"], f"2026-02-{day:02d}T08:00", world.wallapop, world.ofb,
                     "not_actionable", day * H)
    assert statements() == few


# --- the CITES indicator -----------------------------------------------------------------------------------------

def indicator(country: str) -> dict[str, Any]:
    return indicators.compute(country, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31),
                              ["citizen_reports"])["citizen_reports"]


def test_the_indicator_counts_the_reports_about_the_country_or_routed_to_it(world: World) -> None:
    france = indicator("FR")
    assert france["available"] is True and france["method"] and france["title"]
    assert france["value"] == {"received": 5, "triaged": 4, "acted_on": 2, "not_actionable": 2, "removals": 1,
                               "acted_on_share": 0.5, "median_time_to_triage_hours": 4.0,
                               "p90_time_to_triage_hours": 30.0}
    assert indicator("ES")["value"] == {"received": 2, "triaged": 2, "acted_on": 2, "not_actionable": 0,
                                        "removals": 0, "acted_on_share": 1.0, "median_time_to_triage_hours": 1.0,
                                        "p90_time_to_triage_hours": 5.0}


def test_the_indicator_is_unavailable_without_reports(world: World, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        belgium = indicator("BE")
    assert belgium["available"] is False
    assert belgium["value"]["received"] == 0 and belgium["value"]["acted_on_share"] is None
