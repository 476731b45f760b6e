"""The model-measure pages: a coordinator's assessments, one assessment, the form of a measure, sign-off and
revision, and the printable national report.

These are the national coordinators' pages: for anyone else (``assessmentCountry`` is null) they answer as
pages that do not exist; only the printable report goes to whoever the API gives it (the country's officers read
its signed-off reports). An assessment the viewer may not see (another country's draft) is the same 404 as one
that does not exist, since ``nationalAssessment`` returns null for both, and so is the form of a measure of
another country's assessment, which only its own coordinators change. Every decision is the API's: the views
parse the form, run a document, and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from console.documents import Documents, Result
from console.forms import codes, errors_by_field, text
from console.paging import page_size

documents = Documents(__file__)


def _coordinator(data: dict[str, Any]) -> str:
    """The viewer's country when they coordinate one; else these pages do not exist for them."""
    country = data.get("assessmentCountry")
    if not country:
        raise Http404
    return str(country)


def _outcome(result: Result, payload: str) -> tuple[dict[str, Any], list[Any]]:
    """A mutation's payload and its errors, the operation's own problems included."""
    body = result.data.get(payload) or {}
    return body, list(result.problems) + list(body.get("errors") or [])


def _list_page(request: HttpRequest, values: dict[str, str], errors: dict[str, list[str]]) -> HttpResponse:
    data = documents.run(request, "assessment_list", {"first": page_size(request),
                                                      "after": request.GET.get("after") or None}).data
    country = _coordinator(data)
    return render(request, "compliance/measures/assessment_list.html", {
        "country": country, "page": data["nationalAssessments"], "values": values, "errors": errors},
        status=400 if errors else 200)


def assessment_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, {}, {})


@require_POST
def assessment_create(request: HttpRequest) -> HttpResponse:
    values = {"country": text(request.POST, "country"), "period": text(request.POST, "period")}
    body, problems = _outcome(documents.run(request, "create_assessment", values), "createAssessment")
    if problems:
        return _list_page(request, values, errors_by_field(problems))
    created = body["assessment"]
    messages.success(request, _("The assessment is open: every measure is not started."))
    return HttpResponseRedirect(reverse("assessment-detail", args=[created["country"], created["period"]]))


def _assessment(request: HttpRequest, document: str, country: str, period: str) -> dict[str, Any]:
    """The document's data, or the 404 of an assessment that does not exist (also one the viewer may not see)."""
    data = documents.run(request, document, {"country": country.upper(), "period": period}).data
    _coordinator(data)
    if not data.get("nationalAssessment"):
        raise Http404
    return data


def assessment_detail(request: HttpRequest, country: str, period: str) -> HttpResponse:
    assessment = _assessment(request, "assessment_detail", country, period)["nationalAssessment"]
    return render(request, "compliance/measures/assessment_detail.html", {"assessment": assessment})


#: The form's inputs, named as the API's input fields (its typed errors come back under these names).
MEASURE_FIELDS = ("status", "reason", "responsibleAgencyId", "notes")


@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, country: str, period: str, code: str) -> HttpResponse:
    data = _assessment(request, "measure_form", country, period)
    assessment = data["nationalAssessment"]
    entry = next((e for e in assessment["entries"] if e["measure"]["code"] == code), None)
    if entry is None:
        raise Http404
    detail = reverse("assessment-detail", args=[assessment["country"], assessment["period"]])
    if not assessment["canEdit"]:
        if not assessment["canRevise"]:  # not the viewer's country to change
            raise Http404
        messages.error(request, _("This assessment is signed off: revise it to change it."))
        return HttpResponseRedirect(detail)
    values: dict[str, Any] = {"status": entry["status"], "reason": entry["reason"], "notes": entry["notes"],
                              "responsibleAgencyId": (entry["responsibleAgency"] or {}).get("id", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: text(request.POST, name) for name in (*MEASURE_FIELDS, "linkUrl", "linkText", "noteText",
                                                                "fileText")}
        variables = {"input": {
            "assessmentId": assessment["id"], "measureCode": code, "status": values["status"],
            "reason": values["reason"], "notes": values["notes"],
            "responsibleAgencyId": values["responsibleAgencyId"] or None,
            "evidence": _evidence(request, values)}}
        _body, problems = _outcome(documents.run(request, "set_measure_status", variables), "setMeasureStatus")
        if not problems:
            messages.success(request, _("Measure %(code)s saved.") % {"code": code})
            return HttpResponseRedirect(f"{detail}#measure-{code}")
        errors = errors_by_field(problems)
    return render(request, "compliance/measures/measure_form.html", {
        "assessment": assessment, "entry": entry, "values": values, "errors": errors,
        "agencies": [(edge["node"]["id"], edge["node"]["name"]) for edge in data["agencies"]["edges"]]},
        status=400 if errors else 200)


def _evidence(request: HttpRequest, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence the form adds: a link, a note and a file, each only when given."""
    added: list[dict[str, Any]] = []
    if values["linkUrl"]:
        added.append({"kind": "LINK", "url": values["linkUrl"], "text": values["linkText"]})
    if values["noteText"]:
        added.append({"kind": "NOTE", "text": values["noteText"]})
    upload = request.FILES.get("file")
    if upload is not None:
        added.append({"kind": "FILE", "file": upload, "text": values["fileText"]})
    return added


def _lifecycle(request: HttpRequest, country: str, period: str, document: str, payload: str, done: str) -> HttpResponse:
    """Sign-off and revision: run the mutation on the assessment the form names, then back to the assessment."""
    _body, problems = _outcome(documents.run(request, document, {"id": text(request.POST, "id")}), payload)
    if "NOT_FOUND" in codes(problems):  # another country's assessment, or none: as a page that does not exist
        raise Http404
    for message in errors_by_field(problems).values():
        messages.error(request, " ".join(message))
    if not problems:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("assessment-detail", args=[country.upper(), period]))


@require_POST
def assessment_sign_off(request: HttpRequest, country: str, period: str) -> HttpResponse:
    return _lifecycle(request, country, period, "sign_off_assessment", "signOffAssessment",
                      _("The assessment is signed off. A later change is a new revision."))


@require_POST
def assessment_revise(request: HttpRequest, country: str, period: str) -> HttpResponse:
    return _lifecycle(request, country, period, "revise_assessment", "reviseAssessment",
                      _("A new revision is open as a draft, a copy of the signed-off one."))


def national_report(request: HttpRequest, country: str, period: str) -> HttpResponse:
    """The report as a page to read and print (the browser's print makes the PDF), with its downloads."""
    data = documents.run(request, "national_report", {"country": country.upper(), "period": period}).data
    report = data.get("nationalReport")
    if not report:
        raise Http404
    return render(request, "compliance/measures/report.html", {"report": report, "period": period,
                                                               "coordinator": bool(data.get("assessmentCountry"))})
