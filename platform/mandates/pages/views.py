"""Mandate pages of the console, for national coordinators: the mandates of their country on a validity
timeline, one mandate with its status changes (suspend, reinstate, revoke, each with a reason), and the grant form.

Each view runs the page's documents and renders: what a coordinator may see or change is the schema's policy (a
mandate of another country answers as one that does not exist). Pages are for coordinators only; anyone else
gets the answer of a page that does not exist, as the API would show them nothing of their country.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from graphql_relay import from_global_id, to_global_id

from console.documents import Documents
from console.forms import errors_by_field, listed, text
from console.paging import page_size

documents = Documents(__file__)

COORDINATOR = "NATIONAL_COORDINATOR"
#: A mandate in force that ends within this many days is flagged on the list ("expires in 12 days").
EXPIRING_SOON_DAYS = 60
#: The status changes of the mandate page: the form's ``action`` → (document, mutation, message once done).
TRANSITIONS = {
    "suspend": ("suspend_mandate", "suspendMandate",
                gettext_lazy("Mandate suspended: the agency's access under it has ended.")),
    "reinstate": ("reinstate_mandate", "reinstateMandate",
                  gettext_lazy("Mandate reinstated: the agency has access under it again.")),
    "revoke": ("revoke_mandate", "revokeMandate", gettext_lazy("Mandate revoked for good.")),
}
STATUSES = ("ACTIVE", "SUSPENDED", "REVOKED")


def _coordinator(data: dict[str, Any]) -> None:
    if (data.get("viewer") or {}).get("role") != COORDINATOR:
        raise Http404


def _moment(value: str) -> datetime.datetime:
    moment = parse_datetime(value)
    assert moment is not None  # the API's DateTime
    return moment


def timeline(nodes: list[dict[str, Any]], now: datetime.datetime) -> dict[str, Any]:
    """Where each mandate's window falls on one axis (percentages of its width) and the years that mark it.

    The axis runs from the earliest start to the latest end among the page's mandates (and today), so bars of
    one page compare at a glance; positions are numbers for the SVG's attributes, never formatted dates.
    """
    if not nodes:
        return {"rows": [], "ticks": [], "now": 0}
    windows = [(_moment(node["validFrom"]), _moment(node["validUntil"])) for node in nodes]
    start = min([now] + [begin for begin, _end in windows])
    end = max([now] + [finish for _begin, finish in windows])
    span = (end - start).total_seconds() or 1.0

    def at(moment: datetime.datetime) -> float:
        return round(100 * (moment - start).total_seconds() / span, 2)

    rows = []
    for node, (begin, finish) in zip(nodes, windows, strict=True):
        days_left = math.ceil((finish - now).total_seconds() / 86400)  # a part of a day left counts as one
        rows.append({**node, "pk": from_global_id(node["id"])[1], "x": at(begin),
                     "width": max(at(finish) - at(begin), 0.5),
                     "expiring": node["state"] == "ACTIVE" and 0 < days_left <= EXPIRING_SOON_DAYS,
                     "days_left": days_left})
    # a year's label sits at a whole percentage: the stylesheet has a class per percent (no style attribute)
    ticks = [{"year": year, "x": x, "at": round(x)}
             for year in range(start.year + 1, end.year + 1)
             for x in [at(datetime.datetime(year, 1, 1, tzinfo=datetime.UTC))]]
    return {"rows": rows, "ticks": ticks, "now": at(now)}


def mandate_list(request: HttpRequest) -> HttpResponse:
    """The mandates of the coordinator's country, each on the validity timeline, expiring ones flagged."""
    status = request.GET.get("status") if request.GET.get("status") in STATUSES else None
    agency = request.GET.get("agency", "").strip() or None
    size = page_size(request)
    result = documents.run(request, "mandate_list", {"first": size, "after": request.GET.get("after") or None,
                                                     "status": status, "agency": agency})
    _coordinator(result.data)
    page = result.data.get("mandates") or {"edges": [], "totalCount": 0, "pageInfo": {}}
    chart = timeline([edge["node"] for edge in page["edges"]], timezone.now())
    return render(request, "mandates/mandate_list.html", {
        "page": page, "chart": chart, "filters": {"status": status, "agency": agency or ""}, "size": size,
        "statuses": STATUSES, "problems": result.problems, "soon_days": EXPIRING_SOON_DAYS})


