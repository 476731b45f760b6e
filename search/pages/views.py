"""The search page: one box, results by type, facets as checkboxes, cursor paging, the CSV export, and the hit
notices of identifiers held elsewhere with a form to request access.

Its parameters are the export's (``search.views.PARAMETERS``), so the export link repeats the search exactly. A
request for access is posted to the page's own address (the search in its query string): done, it redirects
back to the search; refused, the page is shown again with the errors beside the notice's fields.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from agencies.models import PlatformKind
from cases.models import ClaimedLegality, LegalityVerification, SpecimenType
from console.documents import Documents, Problem

from ..views import UNKNOWN_SPECIMEN

documents = Documents(__file__)

PAGE = 20
#: Facet name → (page parameter, GraphQL filter); a checked facet value filters the next search.
FACETS = {
    "type": ("type", "types"),
    "platform": ("platform", "platforms"),
    "country": ("country", "countries"),
    "cites_appendix": ("appendix", "citesAppendices"),
    "status": ("status", "statuses"),
    "species": ("species", "speciesIds"),
}
#: The listing facts and the kind of platform: page parameter → (GraphQL filter, legend, choices). They are not
#: facets of a search, so every value is offered; the parameter values are the export's (``search.views``).
FACT_FILTERS: dict[str, tuple[str, Any, Any]] = {
    "specimen_type": ("specimenType", _lazy("Specimen"), SpecimenType),
    "claimed_legality": ("claimedLegality", _lazy("Claimed legality"), ClaimedLegality),
    "legality_verified": ("legalityVerified", _lazy("Verification of the claim"), LegalityVerification),
    "platform_kind": ("platformKind", _lazy("Kind of platform"), PlatformKind),
}
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TYPE_ORDER = ("CASE", "LISTING", "ENTITY", "REPORT")
#: The fields of the request-access form, whose errors are shown beside them.
ASKED_FIELDS = ("purpose", "justification")


@require_http_methods(["GET", "POST"])
def search_page(request: HttpRequest) -> HttpResponse:
    asked: dict[str, Any] = {}
    if request.method == "POST":
        asked = _request_access(request)
        if not asked["refused"]:
            messages.success(request, _("Access requested: the holding agency's supervisors will decide."))
            return HttpResponseRedirect(request.get_full_path())
    text = request.GET.get("q", "").strip()
    filters: dict[str, Any] = {}
    checked: dict[str, set[str]] = {}
    for facet, (parameter, name) in FACETS.items():
        values = [value for value in request.GET.getlist(parameter) if value]
        checked[facet] = set(values)
        if values:
            filters[name] = [value.upper() for value in values] if facet == "type" else values
    facts, unknown = _facts(request)
    filters.update(facts)
    days, wrong = _days(request)
    wrong += unknown
    filters.update(days)
    context: dict[str, Any] = {"q": text, "checked": checked, "searched": bool(text or filters), "asked": asked,
                               "fact_filters": _fact_filters(request),
                               "problems": [*asked.get("problems", []), *wrong],
                               "period": {name: request.GET.get(name, "") for name in ("from", "to")}}
    if context["searched"] and not wrong:
        result = documents.run(request, "search", {"query": text, "filters": filters or None, "first": PAGE,
                                                   "after": request.GET.get("after") or None})
        context["problems"] = [*context["problems"], *result.problems]
        found = result.data.get("search")
        if found:
            context.update(found=found, groups=_grouped(found["hits"]), facets=_facets(found["facets"], checked),
                           notices=[{**notice, "asked": asked if asked.get("hit") == notice["id"] else None}
                                    for notice in found["heldElsewhere"]])
    query = request.GET.copy()
    query.pop("after", None)
    context["query_string"] = query.urlencode()
    return render(request, "search/search.html", context, status=400 if asked else 200)


def _parameter(member: Any) -> str:
    """A choice as the page and the export name it: its value, "unknown" for a specimen not stated."""
    return str(member.value) or UNKNOWN_SPECIMEN


def _facts(request: HttpRequest) -> tuple[dict[str, list[str]], list[Problem]]:
    """The GraphQL filters of the checked listing facts and platform kinds (enum names), and the errors of values
    that are none of them: an unknown value searches nothing rather than everything."""
    filters: dict[str, list[str]] = {}
    wrong: list[Problem] = []
    for parameter, (name, _legend, choices) in FACT_FILTERS.items():
        names = {_parameter(member): member.name for member in choices}
        values = [value for value in request.GET.getlist(parameter) if value]
        if any(value not in names for value in values):
            wrong.append(Problem("INVALID", _("Choose among the values offered."), parameter))
        elif values:
            filters[name] = [names[value] for value in values]
    return filters, wrong


def _fact_filters(request: HttpRequest) -> list[dict[str, Any]]:
    """The fieldsets of the listing facts: every value, checked as the query string has it."""
    return [{"parameter": parameter, "legend": legend,
             "options": [{"value": _parameter(member), "label": member.label,
                          "checked": _parameter(member) in request.GET.getlist(parameter)} for member in choices]}
            for parameter, (_name, legend, choices) in FACT_FILTERS.items()]


def _days(request: HttpRequest) -> tuple[dict[str, str], list[Problem]]:
    """The period filters (``from`` inclusive, ``to`` exclusive, days as the export takes them) and the errors of
    days that are not ``YYYY-MM-DD``: a bad day searches nothing rather than everything."""
    filters: dict[str, str] = {}
    wrong: list[Problem] = []
    for parameter, name in (("from", "dateFrom"), ("to", "dateTo")):
        value = request.GET.get(parameter, "").strip()
        if not value:
            continue
        try:
            if not DAY.fullmatch(value):
                raise ValueError(value)
            datetime.date.fromisoformat(value)
        except ValueError:
            wrong.append(Problem("INVALID", _("Give the day as YYYY-MM-DD."), parameter))
            continue
        filters[name] = f"{value}T00:00:00+00:00"
    return filters, wrong


def _request_access(request: HttpRequest) -> dict[str, Any]:
    """Run ``requestAccess`` for the notice posted: the errors of the form's fields by field, the others as the
    page's problems (a notice that is not the officer's is ``NOT_FOUND``, as any hit they may not see)."""
    posted = {name: request.POST.get(name, "") for name in ("hit", "purpose", "justification")}
    result = documents.run(request, "request_access", {"hitId": posted["hit"], "purpose": posted["purpose"],
                                                       "justification": posted["justification"]})
    refused = [*result.problems, *(Problem(e["code"], e["message"], e["field"])
                                   for e in (result.data.get("requestAccess") or {}).get("errors") or [])]
    return {**posted, "refused": bool(refused),
            "problems": [problem for problem in refused if problem.field not in ASKED_FIELDS],
            "errors": {problem.field: problem.message for problem in refused if problem.field in ASKED_FIELDS}}


def _grouped(hits: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Hits by type, in a fixed order, each type's hits in the engine's order."""
    groups: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TYPE_ORDER}
    for hit in hits:
        groups.setdefault(hit["type"], []).append(hit)
    return [(kind, items) for kind, items in groups.items() if items]


def _facets(facets: list[dict[str, Any]], checked: dict[str, set[str]]) -> list[dict[str, Any]]:
    return [{"name": facet["name"], "parameter": FACETS[facet["name"]][0], "complete": facet["complete"],
             "values": [{**value, "checked": value["value"] in checked.get(facet["name"], set())}
                        for value in facet["values"]]}
            for facet in facets if facet["name"] in FACETS and facet["values"]]
