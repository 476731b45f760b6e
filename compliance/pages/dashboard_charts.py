"""The compliance dashboard's charts, as tables: one row per month or platform, one column per series.

Each table stays on the page as the chart's data and text alternative; ``console/charts.js`` draws it. A cell
carries its figure twice: written as a reader reads it ("3 h 05 min", "66,7 %", in the page's language) and as a
plain number in ``data-value`` (hours, percent) for the drawing. A month without notices has empty cells: the
chart leaves a gap there rather than drawing a zero nobody measured.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from console.templatetags.console import duration, percent


@dataclass(frozen=True)
class Cell:
    value: float | None
    text: str


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    month: datetime.date | None = None
    name: str = ""


@dataclass
class Chart:
    key: str
    caption: str
    kind: str  # line or bar
    unit: str  # h or %
    heading: str
    series: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


def hours(seconds: float | None) -> Cell:
    return Cell(None if seconds is None else round(seconds / 3600, 3), duration(seconds))


def share(rate: float | None) -> Cell:
    return Cell(None if rate is None else round(rate * 100, 2), percent(rate))


#: A series: its label (after the platform's name in a month chart), the field it shows, how it is written.
Measure = tuple[str, str, Callable[[Any], Cell]]


def _durations(what: str) -> list[Measure]:
    return [(_("median"), f"median{what}", hours), (_("90th percentile"), f"p90{what}", hours)]


def month_charts(rows: list[dict[str, Any]], start: datetime.date, end: datetime.date) -> list[Chart]:
    """Each figure month by month over ``[start, end)``, one series per platform (two for durations: median
    and 90th percentile)."""
    months = _months(start, end)
    platforms = sorted({(row["platformName"], row["platformCode"]) for row in rows})
    found = {(row["platformCode"], row["periodStart"]): row for row in rows}
    month = _("Month")
    charts: list[tuple[Chart, list[Measure]]] = [
        (Chart("acknowledge", _("Time to acknowledge, by month"), "line", "h", month), _durations("TimeToAcknowledge")),
        (Chart("action", _("Time to action, by month"), "line", "h", month), _durations("TimeToAction")),
        (Chart("sla", _("Acted items that took effect by the deadline, by month"), "line", "%", month),
         [("", "withinSlaShareOfActed", share)]),
        (Chart("removal", _("Removal rate, by month"), "line", "%", month), [("", "removalRate", share)]),
        (Chart("relisting", _("Re-listing rate, by month"), "line", "%", month), [("", "relistingRate", share)]),
    ]
    for chart, measures in charts:
        chart.series = [f"{name}: {label}" if label else name
                        for name, _code in platforms for label, _field, _write in measures]
        for first in months:
            cells = []
            for _name, code in platforms:
                row = found.get((code, first.isoformat()))
                cells += [write(row[name]) if row else Cell(None, "") for _label, name, write in measures]
            chart.rows.append(Row(cells, month=first))
    return [chart for chart, _measures in charts]


def comparison_charts(figures: list[dict[str, Any]]) -> list[Chart]:
    """The platforms side by side over the whole period: their times, and their rates."""
    platform = _("Platform")
    times = Chart("compare-times", _("Times to acknowledge and to act, by platform"), "bar", "h", platform,
                  [_("Median time to acknowledge"), _("90th percentile time to acknowledge"),
                   _("Median time to action"), _("90th percentile time to action")])
    rates = Chart("compare-rates", _("Deadlines kept, removals and re-listings, by platform"), "bar", "%", platform,
                  [_("Acted by the deadline"), _("Removal rate"), _("Re-listing rate")])
    for row in figures:
        times.rows.append(Row([hours(row[name]) for name in ("medianTimeToAcknowledge", "p90TimeToAcknowledge",
                                                              "medianTimeToAction", "p90TimeToAction")],
                              name=row["platformName"]))
        rates.rows.append(Row([share(row[name]) for name in ("withinSlaShareOfActed", "removalRate",
                                                              "relistingRate")], name=row["platformName"]))
    return [times, rates]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    first = start.replace(day=1)
    while first < end:
        months.append(first)
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return months
