"""Trend pages: listings over time by platform, species and country, by what they offer (live animal, part,
derivative), the legality their sellers claim and the kind of platform, the top words and hashtags, and the
printable "cyber alert" that sums up a period.

Both pages run one document (``trends.graphql``) with the filters of a GET form; the figures are the API's, over
the listings the officer may see. The charts are drawn by the templates from ``charts``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import PlatformKind
from cases.models import ClaimedLegality, SpecimenType
from console.documents import Documents

from . import charts

documents = Documents(__file__)

INTERVALS = (("MONTH", _("Month")), ("WEEK", _("Week")), ("DAY", _("Day")))
#: The cyber alert covers the last 30 days unless asked for another period.
ALERT_DAYS = 30
TOP = 10


class TrendFilters(forms.Form):
    """The filters of both pages: a period (both days included), a platform, a country, the interval."""

    start = forms.DateField(required=False, label=_("From"))
    end = forms.DateField(required=False, label=_("To (included)"))
    platform = forms.CharField(required=False, max_length=64, label=_("Platform"))
    country = forms.RegexField(regex=r"^[A-Za-z]{2}$", required=False, label=_("Country"),
                               error_messages={"invalid": _("Give the country as its two-letter code (FR, ES).")})
    interval = forms.ChoiceField(choices=INTERVALS, required=False, label=_("Interval"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return cleaned


def trends_page(request: HttpRequest) -> HttpResponse:
    form = TrendFilters(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        context.update(_figures(request, form.cleaned_data, form.cleaned_data["interval"] or "MONTH"))
    return render(request, "search/trends.html", context, status=200 if form.is_valid() else 400)


def cyber_alert(request: HttpRequest) -> HttpResponse:
    """One printable page on a period: what was seen, where, of which species, in which words."""
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("start", (today - datetime.timedelta(days=ALERT_DAYS - 1)).isoformat())
    data.setdefault("end", today.isoformat())
    form = TrendFilters(data)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        context.update(_figures(request, form.cleaned_data, form.cleaned_data["interval"] or "WEEK"))
    return render(request, "search/cyber_alert.html", context, status=200 if form.is_valid() else 400)


def _figures(request: HttpRequest, filters: dict[str, Any], interval: str) -> dict[str, Any]:
    start, end = _moment(filters["start"]), _moment(filters["end"], next_day=True)
    search: dict[str, Any] = {"dateFrom": start, "dateTo": end}
    if filters["platform"]:
        search["platforms"] = [filters["platform"]]
    if filters["country"]:
        search["countries"] = [filters["country"].upper()]
    result = documents.run(request, "trends", {
        "interval": interval, "filters": search, "listingFilters": {**search, "types": ["LISTING"]},
        "matchesFrom": start, "matchesTo": end})
    data = result.data
    if not data:
        return {"problems": result.problems}
    platforms = {edge["node"]["code"]: edge["node"]["name"] for edge in data["platformAgencies"]["edges"]}
    words = data["topKeywords"]
    return {
        "problems": result.problems,
        "interval": interval,
        "tick_format": "M Y" if interval == "MONTH" else "j M",
        "platform_choices": sorted(platforms.items(), key=lambda item: item[1]),
        "fact_charts": [
            {"key": "specimen_type", "title": _("Listings by specimen type"), "group": _("Specimen"),
             "chart": charts.time_chart(data["specimenTypes"], interval, _named(SpecimenType), TOP)},
            {"key": "claimed_legality", "title": _("Listings by claimed legality"), "group": _("Claim"),
             "chart": charts.time_chart(data["claims"], interval, _named(ClaimedLegality), TOP)},
            {"key": "platform_kind", "title": _("Listings by kind of platform"), "group": _("Kind of platform"),
             "chart": charts.time_chart(data["platformKinds"], interval, _named(PlatformKind), TOP)},
        ],
        "charts": [
            {"key": "platform", "title": _("Listings by platform"), "group": _("Platform"),
             "chart": charts.time_chart(data["platforms"], interval, platforms, TOP)},
            {"key": "species", "title": _("Listings by species"), "group": _("Species"),
             "chart": charts.time_chart(data["species"], interval, limit=TOP)},
            {"key": "country", "title": _("Listings by country"), "group": _("Country"),
             "chart": charts.time_chart(data["countries"], interval, limit=TOP)},
        ],
        "keywords": charts.keyword_chart([w for w in words if not w["value"].startswith("#")][:15]),
        "hashtags": charts.keyword_chart([w for w in words if w["value"].startswith("#")][:15]),
        "listings": data["listings"]["totalCount"],
        "matches": data["matches"]["totalCount"],
    }


def _named(choices: Any) -> dict[str, str]:
    """The labels of a trend's groups, which are the stored values of the choices (``""``: not stated)."""
    return {str(member.value): str(member.label) for member in choices}


def _moment(day: datetime.date | None, next_day: bool = False) -> str | None:
    """A day's start in the console's time zone, with its offset (the API refuses a time without one)."""
    if day is None:
        return None
    if next_day:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).isoformat()
