"""The figures of spotters' reports: for a programme's coordinator, the national coordinators and the agencies that
triage reports, whatever the policy lets each count (the API's ``reportFigures``, run through one document).

The period comes from a GET form (a year, a quarter or a month; by default the last twelve months), read as the
compliance dashboard reads it. Anyone the API refuses gets the 404 of a page that does not exist. The monthly
chart is a table of the figures that ``console/charts.js`` draws.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from compliance.pages.dashboard import last_twelve_months, parse_period, period_choices
from compliance.pages.dashboard_charts import Cell, Chart, Row
from console.documents import Documents

documents = Documents(__file__)

REFUSED = "PERMISSION_DENIED"


def report_figures_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = parse_period(request.GET.get("period", "").strip(), today)
    errors = {} if period is not None else {
        "period": _("Choose a period: a year (2026), a quarter (2026-Q1) or a month (2026-03).")}
    result = documents.run(request, "report_figures", (period or last_twelve_months(today)).variables())
    if result.problem(REFUSED):
        raise Http404
    context: dict[str, Any] = {"errors": errors, "values": request.GET, "choices": period_choices(today, period)}
    if errors:
        return render(request, "reports/report_figures.html", context, status=400)
    assert period is not None
    data = result.data
    return render(request, "reports/report_figures.html", {
        **context, "period": period, "problems": result.problems, "by_programme": data.get("byProgramme") or [],
        "by_country": data.get("byCountry") or [],
        "chart": month_chart(data.get("months") or [], period.start, period.end)})


def month_chart(rows: list[dict[str, Any]], start: datetime.date, end: datetime.date) -> Chart:
    """Reports received and acted on, month by month over ``[start, end)``: two series per programme, and a month
    without reports at zero (a count, unlike a duration, is known to be nought)."""
    programmes = sorted({(row["programme"]["name"], row["programme"]["code"]) for row in rows})
    found = {(row["programme"]["code"], row["periodStart"]): row for row in rows}
    chart = Chart("reports-by-month", _("Reports received and acted on, by month"), "bar", "", _("Month"))
    received, acted = _("received"), _("acted on")
    chart.series = [f"{name}: {what}" for name, _code in programmes for what in (received, acted)]
    first = start.replace(day=1)
    while first < end:
        cells = []
        for _name, code in programmes:
            row = found.get((code, first.isoformat()), {"received": 0, "actedOn": 0})
            cells += [_count(row["received"]), _count(row["actedOn"])]
        chart.rows.append(Row(cells, month=first))
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return chart


def _count(number: int) -> Cell:
    return Cell(number, formats.number_format(number, force_grouping=True))
