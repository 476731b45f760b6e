"""Small views of the project itself."""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means the database cannot be reached (down, restarting, connection broken): a retry a
    few seconds later may succeed. Told by the connection, not the error class: SQLite raises the same
    ``OperationalError`` for a missing column, which is a bug to report as one.
    """
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    if connection.connection is None:  # the connection could not even be opened
        return True
    try:
        return not connection.is_usable()
    except Exception:
        return True


def unavailable_error(request_id: str) -> dict[str, Any]:
    """The typed GraphQL error of a request that met a database outage."""
    return {"message": f"The database is unavailable; retry in a few seconds (request id {request_id}).",
            "extensions": {"code": "SERVICE_UNAVAILABLE", "requestId": request_id}}


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database outage met outside GraphQL's execution (authenticating a bearer token, the
    session) answers ``503`` with the typed ``SERVICE_UNAVAILABLE``, like one met inside it, instead of an HTML
    page a client cannot tell from a bug. Anything else is Django's plain 500 page.
    """
    if database_unavailable(sys.exc_info()[1]):
        error = unavailable_error(getattr(request, "request_id", ""))
        return JsonResponse({"errors": [error]}, status=503)
    return defaults.server_error(request)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and container health checks.

    Says nothing about versions or configuration: it is reachable without signing in.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "database": database}, status=status)
