"""Case pages: the list of cases the officer may see and a case's page.

A case the officer may not see is absent from the schema, so its page is the same 404 as a case that does not
exist.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console.documents import Documents
from console.paging import page_size

from . import graph

documents = Documents(__file__)


def case_list(request: HttpRequest) -> HttpResponse:
    variables = {"first": page_size(request), "after": request.GET.get("after") or None,
                 "status": request.GET.get("status") or None, "search": request.GET.get("q") or None}
    result = documents.run(request, "case_list", variables)
    return render(request, "cases/case_list.html", {"page": result.data.get("cases"), "problems": result.problems,
                                                    "filters": variables})


def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    data = documents.run(request, "case_detail", {"reference": reference,
                                                  "listingsAfter": request.GET.get("listings") or None}).data
    if data.get("case") is None:
        raise Http404
    return render(request, "cases/case_detail.html", {"case": data["case"], "listings": data["listings"],
                                                      "shares": data["shares"], "reads": data["reads"]})


def case_graph(request: HttpRequest, reference: str) -> HttpResponse:
    """The link chart of a case: what it shares with the other cases the viewer may see."""
    data = documents.run(request, "link_chart", {"reference": reference}).data
    case = data.get("case")
    if case is None:
        raise Http404
    # a case of thousands of listings draws its most recent ones (the case page pages through them all)
    case["listings"] = [edge["node"] for edge in data["listings"]["edges"]]
    return render(request, "cases/link_chart.html", {"case": case, "chart": graph.of_case(case),
                                                     "listings_total": data["listings"]["totalCount"]})


def entity_graph(request: HttpRequest, entity_id: str) -> HttpResponse:
    """The link chart of an identifier: the cases the viewer may see that speak of it."""
    entity = documents.run(request, "entity_chart", {"id": entity_id}).data.get("node")
    if not entity or "kind" not in entity:  # another type's id names no entity
        raise Http404
    return render(request, "cases/link_chart.html", {"entity": entity, "chart": graph.of_entity(entity)})
