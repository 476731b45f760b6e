"""The second factor's pages: the code (or the passkey) after the password, enrolment, and the officer's own
factors; the passkeys' ceremonies ask for their options here, as JSON (console/static/console/passkeys.js).

They run before the session may read anything (officers.middleware.SecondFactorMiddleware), so they cannot go
through the GraphQL schema, which is closed to such a session; they call officers.second_factor, which decides.
Changing factors asks for the password again after a while, as the schema's sensitive acts do.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from access.errors import ActionError
from api.context import CONFIRMED_SESSION_KEY
from officers import passkeys, second_factor
from officers.models import Officer

from .documents import ConfirmationRequired
from .views import safe_next


def _officer(request: HttpRequest) -> Officer:
    assert isinstance(request.user, Officer)
    return request.user


def _recently_confirmed(request: HttpRequest) -> bool:
    return time.time() - float(request.session.get(CONFIRMED_SESSION_KEY, 0)) <= settings.REAUTHENTICATION_SECONDS


def _confirmed(request: HttpRequest) -> None:
    """Changing factors asks for the password once it was typed longer ago than REAUTHENTICATION_SECONDS."""
    if not _recently_confirmed(request):
        raise ConfirmationRequired


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.session.get(second_factor.STATE) != second_factor.PENDING:
        return HttpResponseRedirect(safe_next(request))
    error = passkey_error = None
    if request.method == "POST" and "credential" in request.POST:
        if passkeys.verify(request, request.POST["credential"]):
            return HttpResponseRedirect(safe_next(request))
        passkey_error = _("Your passkey or security key was not accepted. Try again, or type a code.")
    elif request.method == "POST":
        if second_factor.verify(request, request.POST.get("code", "")):
            return HttpResponseRedirect(safe_next(request))
        error = _("This code is not valid. Type the code your app shows now, or one of your recovery codes.")
    return render(request, "console/second_factor_verify.html", {
        "error": error, "passkey_error": passkey_error, "next": safe_next(request),
        "passkeys": bool(second_factor.passkeys(_officer(request))),
        "authenticators": bool(second_factor.authenticators(_officer(request)))},
        status=400 if error or passkey_error else 200)


@never_cache
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    """The options of a passkey's signature at sign-in, for a session whose second factor is pending."""
    if request.session.get(second_factor.STATE) != second_factor.PENDING:
        return JsonResponse({"error": _("Your second factor is not asked for now.")}, status=409)
    return JsonResponse(passkeys.authentication_options(request))


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


@require_http_methods(["GET", "POST"])
def add_passkey(request: HttpRequest) -> HttpResponse:
    """Add a passkey or a security key: at forced enrolment instead of an authenticator app, or later, from the
    officer's own page (after the password, if typed a while ago). The browser's answer comes as a form field."""
    state = request.session.get(second_factor.STATE)
    if state == second_factor.PENDING:
        return HttpResponseRedirect(f"{reverse('second-factor-verify')}?next={request.get_full_path()}")
    if state != second_factor.ENROL:
        _confirmed(request)
    error = None
    if request.method == "POST" and "credential" in request.POST:
        codes = passkeys.confirm_registration(request, request.POST["credential"], request.POST.get("name", ""))
        if codes:
            return render(request, "console/second_factor_codes.html", {"codes": codes, "next": safe_next(request)})
        if codes is not None:
            messages.success(request, _("Your passkey is set up."))
            return HttpResponseRedirect(safe_next(request, "second-factor"))
        error = _("The passkey was not set up. Try again, with the same or another passkey or security key.")
    return render(request, "console/second_factor_passkey.html", {
        "error": error, "required": state == second_factor.ENROL, "next": safe_next(request, "second-factor")},
        status=400 if error else 200)


@never_cache
@require_POST
def passkey_registration_options(request: HttpRequest) -> HttpResponse:
    """The options of a new passkey: as the page, refused to a pending session and after a while without the
    password (the page then asks for it)."""
    state = request.session.get(second_factor.STATE)
    if state == second_factor.PENDING or (state != second_factor.ENROL and not _recently_confirmed(request)):
        return JsonResponse({"error": _("Reload this page and confirm your password first.")}, status=403)
    return JsonResponse(passkeys.registration_options(request))


def manage(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    return render(request, "console/second_factor.html", {
        "authenticators": second_factor.authenticators(officer),
        "passkeys": second_factor.passkeys(officer),
        "codes_left": second_factor.recovery_codes_left(officer),
        "required": second_factor.required_for(officer)})


@require_POST
def remove(request: HttpRequest, device_id: int, kind: str = "authenticator") -> HttpResponse:
    _confirmed(request)
    try:
        second_factor.remove_factor(_officer(request), kind, device_id)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The passkey is removed.") if kind == "passkey"
                         else _("The authenticator is removed."))
    return HttpResponseRedirect(reverse("second-factor"))


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    _confirmed(request)
    officer = _officer(request)
    if not second_factor.has_factor(officer):
        messages.error(request, _("Set up an authenticator app first: recovery codes stand in for it."))
        return HttpResponseRedirect(reverse("second-factor"))
    context: dict[str, Any] = {"codes": second_factor.new_recovery_codes(officer), "next": reverse("second-factor")}
    return render(request, "console/second_factor_codes.html", context)
