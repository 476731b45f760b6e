"""Request id and client address for logs, errors and the audit log; the Content Security Policy's header."""

from __future__ import annotations

import http
import re
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from audit.context import RequestContext, current

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id, echo it in ``X-Request-ID`` and put it in the audit context.

    A well-formed incoming ``X-Request-ID`` (from a trusted proxy) is kept so one id follows a request across
    systems; anything else is replaced, so an attacker cannot inject text into logs. An error message shows
    this id instead of a stack trace: support finds the trace in the logs by it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current.set(RequestContext(request_id=request_id, ip_address=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


#: What a view's django-csp decorator (``csp_update`` and the like) leaves on its response.
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@cache
def _headers() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """Each header of the settings' policies (enforced, report-only) with its exemption flag and excluded path
    prefixes, as django-csp builds them: kept until a setting changes (tests override them)."""
    headers = []
    for header, setting, exempt in ((HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
                                    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro")):
        value = build_policy(report_only=header == HEADER_REPORT_ONLY)
        if value:
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            headers.append((header, value, exempt, prefixes))
    return tuple(headers)


@receiver(setting_changed)
def _forget_headers(setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _headers.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the header of a response that asks nothing of its own built once.

    django-csp builds the header from the settings for every response: two dataclass copies and a walk of every
    directive, twice (enforced, report-only), some 3 % of the CPU of a case detail through the API. The header
    differs only for a response whose page used a nonce or whose view has a django-csp decorator (WildNet's
    have neither: no inline script or style anywhere): those take django-csp's own path, so the header is
    always the one django-csp would write, exemptions and excluded prefixes included.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in _OWN_POLICY):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (http.HTTPStatus.INTERNAL_SERVER_ERROR,
                                                       http.HTTPStatus.NOT_FOUND):
            return response  # Django's debug pages, as django-csp leaves them
        for header, value, exempt, prefixes in _headers():
            if (header not in response and getattr(response, exempt, False) is False
                    and not request.path_info.startswith(prefixes)):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written could not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
