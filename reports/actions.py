"""The only code that changes spotters' reports: submitting one, and moving it through its statuses.

A submission is checked whole (who, pace, every field, every file) before anything is written, and writes only
the report, its first history step and its screenshots: never a listing, a case or a notice. Whether its URL was
reported before or is already in intelligence is recorded for triage, and the submission answers the same either
way, so a spotter learns nothing about intelligence from reporting.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pycountry
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode, require_offset
from access.policy import Viewer
from agencies.models import Agency
from audit.actions import record
from cases.actions import platform_domains
from cases.evidence import HEAD_BYTES, DigestingFile, detect_content_type, safe_name, store_file
from cases.identifiers import InvalidIdentifier, normalise_url, platform_domain_for, url_host
from cases.models import Listing
from cases.models.intel import url_digest
from cases.species.matching import resolve_species
from outbox.actions import send_mail

from .models import NotActionableReason, ReportScreenshot, ReportStatus, ReportStatusChange, SpotterReport
from .ranking import rank

#: What a spotter may type: enough for a careful description, not a dump.
DESCRIPTION_MAX = 5000
SPECIES_MAX = 200
URL_MAX = 2000
#: Screenshots are pictures of a page, or the page printed: nothing a browser could run (no SVG, no HTML).
SCREENSHOT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
CLOCK_SKEW = datetime.timedelta(minutes=5)
#: A spotter's report ends here; triage (``reports.triage``) decides between them.
FINAL = frozenset({ReportStatus.SENT_TO_PLATFORM, ReportStatus.PASSED_TO_INVESTIGATION, ReportStatus.NOT_ACTIONABLE})


@dataclass
class ReportInput:
    url: str
    description: str
    seen_at: datetime.datetime | None
    species_suggested: str = ""
    language: str = ""


def submit_report(viewer: Viewer, data: ReportInput, screenshots: list[UploadedFile] | None = None,
                  now: datetime.datetime | None = None) -> SpotterReport:
    """Record a spotter's report with its screenshots, or raise the typed error of the first thing refused."""
    policy.check(viewer, "report.submit")
    assert viewer.officer is not None
    now = now or timezone.now()
    files = list(screenshots or [])
    _within_rate(viewer, now)
    url = _url(data.url)
    description = data.description.strip()
    if not description:
        raise ActionError(ErrorCode.REQUIRED, _("Say what you saw."), "description")
    if len(description) > DESCRIPTION_MAX:
        raise ActionError(ErrorCode.INVALID, _("Say it in at most %(count)s characters.") % {"count": DESCRIPTION_MAX},
                          "description")
    suggested = data.species_suggested.strip()
    if len(suggested) > SPECIES_MAX:
        raise ActionError(ErrorCode.INVALID, _("A species name is at most %(count)s characters.")
                          % {"count": SPECIES_MAX}, "species_suggested")
    seen_at = _seen_at(data.seen_at, now)
    language = _language(data.language)
    types = [_screenshot_type(upload) for upload in _counted(files)]

    digest = url_digest(url)
    platform_id = platform_domain_for(url_host(url), platform_domains())
    report = SpotterReport.objects.create(
        reporter=viewer.officer, organisation_id=viewer.agency_id, url_as_given=data.url.strip(), url=url,
        url_digest=digest, platform=Agency.objects.get(pk=platform_id) if platform_id else None,
        description=description, species_suggested=suggested,
        species=resolve_species(suggested) if suggested else None, seen_at=seen_at, language=language,
        duplicate_of=(SpotterReport.objects.filter(url_digest=digest, duplicate_of__isnull=True)
                      .order_by("created_at", "id").first()),
        # The system's own look-up, never shown to the spotter: it only ranks the report in triage.
        already_known=Listing.objects.filter(url_digest=digest).exists(),
        created_at=now)
    ReportStatusChange.objects.create(report=report, status=ReportStatus.RECEIVED, changed_at=now,
                                      changed_by=viewer.officer)
    record("report.submit", actor=viewer.officer, obj=report, object_agency_id=viewer.agency_id,
           details={"screenshots": len(files)}, content={"url": url})
    rank(report)
    _store_screenshots(report, files, types)  # last: a failure here deletes what it wrote and rolls back the rest
    return report


def _within_rate(viewer: Viewer, now: datetime.datetime) -> None:
    """``REPORTS_PER_HOUR`` per spotter, counted from the table (so it holds across processes and restarts)."""
    recent = SpotterReport.objects.filter(reporter=viewer.officer, created_at__gt=now - datetime.timedelta(hours=1))
    if recent.count() >= settings.REPORTS_PER_HOUR:
        raise ActionError(ErrorCode.RATE_LIMITED, _("You have sent %(count)s reports in the last hour; send the next "
                          "one later.") % {"count": settings.REPORTS_PER_HOUR})


def _url(raw: str) -> str:
    if len(raw) > URL_MAX:
        raise ActionError(ErrorCode.INVALID, _("The address is longer than %(count)s characters.")
                          % {"count": URL_MAX}, "url")
    if not raw.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give the address of what you saw."), "url")
    try:
        url = normalise_url(raw)
    except InvalidIdentifier as exc:
        raise ActionError(ErrorCode.INVALID, str(exc), "url") from None
    if len(url) > URL_MAX:
        raise ActionError(ErrorCode.INVALID, _("The address is longer than %(count)s characters.")
                          % {"count": URL_MAX}, "url")
    return url


