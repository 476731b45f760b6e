"""How platforms comply with takedown notices, per platform (and issuing country) and period, computed in SQL.

The figures are those of the issue "Metrics and exports" (INHOPE's notice-and-takedown time, TCAP's removal
rate), over the notices *sent* in the half-open period ``[start, end)``:

* ``notices_sent``; ``acknowledgement_rate`` = acknowledged ÷ sent;
* time to acknowledge = ``acknowledged_at − sent_at`` (acknowledged notices), median and p90;
* time to action = ``item.effective_at − notice.sent_at`` (acted items: removed, restricted, account
  suspended), median and p90;
* ``within_sla_share_of_acted`` = acted items whose ``effective_at ≤ notice.action_due_at`` ÷ acted items, and
  ``within_sla_share_of_items`` = the same ÷ all items (a platform that acts on few items cannot look good);
* ``removal_rate`` = acted items ÷ items;
* rejection reasons: rejected items counted by the platform's reason text, the ten most frequent;
* ``relisting_rate`` = acted items that were re-listed (have a ``Relisting``) ÷ acted items;
* ``open_overdue`` = notices not closed whose ``action_due_at`` has passed at ``now``.
* trusted flaggers (DSA Art. 22), the notices acting on a trusted flagger's report, counted apart in the same
  queries: ``trusted_flagger_notices``, their ``trusted_flagger_items``, ``trusted_flagger_acted`` and
  ``trusted_flagger_acted_within_sla``; ``trusted_flagger_within_sla_share`` = acted within the SLA ÷ their
  items (the column a platform's priority handling shows in) and ``trusted_flagger_removal_rate`` = acted ÷
  their items.

Given an ``interval`` (month, quarter, year), the same figures come per platform *and* calendar period (UTC) of
sending, in the same five queries: a dashboard draws a year of months from one call rather than twelve.

Percentiles are **nearest-rank**: of ``n`` values sorted ascending (ties by id), the p-th percentile is the
value of rank ⌈p·n/100⌉, counting from 1; the median is p50, so the lower of the two middle values when ``n``
is even. A nearest-rank figure is always an observed duration, traceable to one notice, and ``row_number()``
over a window gives it identically on SQLite and PostgreSQL (``percentile_cont`` interpolates and exists on
PostgreSQL only). Rates are ``None`` when their denominator is zero, durations when there is no data.

The caller passes the notices the viewer may see (``policy.visible(viewer, TakedownNotice.objects.all())``),
narrowed further if it likes; nothing here widens it. Five queries, whatever the number of notices.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode

from .models import ACTED, ItemOutcome, NoticeItem, NoticeStatus, Relisting, TakedownNotice

BY_PLATFORM = ("platform",)
BY_PLATFORM_AND_COUNTRY = ("platform", "country")

#: The grouping dimensions, as paths from a notice.
_DIMENSIONS = {"platform": "platform__code", "country": "issuing_agency__country"}

#: The calendar periods a series may step by, and how SQL finds a sending time's period.
INTERVALS = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
#: The name of the series' period in rows, as a grouping key.
PERIOD_START = "period_start"

#: Percentiles reported, by name.
PERCENTILES = {"median": 50, "p90": 90}

TOP_REJECTION_REASONS = 10

#: The figures counted over items, by name (of ``PlatformMetrics`` and of the item query's annotations).
ITEM_COUNTS = ("items", "acted", "acted_within_sla", "rejected", "relisted", "trusted_flagger_items",
               "trusted_flagger_acted", "trusted_flagger_acted_within_sla")

Key = tuple[str, ...]


@dataclass(frozen=True)
class PlatformMetrics:
    """The figures of one platform (and issuing country, when grouped by country) over one period."""

    platform_code: str
    platform_name: str
    country: str | None
    notices_sent: int
    acknowledged: int
    open_overdue: int
    items: int
    acted: int
    acted_within_sla: int
    rejected: int
    relisted: int
    trusted_flagger_notices: int
    trusted_flagger_items: int
    trusted_flagger_acted: int
    trusted_flagger_acted_within_sla: int
    median_time_to_acknowledge: datetime.timedelta | None = None
    p90_time_to_acknowledge: datetime.timedelta | None = None
    median_time_to_action: datetime.timedelta | None = None
    p90_time_to_action: datetime.timedelta | None = None
    rejection_reasons: list[tuple[str, int]] = field(default_factory=list)
    #: The first day of the period of a series' row (UTC); ``None`` outside a series.
    period_start: datetime.date | None = None

    @property
    def acknowledgement_rate(self) -> float | None:
        return _ratio(self.acknowledged, self.notices_sent)

    @property
    def removal_rate(self) -> float | None:
        return _ratio(self.acted, self.items)

    @property
    def within_sla_share_of_acted(self) -> float | None:
        return _ratio(self.acted_within_sla, self.acted)

    @property
    def within_sla_share_of_items(self) -> float | None:
        return _ratio(self.acted_within_sla, self.items)

    @property
    def relisting_rate(self) -> float | None:
        return _ratio(self.relisted, self.acted)

    @property
    def trusted_flagger_within_sla_share(self) -> float | None:
        return _ratio(self.trusted_flagger_acted_within_sla, self.trusted_flagger_items)

    @property
    def trusted_flagger_removal_rate(self) -> float | None:
        return _ratio(self.trusted_flagger_acted, self.trusted_flagger_items)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def period(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants bounding the UTC days ``[start, end)``; ``INVALID`` when the period is empty."""
    if end <= start:
        raise ActionError(ErrorCode.INVALID, _("The end of the period must come after its start."), "end")
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC),
            datetime.datetime.combine(end, datetime.time.min, tzinfo=datetime.UTC))


