"""The second factor's pages: the code after the password, enrolment, and the officer's own factors.

They run before the session may read anything (officers.middleware.SecondFactorMiddleware), so they cannot go
through the GraphQL schema, which is closed to such a session; they call officers.second_factor, which decides.
Changing factors asks for the password again after a while, as the schema's sensitive acts do.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access.errors import ActionError
from api.context import CONFIRMED_SESSION_KEY
from officers import second_factor
from officers.models import Officer

from .documents import ConfirmationRequired
from .views import safe_next


def _officer(request: HttpRequest) -> Officer:
    assert isinstance(request.user, Officer)
    return request.user


def _confirmed(request: HttpRequest) -> None:
    """Changing factors asks for the password once it was typed longer ago than REAUTHENTICATION_SECONDS."""
    if time.time() - float(request.session.get(CONFIRMED_SESSION_KEY, 0)) > settings.REAUTHENTICATION_SECONDS:
        raise ConfirmationRequired


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.session.get(second_factor.STATE) != second_factor.PENDING:
        return HttpResponseRedirect(safe_next(request))
    error = None
    if request.method == "POST":
        if second_factor.verify(request, request.POST.get("code", "")):
            return HttpResponseRedirect(safe_next(request))
        error = _("This code is not valid. Type the code your app shows now, or one of your recovery codes.")
    return render(request, "console/second_factor_verify.html", {"error": error, "next": safe_next(request)},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    state = request.session.get(second_factor.STATE)
    if state == second_factor.PENDING:
        return HttpResponseRedirect(f"{reverse('second-factor-verify')}?next={request.get_full_path()}")
    officer = _officer(request)
    if state != second_factor.ENROL:  # adding one more, from the officer's own page
        _confirmed(request)
    error = None
    if request.method == "POST":
        codes = second_factor.confirm_enrolment(request, request.POST.get("code", ""), request.POST.get("name", ""))
        if codes:
            return render(request, "console/second_factor_codes.html", {"codes": codes, "next": safe_next(request)})
        if codes is not None:
            messages.success(request, _("Your authenticator app is set up."))
            return HttpResponseRedirect(safe_next(request, "second-factor"))
        error = _("This code is not valid: type the six digits your app shows now.")
    device = second_factor.start_enrolment(officer)
    return render(request, "console/second_factor_enrol.html", {
        "qr_code": second_factor.qr_code(device), "key": second_factor.key_of(device), "error": error,
        "required": state == second_factor.ENROL, "next": safe_next(request, "second-factor")},
        status=400 if error else 200)


def manage(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    return render(request, "console/second_factor.html", {
        "authenticators": second_factor.authenticators(officer),
        "codes_left": second_factor.recovery_codes_left(officer),
        "required": second_factor.required_for(officer)})


@require_POST
def remove(request: HttpRequest, device_id: int) -> HttpResponse:
    _confirmed(request)
    try:
        second_factor.remove_authenticator(_officer(request), device_id)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The authenticator is removed."))
    return HttpResponseRedirect(reverse("second-factor"))


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    _confirmed(request)
    officer = _officer(request)
    if not second_factor.authenticators(officer):
        messages.error(request, _("Set up an authenticator app first: recovery codes stand in for it."))
        return HttpResponseRedirect(reverse("second-factor"))
    context: dict[str, Any] = {"codes": second_factor.new_recovery_codes(officer), "next": reverse("second-factor")}
    return render(request, "console/second_factor_codes.html", context)
