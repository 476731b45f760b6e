"""The sign-in events of an agency's officers, for its supervisors and administrators (issue "Identity"): every
sign-in, failure, lock-out, second factor, re-authentication and sign-out, with who, what, when, where from and
the outcome. The ``auditEvents`` query's policy decides whose events a reader sees; other roles get the answer
of a page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from console.documents import Documents
from console.forms import period_day
from console.paging import page_size

documents = Documents(__file__)

READERS = ("SUPERVISOR", "AGENCY_ADMIN")
OUTCOMES = ("ALLOWED", "DENIED", "FAILED")
FILTERS = ("actor", "outcome", "since", "until")


def sign_in_events(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in FILTERS}
    since, since_problem = period_day(filters["since"], "since", end=False)
    until, until_problem = period_day(filters["until"], "until", end=True)
    problems = [problem for problem in (since_problem, until_problem) if problem]
    size = page_size(request)
    variables: dict[str, Any] = {
        "first": size if not problems else 0, "after": request.GET.get("after") or None,
        "actor": filters["actor"] or None, "outcome": filters["outcome"] if filters["outcome"] in OUTCOMES else None,
        "since": since, "until": until}
    result = documents.run(request, "sign_in_events", variables)
    if (result.data.get("viewer") or {}).get("role") not in READERS:
        raise Http404
    page = result.data.get("auditEvents") or {"edges": [], "totalCount": 0, "pageInfo": {}}
    return render(request, "audit/sign_in_events.html", {
        "page": page, "rows": [edge["node"] for edge in page["edges"]], "filters": filters, "outcomes": OUTCOMES,
        "size": size, "problems": problems + list(result.problems), "invalid": {problem.field for problem in problems},
        "query": urlencode({name: value for name, value in filters.items() if value}),
        "viewer": result.data["viewer"]}, status=400 if problems or result.problems else 200)
