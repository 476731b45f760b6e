"""Triage of spotters' reports: where a report goes, how urgent it is, and what analysts make of it.

A report is routed and scored when it is received (``reports.ranking``); the analysts of the agency it was routed
to then, through the actions below (each checked by the policy as ``report.triage``):

* pass it to an investigation: a new case or an existing one gets the listing, the reporter as a graded source
  (an intelligence report, under the "sources" redaction group, so a share can withhold who reported) and the
  screenshots as evidence, moved with their custody recorded (captured by the spotter, transferred by the
  programme to the agency);
* send it to the platform: the same, then a takedown notice, marked as coming from a trusted flagger when the
  programme holds that status (DSA Art. 22);
* mark it not actionable with one of the general reasons;
* merge it into another report of the same thing: it then follows that report's outcome.

A final status is final, for the report and for its merged duplicates, each of whose spotters is told by e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode
from access.policy import Viewer
from audit.actions import record
from cases import actions as case_actions
from cases.evidence import DigestingFile, store_file
from cases.models import CaptureMethod, Case, CustodyAction, CustodyEvent, Evidence, Listing
from compliance import actions as notice_actions
from compliance.models import TakedownNotice

from .actions import FINAL, set_report_status
from .models import ReportScreenshot, ReportStatus, SpotterReport
from .ranking import TRACK_RECORD_MINIMUM, rescore_duplicates, track_record

# --- triage actions -----------------------------------------------------------------------------------------


def start_review(viewer: Viewer, report: SpotterReport) -> SpotterReport:
    """Say an analyst is looking at it: the spotter sees "under review"."""
    policy.check(viewer, "report.triage", report)
    return set_report_status(viewer, report, ReportStatus.UNDER_REVIEW)


def not_actionable(viewer: Viewer, report: SpotterReport, reason: str) -> SpotterReport:
    policy.check(viewer, "report.triage", report)
    _open(report)
    _finish(viewer, report, ReportStatus.NOT_ACTIONABLE, reason)
    return report


@dataclass
class CaseChoice:
    """Where the report goes: an existing case (fetched through the policy by the caller) or a new one."""

    case: Case | None = None
    title: str = ""


def pass_to_investigation(viewer: Viewer, report: SpotterReport, choice: CaseChoice) -> SpotterReport:
    """Put the report's listing, source and screenshots into a case; the spotter sees "passed to an
    investigation" and nothing of the case."""
    policy.check(viewer, "report.triage", report)
    _open(report)
    case, listing = _into_case(viewer, report, choice)
    _finish(viewer, report, ReportStatus.PASSED_TO_INVESTIGATION, case=case, listing=listing)
    return report


def send_to_platform(viewer: Viewer, report: SpotterReport, choice: CaseChoice,
                     data: notice_actions.NoticeInput) -> TakedownNotice:
    """As :func:`pass_to_investigation`, then a takedown notice for the listing to its platform; a programme that
    holds trusted-flagger status makes it a trusted flagger's notice (DSA Art. 22)."""
    policy.check(viewer, "report.triage", report)
    _open(report)
    if report.platform_id is None:
        raise ActionError(ErrorCode.INVALID, _("The address is on no platform WildNet knows; a notice needs one."),
                          "id")
    case, listing = _into_case(viewer, report, choice)
    organisation = report.organisation
    notice = notice_actions.issue_notice(viewer, case, [listing], data,
                                         trusted_flagger=organisation if organisation.trusted_flagger_reference
                                         else None)
    _finish(viewer, report, ReportStatus.SENT_TO_PLATFORM, case=case, listing=listing, notice=notice)
    return notice


def merge(viewer: Viewer, report: SpotterReport, into: SpotterReport) -> SpotterReport:
    """Treat ``report`` as a duplicate of ``into`` (another report of the same thing, perhaps at another
    address): it leaves the queue and follows ``into``'s outcome. Both must be open and in the viewer's queue."""
    policy.check(viewer, "report.triage", report)
    policy.check(viewer, "report.triage", into)
    _open(report)
    _open(into, "into_id")
    first = into.duplicate_of if into.duplicate_of is not None else into
    if first.pk == report.pk:
        raise ActionError(ErrorCode.INVALID, _("A report cannot be merged into itself."), "into_id")
    SpotterReport.objects.filter(duplicate_of=report).update(duplicate_of=first)
    report.duplicate_of = first
    report.save(update_fields=["duplicate_of"])
    rescore_duplicates(first)
    record("report.merge", actor=viewer.officer, obj=report, object_agency_id=report.routed_to_id,
           details={"into": first.pk})
    return report


def _open(report: SpotterReport, field_name: str = "id") -> None:
    if report.status in FINAL:
        raise ActionError(ErrorCode.INVALID_STATE, _("This report was already triaged."), field_name)
    first = report.duplicate_of
    if first is not None and first.status not in FINAL and first.routed_to_id == report.routed_to_id:
        raise ActionError(ErrorCode.INVALID_STATE, _("This report is merged into another one; triage that one."),
                          field_name)


