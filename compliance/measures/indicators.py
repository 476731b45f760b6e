"""Indicators of the model measures computed from WildNet's own records, never typed in.

Each indicator is a function of (country, first day, last day) returning a dict with its ``key``, ``title``,
``value`` (a dict of figures), ``period`` (``start``/``end``, inclusive days), ``method`` (how it was
computed, in words a reader of the national report can check) and ``available`` (whether the period holds
data for it; ``False`` means "nothing recorded", not "zero done"). ``partial`` says a part of what the
measure asks is not recorded by WildNet (none at present; the flag stays in the report format).

"The country's agencies" are the agencies whose country is the assessed one. The figures are counts over
the whole country, not case content, which is why only the country's own officers read them (see
``rules.sees_details``). Measures point at an indicator through ``ModelMeasure.indicator``. Every indicator
is a fixed number of queries, whatever the volume of data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from agencies.models import TaskForce, TaskForceKind
from cases.models import CaptureMethod, CustodyEvent, Evidence, Listing, WatchAlert, Watchlist
from compliance.metrics import platform_compliance
from compliance.models import TakedownNotice
from sharing.models import AccessRequest, AccessRequestStatus, Share

from .periods import bounds

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Indicator = dict[str, Any]
Computer = Callable[[str, datetime.date, datetime.date], Indicator]
Computed = tuple[dict[str, Any], "StrOrPromise", bool]  # value, method, available

INDICATORS: dict[str, Computer] = {}


def indicator(key: str, title: StrOrPromise) -> Callable[[Callable[..., Computed]], Computer]:
    """Register a computation returning ``(value, method, available)`` under ``key``."""

    def decorator(compute: Callable[..., Computed]) -> Computer:
        def run(country: str, start: datetime.date, end: datetime.date) -> Indicator:
            value, method, available = compute(country, start, end)
            return {"key": key, "title": str(title), "value": value, "method": str(method), "available": available,
                    "partial": key in PARTIAL, "period": {"start": start.isoformat(), "end": end.isoformat()}}

        INDICATORS[key] = run
        return run

    return decorator


#: Indicators for which WildNet records only part of what the measure asks.
PARTIAL: frozenset[str] = frozenset()


def compute(country: str, start: datetime.date, end: datetime.date,
            keys: list[str] | None = None) -> dict[str, Indicator]:
    """The indicators named by ``keys`` (default: all), by key."""
    return {key: INDICATORS[key](country, start, end) for key in (keys if keys is not None else INDICATORS)}


def _months(start: datetime.date, end: datetime.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@indicator("listings_monthly", _("Online listings recorded per month"))
def listings_monthly(country: str, start: datetime.date, end: datetime.date) -> Computed:
    low, high = bounds(start, end)
    rows = (Listing.objects.filter(case__owner_agency__country=country, created_at__gte=low, created_at__lt=high)
            .annotate(month=TruncMonth("created_at", tzinfo=datetime.UTC)).values("month")
            .annotate(listings=Count("pk")).order_by("month"))
    found = {row["month"].strftime("%Y-%m"): row["listings"] for row in rows}
    by_month = [{"month": month, "listings": found.get(month, 0)} for month in _months(start, end)]
    total = sum(found.values())
    return ({"total": total, "by_month": by_month},
            _("Listings recorded in WildNet (their creation time, UTC) in cases owned by the country's agencies, "
             "counted per calendar month of the period; every month of the period is shown, zero included."),
            total > 0)


@indicator("keyword_watchlists", _("Active keyword watchlists"))
def keyword_watchlists(country: str, start: datetime.date, end: datetime.date) -> Computed:
    low, high = bounds(start, end)
    rows = list(Watchlist.objects.filter(owner_agency__country=country, is_active=True, created_at__lt=high)
                .annotate(term_count=Count("terms")).order_by("owner_agency__code", "name")
                .values("pk", "name", "owner_agency__code", "term_count"))
    alerts = dict(WatchAlert.objects.filter(watchlist__owner_agency__country=country, created_at__gte=low,
                                            created_at__lt=high)
                  .values_list("watchlist_id").annotate(n=Count("id")).order_by())
    watchlists = [{"name": r["name"], "agency": r["owner_agency__code"], "terms": r["term_count"],
                   "alerts": alerts.get(r["pk"], 0)} for r in rows]
    return ({"active_watchlists": len(watchlists), "terms": sum(w["terms"] for w in watchlists),
             "watchlists": watchlists, "alerts": sum(alerts.values())},
            _("Keyword watchlists of the country's agencies that are active now and were created before the end of "
             "the period, with their number of terms, and the alerts their terms raised on listings in the period "
             "(every match is counted, whichever agency recorded the listing)."),
            bool(watchlists))


@indicator("takedown_removal", _("Prompt removal of notified listings"))
def takedown_removal(country: str, start: datetime.date, end: datetime.date) -> Computed:
    metrics = platform_compliance(TakedownNotice.objects.filter(issuing_agency__country=country), *bounds(start, end))
    sent, items = sum(m.notices_sent for m in metrics), sum(m.items for m in metrics)
    acted, within = sum(m.acted for m in metrics), sum(m.acted_within_sla for m in metrics)
    by_platform = [{
        "platform": m.platform_code, "notices_sent": m.notices_sent, "items": m.items, "acted": m.acted,
        "removal_rate": m.removal_rate, "within_sla_share_of_items": m.within_sla_share_of_items,
        "median_time_to_action_hours": (None if m.median_time_to_action is None
                                        else round(m.median_time_to_action.total_seconds() / 3600, 2)),
    } for m in metrics]
    return ({"notices_sent": sent, "items": items, "acted": acted, "acted_within_sla": within,
             "removal_rate": acted / items if items else None,
             "within_sla_share_of_items": within / items if items else None, "by_platform": by_platform},
            _("Takedown notices sent by the country's agencies in the period (compliance metrics): acted items "
             "(removed, restricted, account suspended) ÷ notified items, and acted items that took effect by the "
             "platform's SLA deadline ÷ items; median time to action (nearest rank) per platform, in hours."),
            sent > 0)


@indicator("joint_operations", _("Task forces and joint operations"))
def joint_operations(country: str, start: datetime.date, end: datetime.date) -> Computed:
    member = Q(memberships__agency__country=country, memberships__joined_on__lte=end) & (
        Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gte=start))
    groups = list(TaskForce.objects.filter(Q(country=country) | (Q(country="") & member))
                  .filter(Q(starts_on__lte=end), Q(ends_on__isnull=True) | Q(ends_on__gte=start))
                  .distinct().order_by("name").values("name", "kind", "country", "starts_on", "ends_on"))
    listed = [{"name": g["name"], "kind": g["kind"], "scope": "national" if g["country"] else "international",
               "starts_on": g["starts_on"].isoformat(),
               "ends_on": g["ends_on"].isoformat() if g["ends_on"] else None} for g in groups]
    return ({"count": len(listed),
             "task_forces": sum(g["kind"] == TaskForceKind.TASK_FORCE for g in listed),
             "joint_operations": sum(g["kind"] == TaskForceKind.JOINT_OPERATION for g in listed),
             "groups": listed},
            _("Task forces and joint operations recorded in WildNet that were active during the period: national "
             "ones of the country, and international ones of which one of the country's agencies was a member "
             "during the period."),
            bool(listed))


@indicator("information_exchange", _("Information exchange between agencies"))
def information_exchange(country: str, start: datetime.date,
                         end: datetime.date) -> Computed:
    low, high = bounds(start, end)
    shares = Share.objects.filter(created_at__gte=low, created_at__lt=high)
    made = shares.filter(case__owner_agency__country=country).count()
    received = shares.filter(Q(recipient_agency__country=country)
                             | Q(recipient_task_force__memberships__agency__country=country)).distinct().count()
    requests = AccessRequest.objects.filter(case__owner_agency__country=country)
    answered = requests.filter(decided_at__gte=low, decided_at__lt=high).aggregate(
        answered=Count("pk"), approved=Count("pk", filter=Q(status=AccessRequestStatus.APPROVED)),
        refused=Count("pk", filter=Q(status=AccessRequestStatus.REFUSED)))
    asked = requests.filter(created_at__gte=low, created_at__lt=high).count()
    value = {"shares_made": made, "shares_received": received, "access_requests_received": asked,
             "access_requests_answered": answered["answered"], "approved": answered["approved"],
             "refused": answered["refused"]}
    return (value,
            _("Shares of cases created in the period: made by the country's agencies (of their own cases), and "
             "received by them (directly, or through a task force one of them belongs to; a share between two "
             "of the country's agencies counts on both sides). Access requests for the country's agencies' "
             "cases: made in the period, and answered (approved or refused) in the period."),
            any(value.values()))


@indicator("digital_forensics", _("Evidence with a chain of custody"))
def digital_forensics(country: str, start: datetime.date, end: datetime.date) -> Computed:
    low, high = bounds(start, end)
    chained = Q(Exists(CustodyEvent.objects.filter(evidence=OuterRef("pk"))))
    figures = Evidence.objects.filter(case__owner_agency__country=country, created_at__gte=low,
                                      created_at__lt=high).aggregate(
        evidence_items=Count("pk"), with_chain_of_custody=Count("pk", filter=chained),
        forensic_reports=Count("pk", filter=Q(capture_method=CaptureMethod.FORENSIC_REPORT)))
    return (figures,
            _("Evidence items recorded in WildNet in the period in the country's agencies' cases; those with a chain "
             "of custody have at least one custody event; forensic reports are items captured as such."),
            figures["evidence_items"] > 0)
