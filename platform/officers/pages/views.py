"""Administration pages: an agency's officers, and the integration page (API tokens and the calls to make).

The officer pages exist only for whom the API gives an ``officerAdministration`` (an agency administrator):
anyone else gets the 404 of a page that does not exist, and an officer of another agency the 404 of an officer
who does not exist. The roles and clearances the forms offer are those the API says the administrator may give;
what they may do is decided by the schema's policy, never here.

The integration page serves every officer their own tokens (and an administrator the agency's). A token's raw
value is in the answer to the POST that issued it, and nowhere else: not in the session, not in a message, and
the answer is not cached; the next page shows only its prefix.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from console import labels
from console.documents import Documents
from console.forms import codes, errors_by_field, optional, text
from console.paging import page_size

from . import examples

documents = Documents(__file__)

#: The token form's choice of access → the token's scopes (writing implies reading).
ACCESS = {"READ": ["READ"], "WRITE": ["READ", "WRITE"]}
FRESH_TOKEN_FORM = {"access": "READ", "days": ""}
#: The list's filter on whether an officer may sign in: the query's ``isActive`` for each choice.
STATUS_FILTER = {"active": True, "disabled": False}


def _mutation(request: HttpRequest, name: str, variables: dict[str, Any], payload: str) -> tuple[Any, list[Any]]:
    """Run mutation ``name``: its payload and its errors (operation-level problems included)."""
    result = documents.run(request, name, variables)
    body = result.data.get(payload) or {}
    return body, list(result.problems) + list(body.get("errors") or [])


def officer_list(request: HttpRequest) -> HttpResponse:
    """The officers of the administrator's agency: role, clearance, whether they may sign in, last sign-in."""
    status = request.GET.get("status", "")
    variables = {"first": page_size(request), "after": request.GET.get("after") or None,
                 "active": STATUS_FILTER.get(status)}
    data = documents.run(request, "officer_list", variables).data
    if data.get("officerAdministration") is None:
        raise Http404
    return render(request, "officers/officer_list.html", {
        "agency": data["officerAdministration"]["agency"], "page": data["officers"],
        "status": status if status in STATUS_FILTER else ""})


@require_http_methods(["GET", "POST"])
def officer_create(request: HttpRequest) -> HttpResponse:
    """Create an officer of the agency; the API e-mails them an invitation to choose their password."""
    administration = documents.run(request, "officer_form").data.get("officerAdministration")
    if administration is None:
        raise Http404
    values: dict[str, Any] = {"role": "ANALYST", "clearance": "RESTRICTED"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: text(request.POST, name)
                  for name in ("username", "email", "firstName", "lastName", "role", "clearance")}
        officer_input = {**values, "agencyId": administration["agency"]["id"],
                         "firstName": optional(request.POST, "firstName"),
                         "lastName": optional(request.POST, "lastName")}
        body, problems = _mutation(request, "create_officer", {"input": officer_input}, "createOfficer")
        if not problems:
            officer = body["officer"]
            messages.success(request, _("%(username)s was created; an invitation to choose a password was sent to "
                                        "%(email)s.") % {"username": officer["username"], "email": officer["email"]})
            return HttpResponseRedirect(reverse("officer-detail", args=[officer["id"]]))
        errors = errors_by_field(problems)
    return render(request, "officers/officer_form.html", {
        "agency": administration["agency"], "values": values, "errors": errors,
        "roles": _options("role", administration["assignableRoles"]),
        "clearances": _options("classification", administration["assignableClearances"])},
        status=400 if errors else 200)


def _action_variables(action: str, officer_id: str, request: HttpRequest) -> tuple[str, dict[str, Any], str] | None:
    """The mutation a detail page's form asks for (``action``): its document, variables and payload."""
    if action == "role":
        return "change_officer_role", {"id": officer_id, "role": text(request.POST, "role")}, "changeOfficerRole"
    if action in ("disable", "enable"):
        return "set_officer_active", {"id": officer_id, "active": action == "enable"}, "setOfficerActive"
    if action == "reset_second_factor":
        return "reset_second_factor", {"id": officer_id}, "resetSecondFactor"
    return None


