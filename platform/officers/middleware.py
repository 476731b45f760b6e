"""Who the request is: bearer-token authentication for the API (``Authorization: Bearer wn_…``), and the
signed-in officer's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from audit.actions import record

from .models import ApiToken, Officer, hash_token


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
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return _unauthorized()
        token = (
            ApiToken.objects.usable()
            .select_related("officer__agency")
            .filter(digest=hash_token(raw.strip()))
            .first()
        )
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
