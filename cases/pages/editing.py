"""Case forms: create and edit a case, add a listing, an identifier, a report, a piece of evidence, record what a
listing offers and the legality its seller claims.

Each view shows its form, and on POST turns the fields into the mutation's input, runs the mutation and either
goes back to the case page or shows the form again with what was typed and the API's typed errors beside the
fields. An edit carries the version it started from; if the case moved on meanwhile the API answers CONFLICT and
the page offers to reload the current version (nothing is overwritten).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from console.documents import Documents
from console.forms import codes, compact, errors_by_field, listed, optional, text

documents = Documents(__file__)

TEXTS = ("summary", "modusOperandi", "handlingConditions")
CASE_FIELDS = ("title", "summary", "status", "priority", "crimeArea", "modusOperandi", "classification",
               "handlingCode", "handlingConditions")


def _case(request: HttpRequest, reference: str) -> dict[str, Any]:
    """The case's editable fields, or the 404 of a case that does not exist (also when the viewer may not see it)."""
    case = documents.run(request, "case_form", {"reference": reference}).data.get("case")
    if case is None:
        raise Http404
    return case


def _case_input(data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: optional(data, name) for name in CASE_FIELDS}
    values["jurisdictions"] = [code.upper() for code in listed(data, "jurisdictions")]
    values["lawEnforcementOnly"] = checked(data, "lawEnforcementOnly")
    return values


def checked(data: Any, name: str) -> bool:
    """A checkbox: sent ("on") when ticked, absent when not — so an unticked box says ``False``."""
    return data.get(name) == "on"


