"""The national coordinator's platform compliance dashboard, and the notices behind each of its figures.

Both pages run one document with the period of a GET form: the figures are the API's (``platformCompliance``
and its monthly ``platformComplianceSeries``), over the notices of the coordinator's country the policy lets them
see. The page is the coordinators' (the navigation offers it to them alone): anyone else finds nothing there, as
at the address of an object they may not see. The charts are tables of the figures that ``charts.js`` draws.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from console.documents import Documents
from console.paging import page_size

from .dashboard_charts import comparison_charts, month_charts

documents = Documents(__file__)

COORDINATOR = "NATIONAL_COORDINATOR"
#: ``period``: a year, a quarter or a month; empty for the twelve months up to this one.
_PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")
_PLATFORM = re.compile(r"[-a-zA-Z0-9_]{0,32}")
#: The periods the picker offers, back from today.
YEARS, QUARTERS, MONTHS = 3, 8, 24
ACTED = ["REMOVED", "RESTRICTED", "ACCOUNT_SUSPENDED"]
#: The figures a drill-down lists the notices of → the filters of ``takedownNotices``.
FIGURES: dict[str, dict[str, Any]] = {
    "sent": {},
    "acknowledged": {"acknowledged": True},
    "unacknowledged": {"acknowledged": False},
    "acted": {"itemOutcomes": ACTED},
    "rejected": {"itemOutcomes": ["REJECTED"]},
    "relisted": {"relisted": True},
    "trusted": {"trustedFlagger": True},
}


@dataclass(frozen=True)
class Period:
    """Whole UTC days ``[start, end)``; ``kind`` says how the page names it (the template writes the name)."""

    key: str
    kind: str  # last12, year, quarter, month
    start: datetime.date
    end: datetime.date

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def variables(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _month(year: int, month: int) -> datetime.date:
    """The first day of a month counted from January of ``year`` (months past December roll over)."""
    year, index = divmod(year * 12 + month - 1, 12)
    return datetime.date(year, index + 1, 1)


def last_twelve_months(today: datetime.date) -> Period:
    return Period("", "last12", _month(today.year, today.month - 11), _month(today.year, today.month + 1))


def parse_period(key: str, today: datetime.date) -> Period | None:
    """The period a ``period`` parameter names, ``None`` when it names none."""
    if not key:
        return last_twelve_months(today)
    found = _PERIOD.fullmatch(key)
    if found is None:
        return None
    year = int(found["year"])
    if year < 1970:
        return None
    if found["quarter"]:
        first = 3 * int(found["quarter"]) - 2
        return Period(key, "quarter", _month(year, first), _month(year, first + 3))
    if found["month"]:
        month = int(found["month"])
        return Period(key, "month", _month(year, month), _month(year, month + 1))
    return Period(key, "year", datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


def period_choices(today: datetime.date, current: Period | None) -> list[tuple[str, list[Period]]]:
    """The picker's periods by kind, newest first; one asked for by address is offered too."""
    years = [parse_period(str(today.year - back), today) for back in range(YEARS)]
    this_quarter = (today.month - 1) // 3
    quarters = [parse_period(f"{(today.year * 4 + this_quarter - back) // 4}-Q"
                             f"{(today.year * 4 + this_quarter - back) % 4 + 1}", today) for back in range(QUARTERS)]
    months = [parse_period(f"{first:%Y-%m}", today) for first in
              (_month(today.year, today.month - back) for back in range(MONTHS))]
    groups = {"year": years, "quarter": quarters, "month": months}
    if current is not None and current.kind in groups and current not in groups[current.kind]:
        groups[current.kind].append(current)
    return [(kind, [p for p in periods if p is not None]) for kind, periods in groups.items()]


def _filters(request: HttpRequest) -> tuple[Period | None, str, dict[str, str]]:
    """The period and platform asked for, and what is wrong with them, by field."""
    today = timezone.localdate()
    period = parse_period(request.GET.get("period", "").strip(), today)
    platform = request.GET.get("platform", "").strip()
    errors = {}
    if period is None:
        errors["period"] = _("Choose a period: a year (2026), a quarter (2026-Q1) or a month (2026-03).")
    if not _PLATFORM.fullmatch(platform):
        errors["platform"] = _("Choose a platform from the list.")
    return period, platform, errors


def _refused(request: HttpRequest, errors: dict[str, str], template: str) -> HttpResponse:
    """A coordinator's unreadable filters: the page says what to fix (400); anyone else finds nothing."""
    viewer = documents.run(request, "dashboard_viewer").data.get("viewer") or {}
    if viewer.get("role") != COORDINATOR:
        raise Http404
    today = timezone.localdate()
    return render(request, template, {"errors": errors, "choices": period_choices(today, None),
                                      "values": request.GET}, status=400)


def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    period, platform, errors = _filters(request)
    if period is None or errors:
        return _refused(request, errors, "compliance/dashboard.html")
    result = documents.run(request, "dashboard_figures", {**period.variables(), "platform": platform or None})
    data = result.data
    if (data.get("viewer") or {}).get("role") != COORDINATOR:
        raise Http404
    platforms = sorted(((edge["node"]["code"], edge["node"]["name"]) for edge in data["platforms"]["edges"]),
                       key=lambda item: item[1])
    figures = [{**row, "unacknowledged": row["noticesSent"] - row["acknowledged"]} for row in data["figures"]]
    return render(request, "compliance/dashboard.html", {
        "period": period, "platform": platform, "platforms": platforms, "figures": figures,
        "problems": result.problems, "values": request.GET,
        "choices": period_choices(timezone.localdate(), period),
        "exports": {"start": period.start.isoformat(), "end": period.end.isoformat(), "platform": platform},
        "comparisons": comparison_charts(figures),
        "charts": month_charts(data["months"], period.start, period.end),
    })


def compliance_notices(request: HttpRequest) -> HttpResponse:
    """The notices behind one figure of the dashboard: ``figure`` (sent, acted …), ``period``, ``platform``."""
    period, platform, errors = _filters(request)
    figure = request.GET.get("figure", "sent")
    if figure not in FIGURES:
        errors["figure"] = _("This figure has no list of notices.")
    if period is None or errors:
        return _refused(request, errors, "compliance/dashboard_notices.html")
    result = documents.run(request, "dashboard_notices", {
        "first": page_size(request), "after": request.GET.get("after") or None,
        "sentFrom": _instant(period.start), "sentTo": _instant(period.end), "platform": platform or None,
        "acknowledged": None, "itemOutcomes": None, "relisted": None, "trustedFlagger": None,
        **FIGURES[figure]})
    data = result.data
    if (data.get("viewer") or {}).get("role") != COORDINATOR:
        raise Http404
    return render(request, "compliance/dashboard_notices.html", {
        "page": data.get("notices"), "problems": result.problems, "period": period, "platform": platform,
        "figure": figure, "query": {"period": period.key, "platform": platform, "figure": figure}})


def _instant(day: datetime.date) -> str:
    """The start of a UTC day, as the figures count it (the API refuses a time without its offset)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC).isoformat()
