"""What became of spotters' reports, per programme (and country) and period, computed in SQL.

The figures of the issue "Trusted reporters" (Figures), over the reports *received* (``created_at``) in the
half-open period ``[start, end)``:

* ``received``: the reports;
* ``sent_to_platform``, ``passed_to_investigation``, ``not_actionable``: the reports in that final status now;
  ``acted_on`` = the first two, ``triaged`` = all three;
* time to triage = ``triaged_at − created_at`` (reports with a ``triaged_at``, set when a report reaches a final
  status), median and p90;
* ``acted_on_share`` = acted on ÷ triaged (a programme whose reports wait untriaged is not judged on them);
* ``removals``: reports followed by a removal, i.e. whose notice has an item for the report's listing with an
  acted outcome (removed, restricted, account suspended: ``compliance.models.ACTED``).

Figures come per programme (``BY_PROGRAMME``), per programme and country (``BY_PROGRAMME_AND_COUNTRY``) or for
all the reports together (``TOGETHER``). "Programme" is the reporter's organisation when they reported (an NGO
agency). "Country" is the country of the platform the report's address belongs to; a report whose platform was
not recognised counts in the country of the agency it was routed to (none when it was routed nowhere either).

Given an ``interval`` (month, quarter, year), the same figures come per group *and* calendar period (UTC) of
receipt, in the same queries. Percentiles are nearest-rank, as the compliance metrics' (and computed by the
same function, :func:`compliance.metrics.percentiles`): always an observed duration, traceable to one report.
Shares are ``None`` when nothing was triaged, durations when there is no data.

The caller passes the reports whose figures the viewer may read (the policy's ``report.counted`` condition),
narrowed further if it likes; nothing here widens it. Two queries, whatever the number of reports.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from compliance.metrics import INTERVALS, PERIOD_START, percentiles
from compliance.models import ACTED, NoticeItem

from .models import ReportStatus, SpotterReport

#: Every report counted together (one row, or none without reports): the CITES indicator's country total.
TOGETHER: tuple[str, ...] = ()
BY_PROGRAMME = ("programme",)
BY_PROGRAMME_AND_COUNTRY = ("programme", "country")

#: The grouping dimensions, as names of a report's fields or annotations.
_DIMENSIONS = {"programme": "organisation_id", "country": "country"}

ACTED_ON = (ReportStatus.SENT_TO_PLATFORM, ReportStatus.PASSED_TO_INVESTIGATION)


@dataclass(frozen=True)
class ReportFigures:
    """The figures of one programme (and country, when grouped by country) over one period."""

    programme_id: int | None
    country: str | None
    received: int
    sent_to_platform: int
    passed_to_investigation: int
    not_actionable: int
    removals: int
    median_time_to_triage: datetime.timedelta | None = None
    p90_time_to_triage: datetime.timedelta | None = None
    #: The first day of the period of a series' row (UTC); ``None`` outside a series.
    period_start: datetime.date | None = None

    @property
    def acted_on(self) -> int:
        return self.sent_to_platform + self.passed_to_investigation

    @property
    def triaged(self) -> int:
        return self.acted_on + self.not_actionable

    @property
    def acted_on_share(self) -> float | None:
        return self.acted_on / self.triaged if self.triaged else None


def report_figures(reports: QuerySet[SpotterReport], start: datetime.datetime, end: datetime.datetime,
                   group_by: tuple[str, ...] = BY_PROGRAMME, interval: str | None = None) -> list[ReportFigures]:
    """The figures of every group having reports received in ``[start, end)``, ordered by programme and country,
    then (with an ``interval``) by period of receipt."""
    if group_by not in (TOGETHER, BY_PROGRAMME, BY_PROGRAMME_AND_COUNTRY):
        raise ValueError(f"Unknown grouping {group_by!r}.")
    if interval is not None and interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}.")
    keys = [_DIMENSIONS[dimension] for dimension in group_by]
    received = reports.filter(created_at__gte=start, created_at__lt=end).order_by().annotate(
        country=Coalesce("platform__country", "routed_to__country"))
    if interval is not None:
        received = received.annotate(**{PERIOD_START: INTERVALS[interval]("created_at", tzinfo=datetime.UTC)})
        keys.append(PERIOD_START)

    removed = Exists(NoticeItem.objects.filter(notice_id=OuterRef("notice_id"), listing_id=OuterRef("listing_id"),
                                               outcome__in=ACTED))
    counts = {
        "received": Count("pk"),
        "sent_to_platform": Count("pk", filter=Q(status=ReportStatus.SENT_TO_PLATFORM)),
        "passed_to_investigation": Count("pk", filter=Q(status=ReportStatus.PASSED_TO_INVESTIGATION)),
        "not_actionable": Count("pk", filter=Q(status=ReportStatus.NOT_ACTIONABLE)),
        "removals": Count("pk", filter=Q(removed)),
    }
    rows: Iterable[dict[str, Any]]
    if keys:
        rows = received.values(*keys).annotate(**counts)
    else:
        total = received.aggregate(**counts)
        rows = [total] if total["received"] else []
    to_triage = percentiles(received.filter(triaged_at__isnull=False), F("triaged_at") - F("created_at"), keys)

    found = []
    for row in rows:
        key = tuple(row[path] for path in keys)
        found.append(ReportFigures(
            programme_id=row.get("organisation_id"),
            country=row["country"] if "country" in group_by else None,
            **{name: row[name] for name in ("received", "sent_to_platform", "passed_to_investigation",
                                            "not_actionable", "removals")},
            median_time_to_triage=to_triage[key].get("median"),
            p90_time_to_triage=to_triage[key].get("p90"),
            period_start=_day(row[PERIOD_START]) if interval is not None else None,
        ))
    return sorted(found, key=lambda f: (f.programme_id or 0, f.country or "", f.period_start or datetime.date.min))


def of_country(country: str) -> Q:
    """The reports about a country's platforms or routed to its agencies: those the country answers for."""
    return Q(platform__country=country) | Q(routed_to__country=country)


def _day(moment: Any) -> datetime.date:
    """A truncated receipt time as its day: a datetime in UTC from some databases, a date from others."""
    return moment.astimezone(datetime.UTC).date() if isinstance(moment, datetime.datetime) else moment
