"""The platform officers' pages: the notice inbox (with bulk acknowledgement), a notice, and the outcome form of
one of its addresses.

They read and write only through ``takedownNotices``, ``acknowledgeNotice`` and ``reportNoticeOutcome``: the
API decides which notices the viewer sees and may answer, and refuses an outcome without its reasons. A notice
the viewer may not answer (another platform's, or one that does not exist) is the same 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from console.documents import Documents, Problem
from console.forms import WHOLE, compact, errors_by_field, listed, optional, text
from console.paging import page_size
from console.views import safe_next

documents = Documents(__file__)

#: The inbox's state filter ("" shows every notice); ``open`` is the default: what still needs an answer.
STATES = ("open", "sent", "acknowledged", "overdue", "escalated", "closed", "")
PRIORITIES = ("URGENT", "HIGH", "NORMAL", "LOW")
#: The inbox's sort choices → the API's ``orderBy``.
SORTS = {"deadline": "deadline", "-deadline": "-deadline", "-sent": "-sent_at"}


def _filters(data: QueryDict) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    """The inbox's filters as the form shows them, as the document's variables, and what could not be read."""
    shown: dict[str, Any] = {
        "state": data.get("state", "open"), "priority": data.get("priority", ""),
        "country": data.get("country", "").strip().upper(), "due": data.get("due", "").strip(),
        "sort": data.get("sort", "deadline"), "trusted": data.get("trusted") == "1"}
    shown["state"] = shown["state"] if shown["state"] in STATES else "open"
    shown["priority"] = shown["priority"] if shown["priority"] in PRIORITIES else ""
    shown["sort"] = shown["sort"] if shown["sort"] in SORTS else "deadline"
    variables: dict[str, Any] = {"state": shown["state"] or None, "priority": shown["priority"] or None,
                                 "country": shown["country"] or None, "orderBy": SORTS[shown["sort"]],
                                 "dueBefore": None, "trustedFlagger": True if shown["trusted"] else None}
    problems = []
    if shown["due"]:
        try:
            day = datetime.date.fromisoformat(shown["due"])
        except ValueError:
            problems.append(Problem("INVALID", _("Enter the due date as a date, e.g. 2026-12-31."), "due"))
        else:  # due by the end of that day, in the viewer's time zone
            variables["dueBefore"] = timezone.make_aware(
                datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())).isoformat()
    return shown, variables, problems


@require_http_methods(["GET", "POST"])
def notice_inbox(request: HttpRequest) -> HttpResponse:
    """Notices addressed to the viewer's platform, soonest deadline first. A POST acknowledges the notices
    ticked, one ``acknowledgeNotice`` each; a notice refused is shown with its reason, the others are done."""
    refused: dict[str, list[str]] = {}
    if request.method == "POST":
        refused = _acknowledge(request, request.POST.getlist("notice"))
        if not refused:  # back to the inbox as it was filtered, or to the notice page that asked
            return HttpResponseRedirect(safe_next(request, "notice-inbox") if request.POST.get("next")
                                        else request.get_full_path())
    shown, variables, problems = _filters(request.GET)
    variables.update(first=page_size(request), after=request.GET.get("after") or None)
    result = documents.run(request, "notice_inbox", variables)
    if (result.data.get("viewer") or {}).get("role") != "PLATFORM_OFFICER":
        raise Http404  # the inbox is a platform's: other roles follow their notices from their cases
    page = result.data.get("takedownNotices")
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "compliance/notice_inbox.html", {
        "page": page, "filters": shown, "problems": problems + result.problems, "refused": refused,
        "states": STATES, "priorities": PRIORITIES, "query": query.urlencode()}, status=400 if refused else 200)


def _acknowledge(request: HttpRequest, ids: list[str]) -> dict[str, list[str]]:
    """Acknowledge each notice; the refusals by notice id (an id of no notice the viewer sees is refused too)."""
    if not ids:
        return {WHOLE: [_("Tick the notices to acknowledge.")]}
    refused: dict[str, list[str]] = {}
    done = []
    for notice_id in dict.fromkeys(ids):
        result = documents.run(request, "acknowledge_notice", {"id": notice_id})
        body = result.data.get("acknowledgeNotice") or {}
        errors = list(result.problems) + [Problem(**error) for error in body.get("errors") or []]
        if errors:
            refused[notice_id] = [error.message for error in errors]
            refused.setdefault(WHOLE, []).extend(refused[notice_id])
        else:
            done.append(body["notice"]["reference"])
    if done:
        messages.success(request, ngettext("Notice acknowledged: %(references)s.",
                                           "%(count)d notices acknowledged: %(references)s.", len(done))
                         % {"count": len(done), "references": ", ".join(done)})
    return refused


def _notice(request: HttpRequest, reference: str) -> dict[str, Any]:
    """The notice as its platform reads it; the 404 of a missing notice for one the viewer may not answer."""
    page = documents.run(request, "notice_page", {"reference": reference}).data.get("takedownNotices") or {}
    edges = page.get("edges") or []
    if not edges or not edges[0]["node"]["canRespond"]:
        raise Http404
    return edges[0]["node"]


def notice_page(request: HttpRequest, reference: str) -> HttpResponse:
    notice = _notice(request, reference)
    return render(request, "compliance/notice_page.html", {"notice": notice})


#: What a platform can report it did (``ItemOutcome`` but pending), in the order the form offers them.
OUTCOMES = ("REMOVED", "RESTRICTED", "ACCOUNT_SUSPENDED", "ALREADY_REMOVED", "NOT_FOUND", "REJECTED")
#: The outcome form's inputs, named as the fields of ``ReportNoticeOutcomeInput``.
OUTCOME_FIELDS = ("outcome", "reason", "decisionGround", "incompatibleContentIllegal", "category", "decisionVisibility",
                  "decisionVisibilityOther", "decisionAccount", "territorialScope", "automatedDetection",
                  "automatedDecision", "effectiveAt")


def _outcome_input(data: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The input's optional fields from the form (left out when empty: the API's defaults apply), or the errors
    of values the API cannot even receive."""
    values: dict[str, Any] = {name: optional(data, name) for name in (
        "reason", "decisionGround", "category", "decisionVisibility", "decisionVisibilityOther", "decisionAccount",
        "automatedDecision")}
    values["incompatibleContentIllegal"] = {"yes": True, "no": False}.get(text(data, "incompatibleContentIllegal"))
    values["territorialScope"] = [code.upper() for code in listed(data, "territorialScope")]
    values["automatedDetection"] = {"yes": True, "no": False}.get(text(data, "automatedDetection"))
    errors: dict[str, list[str]] = {}
    values["outcome"] = text(data, "outcome")
    if values["outcome"] not in OUTCOMES:
        errors["outcome"] = [_("Say what you did about this address.")]
    effective = text(data, "effectiveAt")
    if effective:
        try:
            moment = datetime.datetime.fromisoformat(effective)
        except ValueError:
            errors["effectiveAt"] = [_("Enter a date and time, e.g. 2026-12-31 18:00.")]
        else:
            values["effectiveAt"] = (timezone.make_aware(moment) if timezone.is_naive(moment) else moment).isoformat()
    return compact(values), errors


