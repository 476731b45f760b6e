"""Single sign-on's pages: choosing one's agency, the provider's callback, linking and unlinking one's account.

The way to a provider is always a link, never a form: the console's CSP allows forms to post only to WildNet
(``form-action 'self'``), and browsers apply that to the redirects that follow a form too. These pages run before
a session may use the GraphQL schema (sign-in), so they call identity.actions, which decides and audits.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.context import CONFIRMED_SESSION_KEY
from identity import actions, oidc
from identity.models import IdentityProvider
from officers.models import Officer

from .documents import ConfirmationRequired
from .views import safe_next

#: The session key of the flow under way: which provider, what for (sign-in or link), where to go next.
FLOW = "wildnet_sso"
SIGN_IN, LINK = "sign_in", "link"


def _recently_confirmed(request: HttpRequest) -> bool:
    return time.time() - float(request.session.get(CONFIRMED_SESSION_KEY, 0)) <= settings.REAUTHENTICATION_SECONDS


def _refused(request: HttpRequest, unknown: bool = False) -> HttpResponse:
    return render(request, "console/sso_refused.html", {"unknown": unknown}, status=403)


def _start(request: HttpRequest, provider: IdentityProvider, purpose: str, next_url: str) -> HttpResponse:
    request.session[FLOW] = {"provider": provider.pk, "purpose": purpose, "next": next_url}
    try:
        return oidc.authorization_redirect(request, provider, request.build_absolute_uri(reverse("sso-callback")))
    except oidc.SignInRefused as refusal:
        actions.refused("auth.sso.login" if purpose == SIGN_IN else "auth.sso.link", provider, refusal.reason,
                        request.user if isinstance(request.user, Officer) else None)
        return _refused(request)


@login_not_required
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponse:
    """Find one's agency by e-mail address, or in the list of agencies that sign their officers in."""
    context: dict[str, Any] = {"providers": actions.enabled_providers(), "next": safe_next(request)}
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        context["email"] = email
        context["match"] = actions.provider_for_email(email) if "@" in email else None
        if context["match"] is None:
            context["error"] = _("No agency signs in this address through its own account: choose your agency "
                                 "below, or sign in with your password.")
    return render(request, "console/sso_choose.html", context, status=400 if context.get("error") else 200)


@login_not_required
@require_GET
def start(request: HttpRequest, agency_code: str) -> HttpResponse:
    provider = actions.enabled_providers().filter(agency__code=agency_code).first()
    if provider is None:
        messages.error(request, _("This agency does not sign its officers in through its own account."))
        return HttpResponseRedirect(reverse("sso"))
    return _start(request, provider, SIGN_IN, safe_next(request))


@login_not_required
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back: the flow of this session, used once, then checked."""
    flow = request.session.pop(FLOW, None)
    provider = None
    if flow is not None:
        provider = IdentityProvider.objects.select_related("agency").filter(pk=flow["provider"], enabled=True).first()
    action = "auth.sso.link" if flow and flow.get("purpose") == LINK else "auth.sso.login"
    officer = request.user if isinstance(request.user, Officer) else None
    if flow is None or provider is None:
        actions.refused(action, provider, "state", officer)
        return _refused(request)
    try:
        claims = oidc.complete(request, provider)
        if flow["purpose"] == LINK:
            return _linked(request, officer, provider, claims)
        actions.sign_in(request, provider, claims)
    except oidc.SignInRefused as refusal:
        actions.refused(action, provider, refusal.reason, officer)
        if action == "auth.sso.link":
            messages.error(request, _("Your agency's account could not be linked: it may be linked to another "
                                      "officer already. Try again, or ask your administrator."))
            return HttpResponseRedirect(reverse("preferences"))
        return _refused(request, unknown=refusal.reason == "unknown_subject")
    return HttpResponseRedirect(flow.get("next") or reverse("home"))


def _linked(request: HttpRequest, officer: Officer | None, provider: IdentityProvider,
            claims: dict[str, Any]) -> HttpResponse:
    if officer is None:
        raise oidc.SignInRefused("signed_out")
    if not _recently_confirmed(request):
        raise oidc.SignInRefused("not_confirmed")
    actions.link(officer, provider, claims)
    messages.success(request, _("Your agency's account is linked: you may now sign in with it."))
    return HttpResponseRedirect(reverse("preferences"))


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """Linking one's agency's account asks for the password first (the POST carries it, see
    console.middleware.ConfirmationMiddleware), then offers the way to the provider."""
    assert isinstance(request.user, Officer)
    provider = actions.provider_of(request.user)
    if provider is None:
        messages.error(request, _("Your agency does not sign its officers in through its own account."))
        return HttpResponseRedirect(reverse("preferences"))
    if not _recently_confirmed(request):
        raise ConfirmationRequired
    return render(request, "console/sso_link.html", {"provider": provider})


@require_GET
def link_start(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, Officer)
    provider = actions.provider_of(request.user)
    if provider is None or not _recently_confirmed(request):
        return HttpResponseRedirect(reverse("sso-link"))
    return _start(request, provider, LINK, reverse("preferences"))


@require_POST
def unlink(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, Officer)
    if not _recently_confirmed(request):
        raise ConfirmationRequired
    if actions.unlink(request.user):
        messages.success(request, _("Your agency's account is no longer linked: sign in with your password."))
    return HttpResponseRedirect(reverse("preferences"))
