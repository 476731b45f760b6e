"""Watchlist pages: the alerts (matches of the agency's watchlists) and the watchlists with their terms.

An alert the officer may not see (another agency's watchlist, a listing they cannot read) is absent from the
schema: marking it handled answers exactly as marking an alert that does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from console.documents import Documents, Problem, Result
from console.paging import page_size
from console.views import safe_next

documents = Documents(__file__)

#: The list's filter → the ``handledAt_Isnull`` argument.
STATES = {"unhandled": True, "handled": False, "all": None}


class HtmxHttpRequest(HttpRequest):
    """A request as ``django_htmx.middleware.HtmxMiddleware`` leaves it (django-htmx's typing recipe)."""

    htmx: HtmxDetails


def alert_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "unhandled")
    if state not in STATES:
        state = "unhandled"
    variables = {"first": page_size(request), "after": request.GET.get("after") or None,
                 "unhandled": STATES[state]}
    result = documents.run(request, "alert_list", variables)
    return render(request, "search/alert_list.html", {"page": result.data.get("alerts"),
                                                      "problems": result.problems, "state": state})


@require_POST
def alert_handled(request: HtmxHttpRequest) -> HttpResponse:
    """Mark an alert handled: htmx gets the alert's row drawn again, a plain form goes back to the list."""
    result = documents.run(request, "mark_alert_handled", {"id": request.POST.get("alert", "")})
    problems = _problems(result, "markAlertHandled")
    if any(problem.code == "NOT_FOUND" for problem in problems):
        raise Http404
    if problems:
        for problem in problems:
            messages.error(request, problem.message)
    elif not request.htmx:
        messages.success(request, _("Alert marked as handled."))
    if request.htmx:
        if problems:
            return HttpResponseClientRedirect(safe_next(request, "alert-list"))
        return render(request, "search/alert_row.html", {"alert": result.data["markAlertHandled"]["alert"],
                                                         "next": safe_next(request, "alert-list")})
    return HttpResponseRedirect(safe_next(request, "alert-list"))


@require_http_methods(["GET", "POST"])
def watchlists_page(request: HttpRequest) -> HttpResponse:
    """The agency's watchlists; one form creates a watchlist, one per watchlist adds a term to it.

    A refused form is shown again with what was typed and the API's errors beside their fields (``field`` names
    the input in camelCase), and all of them in a summary at the top.
    """
    problems: list[Problem] = []
    form = request.POST.get("form", "")
    if request.method == "POST":
        if form == "create":
            result = documents.run(request, "create_watchlist", {
                "name": request.POST.get("name", ""), "description": request.POST.get("description", "")})
            problems, done = _problems(result, "createWatchlist"), _("Watchlist created.")
        elif form == "term":
            result = documents.run(request, "add_watch_term", {
                "watchlistId": request.POST.get("watchlist", ""), "term": request.POST.get("term", ""),
                "kind": request.POST.get("kind", ""), "language": request.POST.get("language", "")})
            problems, done = _problems(result, "addWatchTerm"), _("Term added.")
        else:
            return HttpResponse(status=400)
        if not problems:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("watchlist-list"))
    refused = {"values": request.POST, "errors": {p.field: p.message for p in problems if p.field}}
    blank: dict[str, Any] = {"values": {}, "errors": {}}
    result = documents.run(request, "watchlists", {"first": page_size(request),
                                                   "after": request.GET.get("after") or None})
    page = result.data.get("watchlists")
    watchlists = [{"watchlist": edge["node"],
                   "form": refused if form == "term" and request.POST.get("watchlist") == edge["node"]["id"]
                   else blank} for edge in (page or {}).get("edges", [])]
    return render(request, "search/watchlists.html",
                  {"page": page, "watchlists": watchlists, "problems": result.problems + problems,
                   "create": refused if form == "create" else blank},
                  status=400 if problems else 200)


def _problems(result: Result, mutation: str) -> list[Problem]:
    """The refusal of the whole operation, else the mutation's typed errors, as problems."""
    if result.problems:
        return result.problems
    return [Problem(**error) for error in (result.data.get(mutation) or {}).get("errors", [])]
