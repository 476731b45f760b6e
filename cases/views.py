"""The evidence download: the only way a stored file leaves WildNet (media files are never served directly)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from access import policy
from access.errors import NotFound
from api.context import viewer_for_request
from api.origin import same_site

from . import evidence as actions
from .models import Evidence


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def download_evidence(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """Stream one evidence file to a session or bearer-token user who may see it.

    Missing and invisible evidence (and an anonymous caller) get the same 404, so the answer reveals nothing.
    The file goes out as an attachment of the type detected at capture, never sniffed by the browser, and
    the access is recorded in the custody chain and the audit log before the first byte is sent.
    """
    viewer = viewer_for_request(request)
    try:
        evidence = policy.fetch(viewer, Evidence.objects.select_related("case"), evidence_id)
    except NotFound as error:
        return JsonResponse({"errors": [{"message": error.message, "extensions": {"code": error.code.value}}]},
                            status=404)
    response = FileResponse(actions.open_for_download(viewer, evidence), as_attachment=True,
                            filename=evidence.original_name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
