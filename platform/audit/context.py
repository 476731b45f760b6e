"""Per-request context the audit log reads: request id and client address.

Set by ``wildnet.middleware.RequestIdMiddleware`` for web requests and by tasks for background work, so
``record`` never needs the request passed down through every layer.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("wildnet_request", default=RequestContext())  # noqa: B039  (frozen)
