"""The shell's pages: sign-in and out, password reset and invitations, purpose of access, language, preferences,
home.

Views parse a form, run a document, render: what may be read or changed is decided by the schema's policy.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.zones import zone_names
from identity import actions as identity
from officers.models import Officer

from .documents import Documents
from .forms import OutboxPasswordResetForm, errors_by_field

documents = Documents(__file__)


def safe_next(request: HttpRequest, fallback: str = "home") -> str:
    """Where to go back to: the ``next`` the form carries when it is one of our own pages, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(fallback)


class SignInView(auth_views.LoginView):
    """The product's sign-in page; the console then speaks the officer's saved language, else the browser's."""

    template_name = "console/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "single_sign_on": identity.enabled_providers().exists()}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        if language:  # else the browser's (Accept-Language), or what the sign-in page was switched to
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, httponly=True)
        return response


sign_out = auth_views.LogoutView.as_view()


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the officer's, then this one: the next page is the sign-in."""
    result = documents.run(request, "sign_out_everywhere")
    if result.problems or result.data["signOutEverywhere"]["errors"]:
        messages.error(request, _("Your sessions could not be ended: try again."))
        return HttpResponseRedirect(reverse("preferences"))
    logout(request)
    messages.success(request, _("You are signed out in every browser."))
    return HttpResponseRedirect(reverse("login"))

password_reset = auth_views.PasswordResetView.as_view(
    form_class=OutboxPasswordResetForm,
    template_name="console/password_reset.html",
    email_template_name="console/password_reset_email.txt",
    subject_template_name="console/password_reset_subject.txt",
    extra_email_context={"public_url": settings.WILDNET_PUBLIC_URL.rstrip("/")},
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="console/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="console/password_set.html", success_url=reverse_lazy("password_reset_complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="console/password_set_done.html")


@require_http_methods(["GET", "POST"])
def purpose(request: HttpRequest) -> HttpResponse:
    """Declare the purpose of access for this session, chosen among those the agency's mandates allow."""
    problems: list[Any] = []
    if request.method == "POST":
        result = documents.run(request, "declare_purpose", {"purpose": request.POST.get("purpose", "")})
        problems = result.problems or result.data["declarePurpose"]["errors"]
        if not problems:
            messages.success(request, _("Purpose of access declared."))
            return HttpResponseRedirect(safe_next(request))
    return render(request, "console/purpose.html", {"problems": problems, "next": safe_next(request)},
                  status=400 if problems else 200)


@login_not_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the console's language; a signed-in officer's choice is saved for the pages and e-mails to come."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(safe_next(request))
    if request.user.is_authenticated:
        documents.run(request, "set_language", {"language": code})
    response = HttpResponseRedirect(safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, httponly=True)
    return response


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The officer's own settings: the zone dates and deadlines are shown in (the language is in the header)."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = documents.run(request, "set_time_zone", {"timeZone": request.POST.get("time_zone", "")})
        problems = result.problems or result.data["setTimeZone"]["errors"]
        if not problems:
            messages.success(request, _("Your preferences are saved."))
            return HttpResponseRedirect(reverse("preferences"))
        errors = errors_by_field(problems)
    assert isinstance(request.user, Officer)
    provider = identity.provider_of(request.user)
    return render(request, "console/preferences.html", {
        "page": documents.run(request, "preferences").data, "zones": zone_names(), "now": timezone.now(),
        "errors_by_field": errors, "sso_provider": provider,
        "sso_linked": provider is not None and provider.identities.filter(officer=request.user).exists()},
        status=400 if errors else 200)


def home(request: HttpRequest) -> HttpResponse:
    """The officer's workspace: unhandled alerts, open cases, approvals, access requests, hits, activity."""
    return render(request, "console/home.html", {"page": documents.run(request, "home").data})
