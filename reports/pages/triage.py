"""The analysts' triage pages: the queue of reports routed to their agency, and one report with its actions.

Like every page, these read and write only through the documents beside this module. A report the viewer may not
triage (another agency's, or any report for a spotter) answers with the 404 of a missing page; the queue itself
is empty for anyone whose agency receives no reports, so it needs no role check of its own.

The report page holds one form per action; each posts ``action`` with its fields prefixed (``i_`` pass to an
investigation, ``p_`` send to the platform, ``n_`` not actionable, ``m_`` merge) so that the fields of the five
forms never share an id, and the API's errors (named after its own arguments) are put back beside the form's
fields by the same prefix.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from graphql_relay import from_global_id, to_global_id

from console import labels
from console.documents import Documents
from console.forms import WHOLE, errors_by_field, listed, text
from console.paging import page_size

documents = Documents(__file__)

#: The forms' prefixes, by action, and the mutation each runs.
ACTIONS = {"review": ("", "triage_review", "startReportReview"),
           "investigate": ("i_", "triage_investigate", "passReportToInvestigation"),
           "platform": ("p_", "triage_platform", "sendReportToPlatform"),
           "not_actionable": ("n_", "triage_not_actionable", "markReportNotActionable"),
           "merge": ("m_", "triage_merge", "mergeReport")}
#: The choices a form cannot be sent without (the API's arguments are non-null), and what to say when left empty.
CHOOSE = {"not_actionable": ("reason", gettext_lazy("Choose the reason the spotter will read.")),
          "merge": ("intoId", gettext_lazy("Choose the report this one repeats."))}
#: The notice form's text fields, named as ``SendReportToPlatformInput``'s.
NOTICE_FIELDS = ("legalBasisLaw", "legalBasisArticle", "statementOfReasons", "redress")
#: How many open cases the "existing case" choice lists, and how many queue neighbours the merge choice offers.
CHOICES = 50


def triage_queue(request: HttpRequest) -> HttpResponse:
    """The open reports routed to the viewer's agency (or, with ``?all=1``, every one), highest score first."""
    everything = request.GET.get("all") == "1"
    result = documents.run(request, "triage_queue", {"first": page_size(request), "openOnly": not everything,
                                                     "after": request.GET.get("after") or None})
    page = result.data.get("triageQueue") or {}
    return render(request, "reports/triage_queue.html", {
        "page": page, "reports": [_numbered(edge["node"]) for edge in page.get("edges") or []],
        "everything": everything})


def _numbered(report: dict[str, Any]) -> dict[str, Any]:
    """The report with the number its page's address uses (the primary key inside its global id)."""
    return {**report, "number": int(from_global_id(report["id"])[1])}


@require_http_methods(["GET", "POST"])
def triage_report(request: HttpRequest, number: int) -> HttpResponse:
    report_id = to_global_id("TriageReport", number)
    errors: dict[str, list[str]] = {}
    posted = request.POST.get("action", "")
    if request.method == "POST":
        if posted not in ACTIONS:
            raise Http404
        errors, done = _act(request, report_id, posted)
        if done:
            return HttpResponseRedirect(reverse("triage-report", args=[number]))
    data = documents.run(request, "triage_report", {"id": report_id, "first": CHOICES}).data
    if data.get("triageReport") is None:
        raise Http404
    report = _numbered(data["triageReport"])
    report["duplicates"] = [_numbered(other) for other in report["duplicates"]]
    if report["duplicateOf"] is not None:
        report["duplicateOf"] = _numbered(report["duplicateOf"])
    cases = [edge["node"] for edge in (data.get("cases") or {}).get("edges") or []
             if edge["node"]["canContribute"]]
    others = [(edge["node"]["id"], f'{edge["node"]["url"]} — {edge["node"]["reporterName"]}')
              for edge in (data.get("triageQueue") or {}).get("edges") or [] if edge["node"]["id"] != report_id]
    values = request.POST.dict() if errors else {
        "p_territorialScope": (report.get("platform") or {}).get("country", ""), "p_priority": "HIGH"}
    chosen = request.POST.getlist("p_requestedActions") if errors else ["REMOVE"]
    return render(request, "reports/triage_report.html", {
        "report": report, "others": others, "errors": errors, "values": values, "chosen": chosen,
        "case_options": [(case["id"], f'{case["reference"]} — {case["title"]}') for case in cases],
        "priorities": labels.options("notice_priority"), "reasons": labels.options("report_reason"),
        "requested_actions": labels.options("requested_action"),
        "posted": posted if errors else "",
        "open": report["status"] in ("RECEIVED", "UNDER_REVIEW")}, status=400 if errors else 200)


def _act(request: HttpRequest, report_id: str, action: str) -> tuple[dict[str, list[str]], bool]:
    """Run the action's mutation; its errors keyed by the form's (prefixed) field names, and whether it was done."""
    prefix, document, field = ACTIONS[action]
    if action in CHOOSE and not text(request.POST, prefix + CHOOSE[action][0]):  # a value the API cannot receive
        name, message = CHOOSE[action]
        return {prefix + name: [str(message)]}, False
    variables = _variables(request, report_id, action, prefix)
    result = documents.run(request, document, variables)
    body = result.data.get(field) or {}
    found = errors_by_field(list(result.problems) + list(body.get("errors") or []))
    errors = {(key if key == WHOLE else prefix + key): said for key, said in found.items()}
    if errors:
        return errors, False
    notice = body.get("notice")
    messages.success(request, _("Notice %(reference)s sent to the platform.") % {"reference": notice["reference"]}
                     if notice else _("Done: the report's spotter is told of its new status."))
    return {}, True


def _variables(request: HttpRequest, report_id: str, action: str, prefix: str) -> dict[str, Any]:
    post = request.POST
    case_choice = {"caseId": text(post, f"{prefix}caseId") or None, "caseTitle": text(post, f"{prefix}caseTitle")}
    if action == "investigate":
        return {"id": report_id, **case_choice}
    if action == "platform":
        return {"input": {"id": report_id, **case_choice,
                          **{name: text(post, prefix + name) for name in NOTICE_FIELDS},
                          "requestedActions": post.getlist(f"{prefix}requestedActions"),
                          "territorialScope": [code.upper() for code in listed(post, f"{prefix}territorialScope")],
                          "priority": text(post, f"{prefix}priority") or None}}
    if action == "not_actionable":
        return {"id": report_id, "reason": text(post, f"{prefix}reason") or None}
    if action == "merge":
        return {"id": report_id, "intoId": text(post, f"{prefix}intoId")}
    return {"id": report_id}
