"""The search page: one box, results by type, facets as checkboxes, cursor paging, the CSV export.

Its parameters are the export's (``search.views.PARAMETERS``), so the export link repeats the search exactly.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.documents import Documents

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
TYPE_ORDER = ("CASE", "LISTING", "ENTITY", "REPORT")


def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    filters: dict[str, Any] = {}
    checked: dict[str, set[str]] = {}
    for facet, (parameter, name) in FACETS.items():
        values = [value for value in request.GET.getlist(parameter) if value]
        checked[facet] = set(values)
        if values:
            filters[name] = [value.upper() for value in values] if facet == "type" else values
    context: dict[str, Any] = {"q": text, "checked": checked, "searched": bool(text or filters)}
    if context["searched"]:
        result = documents.run(request, "search", {"query": text, "filters": filters or None, "first": PAGE,
                                                   "after": request.GET.get("after") or None})
        context["problems"] = result.problems
        found = result.data.get("search")
        if found:
            context.update(found=found, groups=_grouped(found["hits"]), facets=_facets(found["facets"], checked))
    query = request.GET.copy()
    query.pop("after", None)
    context["query_string"] = query.urlencode()
    return render(request, "search/search.html", context)


def _grouped(hits: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Hits by type, in a fixed order, each type's hits in the engine's order."""
    groups: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TYPE_ORDER}
    for hit in hits:
        groups.setdefault(hit["type"], []).append(hit)
    return [(kind, items) for kind, items in groups.items() if items]


def _facets(facets: list[dict[str, Any]], checked: dict[str, set[str]]) -> list[dict[str, Any]]:
    return [{"name": facet["name"], "parameter": FACETS[facet["name"]][0],
             "values": [{**value, "checked": value["value"] in checked.get(facet["name"], set())}
                        for value in facet["values"]]}
            for facet in facets if facet["name"] in FACETS and facet["values"]]
