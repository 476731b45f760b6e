"""The geometry of the trend charts, drawn by the templates as inline SVG.

The Content Security Policy forbids inline style and script, so a chart is plain SVG whose shapes are placed by
attributes computed here; the template only writes them out. Series are told apart by their written labels (one
row per platform, species or country, its name beside it), never by colour alone, and every chart's figures are
also given as a table.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

#: Width of the label column, of the plot at most, and of one row of the small multiples (SVG user units).
LABEL_WIDTH = 180
PLOT_WIDTH = 720
ROW_HEIGHT = 44
BAR_HEIGHT = 30
AXIS_HEIGHT = 28
#: Room above the first row for the figure written over its tallest bar.
TOP = 8
#: The widest a period's column gets, however few the periods.
MAX_STEP = 96
#: Room a period's label needs on the time axis: labels are thinned out so that they never overlap.
TICK_ROOM = 64
#: Under this width a bar has no room for its figure written above it (the table still gives it).
FIGURE_ROOM = 18
#: Beyond this many periods (a day-by-day view of years) the axis keeps only the periods that have listings.
MAX_PERIODS = 180
PALETTE_SIZE = 6
KEYWORD_ROW = 24
#: Longest keyword bar: the keyword charts stand two abreast.
KEYWORD_PLOT = 320


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    figure_x: float
    figure_y: float
    period: datetime.date


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    counts: list[int]
    bars: list[Bar]
    label_y: float
    baseline_y: float
    colour: int


@dataclass(frozen=True)
class Tick:
    x: float
    period: datetime.date


@dataclass(frozen=True)
class TimeChart:
    """Small multiples: one row of bars per group (platform, species, country), one bar per period."""

    periods: list[datetime.date]
    rows: list[Row]
    ticks: list[Tick]
    width: float
    height: float
    tick_y: float
    plot_right: float
    figures: bool
    hidden_groups: int

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class KeywordBar:
    label: str
    count: int
    y: float
    text_y: float
    width: float
    figure_x: float


@dataclass(frozen=True)
class KeywordChart:
    bars: list[KeywordBar]
    width: float
    height: float
    plot_left: float

    @property
    def empty(self) -> bool:
        return not self.bars


def periods_between(first: datetime.date, last: datetime.date, interval: str) -> list[datetime.date]:
    """Every period start from ``first`` to ``last``: the trend buckets name only periods that have listings."""
    periods: list[datetime.date] = []
    current = first
    while current <= last and len(periods) <= MAX_PERIODS:
        periods.append(current)
        if interval == "MONTH":
            current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        else:
            current += datetime.timedelta(days=7 if interval == "WEEK" else 1)
    return periods


def time_chart(buckets: list[dict[str, Any]], interval: str, names: dict[str, str] | None = None,
               limit: int = 10) -> TimeChart:
    """The chart of ``trends`` buckets (``key``, ``group``, ``count``): the ``limit`` largest groups, largest first."""
    names = names or {}
    counts: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    for bucket in buckets:
        counts[bucket["group"]][datetime.date.fromisoformat(bucket["key"])] = bucket["count"]
    present = sorted({period for by_period in counts.values() for period in by_period})
    periods = periods_between(present[0], present[-1], interval) if present else []
    if len(periods) > MAX_PERIODS:
        periods = present
    groups = sorted(counts, key=lambda group: (-sum(counts[group].values()), names.get(group, group)))
    shown = groups[:limit]
    step = min(MAX_STEP, PLOT_WIDTH / len(periods)) if periods else 0.0
    bar_width = max(2.0, step * 0.7)
    highest = max((n for group in shown for n in counts[group].values()), default=1)
    figures = step >= FIGURE_ROOM
    rows = []
    for index, group in enumerate(shown):
        top = TOP + index * ROW_HEIGHT
        baseline = top + ROW_HEIGHT - 4
        row_counts = [counts[group].get(period, 0) for period in periods]
        bars = []
        for column, (period, count) in enumerate(zip(periods, row_counts, strict=True)):
            if not count:
                continue
            height = max(1.0, BAR_HEIGHT * count / highest)
            centre = LABEL_WIDTH + column * step + step / 2
            bars.append(Bar(x=centre - bar_width / 2, y=baseline - height, width=bar_width, height=height,
                            count=count, figure_x=centre, figure_y=baseline - height - 3, period=period))
        rows.append(Row(label=names.get(group, group), total=sum(row_counts), counts=row_counts, bars=bars,
                        label_y=top + ROW_HEIGHT / 2 + 4, baseline_y=baseline, colour=index % PALETTE_SIZE))
    every = max(1, math.ceil(TICK_ROOM / step)) if step else 1
    ticks = [Tick(x=LABEL_WIDTH + column * step + step / 2, period=period)
             for column, period in enumerate(periods) if column % every == 0]
    axis_y = TOP + len(rows) * ROW_HEIGHT
    plot_right = LABEL_WIDTH + step * len(periods)
    return TimeChart(periods=periods, rows=rows, ticks=ticks, width=plot_right + TICK_ROOM / 2,
                     height=axis_y + AXIS_HEIGHT, tick_y=axis_y + 18, plot_right=plot_right,
                     figures=figures, hidden_groups=len(groups) - len(shown))


def keyword_chart(counts: list[dict[str, Any]]) -> KeywordChart:
    """Horizontal bars of ``topKeywords`` values (already in the API's order), each labelled with its word."""
    highest = max((item["count"] for item in counts), default=1)
    plot = KEYWORD_PLOT
    bars = [KeywordBar(label=item["value"], count=item["count"], y=index * KEYWORD_ROW + 4,
                       text_y=index * KEYWORD_ROW + KEYWORD_ROW / 2 + 4,
                       width=max(1.0, plot * item["count"] / highest),
                       figure_x=LABEL_WIDTH + max(1.0, plot * item["count"] / highest) + 6)
            for index, item in enumerate(counts)]
    return KeywordChart(bars=bars, width=LABEL_WIDTH + plot + 60, height=len(bars) * KEYWORD_ROW + 8,
                        plot_left=LABEL_WIDTH)
