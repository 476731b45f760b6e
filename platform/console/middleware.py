"""Sessions: they end after inactivity (renewed at most once a minute) and after an absolute lifetime, and they
confirm the password before sensitive acts."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.errors import ActionError
from api.context import CONFIRMED_SESSION_KEY
from officers.actions import confirm_password

from .documents import ConfirmationRequired

#: The session key holding when the session was last renewed (seconds since the epoch).
RENEWED = "wildnet_renewed"

#: The session key holding when the officer signed in (seconds since the epoch).
SIGNED_IN = "wildnet_signed_in"

#: How often an active session's expiry is pushed back; saving it on every request would cost every request a write.
RENEW_SECONDS = 60


class IdleTimeoutMiddleware:
    """Push a signed-in session's expiry ``SESSION_COOKIE_AGE`` past now, at most once per ``RENEW_SECONDS``.

    The session then ends after ``SESSION_COOKIE_AGE`` seconds (give or take a minute) without a request, and
    in any case ``SESSION_ABSOLUTE_SECONDS`` after the sign-in, however busy: a stolen session cookie does not
    live forever. Token requests carry no session and are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and getattr(request, "api_token", None) is None:
            now = int(time.time())
            signed_in = request.session.setdefault(SIGNED_IN, now)
            if now - signed_in >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)  # the pages then ask for sign-in, the API answers 401
            elif now - request.session.get(RENEWED, 0) >= RENEW_SECONDS:
                request.session[RENEWED] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


#: The confirmation form's password field: a POST carrying it is checked first, then goes on without it.
PASSWORD_FIELD = "wildnet_confirm_password"  # noqa: S105  (a field name, not a password)


class ConfirmationMiddleware:
    """Ask for the password before a sensitive act, then do the act, in one step and without JavaScript.

    A page's mutation answering ``REAUTHENTICATE`` raises :class:`ConfirmationRequired`; this answers with a
    password form that carries the page's own form as hidden fields and posts back to the same address. That
    POST's password is checked (as at sign-in, counted towards the lock-out) before the page's view runs, which
    then does the act as if the password had never been asked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and PASSWORD_FIELD in request.POST and request.user.is_authenticated:
            form = request.POST.copy()  # the view reads the form without the password
            password = form.pop(PASSWORD_FIELD)[-1]
            request.POST = form  # type: ignore[assignment]
            try:
                confirm_password(request, password)
            except ActionError as error:
                return _confirmation(request, error.message)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ConfirmationRequired):
            return _confirmation(request, None)
        return None


def _confirmation(request: HttpRequest, error: str | None) -> HttpResponse:
    fields = [(name, value) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"
              for value in values]
    return render(request, "console/confirm_password.html", {
        "fields": fields, "error": error, "password_field": PASSWORD_FIELD,
        "minutes": settings.REAUTHENTICATION_SECONDS // 60}, status=400 if error else 200)


@receiver(user_logged_in)
def _renewed_at_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A session starts renewed, and with its password just typed: its first minute writes nothing, and its
    first sensitive acts ask for nothing more."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED] = request.session[SIGNED_IN] = int(time.time())
        request.session[CONFIRMED_SESSION_KEY] = time.time()
