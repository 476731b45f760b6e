"""Where a spotter's report goes for triage and how urgent it is, decided once when it is received.

A report is **routed** (:func:`route`) to one agency, whose analysts find it in their queue ordered by a
**priority score** (:func:`score_parts`): the species' CITES appendix, how many spotters reported the same address,
the reporter's track record, whether the agency's own watchlists match what the spotter described, and whether
the address is already in intelligence. The score is computed once on receipt (and the duplicates' part of the
first report of an address again when another arrives), so the queue's order is one indexed ``ORDER BY``; its
parts are kept so the page can say why a report ranks high.
"""

from __future__ import annotations

import re

from django.db.models import Q

from agencies.models import Agency, AgencyType
from cases.models import WatchTerm
from cases.species.normalise import normalise_name

from .models import ReportRoute, ReportStatus, SpotterReport

#: Which of a country's agencies takes its reports when no route says otherwise, most fitting first.
FALLBACK_TYPES = (AgencyType.WILDLIFE_AUTHORITY, AgencyType.POLICE, AgencyType.CUSTOMS,
                  AgencyType.CITES_MANAGEMENT_AUTHORITY)

#: The score's weights: the species' appendix weighs most, then a watchlist match, duplicates and track record.
APPENDIX_POINTS = {"I": 40, "II": 20, "III": 10}
DUPLICATE_POINTS, DUPLICATE_CAP = 5, 20
TRACK_RECORD_POINTS, TRACK_RECORD_MINIMUM, NEW_REPORTER_POINTS = 20, 3, 5
WATCHLIST_POINTS, WATCHLIST_EXTRA, WATCHLIST_CAP = 15, 5, 25
KNOWN_POINTS = 10

ACTED_ON = frozenset({ReportStatus.SENT_TO_PLATFORM, ReportStatus.PASSED_TO_INVESTIGATION})


def route(programme: Agency, platform: Agency | None) -> Agency | None:
    """The agency that triages a report of ``programme`` about ``platform`` (see ``ReportRoute``)."""
    country = platform.country if platform is not None else ""
    candidates = ReportRoute.objects.select_related("agency").filter(
        Q(programme=programme, country__in=["", country]) | Q(programme__isnull=True, country=country))
    routes = {(candidate.programme_id, candidate.country): candidate.agency for candidate in candidates}
    for key in ((programme.pk, country), (programme.pk, ""), (None, country)):
        if key in routes:
            return routes[key]
    for fallback_country in filter(None, (country, programme.country)):
        by_type = {agency.agency_type: agency for agency in Agency.objects.filter(
            country=fallback_country, agency_type__in=FALLBACK_TYPES).order_by("-pk")}
        for agency_type in FALLBACK_TYPES:
            if agency_type in by_type:
                return by_type[agency_type]
    return None


def score_parts(report: SpotterReport) -> dict[str, int]:
    """Why ``report`` ranks where it does: points per reason (see the weights above)."""
    appendices = report.species.cites_appendices if report.species is not None else []
    parts = {"appendix": max((APPENDIX_POINTS.get(a, 0) for a in appendices), default=0)}
    parts["duplicates"] = duplicate_points(report)
    triaged, acted = track_record(report)
    parts["track_record"] = (round(TRACK_RECORD_POINTS * acted / triaged) if triaged >= TRACK_RECORD_MINIMUM
                             else NEW_REPORTER_POINTS)
    matches = watchlist_matches(report)
    parts["watchlist"] = min(WATCHLIST_POINTS + WATCHLIST_EXTRA * (matches - 1), WATCHLIST_CAP) if matches else 0
    parts["known"] = KNOWN_POINTS if report.already_known else 0
    return parts


def duplicate_points(report: SpotterReport) -> int:
    """Points for the other reports of the same thing: those of the same address, and those merged into it."""
    others = SpotterReport.objects.filter(Q(url_digest=report.url_digest) | Q(duplicate_of=report)).exclude(
        pk=report.pk).count()
    return min(others * DUPLICATE_POINTS, DUPLICATE_CAP)


def track_record(report: SpotterReport) -> tuple[int, int]:
    """How many of the reporter's other reports were triaged, and how many of those were acted on."""
    statuses = list(SpotterReport.objects.filter(reporter_id=report.reporter_id, triaged_at__isnull=False)
                    .exclude(pk=report.pk).values_list("status", flat=True))
    return len(statuses), sum(status in ACTED_ON for status in statuses)


def rescore_duplicates(first: SpotterReport) -> None:
    """Bring the first report's duplicates part up to date (a repeat arrived, or a report was merged into it)."""
    first.score_parts = {**first.score_parts, "duplicates": duplicate_points(first)}
    first.priority_score = sum(first.score_parts.values())
    first.save(update_fields=["score_parts", "priority_score"])


def watchlist_matches(report: SpotterReport) -> int:
    """How many active terms of the routed agency's watchlists the report matches, by the listings' rules:
    the term's words as whole words of what the spotter wrote (accents and case ignored), or its species."""
    if report.routed_to_id is None:
        return 0
    terms = WatchTerm.objects.filter(watchlist__owner_agency_id=report.routed_to_id, watchlist__is_active=True)
    text = normalise_name(f"{report.description} {report.species_suggested}")
    return sum(1 for term in terms.values("normalised", "species_id")
               if (term["normalised"] and re.search(rf"(?<!\w){re.escape(term['normalised'])}(?!\w)", text))
               or (term["species_id"] is not None and term["species_id"] == report.species_id))


def rank(report: SpotterReport) -> None:
    """Route and score a report just received, and raise the score of the first report of its address."""
    report.routed_to = route(report.organisation, report.platform)
    report.score_parts = score_parts(report)
    report.priority_score = sum(report.score_parts.values())
    report.save(update_fields=["routed_to", "score_parts", "priority_score"])
    if report.duplicate_of is not None:
        rescore_duplicates(report.duplicate_of)