def _outcome(request: HttpRequest, name: str, variables: dict[str, Any], payload: str) -> tuple[Any, list[Any]]:
    """Run mutation ``name``: its payload and its errors (operation-level problems included)."""
    result = documents.run(request, name, variables)
    body = result.data.get(payload) or {}
    return body, list(result.problems) + list(body.get("errors") or [])


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {"priority": "MEDIUM", "crimeArea": "ONLINE_TRADE", "classification": "RESTRICTED",
                              "handlingCode": "H0", "lawEnforcementOnly": True, "status": "OPEN"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _case_input(request.POST)
        # title and jurisdictions always go, even empty: the API then says what is missing, beside the field
        required = {"title": values["title"] or "", "jurisdictions": values["jurisdictions"]}
        body, problems = _outcome(request, "create_case", {"input": compact(values) | required}, "createCase")
        if not problems:
            return HttpResponseRedirect(reverse("case-detail", args=[body["case"]["reference"]]))
        errors = errors_by_field(problems)
    return render(request, "cases/case_form.html", {"values": _shown(values), "errors": errors, "case": None},
                  status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    values: dict[str, Any] = dict(case)
    errors: dict[str, list[str]] = {}
    conflict = False
    if request.method == "POST":
        values = {**_case_input(request.POST), "version": request.POST.get("version", "")}
        try:
            version = int(values["version"])
        except ValueError:
            version = -1  # a forged or damaged form: the API answers CONFLICT, as for a stale one
        # a text emptied on purpose is sent empty (cleared); an enum left unset keeps its value
        inputs = {name: "" if value is None else value for name, value in values.items()
                  if name != "version" and (value is not None or name in TEXTS)}
        _body, problems = _outcome(request, "update_case", {"id": case["id"], "input": inputs, "version": version},
                                  "updateCase")
        if not problems:
            return HttpResponseRedirect(reverse("case-detail", args=[reference]))
        conflict = "CONFLICT" in codes(problems)
        errors = errors_by_field(problems)
    return render(request, "cases/case_form.html", {"values": _shown(values), "errors": errors, "case": case,
                                                    "conflict": conflict}, status=400 if errors else 200)


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the form's inputs show them (the jurisdictions list as "FR, ES")."""
    return {**values, "jurisdictions": ", ".join(values.get("jurisdictions") or [])}


#: Each "add" form: its template, mutation, payload field, and the case page's section to go back to.
ADDITIONS = {
    "listing": ("cases/listing_form.html", "add_listing", "addListing", "listings-title"),
    "entity": ("cases/entity_form.html", "link_entity", "linkEntity", "entities-title"),
    "report": ("cases/report_form.html", "add_report", "addIntelReport", "reports-title"),
    "evidence": ("cases/evidence_form.html", "attach_evidence", "attachEvidence", "evidence-title"),
}


@require_http_methods(["GET", "POST"])
def case_add(request: HttpRequest, reference: str, what: str) -> HttpResponse:
    if what not in ADDITIONS:
        raise Http404
    template, mutation, payload, section = ADDITIONS[what]
    case = _case(request, reference)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: text(request.POST, name) for name in request.POST if name != "csrfmiddlewaretoken"}
        variables, invalid = _addition(what, case["id"], request)
        errors = invalid
        if not errors:
            _body, problems = _outcome(request, mutation, variables, payload)
            errors = errors_by_field(problems)
        if not errors:
            return HttpResponseRedirect(reverse("case-detail", args=[reference]) + f"#{section}")
    return render(request, template, {"case": case, "values": values, "errors": errors},
                  status=400 if errors else 200)


def _marking(data: Any) -> dict[str, Any]:
    """An item's own marking from an "add" form: code, conditions, and whether it is kept among law enforcement."""
    return {"handlingCode": optional(data, "handlingCode"), "handlingConditions": optional(data, "handlingConditions"),
            "lawEnforcementOnly": checked(data, "lawEnforcementOnly")}


def _addition(what: str, case_id: str, request: HttpRequest) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The mutation's variables for an "add" form, or the errors of fields the API cannot even receive."""
    data = request.POST
    if what == "listing":
        facts, invalid = _facts(data)
        return {"input": compact({"caseId": case_id, "url": text(data, "url"), "title": optional(data, "title"),
                                  "text": optional(data, "text"), "price": optional(data, "price"),
                                  "currency": optional(data, "currency"), "seller": optional(data, "seller"),
                                  "claimedLocation": optional(data, "claimedLocation"),
                                  "speciesNames": listed(data, "speciesNames"), **facts})
                | {"url": text(data, "url")}}, invalid
    if what == "entity":
        return {"input": compact({"caseId": case_id, "kind": text(data, "kind"), "value": text(data, "value"),
                                  "role": text(data, "role"), "note": optional(data, "note"),
                                  "sourceReliability": optional(data, "sourceReliability"),
                                  "informationCredibility": optional(data, "informationCredibility"),
                                  **_marking(data)})
                | {"value": text(data, "value")}}, {}
    if what == "report":
        return {"input": compact({"caseId": case_id, "text": text(data, "text"),
                                  "sourceEvaluation": text(data, "sourceEvaluation"),
                                  "informationAssessment": text(data, "informationAssessment"),
                                  "reportedOn": optional(data, "reportedOn"), **_marking(data)})
                | {"text": text(data, "text"), "sourceEvaluation": text(data, "sourceEvaluation"),
                   "informationAssessment": text(data, "informationAssessment")}}, {}
    upload = request.FILES.get("file")
    captured = _moment(text(data, "capturedAt"))
    errors: dict[str, list[str]] = {}
    if upload is None:
        errors["file"] = [_("Choose the file to attach.")]
    if captured is None:
        errors["capturedAt"] = [_("Give the date and time of the capture.")]
    return {"caseId": case_id, "file": upload, "captureMethod": text(data, "captureMethod") or "SCREENSHOT",
            "capturedAt": captured, "description": optional(data, "description")}, errors


def _facts(data: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The listing facts of a form (those filled in), and the error of a count that is no whole number (the API
    takes an integer, and says itself why 0 is refused)."""
    values: dict[str, Any] = {name: optional(data, name) for name in ("specimenType", "claimedLegality",
                                                                      "legalityReference")}
    count = text(data, "specimenCount")
    if count and not count.isdigit():
        return values, {"specimenCount": [_("Give the count as a whole number.")]}
    values["specimenCount"] = int(count) if count else None
    return values, {}


@require_http_methods(["GET", "POST"])
def listing_facts(request: HttpRequest, reference: str, listing_id: str) -> HttpResponse:
    """Record what a listing offers, the legality its seller claims, and the officer's verdict on that claim.

    The listing is read through the API, so one the officer may not see (or of another case than the address
    says) is the 404 of a missing one. The verdict is sent only when the officer changed it: a new claim posted
    with the old verdict sets it back to "not checked", as the API does, rather than confirming it unseen.
    """
    listing = documents.run(request, "listing_facts", {"id": listing_id}).data.get("node")
    if not listing or listing["case"]["reference"] != reference:
        raise Http404
    values: dict[str, Any] = dict(listing)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        facts, errors = _facts(request.POST)
        values = {**listing, **{name: text(request.POST, name) for name in request.POST}}
        verdict = text(request.POST, "legalityVerified")
        changes = {**compact(facts), "legalityReference": text(request.POST, "legalityReference"),
                   **({"legalityVerified": verdict} if verdict and verdict != listing["legalityVerified"] else {})}
        if not errors:
            _body, problems = _outcome(request, "update_listing", {"id": listing["id"], "input": changes},
                                       "updateListing")
            errors = errors_by_field(problems)
        if not errors:
            return HttpResponseRedirect(reverse("case-detail", args=[reference]) + "#listings-title")
    return render(request, "cases/listing_facts_form.html", {"case": listing["case"], "listing": listing,
                                                             "values": values, "errors": errors},
                  status=400 if errors else 200)


def _moment(value: str) -> str | None:
    """A ``datetime-local`` value, read in the page's time zone, as the offset-carrying time the API requires."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat()
