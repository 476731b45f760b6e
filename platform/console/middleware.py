"""Sessions that end after inactivity, renewed at most once a minute."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

#: The session key holding when the session was last renewed (seconds since the epoch).
RENEWED = "wildnet_renewed"

#: How often an active session's expiry is pushed back; saving it on every request would cost every request a write.
RENEW_SECONDS = 60


class IdleTimeoutMiddleware:
    """Push a signed-in session's expiry ``SESSION_COOKIE_AGE`` past now, at most once per ``RENEW_SECONDS``.

    The session then ends after ``SESSION_COOKIE_AGE`` seconds (give or take a minute) without a request. Token
    requests carry no session and are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and getattr(request, "api_token", None) is None:
            now = int(time.time())
            if now - request.session.get(RENEWED, 0) >= RENEW_SECONDS:
                request.session[RENEWED] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


@receiver(user_logged_in)
def _renewed_at_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A session starts renewed: the requests of its first minute write nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED] = int(time.time())
