"""Sessions that end after inactivity (renewed at most once a minute) and after an absolute lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

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


@receiver(user_logged_in)
def _renewed_at_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A session starts renewed: the requests of its first minute write nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED] = request.session[SIGNED_IN] = int(time.time())
