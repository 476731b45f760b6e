"""Sharing pages: the share form of a case, and the sharing page (shares both ways, approvals, access requests).

The form lists what the ``shareTargets`` query says (who can receive the case under which mandate, and why not
the others) and submits ``shareCase``, whose refusals are the same reasons: the page decides nothing itself. A
case the officer may not share answers as a case that does not exist.
"""

from __future__ import annotations

import datetime
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

from console.documents import Documents, Result
from console.paging import page_size

documents = Documents(__file__)

REDACTIONS = ("PERSONAL_DATA", "SOURCES", "EVIDENCE")
#: The sharing page's lists, each paged by its own cursor parameter.
SECTIONS = ("given", "approvals", "received", "toDecide", "sent")


def errors_of(result: Result, mutation: str) -> list[dict[str, Any]]:
    """The typed errors of a mutation document: refused variables first, then the mutation's own."""
    problems = [{"code": p.code, "field": p.field, "message": p.message} for p in result.problems]
    return problems + list((result.data.get(mutation) or {}).get("errors") or [])


def by_field(errors: list[dict[str, Any]], fields: tuple[str, ...]) -> tuple[dict[str, list[str]], list[str]]:
    """Messages next to the form's fields, and those of the whole form (or of a field it does not show)."""
    placed: dict[str, list[str]] = {}
    general = []
    for error in errors:
        if error.get("field") in fields:
            placed.setdefault(error["field"], []).append(error["message"])
        else:
            general.append(error["message"])
    return placed, general


def _expiry(value: str) -> tuple[str | None, str | None]:
    """The form's local date and time as an ISO 8601 instant in the console's time zone (the API wants an
    offset); an error message for something that is not a date and time."""
    if not value:
        return None, None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None, _("Enter a date and time, e.g. 2026-12-31 18:00.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat(), None


SHARE_FIELDS = ("recipient", "justification", "expiresAt", "canContribute", "canReshare", "redact")


def _share_input(case_id: str, form: QueryDict) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data: dict[str, Any] = {"caseId": case_id, "justification": form.get("justification", ""),
                            "canContribute": form.get("can_contribute") == "on",
                            "canReshare": form.get("can_reshare") == "on",
                            "redact": [group for group in form.getlist("redact") if group in REDACTIONS]}
    kind, _sep, recipient = form.get("recipient", "").partition(":")
    if kind == "agency":
        data["agencyId"] = recipient
    elif kind == "task-force":
        data["taskForceId"] = recipient
    expires_at, problem = _expiry(form.get("expires_at", "").strip())
    data["expiresAt"] = expires_at
    return data, ([{"code": "INVALID", "field": "expiresAt", "message": problem}] if problem else [])


@require_http_methods(["GET", "POST"])
def share_case(request: HttpRequest, reference: str) -> HttpResponse:
    """The share form of a case: recipients the case can go to, the others with the reason, then ``shareCase``."""
    case = documents.run(request, "share_case_page", {"reference": reference}).data.get("case")
    if case is None or not case["canShare"]:
        raise Http404
    targets = documents.run(request, "share_targets", {"caseId": case["id"]}).data.get("shareTargets")
    if targets is None:
        raise Http404
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        variables, errors = _share_input(case["id"], request.POST)
        if not errors:
            result = documents.run(request, "share_case", {"input": variables})
            errors = errors_of(result, "shareCase")
            if not errors:
                share = result.data["shareCase"]["share"]
                recipient = (share["recipientAgency"] or share["recipientTaskForce"] or {}).get("name", "")
                if share["status"] == "PENDING_APPROVAL":
                    messages.success(request, _("The share with %(recipient)s waits for a supervisor's approval "
                                                "(H2): the recipient sees nothing until then.")
                                     % {"recipient": recipient})
                else:
                    messages.success(request, _("Case shared with %(recipient)s.") % {"recipient": recipient})
                return HttpResponseRedirect(reverse("case-detail", args=[case["reference"]]))
    field_errors, general = by_field(errors, SHARE_FIELDS)
    context = {"case": case, "covered": [t for t in targets if t["covered"]],
               "uncovered": [t for t in targets if not t["covered"]], "errors": field_errors,
               "general_errors": general, "form": request.POST if request.method == "POST" else {},
               "redactions": REDACTIONS, "redacted": request.POST.getlist("redact")}
    return render(request, "sharing/share_form.html", context, status=400 if errors else 200)


#: The sharing page's actions: the form's ``action`` → (document, mutation, fields shown next to errors).
ACTIONS = {
    "revoke": ("revoke_share", "revokeShare", ("reason",)),
    "approve": ("approve_share", "approveShare", ()),
    "refuse": ("revoke_share", "revokeShare", ("reason",)),  # a share waiting for approval, turned down
    "decide": ("decide_access_request", "decideAccessRequest", ("reason", "approve")),
    "release": ("release_items", "releaseItems", ("reportIds", "claimIds")),
    "withhold": ("release_items", "releaseItems", ("reportIds", "claimIds")),
}
DONE = {
    "revoke": gettext_lazy("Share revoked: the recipient has lost access."),
    "approve": gettext_lazy("Share approved: the recipient can now see the case."),
    "refuse": gettext_lazy("Share refused: the recipient never saw the case."),
    "decide": gettext_lazy("Decision recorded; the requester is told."),
    "release": gettext_lazy("Released: the recipient reads these items at their next request."),
    "withhold": gettext_lazy("Withheld: the recipient no longer reads these items."),
}


def _action_variables(action: str, form: QueryDict) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": form.get("id", "")}
    if action in ("revoke", "refuse", "decide"):
        variables["reason"] = form.get("reason", "")
    if action == "decide":
        variables["approve"] = form.get("decision") == "approve"
        variables["redact"] = [group for group in form.getlist("redact") if group in REDACTIONS]
    if action in ("release", "withhold"):
        chosen = [item.partition(":") for item in form.getlist("item")]
        variables["reportIds"] = [gid for kind, _, gid in chosen if kind == "report"]
        variables["claimIds"] = [gid for kind, _, gid in chosen if kind == "claim"]
        variables["withhold"] = action == "withhold"
    return variables


def _live(share: dict[str, Any]) -> bool:
    """A share that grants (or will, once approved) access now: releasing items to any other is pointless."""
    if share["status"] not in ("ACTIVE", "PENDING_APPROVAL"):
        return False
    ends = parse_datetime(share["expiresAt"]) if share["expiresAt"] else None
    return ends is None or ends > timezone.now()


@require_http_methods(["GET", "POST"])
def sharing_page(request: HttpRequest) -> HttpResponse:
    """Shares given and received, the H2 approval queue, access requests to decide and those sent."""
    failed: dict[str, Any] | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        document, mutation, fields = ACTIONS[action]
        errors = errors_of(documents.run(request, document, _action_variables(action, request.POST)), mutation)
        if not errors:
            messages.success(request, str(DONE[action]))
            return HttpResponseRedirect(reverse("sharing-page"))
        placed, general = by_field(errors, fields)
        failed = {"action": action, "id": request.POST.get("id"), "errors": placed, "general": general,
                  "values": request.POST}
    size = page_size(request)
    variables: dict[str, Any] = {"first": size}
    variables.update({f"{section}After": request.GET.get(section) or None for section in SECTIONS})
    page = documents.run(request, "sharing_page", variables).data
    held = [edge["node"] for edge in page["given"]["edges"] if edge["node"]["heldItems"] and _live(edge["node"])]
    return render(request, "sharing/sharing.html", {"page": page, "failed": failed, "size": size,
                                                    "redactions": REDACTIONS, "held": held},
                  status=400 if failed else 200)
