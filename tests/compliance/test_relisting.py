"""Re-listing: content a platform removed that comes back, by normalised URL or by seller account."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.ingest import import_listings
from cases.models import Listing, ListingStatus
from compliance import actions
from compliance.models import ItemOutcome, NoticeEvent, NoticeEventKind, NoticeItem, Relisting
from officers.models import Officer

URL = "https://www.leboncoin.fr/animaux/2871.htm"
SELLER = "@Parrot_Dealer"


def viewer(username: str) -> Any:
    return viewer_for(Officer.objects.select_related("agency").get(username=username))


def new_case(username: str) -> Any:
    officer = viewer(username)
    return case_actions.create_case(officer, case_actions.CaseInput(title="Parrots online", jurisdictions=["FR"]))


def record_listing(username: str, url: str, seller: str = "", seen_at: datetime.datetime | None = None,
                   case: Any = None) -> Listing:
    case = case or new_case(username)
    listing, created = case_actions.add_listing(viewer(username), case, case_actions.ListingInput(
        url=url, seller=seller, seen_at=seen_at))
    assert created
    return Listing.objects.get(pk=listing.pk)


@pytest.fixture
def removed(demo: Any) -> NoticeItem:
    """OFB's notice on a leboncoin advert, which the platform reports removed."""
    listing = record_listing("inv.ofb", URL, seller=SELLER,
                             seen_at=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3))
    notice = actions.issue_notice(viewer("inv.ofb"), listing.case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
        statement_of_reasons="Grey parrot (CITES I) offered without a certificate.", requested_actions=["remove"],
        territorial_scope=["FR"]))
    item = NoticeItem.objects.get(notice=notice)
    actions.report_outcome(viewer("pf.leboncoin"), notice, item, actions.OutcomeInput(outcome=ItemOutcome.REMOVED))
    item.refresh_from_db()
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.REMOVED
    return item


def assert_relisted(listing: Listing, item: NoticeItem, matched_on: str) -> None:
    assert list(Relisting.objects.filter(listing=listing).values_list("earlier_item_id", "matched_on")) == [
        (item.pk, matched_on)]
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.RELISTED
    assert NoticeEvent.objects.filter(notice_id=item.notice_id, item=item, kind=NoticeEventKind.RELISTED,
                                      details={"matched_on": matched_on}).count() == 1


def assert_not_relisted(listing: Listing) -> None:
    assert not Relisting.objects.filter(listing=listing).exists()
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.ACTIVE


@pytest.mark.django_db
def test_same_normalised_url_in_another_case_after_removal_is_relisted(removed: NoticeItem) -> None:
    listing = record_listing("inv.oclaesp", f"{URL}?utm_source=newsletter&fbclid=IwAR0x")
    assert_relisted(listing, removed, "url")


@pytest.mark.django_db
def test_same_seller_account_on_the_same_platform_after_removal_is_relisted(removed: NoticeItem) -> None:
    listing = record_listing("inv.ofb", "https://www.leboncoin.fr/animaux/9954.htm", seller="parrot_dealer")
    assert_relisted(listing, removed, "seller")


@pytest.mark.django_db
def test_relisting_in_the_same_agency_and_another_case_is_relisted(removed: NoticeItem) -> None:
    listing = record_listing("inv.ofb", "https://WWW.leboncoin.fr/animaux/2871.htm?utm_campaign=x#photos")
    assert_relisted(listing, removed, "url")


@pytest.mark.django_db
def test_listing_seen_before_the_removal_is_not_relisted(removed: NoticeItem) -> None:
    assert removed.effective_at is not None
    listing = record_listing("inv.oclaesp", URL, seller=SELLER, seen_at=removed.effective_at - datetime.timedelta(
        hours=1))
    assert_not_relisted(listing)


@pytest.mark.django_db
def test_same_handle_on_another_platform_is_not_relisted(removed: NoticeItem) -> None:
    listing = record_listing("inv.ofb", "https://es.wallapop.com/item/loro-gris-123", seller=SELLER)
    assert listing.platform_id == Agency.objects.get(code="pf-wallapop").pk
    assert_not_relisted(listing)


@pytest.mark.django_db
def test_content_the_platform_refused_to_remove_is_not_relisted(demo: Any) -> None:
    listing = record_listing("inv.ofb", URL)
    notice = actions.issue_notice(viewer("inv.ofb"), listing.case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3", statement_of_reasons="CITES I.",
        requested_actions=["remove"], territorial_scope=["FR"]))
    actions.report_outcome(viewer("pf.leboncoin"), notice, NoticeItem.objects.get(notice=notice),
                           actions.OutcomeInput(outcome=ItemOutcome.REJECTED, reason="Captive-bred, with papers."))
    assert_not_relisted(record_listing("inv.oclaesp", URL))


def line(url: str, seller: str = "") -> str:
    return json.dumps({"url": url, "seller": seller, "title": "Perroquet gris", "text": "Jeune gris du Gabon."})


@pytest.mark.django_db
def test_bulk_import_flags_relisted_urls_and_sellers(removed: NoticeItem) -> None:
    oclaesp = Agency.objects.get(code="fr-oclaesp")
    import_listings([line(f"{URL}?utm_medium=social"), line("https://www.leboncoin.fr/animaux/777.htm", SELLER),
                     line("https://www.leboncoin.fr/animaux/778.htm", "someone_else"),
                     line("https://es.wallapop.com/item/779", SELLER)],
                    oclaesp, officer=Officer.objects.get(username="inv.oclaesp"))
    imported = {listing.url: listing for listing in Listing.objects.filter(case__owner_agency=oclaesp)}
    assert_relisted(imported[URL], removed, "url")
    assert_relisted(imported["https://www.leboncoin.fr/animaux/777.htm"], removed, "seller")
    assert_not_relisted(imported["https://www.leboncoin.fr/animaux/778.htm"])
    assert_not_relisted(imported["https://es.wallapop.com/item/779"])


@pytest.mark.django_db
def test_bulk_import_batch_with_a_thousand_distinct_sellers_is_checked_in_one_go(removed: NoticeItem) -> None:
    """A batch names up to ``batch_size`` sellers; the check must not grow its SQL with them (SQLite refuses
    expressions deeper than 1000 terms)."""
    oclaesp = Agency.objects.get(code="fr-oclaesp")
    lines = [line(f"https://www.leboncoin.fr/animaux/{5000 + i}.htm", f"seller_{i}") for i in range(1200)]
    lines.append(line("https://www.leboncoin.fr/animaux/9999.htm", SELLER))
    report = import_listings(lines, oclaesp, officer=Officer.objects.get(username="inv.oclaesp"), batch_size=2000)
    assert report.listings_created == 1201
    assert_relisted(Listing.objects.get(case__owner_agency=oclaesp, url="https://www.leboncoin.fr/animaux/9999.htm"),
                    removed, "seller")
    assert Relisting.objects.count() == 1