def platform_compliance(notices: QuerySet[TakedownNotice], start: datetime.datetime, end: datetime.datetime,
                        group_by: tuple[str, ...] = BY_PLATFORM,
                        now: datetime.datetime | None = None, interval: str | None = None) -> list[PlatformMetrics]:
    """The figures of every group having notices sent in ``[start, end)``, ordered by platform and country, then
    (with an ``interval``) by period of sending."""
    if group_by not in (BY_PLATFORM, BY_PLATFORM_AND_COUNTRY):
        raise ValueError(f"Unknown grouping {group_by!r}.")
    if interval is not None and interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}.")
    now = now or timezone.now()
    keys = [_DIMENSIONS[dimension] for dimension in group_by]
    item_keys = [f"notice__{path}" for path in keys]
    sent = notices.filter(sent_at__gte=start, sent_at__lt=end).order_by()
    items = NoticeItem.objects.filter(notice__in=sent.values("pk")).order_by()
    if interval is not None:
        truncate = INTERVALS[interval]
        sent = sent.annotate(**{PERIOD_START: truncate("sent_at", tzinfo=datetime.UTC)})
        items = items.annotate(**{PERIOD_START: truncate("notice__sent_at", tzinfo=datetime.UTC)})
        keys.append(PERIOD_START)
        item_keys.append(PERIOD_START)

    per_notice = sent.values(*keys, "platform__name").annotate(
        notices_sent=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        open_overdue=Count("pk", filter=~Q(status=NoticeStatus.CLOSED) & Q(action_due_at__lt=now)),
        trusted_flagger_notices=Count("pk", filter=Q(trusted_flagger__isnull=False)),
    )
    acted = Q(outcome__in=ACTED)
    within_sla = acted & Q(effective_at__lte=F("notice__action_due_at"))
    trusted = Q(notice__trusted_flagger__isnull=False)
    per_item = {_key(row, item_keys): row for row in items.values(*item_keys).annotate(
        items=Count("pk"),
        acted=Count("pk", filter=acted),
        acted_within_sla=Count("pk", filter=within_sla),
        rejected=Count("pk", filter=Q(outcome=ItemOutcome.REJECTED)),
        relisted=Count("pk", filter=acted & Q(Exists(Relisting.objects.filter(earlier_item=OuterRef("pk"))))),
        trusted_flagger_items=Count("pk", filter=trusted),
        trusted_flagger_acted=Count("pk", filter=trusted & acted),
        trusted_flagger_acted_within_sla=Count("pk", filter=trusted & within_sla),
    )}
    to_acknowledge = percentiles(sent.filter(acknowledged_at__isnull=False),
                                 F("acknowledged_at") - F("sent_at"), keys)
    to_act = percentiles(items.filter(acted, effective_at__isnull=False),
                         F("effective_at") - F("notice__sent_at"), item_keys)
    reasons = _rejection_reasons(items, item_keys)

    found = []
    for row in per_notice:
        key = _key(row, keys)
        item_row: dict[str, Any] = per_item.get(key, {})
        found.append(PlatformMetrics(
            platform_code=row["platform__code"], platform_name=row["platform__name"],
            country=row["issuing_agency__country"] if "country" in group_by else None,
            notices_sent=row["notices_sent"], acknowledged=row["acknowledged"], open_overdue=row["open_overdue"],
            trusted_flagger_notices=row["trusted_flagger_notices"],
            **{name: item_row.get(name, 0) for name in ITEM_COUNTS},
            median_time_to_acknowledge=to_acknowledge[key].get("median"),
            p90_time_to_acknowledge=to_acknowledge[key].get("p90"),
            median_time_to_action=to_act[key].get("median"),
            p90_time_to_action=to_act[key].get("p90"),
            rejection_reasons=reasons[key],
            period_start=_day(row[PERIOD_START]) if interval is not None else None,
        ))
    return sorted(found, key=lambda m: (m.platform_code, m.country or "", m.period_start or datetime.date.min))


