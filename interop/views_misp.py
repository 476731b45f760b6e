"""The REST side of interop: a case as a MISP event, for programs that speak MISP rather than GraphQL."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from access.errors import NotFound
from api import reads
from api.context import viewer_for_request
from api.origin import same_site
from audit.actions import record

from . import misp


def _missing() -> JsonResponse:
    error = NotFound(None, "case")
    return JsonResponse({"errors": [{"message": error.message, "extensions": {"code": error.code.value}}]},
                        status=404)


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def misp_case_event(request: HttpRequest, reference: str) -> JsonResponse:
    """``GET /interop/misp/cases/<reference>.json``: the case as a MISP event, for a session or a bearer token.

    A case that is missing, hidden, or that the caller may not see (anonymous included) is the same 404. The
    read is audited before the first byte leaves, as the CSV export is: an ``intel.read`` per owning agency of
    another agency's case (under the declared purpose, ``X-WildNet-Purpose``), and an ``interop.misp_export``.
    """
    viewer = viewer_for_request(request)
    found = misp.case_event(viewer, reference) if viewer.active else None
    if found is None:
        return _missing()
    case, event = found
    body = misp.event_json(event)
    reads.note(request, case.pk, "MispEvent", case.pk, owner=case.owner_agency_id)
    with transaction.atomic():
        reads.flush(request)
        record("interop.misp_export", actor=viewer.officer, obj=case, object_agency_id=case.owner_agency_id,
               purpose=viewer.purpose or "", details={"attributes": len(event.attributes),
                                                      "objects": len(event.objects)})
    response = JsonResponse(body)
    response["Cache-Control"] = "private, no-store"
    return response
