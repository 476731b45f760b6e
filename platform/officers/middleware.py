"""Who the request is: API-token authentication (``Authorization: Bearer wn_…``; HTTP Basic under TAXII), and the
signed-in officer's time zone."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from audit.actions import record

from . import second_factor
from .models import ApiToken, Officer, hash_token
from .sessions import usable_token


class BearerTokenMiddleware:
    """Authenticate API requests by token, after the session middleware.

    A request with an ``Authorization: Bearer`` header is authenticated by the token only (never also by a
    session cookie), and an unknown, expired or revoked token gets a 401 with no detail: the caller learns
    only that the token does not work. The token is looked up by its SHA-256, so the raw value never touches
    the database. ``last_used_at`` and a ``token.used`` audit event are written at most once a minute per
    token, so a busy integration does not turn every read into a write.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if not header:
            return self.get_response(request)
        raw = _raw_token(request, header)
        if not raw:
            return _unauthorized()
        token = usable_token(hash_token(raw))
        if token is None:
            return _unauthorized()
        self._touch(token)
        request.user = token.officer
        request.api_token = token  # type: ignore[attr-defined]
        # A token is not a browser session: CSRF protects cookies, and this request carries none it relies on.
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _touch(token: ApiToken) -> None:
        now = timezone.now()
        stale = now - timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is not None and token.last_used_at > stale:
            return
        updated = ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=stale).update(last_used_at=now)
        if updated:
            record("token.used", actor=token.officer, obj=token, details={"prefix": token.prefix})


def _raw_token(request: HttpRequest, header: str) -> str:
    """The token an ``Authorization`` header carries: ``Bearer <token>`` anywhere, and under the paths of
    ``API_TOKEN_BASIC_PATHS`` (TAXII, whose clients are configured with a user name and a password) also HTTP
    Basic with the token as the password, whatever the user name. Empty when the header carries none.

    Basic is limited to those paths, and never asked for (the 401 challenges Bearer only): a browser keeps Basic
    credentials and sends them on its own, which would give other sites' pages the token's authority.
    """
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic" and request.path.startswith(tuple(settings.API_TOKEN_BASIC_PATHS)):
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2].strip()
    return ""


def _unauthorized() -> HttpResponse:
    response = JsonResponse({"errors": [{"message": "Invalid or expired API token.",
                                         "extensions": {"code": "UNAUTHENTICATED"}}]}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="wildnet"'
    return response


class TimeZoneMiddleware:
    """Show times in the signed-in officer's zone (their choice, else their agency's, else its country's).

    Only rendering is affected: the database and the API keep UTC, and the API's datetimes carry their offset.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and isinstance(user, Officer):
            timezone.activate(ZoneInfo(user.zone_name))
        else:
            timezone.deactivate()
        return self.get_response(request)


#: What a session may still reach before its second factor: the second factor's own pages, and leaving.
_OPEN_BEFORE_SECOND_FACTOR = frozenset({
    "second-factor-verify", "second-factor-enrol", "logout", "language",
    # a passkey instead of a code or an authenticator app: its page and its ceremonies' options
    "second-factor-passkey", "second-factor-passkey-registration-options", "second-factor-passkey-options"})


class SecondFactorMiddleware:
    """Until a session has given its second factor (or enrolled one where one is required), that is all it may do.

    Pages send it to the code or the enrolment page, the API answers 401 ``SECOND_FACTOR_REQUIRED``. The state was
    decided at sign-in and is read from the session: no table is read here. API tokens are not sessions: they are
    issued from a session that gave its factor, and revoked one by one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or getattr(request, "api_token", None) is not None:
            return self.get_response(request)
        state = request.session.get(second_factor.STATE)
        if state is None:  # a session from before second factors: decided once, now
            state = request.session[second_factor.STATE] = second_factor.state_at_sign_in(user)
        if state not in (second_factor.ENROL, second_factor.PENDING):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in _OPEN_BEFORE_SECOND_FACTOR:
            return self.get_response(request)
        if request.path_info.startswith("/graphql"):
            return JsonResponse({"errors": [{"message": "Give your second factor in the console first.",
                                             "extensions": {"code": "SECOND_FACTOR_REQUIRED"}}]}, status=401)
        page = "second-factor-enrol" if state == second_factor.ENROL else "second-factor-verify"
        return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