def _day(moment: datetime.datetime | datetime.date) -> datetime.date:
    """A truncated sending time as its day: a datetime in UTC from some databases, a date from others."""
    return moment.astimezone(datetime.UTC).date() if isinstance(moment, datetime.datetime) else moment


def _key(row: dict[str, Any], paths: Iterable[str]) -> Key:
    return tuple(row[path] for path in paths)


def _rank(size: int, percentile: int) -> int:
    """Nearest rank ⌈percentile·size/100⌉ in integer arithmetic, as the SQL computes it."""
    return (size * percentile + 99) // 100


def percentiles(rows: QuerySet[Any], duration: Any, keys: list[str]) -> dict[Key, dict[str, datetime.timedelta]]:
    """Nearest-rank percentiles of ``duration`` per group, in one query (the spotters' report figures use it too).

    Each row gets its rank within its group (``row_number()``, ordered by duration then id) and the group's
    size (``count(*)`` over the same partition); only the rows whose rank is a wanted percentile's nearest
    rank come back. Integer division truncates alike on both databases, so ``(size·p + 99) / 100`` is the
    ceiling everywhere.
    """
    partition = [F(path) for path in keys] or None  # no keys: one group of every row
    ranked = rows.annotate(duration=duration).annotate(
        rank=Window(RowNumber(), partition_by=partition, order_by=[F("duration").asc(), F("pk").asc()]),
        size=Window(Count("pk"), partition_by=partition),
    )
    wanted = Q()
    for percentile in PERCENTILES.values():
        wanted |= Q(rank=(F("size") * percentile + 99) / 100)
    found: dict[Key, dict[str, datetime.timedelta]] = defaultdict(dict)
    for row in ranked.filter(wanted).values(*keys, "rank", "size", "duration"):
        for name, percentile in PERCENTILES.items():
            if row["rank"] == _rank(row["size"], percentile):
                found[_key(row, keys)][name] = row["duration"]
    return found


def _rejection_reasons(items: QuerySet[NoticeItem], keys: list[str]) -> dict[Key, list[tuple[str, int]]]:
    """The most frequent rejection reasons per group (most frequent first, then alphabetically)."""
    found: dict[Key, list[tuple[str, int]]] = defaultdict(list)
    rows = (items.filter(outcome=ItemOutcome.REJECTED).values(*keys, "reason").annotate(count=Count("pk"))
            .order_by(*keys, "-count", "reason"))
    for row in rows:
        reasons = found[_key(row, keys)]
        if len(reasons) < TOP_REJECTION_REASONS:
            reasons.append((row["reason"], row["count"]))
    return found