@require_http_methods(["GET", "POST"])
def mandate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One mandate, and its suspension, reinstatement or revocation with a reason the agency reads."""
    mandate_id = to_global_id("Mandate", pk)
    data = documents.run(request, "mandate_detail", {"id": mandate_id}).data
    _coordinator(data)
    mandate = data.get("node")
    if not mandate:
        raise Http404
    failed: dict[str, Any] | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in TRANSITIONS:
            raise Http404
        document, mutation, done = TRANSITIONS[action]
        result = documents.run(request, document, {"id": mandate_id, "reason": text(request.POST, "reason")})
        errors = list(result.problems) + list((result.data.get(mutation) or {}).get("errors") or [])
        if not errors:
            messages.success(request, str(done))
            return HttpResponseRedirect(reverse("mandate-detail", args=[pk]))
        failed = {"action": action, "errors": errors_by_field(errors), "reason": request.POST.get("reason", "")}
    return render(request, "mandates/mandate_detail.html", {"mandate": mandate, "reads": data["reads"], "pk": pk,
                                                            "failed": failed}, status=400 if failed else 200)


def _instant(value: str, field: str) -> tuple[str | None, dict[str, list[str]]]:
    """The form's local date and time as an ISO 8601 instant in the page's time zone (the API wants an offset)."""
    if not value:
        return None, {field: [_("Enter a date and time, e.g. 2026-12-31 18:00.")]}
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None, {field: [_("Enter a date and time, e.g. 2026-12-31 18:00.")]}
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat(), {}


def _grant_input(form: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The ``grantMandate`` input from the form, or the errors of dates the API could not even receive."""
    data: dict[str, Any] = {
        "agencyId": text(form, "agencyId"), "legalBasis": text(form, "legalBasis"),
        "legalReference": text(form, "legalReference"),
        "jurisdictions": [code.upper() for code in listed(form, "jurisdictions")],
        "crimeAreas": form.getlist("crimeAreas"), "citesAppendices": form.getlist("citesAppendices"),
        "speciesGroups": [group.strip() for group in text(form, "speciesGroups").split(",") if group.strip()],
        "purposes": form.getlist("purposes"),
        "maxClassification": text(form, "maxClassification")}
    errors: dict[str, list[str]] = {}
    for name in ("validFrom", "validUntil"):
        data[name], problem = _instant(text(form, name), name)
        errors.update(problem)
    return data, errors


@require_http_methods(["GET", "POST"])
def mandate_grant(request: HttpRequest) -> HttpResponse:
    """Grant a mandate to an agency of the coordinator's country; the API's refusals beside their fields."""
    viewer = documents.run(request, "grant_form").data
    _coordinator(viewer)
    country = viewer["viewer"]["agency"]["country"]
    agencies = [edge["node"] for edge in
                documents.run(request, "grant_agencies", {"country": country}).data["agencies"]["edges"]]
    values: dict[str, Any] = {"maxClassification": "RESTRICTED", "jurisdictions": country}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {**request.POST.dict(), **{name: request.POST.getlist(name)
                                            for name in ("crimeAreas", "citesAppendices", "purposes")}}
        variables, errors = _grant_input(request.POST)
        if not errors:
            result = documents.run(request, "grant_mandate", {"input": variables})
            body = result.data.get("grantMandate") or {}
            errors = errors_by_field(list(result.problems) + list(body.get("errors") or []))
            if not errors:
                mandate = body["mandate"]
                messages.success(request, _("Mandate %(reference)s granted to %(agency)s.")
                                 % {"reference": mandate["legalReference"], "agency": mandate["agency"]["name"]})
                return HttpResponseRedirect(reverse("mandate-detail", args=[from_global_id(mandate["id"])[1]]))
        if "agency" in errors:  # the policy names the agency, the form its select
            errors.setdefault("agencyId", []).extend(errors.pop("agency"))
    return render(request, "mandates/mandate_grant.html", {"agencies": agencies, "values": values,
                                                           "errors": errors}, status=400 if errors else 200)
