"""The access log page: who of another agency read which agency's intelligence, under which mandate and purpose.

For a supervisor, the reads of their agency's intelligence; for a national coordinator, the reads of their
country's (the ``accessLog`` query's own policy). Other roles get the answer of a page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from graphql_relay import from_global_id, to_global_id

from console.documents import Documents
from console.forms import period_day
from console.paging import page_size

documents = Documents(__file__)

READERS = ("SUPERVISOR", "NATIONAL_COORDINATOR")
OUTCOMES = ("ALLOWED", "DENIED", "FAILED")
FILTERS = ("reader", "owner", "actor", "outcome", "since", "until", "mandate")


def access_log_page(request: HttpRequest) -> HttpResponse:
    """The reads, newest first, filtered by reading agency, owning agency, officer, outcome and period."""
    filters = {name: request.GET.get(name, "").strip() for name in FILTERS}
    if not filters["mandate"].isdigit():  # a mandate is named by its number in the page's address
        filters["mandate"] = ""
    since, since_problem = period_day(filters["since"], "since", end=False)
    until, until_problem = period_day(filters["until"], "until", end=True)
    problems = [problem for problem in (since_problem, until_problem) if problem]
    size = page_size(request)
    variables: dict[str, Any] = {
        "first": size if not problems else 0, "after": request.GET.get("after") or None,
        "reader": filters["reader"] or None, "owner": filters["owner"] or None, "actor": filters["actor"] or None,
        "outcome": filters["outcome"] if filters["outcome"] in OUTCOMES else None, "since": since, "until": until,
        "mandate": to_global_id("Mandate", filters["mandate"]) if filters["mandate"] else None}
    result = documents.run(request, "access_log", variables)
    data = result.data
    if (data.get("viewer") or {}).get("role") not in READERS:
        raise Http404
    page = data.get("accessLog") or {"edges": [], "totalCount": 0, "pageInfo": {}}
    rows = [{**edge["node"], "mandate_pk": from_global_id(edge["node"]["mandate"]["id"])[1]
             if edge["node"]["mandate"] else None,
             "cases": len((edge["node"]["details"] or {}).get("cases") or {})}
            for edge in page["edges"]]
    query = urlencode({name: value for name, value in filters.items() if value})
    return render(request, "sharing/access_log.html", {
        "page": page, "rows": rows, "filters": filters, "outcomes": OUTCOMES, "size": size,
        "problems": problems + list(result.problems), "invalid": {problem.field for problem in problems},
        "query": query, "viewer": data["viewer"]},
        status=400 if problems or result.problems else 200)
