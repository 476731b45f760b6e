"""``GET /interop/stix/cases/<reference>.json`` and ``GET /interop/stix/search.json``: STIX 2.1 bundles for a
session or an API token, with the declared purpose (``X-WildNet-Purpose``), audited before the first byte."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from access.errors import ActionError, NotFound
from access.markings import Purpose
from api.context import PURPOSE_HEADER, viewer_for_request
from api.origin import same_site

from .exports import STIX_MEDIA_TYPE, export_case, export_search


def error_response(error: ActionError, status: int) -> JsonResponse:
    extensions = {"code": error.code.value, **({"field": error.field} if error.field else {})}
    return JsonResponse({"errors": [{"message": error.message, "extensions": extensions}]}, status=status)


def _unknown_purpose(request: HttpRequest) -> JsonResponse | None:
    """A purpose header naming no purpose is refused, as the GraphQL endpoint does: the caller would see less."""
    value = request.headers.get(PURPOSE_HEADER)
    if value is None or value in Purpose.values:
        return None
    return JsonResponse({"errors": [{"message": f"Unknown purpose in {PURPOSE_HEADER}: use one of "
                                                f"{', '.join(Purpose.values)}.",
                                     "extensions": {"code": "INVALID", "field": PURPOSE_HEADER}}]}, status=400)


def stix_response(bundle: dict[str, object]) -> HttpResponse:
    response = HttpResponse(json.dumps(bundle), content_type=STIX_MEDIA_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def case_bundle_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A case as a STIX 2.1 bundle; 404 alike for a case missing, hidden, or an anonymous caller."""
    refused = _unknown_purpose(request)
    if refused is not None:
        return refused
    viewer = viewer_for_request(request)
    try:
        if not viewer.active:
            raise NotFound("reference", "case")
        return stix_response(export_case(request, viewer, reference, flush=True))
    except NotFound as error:
        return error_response(error, 404)


@login_not_required
@require_GET
@same_site
def search_bundle_view(request: HttpRequest) -> HttpResponse:
    """What a search finds (the CSV export's parameters: ``q``, ``type``, ``country``…) as a STIX 2.1 bundle."""
    refused = _unknown_purpose(request)
    if refused is not None:
        return refused
    viewer = viewer_for_request(request)
    if not viewer.active:
        return error_response(NotFound(None, "export"), 404)
    try:
        return stix_response(export_search(request, viewer, request.GET))
    except ActionError as error:
        return error_response(error, 400)