def _seen_at(seen_at: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    if seen_at is None:
        raise ActionError(ErrorCode.REQUIRED, _("Say when you saw it."), "seen_at")
    require_offset(seen_at, "seen_at")
    if seen_at > now + CLOCK_SKEW:
        raise ActionError(ErrorCode.INVALID, _("You cannot have seen it in the future."), "seen_at")
    return seen_at


def _language(code: str) -> str:
    code = code.strip().lower()
    if code and (len(code) != 2 or pycountry.languages.get(alpha_2=code) is None):
        raise ActionError(ErrorCode.INVALID, _("Give the language as a two-letter code (ISO 639-1), e.g. fr."),
                          "language")
    return code


def _counted(files: list[UploadedFile]) -> list[UploadedFile]:
    if len(files) > settings.REPORT_SCREENSHOTS_MAX:
        raise ActionError(ErrorCode.INVALID, _("Send at most %(count)s screenshots.")
                          % {"count": settings.REPORT_SCREENSHOTS_MAX}, "screenshots")
    return files


def _screenshot_type(upload: UploadedFile) -> str:
    """The type the file's bytes show, once its size is within the limit; refused unless an image or a PDF."""
    if upload.size is None or upload.size > settings.REPORT_SCREENSHOT_MAX_BYTES:
        raise ActionError(ErrorCode.FILE_TOO_LARGE, _("A screenshot is at most %(bytes)s bytes.")
                          % {"bytes": settings.REPORT_SCREENSHOT_MAX_BYTES}, "screenshots")
    if upload.size == 0:
        raise ActionError(ErrorCode.INVALID, _("The file is empty."), "screenshots")
    upload.seek(0)
    content_type = detect_content_type(upload.read(HEAD_BYTES))
    upload.seek(0)
    if content_type not in SCREENSHOT_TYPES:
        raise ActionError(ErrorCode.INVALID, _("A screenshot must be an image (PNG, JPEG, GIF, WebP) or a PDF."),
                          "screenshots")
    return content_type


def _store_screenshots(report: SpotterReport, files: list[UploadedFile], types: list[str]) -> None:
    """Store each file hashed as it streams; if anything fails, the files already written are deleted again."""
    stored: list[ReportScreenshot] = []
    try:
        for upload, content_type in zip(files, types, strict=True):
            screenshot = ReportScreenshot(report=report, original_name=safe_name(upload.name),
                                          content_type=content_type)
            stream = DigestingFile(upload)
            store_file(screenshot, stream)
            stored.append(screenshot)
            if not stream.in_order or stream.bytes_read != upload.size:
                raise OSError("The storage did not read the upload once and in order; its hash would be wrong.")
            screenshot.sha256, screenshot.size = stream.digest.hexdigest(), stream.bytes_read
            screenshot.save()
    except Exception:
        for screenshot in stored:
            screenshot.file.delete(save=False)
        raise


def set_report_status(viewer: Viewer, report: SpotterReport, status: str, reason: str = "",
                      now: datetime.datetime | None = None) -> SpotterReport:
    """Move ``report`` on (received → under review → acted on / not actionable) and tell its spotter by e-mail.

    A final status stays final; "not actionable" needs one of the general reasons, and other statuses take none.
    Triage (``reports.triage``) calls this once it has done what the status says.
    """
    policy.check(viewer, "report.set_status", report)
    if status not in ReportStatus.values or status == ReportStatus.RECEIVED:
        raise ActionError(ErrorCode.INVALID, _("Unknown status %(status)s.") % {"status": repr(status)}, "status")
    if report.status in FINAL or report.status == status:
        raise ActionError(ErrorCode.INVALID_STATE, _("This report cannot move to that status now."), "status")
    if status == ReportStatus.NOT_ACTIONABLE and reason not in NotActionableReason.values:
        raise ActionError(ErrorCode.REQUIRED, _("Give one of the general reasons."), "reason")
    if status != ReportStatus.NOT_ACTIONABLE and reason:
        raise ActionError(ErrorCode.INVALID, _("Only a report that is not actionable has a reason."), "reason")
    report.status, report.reason = status, reason
    if status in FINAL:
        report.triaged_at = report.triaged_at or now or timezone.now()
    report.save(update_fields=["status", "reason", "triaged_at"])
    ReportStatusChange.objects.create(report=report, status=status, reason=reason, changed_by=viewer.officer,
                                      changed_at=now or timezone.now())
    _notify(report)
    record("report.set_status", actor=viewer.officer, obj=report, object_agency_id=report.organisation_id,
           details={"status": status, "reason": reason})
    return report


def _notify(report: SpotterReport) -> None:
    """The spotter's e-mail, in their language, through the outbox (sent after the change commits)."""
    spotter: Any = report.reporter
    with translation.override(spotter.language):
        subject = _("Your report is now: %(status)s") % {"status": report.get_status_display()}
        lines = [_("The status of the report you sent on %(day)s has changed.")
                 % {"day": report.created_at.date().isoformat()},
                 _("Address: %(url)s") % {"url": report.url},
                 _("Status: %(status)s") % {"status": report.get_status_display()}]
        if report.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": report.get_reason_display()})
        lines.append(_("Thank you for reporting."))
    send_mail([spotter.email] if spotter.email else [], subject, "\n".join(lines) + "\n")
