"""Indicators computed from WildNet's records, against a hand-built world in Portugal (PT) and Italy (IT).

No demo data: two agencies per country with one investigator each, and rows dated by hand. Period: 2025
(1 January – 31 December, inclusive). Rows just outside it (2024, 1 January 2026) or of Italy never count.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from access.policy import viewer_for
from agencies.models import Agency, AgencyType, TaskForce, TaskForceKind, TaskForceMembership
from cases import actions as case_actions
from cases.models import CustodyEvent, Evidence, Listing, WatchAlert, Watchlist, WatchTerm
from compliance.measures import indicators
from compliance.models import NoticeItem, NoticeStatus, TakedownNotice
from officers.models import Officer, Role
from sharing.models import AccessRequest, Share

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
H = datetime.timedelta(hours=1)
_n = itertools.count(1)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.agency = {country: Agency.objects.create(code=f"{country.lower()}-police", name=f"{country} police",
                                                      country=country, agency_type=AgencyType.POLICE)
                       for country in ("PT", "IT")}
        self.officer = {country: Officer.objects.create(username=f"inv.{country.lower()}", agency=agency,
                                                        role=Role.INVESTIGATOR)
                        for country, agency in self.agency.items()}
        self.case = {country: case_actions.create_case(viewer_for(officer), case_actions.CaseInput(
            title="Ivory online", jurisdictions=[country])) for country, officer in self.officer.items()}
        self.platform = Agency.objects.create(code="pf-olx", name="OLX", country="PT",
                                              agency_type=AgencyType.ONLINE_PLATFORM, domains=["olx.pt"])

    def listing(self, country: str, created: str) -> Listing:
        listing, _ = case_actions.add_listing(viewer_for(self.officer[country]), self.case[country],
                                              case_actions.ListingInput(url=f"https://www.olx.pt/d/{next(_n)}"))
        Listing.objects.filter(pk=listing.pk).update(created_at=at(created))
        return listing

    def notice(self, country: str, sent: str, outcomes: list[tuple[str, datetime.timedelta | None]]) -> None:
        sent_at = at(sent)
        notice = TakedownNotice.objects.create(
            issuing_agency=self.agency[country], issued_by=self.officer[country], platform=self.platform,
            case=self.case[country], reference=f"TD-{next(_n)}", legal_basis_law="law", legal_basis_article="1",
            statement_of_reasons="r", requested_actions=["remove"], territorial_scope=[country],
            status=NoticeStatus.SENT, sent_at=sent_at, acknowledge_due_at=sent_at + 24 * H,
            action_due_at=sent_at + 48 * H)
        for outcome, after in outcomes:
            listing = self.listing(country, sent)
            NoticeItem.objects.create(notice=notice, listing=listing, url=listing.url, outcome=outcome,
                                      effective_at=None if after is None else sent_at + after)

    def task_force(self, name: str, kind: str, country: str, starts: str, ends: str | None,
                   members: tuple[tuple[str, str, str | None], ...] = ()) -> TaskForce:
        group = TaskForce.objects.create(name=name, kind=kind, country=country,
                                         starts_on=datetime.date.fromisoformat(starts),
                                         ends_on=datetime.date.fromisoformat(ends) if ends else None)
        for member, joined, left in members:
            TaskForceMembership.objects.create(task_force=group, agency=self.agency[member],
                                               joined_on=datetime.date.fromisoformat(joined),
                                               left_on=datetime.date.fromisoformat(left) if left else None)
        return group

    def share(self, country: str, created: str, **recipient: Any) -> None:
        share = Share.objects.create(case=self.case[country], justification="joint work",
                                     shared_by=self.officer[country], **recipient)
        Share.objects.filter(pk=share.pk).update(created_at=at(created))

    def request(self, created: str, status: str = "pending", decided: str | None = None) -> None:
        made = AccessRequest.objects.create(
            case=self.case["PT"], case_reference=self.case["PT"].reference, requester=self.officer["IT"],
            requester_agency=self.agency["IT"], purpose="investigation", justification="hit", status=status,
            decided_by=self.officer["PT"] if decided else None, decided_at=at(decided) if decided else None)
        AccessRequest.objects.filter(pk=made.pk).update(created_at=at(created))

    def evidence(self, country: str, created: str, custody: bool, method: str = "screenshot") -> None:
        item = Evidence.objects.create(
            case=self.case[country], file=f"evidence/{next(_n)}", original_name="page.png", sha256="0" * 64,
            size=1, content_type="image/png", capture_method=method, captured_by=self.officer[country],
            captured_at=at(created))
        Evidence.objects.filter(pk=item.pk).update(created_at=at(created))
        if custody:
            CustodyEvent.objects.create(evidence=item, action="captured", actor=self.officer[country])


@pytest.fixture
def world(db: Any) -> World:
    return World()


def compute(key: str) -> dict[str, Any]:
    return indicators.compute("PT", START, END, [key])[key]


def test_listings_recorded_per_month(world: World) -> None:
    for created in ("2025-01-03T08:00", "2025-01-31T23:59:59", "2025-03-15T12:00", "2024-12-31T23:59:59",
                    "2026-01-01T00:00"):
        world.listing("PT", created)
    world.listing("IT", "2025-02-10T10:00")
    result = compute("listings_monthly")
    assert result["value"]["total"] == 3
    assert result["value"]["by_month"][:4] == [{"month": "2025-01", "listings": 2},
                                               {"month": "2025-02", "listings": 0},
                                               {"month": "2025-03", "listings": 1},
                                               {"month": "2025-04", "listings": 0}]
    assert len(result["value"]["by_month"]) == 12
    assert result["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert result["available"] is True and "per calendar month" in result["method"]


def test_no_listing_is_no_data_not_zero_done(world: World) -> None:
    result = compute("listings_monthly")
    assert result["value"]["total"] == 0 and result["available"] is False


def test_keyword_watchlists_terms_and_alerts(world: World) -> None:
    def watchlist(country: str, name: str, terms: int, active: bool = True, created: str = "2025-06-01") -> Any:
        made = Watchlist.objects.create(owner_agency=world.agency[country], name=name, is_active=active,
                                        created_by=world.officer[country])
        Watchlist.objects.filter(pk=made.pk).update(created_at=at(created))
        for i in range(terms):
            WatchTerm.objects.create(watchlist=made, term=f"{name} {i}", normalised=f"{name} {i}".lower(),
                                     kind="common_name")
        return made

    marfim = watchlist("PT", "Marfim", 3)
    watchlist("PT", "Aves", 1, created="2025-12-31T23:00")
    watchlist("PT", "Old", 2, active=False)
    watchlist("PT", "Papagaios", 4, created="2026-02-01")
    avorio = watchlist("IT", "Avorio", 1)
    listings = [world.listing("PT", "2025-02-01") for _ in range(3)]
    for listing, watch, created in [(listings[0], marfim, "2025-03-01"), (listings[1], marfim, "2025-11-30"),
                                    (listings[2], marfim, "2026-01-02"), (listings[0], avorio, "2025-03-01")]:
        alert = WatchAlert.objects.create(watchlist=watch, term=watch.terms.first(), listing=listing)
        WatchAlert.objects.filter(pk=alert.pk).update(created_at=at(created))
    result = compute("keyword_watchlists")
    assert result["value"] == {"active_watchlists": 2, "terms": 4, "alerts": 2, "watchlists": [
        {"name": "Aves", "agency": "pt-police", "terms": 1, "alerts": 0},
        {"name": "Marfim", "agency": "pt-police", "terms": 3, "alerts": 2}]}
    assert result["partial"] is False and "alerts" in result["method"]


def test_prompt_removal_from_the_takedown_metrics(world: World) -> None:
    world.notice("PT", "2025-02-01T10:00", [("removed", 10 * H), ("rejected", None)])
    world.notice("PT", "2025-05-01T10:00", [("removed", 72 * H)])  # after the 48 h deadline
    world.notice("PT", "2024-12-30T10:00", [("removed", 1 * H)])
    world.notice("IT", "2025-03-01T10:00", [("removed", 1 * H)])
    result = compute("takedown_removal")
    assert result["value"] == {
        "notices_sent": 2, "items": 3, "acted": 2, "acted_within_sla": 1, "removal_rate": 2 / 3,
        "within_sla_share_of_items": 1 / 3,
        "by_platform": [{"platform": "pf-olx", "notices_sent": 2, "items": 3, "acted": 2, "removal_rate": 2 / 3,
                         "within_sla_share_of_items": 1 / 3, "median_time_to_action_hours": 10.0}]}
    assert result["available"] is True


def test_task_forces_and_joint_operations_active_in_the_period(world: World) -> None:
    jo, tf = TaskForceKind.JOINT_OPERATION, TaskForceKind.TASK_FORCE
    world.task_force("PT wildlife cyber unit", tf, "PT", "2024-01-01", None)
    world.task_force("PT operation 2023", jo, "PT", "2023-01-01", "2023-12-31")
    world.task_force("Thunder 2025", jo, "", "2025-10-01", "2025-11-30", (("PT", "2025-10-01", None),
                                                                           ("IT", "2025-10-01", None)))
    world.task_force("Italian-led", jo, "", "2025-01-01", None, (("IT", "2025-01-01", None),))
    world.task_force("Left before", tf, "", "2024-01-01", "2026-12-31", (("PT", "2024-01-01", "2024-06-01"),))
    world.task_force("IT unit", tf, "IT", "2020-01-01", None)
    result = compute("joint_operations")
    assert result["value"] == {"count": 2, "task_forces": 1, "joint_operations": 1, "groups": [
        {"name": "PT wildlife cyber unit", "kind": "task_force", "scope": "national", "starts_on": "2024-01-01",
         "ends_on": None},
        {"name": "Thunder 2025", "kind": "joint_operation", "scope": "international", "starts_on": "2025-10-01",
         "ends_on": "2025-11-30"}]}


def test_shares_and_access_requests_answered(world: World) -> None:
    thunder = world.task_force("Thunder 2025", TaskForceKind.JOINT_OPERATION, "", "2025-01-01", None,
                               (("PT", "2025-01-01", None),))
    world.share("PT", "2025-03-01T09:00", recipient_agency=world.agency["IT"])
    world.share("PT", "2024-05-01T09:00", recipient_agency=world.agency["IT"])
    world.share("IT", "2025-04-01T09:00", recipient_agency=world.agency["PT"])
    world.share("IT", "2025-10-15T09:00", recipient_task_force=thunder)
    world.request("2025-02-01T09:00", "approved", "2025-02-03T09:00")
    world.request("2024-12-20T09:00", "refused", "2025-01-05T09:00")
    world.request("2025-06-01T09:00")
    result = compute("information_exchange")
    assert result["value"] == {"shares_made": 1, "shares_received": 2, "access_requests_received": 2,
                               "access_requests_answered": 2, "approved": 1, "refused": 1}


def test_evidence_with_a_chain_of_custody(world: World) -> None:
    world.evidence("PT", "2025-03-01T09:00", custody=True)
    world.evidence("PT", "2025-04-01T09:00", custody=False, method="forensic_report")
    world.evidence("PT", "2024-11-01T09:00", custody=True)
    world.evidence("IT", "2025-03-01T09:00", custody=True)
    result = compute("digital_forensics")
    assert result["value"] == {"evidence_items": 2, "with_chain_of_custody": 1, "forensic_reports": 1}


def test_every_indicator_says_how_and_for_when(world: World) -> None:
    for key, result in indicators.compute("PT", START, END).items():
        assert result["key"] == key and result["method"] and result["title"]
        assert result["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
        assert isinstance(result["available"], bool)
