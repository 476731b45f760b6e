"""Re-listing detection: a listing that comes back after a platform removed it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from cases.models import Listing, ListingStatus
from cases.signals import listings_recorded

from .models import NoticeEvent, NoticeEventKind, NoticeItem, Relisting

#: Outcomes after which the content should be gone for good.
GONE = ("removed", "already_removed", "account_suspended")


@receiver(listings_recorded)
def detect_relisting(sender: Any, listing_ids: list[int], **kwargs: Any) -> None:
    """Flag new listings with the same normalised URL, or the same seller account on the same platform, as an
    item a platform reported removed before the listing was seen. One query for the whole batch of listings."""
    new = list(Listing.objects.filter(pk__in=listing_ids).values("pk", "url_digest", "seller_id", "platform_id",
                                                                  "first_seen_at"))
    if not new:
        return
    digests = {row["url_digest"] for row in new}
    # Two IN lists, not one OR term per seller: a batch names up to a thousand sellers, and SQLite refuses
    # expressions deeper than 1000. The platform half of "same seller on the same platform" is checked below.
    sellers = {row["seller_id"] for row in new if row["seller_id"] and row["platform_id"]}
    match = Q(listing__url_digest__in=digests) | Q(listing__seller_id__in=sellers)
    earlier = list(NoticeItem.objects.filter(match, outcome__in=GONE).exclude(listing_id__in=listing_ids).order_by()
                   .values("pk", "notice_id", "effective_at", "listing__url_digest", "listing__seller_id",
                           "listing__platform_id"))
    if not earlier:
        return
    found: list[Relisting] = []
    for row in new:
        for item in earlier:
            if item["effective_at"] is None or item["effective_at"] > row["first_seen_at"]:
                continue
            if item["listing__url_digest"] == row["url_digest"]:
                matched_on = "url"
            elif row["seller_id"] and (item["listing__seller_id"], item["listing__platform_id"]) == (
                    row["seller_id"], row["platform_id"]):
                matched_on = "seller"
            else:
                continue
            found.append(Relisting(listing_id=row["pk"], earlier_item_id=item["pk"], matched_on=matched_on))
    if not found:
        return
    Relisting.objects.bulk_create(found, ignore_conflicts=True)
    Listing.objects.filter(pk__in={r.listing_id for r in found}).update(status=ListingStatus.RELISTED)
    notices = {item["pk"]: item["notice_id"] for item in earlier}
    NoticeEvent.objects.bulk_create([
        NoticeEvent(notice_id=notices[r.earlier_item_id], item_id=r.earlier_item_id, kind=NoticeEventKind.RELISTED,
                    details={"matched_on": r.matched_on}) for r in found])
