"""The national report over HTTP: ``/compliance/national-report/<country>/<period>.json|.csv|.html``.

A browser session or a bearer token; the assessment comes from the policy, so a missing assessment, one the
caller may not see (another country's draft) and an anonymous caller all get the same 404. Every report
served is audited with its country, period, revision and format. ``.html`` is the console's printable report
page (which reads and audits the report itself), so the address of the report for people stays the same.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from access.errors import ActionError, NotFound
from access.policy import fetch
from api.context import viewer_for_request
from api.origin import same_site
from audit.actions import record

from . import reports
from .models import MeasureEvidence
from .periods import parse_period
from .queries import current_assessment

_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _not_found() -> JsonResponse:
    return JsonResponse({"errors": [{"message": "No such assessment.", "extensions": {"code": "NOT_FOUND"}}]},
                        status=404)


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def national_report(request: HttpRequest, country: str, period: str, fmt: str) -> HttpResponseBase:
    viewer = viewer_for_request(request)
    try:
        start, end = parse_period(period)
    except ActionError:
        return _not_found()
    assessment = current_assessment(viewer, country, start, end) if viewer.active else None
    if assessment is None:
        return _not_found()
    if fmt == "html":
        return HttpResponseRedirect(reverse("assessment-report", args=[assessment.country, period]))
    report = reports.national_report(viewer, assessment)
    record("assessment.report", actor=viewer.officer, obj=assessment,
           details={"country": assessment.country, "period": assessment.period_label,
                    "revision": assessment.revision, "format": fmt})
    if fmt == "json":
        response: HttpResponse = JsonResponse(report, json_dumps_params={"ensure_ascii": False})
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(reports.csv_rows(report))
        response = HttpResponse(buffer.getvalue(), content_type=_TYPES["csv"])
    name = f"national-report-{assessment.country}-{assessment.period_label.replace('/', '_')}-r{assessment.revision}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def download_evidence(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """Stream an assessment's evidence file to whoever may see that evidence (the assessment's own country).

    Missing, refused and link-or-note evidence all get the same 404; every download is audited.
    """
    viewer = viewer_for_request(request)
    try:
        item = fetch(viewer, MeasureEvidence.objects.select_related("entry__assessment"), evidence_id)
    except NotFound:
        return _not_found()
    if not item.file:
        return _not_found()
    record("assessment.evidence_download", actor=viewer.officer, obj=item,
           details={"assessment": item.entry.assessment_id, "entry": item.entry_id})
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.file_name or "evidence")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