@require_http_methods(["GET", "POST"])
def outcome_form(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    """What the platform did about the notice's address ``number`` (from 1), with its DSA statement of reasons."""
    notice = _notice(request, reference)
    if not 1 <= number <= len(notice["items"]):
        raise Http404
    item = notice["items"][number - 1]
    values: dict[str, Any] = {"decisionGround": "ILLEGAL_CONTENT", "category": "ANIMAL_WELFARE",
                              "automatedDetection": "no", "automatedDecision": "AUTOMATED_DECISION_NOT_AUTOMATED"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in OUTCOME_FIELDS}
        variables, errors = _outcome_input(request.POST)
        if not errors:
            result = documents.run(request, "report_outcome", {"input": {
                **variables, "noticeId": notice["id"], "itemId": item["id"]}})
            body = result.data.get("reportNoticeOutcome") or {}
            errors = errors_by_field(list(result.problems) + list(body.get("errors") or []))
        if not errors:
            messages.success(request, _("Outcome recorded for %(url)s.") % {"url": item["url"]})
            return HttpResponseRedirect(reverse("notice-page", args=[reference]))
    # errors about the notice or the item rather than a field of the form go above it
    for name in [name for name in errors if name not in OUTCOME_FIELDS and name != WHOLE]:
        errors.setdefault(WHOLE, []).extend(errors.pop(name))
    return render(request, "compliance/outcome_form.html", {
        "notice": notice, "item": item, "number": number, "values": values, "errors": errors,
        "outcomes": OUTCOMES, "illegal_options": [("yes", _("Yes")), ("no", _("No"))]},
        status=400 if errors else 200)
