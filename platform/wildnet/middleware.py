"""Request id and client address for logs, errors and the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