_CHANGED = {"role": gettext_lazy("The role of %(username)s was changed."),
            "disable": gettext_lazy("%(username)s is disabled: they can no longer sign in nor use their API tokens."),
            "enable": gettext_lazy("%(username)s is enabled again."),
            "reset_second_factor": gettext_lazy(
                "The second factor of %(username)s is reset: they set up a new one at their next sign-in.")}


@require_http_methods(["GET", "POST"])
def officer_detail(request: HttpRequest, officer_id: str) -> HttpResponse:
    """One officer: who they are, and the forms to change their role, to disable or re-enable them and to reset
    their second factor."""
    data = documents.run(request, "officer_detail", {"id": officer_id}).data
    administration, officer = data.get("officerAdministration"), data.get("node")
    if administration is None or not officer or "username" not in officer:  # another type's id names no officer
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = _action_variables(request.POST.get("action", ""), officer["id"], request)
        if action is None:
            errors = {"whole": [_("Choose what to change.")]}
        else:
            _body, problems = _mutation(request, *action)
            if not problems:
                messages.success(request, _CHANGED[request.POST["action"]] % {"username": officer["username"]})
                return HttpResponseRedirect(reverse("officer-detail", args=[officer["id"]]))
            errors = errors_by_field(problems)
    return render(request, "officers/officer_detail.html", {
        "officer": officer, "errors": errors, "roles": _options("role", administration["assignableRoles"])},
        status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def integration(request: HttpRequest) -> HttpResponse:
    """API tokens (issue, revoke, last use) and the calls a platform's systems make with them."""
    issued = None
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = FRESH_TOKEN_FORM
    if request.method == "POST":
        values = {"name": text(request.POST, "name"), "days": text(request.POST, "days"),
                  "access": text(request.POST, "scopes")}
        days, days_error = _days(values["days"])
        if days_error:
            errors = {"days": [days_error]}
        else:
            body, problems = _mutation(request, "issue_api_token",
                                       {"name": values["name"], "scopes": ACCESS.get(values["access"], []),
                                        "days": days}, "issueApiToken")
            errors = errors_by_field(problems)
            issued = None if problems else body
    data = documents.run(request, "integration", {"first": page_size(request),
                                                  "after": request.GET.get("after") or None}).data
    viewer = data.get("viewer") or {}
    endpoint = settings.WILDNET_PUBLIC_URL.rstrip("/") + reverse("graphql")
    response = render(request, "officers/integration.html", {
        "viewer": viewer, "administration": data.get("officerAdministration"), "page": data["apiTokens"],
        "issued": issued, "errors": errors, "values": FRESH_TOKEN_FORM if issued else values,
        "max_days": settings.API_TOKEN_MAX_DAYS, "default_days": settings.API_TOKEN_DEFAULT_DAYS,
        "examples": examples.commands(viewer.get("role", ""), endpoint), "endpoint": endpoint},
        status=400 if errors else 200)
    if issued:
        add_never_cache_headers(response)  # the raw token must not stay in a cache, nor come back with "back"
    return response


@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    """Revoke a token: one's own, or (for an administrator) an agency officer's; any other is a 404."""
    body, problems = _mutation(request, "revoke_api_token", {"id": token_id}, "revokeApiToken")
    if "NOT_FOUND" in codes(problems):
        raise Http404
    if problems:
        for message in errors_by_field(problems).values():
            messages.error(request, " ".join(message))
    else:
        token = body["token"]
        messages.success(request, _("The token “%(name)s” (%(prefix)s…) is revoked: it no longer authenticates.")
                         % {"name": token["name"], "prefix": token["prefix"]})
    return HttpResponseRedirect(reverse("integration-page"))


def _days(value: str) -> tuple[int | None, str | None]:
    """The token's lifetime as typed: none for the default, else a whole number of days."""
    if not value:
        return None, None
    try:
        return int(value), None
    except ValueError:
        return None, _("Enter a whole number of days.")


def _options(kind: str, names: list[str]) -> list[tuple[str, Any]]:
    """A select's options: the API's enum names with their labels in the reader's language."""
    return [(name, labels.label(kind, name)) for name in names]
