"""A spotter's pages: the reports they sent, with status and history, and the form to send one.

Both read and write only through the documents beside this module. Officers who are not trusted reporters get the
404 of a page that does not exist: the form's mutation would refuse them, and the list would be empty anyway.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from console.documents import Documents
from console.forms import errors_by_field, text
from console.paging import page_size
from officers.models import Role

documents = Documents(__file__)

FIELDS = ("url", "description", "speciesSuggested", "seenAt", "language")


def _spotter(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.TRUSTED_REPORTER:
        raise Http404


def report_list(request: HttpRequest) -> HttpResponse:
    """A spotter's own reports; for their programme's coordinator (an NGO's administrator), the programme's, with
    who sent each. Anyone else gets the 404 of a page that does not exist."""
    role = getattr(request.user, "role", None)
    if role == Role.TRUSTED_REPORTER:
        data = documents.run(request, "my_reports", {"first": page_size(request)}).data.get("myReports") or {}
        programme = False
    elif role != Role.AGENCY_ADMIN:
        raise Http404
    else:
        result = documents.run(request, "programme_reports", {"first": page_size(request)}).data
        viewer = result.get("viewer") or {}
        if viewer.get("role") != "AGENCY_ADMIN" or (viewer.get("agency") or {}).get("agencyType") != "NGO":
            raise Http404
        data, programme = result.get("spotterReports") or {}, True
    reports = [edge["node"] for edge in data.get("edges") or []]
    return render(request, "reports/report_list.html", {
        "reports": reports, "total": data.get("totalCount", 0), "submitted": request.GET.get("sent") == "1",
        "programme": programme})


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    _spotter(request)
    values: dict[str, Any] = {"language": getattr(request, "LANGUAGE_CODE", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: text(request.POST, name) for name in FIELDS}
        report_input = {"url": values["url"], "description": values["description"],
                        "seenAt": _moment(values["seenAt"]), "speciesSuggested": values["speciesSuggested"],
                        "language": values["language"], "screenshots": request.FILES.getlist("screenshots")}
        result = documents.run(request, "submit_report", {"input": report_input})
        body = result.data.get("submitReport") or {}
        errors = errors_by_field(list(result.problems) + list(body.get("errors") or []))
        if not errors:
            return HttpResponseRedirect(reverse("report-list") + "?sent=1")
    return render(request, "reports/report_form.html", {"values": values, "errors": errors},
                  status=400 if errors else 200)


def _moment(value: str) -> str | None:
    """A ``datetime-local`` value, read in the page's time zone; ``None`` (the API says it is required) if empty
    or not a time."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat()