def _finish(viewer: Viewer, report: SpotterReport, status: str, reason: str = "", *, case: Case | None = None,
            listing: Listing | None = None, notice: TakedownNotice | None = None) -> None:
    """Give ``report`` and the open duplicates merged into it their final status, each spotter told."""
    now = timezone.now()
    followers = [report, *SpotterReport.objects.filter(duplicate_of=report, routed_to_id=report.routed_to_id)
                 .exclude(status__in=FINAL).select_related("reporter")]
    for each in followers:
        each.case, each.listing, each.notice, each.triaged_at = case, listing, notice, now
        each.save(update_fields=["case", "listing", "notice", "triaged_at"])
        set_report_status(viewer, each, status, reason, now=now)


def _into_case(viewer: Viewer, report: SpotterReport, choice: CaseChoice) -> tuple[Case, Listing]:
    """The case (new or chosen), with the report's listing, its reporter as a source and its screenshots."""
    case = choice.case
    if case is None:
        title = choice.title.strip() or _("Spotter's report: %(address)s") % {"address": report.url[:150]}
        case = case_actions.create_case(viewer, case_actions.CaseInput(
            title=title[:200], jurisdictions=[report.platform.country if report.platform else viewer.country],
            summary=_("Opened from a report by a trusted reporter of %(programme)s.")
            % {"programme": report.organisation.name},
            species_ids=[report.species_id] if report.species_id else [],
            platform_ids=[report.platform_id] if report.platform_id else []))
    listing, _created = case_actions.add_listing(viewer, case, case_actions.ListingInput(
        url=report.url, platform_id=report.platform_id, language=report.language, seen_at=report.seen_at,
        species_ids=[report.species_id] if report.species_id else []))
    case_actions.add_report(viewer, case, case_actions.ReportInput(
        text=source_text(report), source_evaluation=source_grade(report), information_assessment="2"))
    for each in [report, *report.duplicates.all()]:
        _move_screenshots(viewer, each, case, listing)
    return case, listing


def source_text(report: SpotterReport) -> str:
    """The reporter as a source: who, of which programme, when, and what they wrote (their own words)."""
    reporter = report.reporter
    name = reporter.get_full_name() or reporter.get_username()
    return _("Report by trusted reporter %(name)s (%(programme)s), received %(day)s, seen %(seen)s: %(text)s") % {
        "name": name, "programme": report.organisation.name, "day": report.created_at.date().isoformat(),
        "seen": report.seen_at.date().isoformat(), "text": report.description}


def source_grade(report: SpotterReport) -> str:
    """Europol 4x4 source evaluation from the reporter's record: B (mostly reliable) once at least three of their
    reports were triaged and most were acted on, C (fairly reliable) otherwise. The information is graded 2 (known
    personally to the source): the spotter saw the listing."""
    triaged, acted = track_record(report)
    return "B" if triaged >= TRACK_RECORD_MINIMUM and acted * 2 > triaged else "C"


def _move_screenshots(viewer: Viewer, report: SpotterReport, case: Case, listing: Listing) -> None:
    """Copy each screenshot into the case's evidence, checking its hash, record its custody (captured by the
    spotter, transferred by the programme to the agency), and delete the report's copy once that commits."""
    assert viewer.officer is not None
    for screenshot in ReportScreenshot.objects.filter(report=report, evidence__isnull=True).exclude(file=""):
        evidence = Evidence(case=case, listing=listing, original_name=screenshot.original_name,
                            capture_method=CaptureMethod.SCREENSHOT, captured_by=report.reporter,
                            captured_at=report.seen_at,
                            description=_("Screenshot sent with a spotter's report."))
        with screenshot.file.open("rb") as source:
            stream = DigestingFile(source)
            store_file(evidence, stream)
        if stream.digest.hexdigest() != screenshot.sha256:
            evidence.file.delete(save=False)
            raise ActionError(ErrorCode.INVALID_STATE, _("A screenshot no longer matches its recorded hash; it was "
                                                         "not moved."), "id")
        evidence.sha256, evidence.size, evidence.content_type = screenshot.sha256, stream.bytes_read, \
            screenshot.content_type
        evidence.save()
        CustodyEvent.objects.create(evidence=evidence, action=CustodyAction.CAPTURED, actor=report.reporter,
                                    occurred_at=report.created_at, to_holder=report.organisation.name,
                                    sha256=screenshot.sha256, note=_("Sent with a spotter's report."))
        CustodyEvent.objects.create(evidence=evidence, action=CustodyAction.TRANSFERRED, actor=viewer.officer,
                                    from_holder=report.organisation.name, to_holder=viewer.officer.agency.name,
                                    sha256=screenshot.sha256, note=_("Moved into the case by triage."))
        record("evidence.attach", actor=viewer.officer, obj=evidence, object_agency_id=case.owner_agency_id,
               details={"case": case.reference, "size": evidence.size, "from_report": report.pk},
               content={"sha256": evidence.sha256})
        moved = screenshot.file.name
        screenshot.evidence, screenshot.file = evidence, ""
        screenshot.save(update_fields=["evidence", "file"])
        transaction.on_commit(partial(screenshot.file.storage.delete, moved))
