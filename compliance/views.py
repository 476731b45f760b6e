"""Compliance exports over HTTP: the figures as CSV, item outcomes as DSA statements of reasons (JSON).

Both answer GET only, to a browser session or a bearer token, with what the caller may see and nothing
more: the notices come from the policy, exactly as for ``platformCompliance``. Anyone signed in may ask; a
viewer who may see no notice gets an empty export. An anonymous caller gets 401 (the address of an export
is no secret, and 401 is what a bad token already gets from the token middleware). Bad parameters get 400
with a typed error, and every export is audited with its parameters and size.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from access import policy
from access.errors import ActionError, ErrorCode
from access.policy import Viewer
from api.context import viewer_for_request
from api.csvout import csv_lines
from api.origin import same_site
from audit.actions import record

from . import exports
from .metrics import BY_PLATFORM, BY_PLATFORM_AND_COUNTRY, period, platform_compliance
from .models import TakedownNotice

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[-a-zA-Z0-9_]{0,32}")
_FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}


@dataclass(frozen=True)
class ExportParameters:
    start: datetime.date
    end: datetime.date
    bounds: tuple[datetime.datetime, datetime.datetime]
    platform: str
    by_country: bool

    def audit(self, export: str, rows: int) -> dict[str, Any]:
        return {"export": export, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "platform": self.platform, "by_country": self.by_country, "rows": rows}


def parameters(query: QueryDict) -> ExportParameters:
    """``start`` and ``end`` (YYYY-MM-DD, end exclusive), optional ``platform`` code and ``by_country`` flag."""
    dates = []
    for name in ("start", "end"):
        value = query.get(name, "")
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            dates.append(datetime.date.fromisoformat(value))
        except ValueError:
            raise ActionError(ErrorCode.INVALID, _("Give %(name)s as YYYY-MM-DD.") % {"name": name}, name) from None
    flag = query.get("by_country", "").lower()
    if flag not in _FLAGS:
        raise ActionError(ErrorCode.INVALID, _("by_country is 1 or 0."), "by_country")
    platform = query.get("platform", "").strip()
    if not _CODE.fullmatch(platform):
        raise ActionError(ErrorCode.INVALID, _("platform is a platform's code, e.g. pf-leboncoin."), "platform")
    start, end = dates
    return ExportParameters(start=start, end=end, bounds=period(start, end), platform=platform,
                            by_country=_FLAGS[flag])


def _notices(viewer: Viewer, params: ExportParameters) -> QuerySet[TakedownNotice]:
    notices = policy.visible(viewer, TakedownNotice.objects.all())
    return notices.filter(platform__code=params.platform) if params.platform else notices


def _error(code: ErrorCode, message: str, field: str | None, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code.value, "field": field}}]},
                        status=status)


def _accept(request: HttpRequest) -> tuple[Viewer, ExportParameters] | JsonResponse:
    """The viewer and the parameters, or the response that refuses the request."""
    viewer = viewer_for_request(request)
    if not viewer.active:
        response = _error(ErrorCode.UNAUTHENTICATED, "Sign in or send an API token.", None, 401)
        response["WWW-Authenticate"] = 'Bearer realm="wildnet"'
        return response
    try:
        return viewer, parameters(request.GET)
    except ActionError as error:
        return _error(error.code, error.message, error.field, 400)


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def metrics_csv(request: HttpRequest) -> HttpResponseBase:
    """The ``platformCompliance`` figures as CSV, one row per platform (and issuing country), streamed."""
    accepted = _accept(request)
    if isinstance(accepted, JsonResponse):
        return accepted
    viewer, params = accepted
    metrics = platform_compliance(_notices(viewer, params), *params.bounds,
                                  group_by=BY_PLATFORM_AND_COUNTRY if params.by_country else BY_PLATFORM)
    record("compliance.export", actor=viewer.officer, details=params.audit("metrics.csv", len(metrics)))
    rows = exports.metrics_table(metrics, params.start, params.end, params.by_country)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"platform-compliance-{params.start}-{params.end}.csv")


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def statements_json(request: HttpRequest) -> HttpResponseBase:
    """Acted items whose action took effect in the period, as DSA Transparency Database statements of reasons.

    The whole export is ``{"count", "left_out", "bodies": [...]}``, each body a valid request of the database's
    bulk endpoint (1 to 100 statements); an export with no statement has no body, and says so with its count.
    ``page=N`` (from 1) answers the N-th body alone, ready to post; a page past the last is a typed ``INVALID``.
    """
    accepted = _accept(request)
    if isinstance(accepted, JsonResponse):
        return accepted
    viewer, params = accepted
    export = exports.statements(exports.statement_items(_notices(viewer, params), *params.bounds))
    bodies = export.bodies()
    page = request.GET.get("page", "")
    if page:
        if not page.isdigit() or not 1 <= int(page) <= len(bodies):
            return _error(ErrorCode.INVALID, _("There is no page %(page)s of statements (there are %(pages)s).")
                          % {"page": page[:10], "pages": len(bodies)}, "page", 400)
        body: dict[str, Any] = bodies[int(page) - 1]
    else:
        body = {"count": len(export.statements), "left_out": export.left_out, "bodies": bodies}
    record("compliance.export", actor=viewer.officer, details=params.audit("statements.json", len(export.statements)))
    suffix = f"-{page}" if page else ""
    return _attachment(JsonResponse(body), f"statements-of-reasons-{params.start}-{params.end}{suffix}.json")
