"""The assessment lifecycle: open, set measure statuses with evidence, sign off, revise.

Each function checks the policy, changes state in the caller's transaction and writes an audit event with
what changed (before and after), so that the audit log holds the full history of every assessment even
though a signed-off revision itself is never edited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode
from access.policy import Viewer
from agencies.models import Agency
from audit.actions import record
from cases.identifiers import InvalidIdentifier, valid_country

from .models import (
    AssessmentStatus,
    EvidenceKind,
    MeasureCatalogue,
    MeasureEvidence,
    MeasureStatus,
    MeasureStatusEntry,
    NationalAssessment,
)

_URL = URLValidator(schemes=["http", "https"])
MAX_EVIDENCE_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class EvidenceInput:
    kind: str
    url: str = ""
    text: str = ""
    file: File[bytes] | None = None


@dataclass
class StatusChange:
    measure_code: str
    status: str
    reason: str = ""
    responsible_agency: Agency | None = None
    notes: str = ""
    evidence: list[EvidenceInput] = field(default_factory=list)


def _audit(action: str, viewer: Viewer, assessment: NationalAssessment, content: dict[str, object] | None = None,
           **details: object) -> None:
    """Details name the assessment and what changed; ``content`` (reasons, notes, evidence links) is shown only
    to auditors who may read the assessment, since a draft of another country is not theirs to read."""
    record(action, actor=viewer.officer, obj=assessment, details={
        "country": assessment.country, "period": assessment.period_label, "revision": assessment.revision,
        **details}, content=content)


def create_assessment(viewer: Viewer, country: str, start: datetime.date, end: datetime.date,
                      catalogue: MeasureCatalogue | None = None) -> NationalAssessment:
    """Open revision 1 of the country's assessment for the period, every measure of the catalogue (by default
    the latest edition) not started. One assessment per country and period: a second is a revision."""
    try:
        country = valid_country(country)
    except InvalidIdentifier:
        raise ActionError(ErrorCode.INVALID, _("Give an ISO 3166-1 alpha-2 country code."), "country") from None
    policy.check(viewer, "assessment.create", country)
    catalogue = catalogue or MeasureCatalogue.objects.first()
    if catalogue is None:
        raise ActionError(ErrorCode.INVALID_STATE, _("No catalogue of model measures is loaded."), None)
    if NationalAssessment.objects.filter(country=country, period_start=start, period_end=end).exists():
        raise ActionError(ErrorCode.CONFLICT, _("This period is already assessed: edit or revise that assessment."),
                          "period")
    assert viewer.officer is not None
    assessment = NationalAssessment.objects.create(country=country, period_start=start, period_end=end,
                                                   catalogue=catalogue, created_by=viewer.officer)
    MeasureStatusEntry.objects.bulk_create(
        MeasureStatusEntry(assessment=assessment, measure=measure) for measure in catalogue.measures.all())
    _audit("assessment.create", viewer, assessment, catalogue=catalogue.version)
    return assessment


def set_measure_status(viewer: Viewer, assessment: NationalAssessment, change: StatusChange) -> MeasureStatusEntry:
    """Record where a measure stands, who is responsible and what shows it; the reviewer is the caller."""
    policy.check(viewer, "assessment.edit", assessment)
    if change.status not in MeasureStatus.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown status."), "status")
    entry = (MeasureStatusEntry.objects.select_related("measure")
             .filter(assessment=assessment, measure__code=change.measure_code).first())
    if entry is None:
        raise ActionError(ErrorCode.NOT_FOUND, _("No such measure in this assessment's catalogue."), "measure_code")
    reason = change.reason.strip()
    if change.status == MeasureStatus.NOT_APPLICABLE and not reason:
        raise ActionError(ErrorCode.REQUIRED, _("Say why the measure does not apply."), "reason")
    agency = change.responsible_agency
    if agency is not None and agency.country != assessment.country:
        raise ActionError(ErrorCode.INVALID, _("The responsible agency must be of the assessed country."),
                          "responsible_agency_id")
    evidence = [_evidence(viewer, entry, item) for item in change.evidence]
    before = _snapshot(entry)
    entry.status, entry.reason, entry.notes = change.status, reason, change.notes.strip()
    entry.responsible_agency = agency
    entry.last_reviewed_at, entry.reviewer = timezone.now(), viewer.officer
    entry.save()
    for item in evidence:
        item.save()
    after = _snapshot(entry)
    _audit("assessment.set_status", viewer, assessment, measure=entry.measure.code,
           status={"before": before.pop("status"), "after": after.pop("status")},
           content={"before": before, "after": after,
                    "evidence_added": [{"kind": e.kind, "url": e.url} for e in evidence]})
    return entry


def _snapshot(entry: MeasureStatusEntry) -> dict[str, object]:
    return {"status": entry.status, "reason": entry.reason, "notes": entry.notes,
            "responsible_agency_id": entry.responsible_agency_id}


def _evidence(viewer: Viewer, entry: MeasureStatusEntry, item: EvidenceInput) -> MeasureEvidence:
    """A validated, unsaved evidence row (saved only once the whole change is valid)."""
    assert viewer.officer is not None
    row = MeasureEvidence(entry=entry, kind=item.kind, added_by=viewer.officer)
    if item.kind == EvidenceKind.LINK:
        try:
            _URL(item.url.strip())
        except ValidationError:
            raise ActionError(ErrorCode.INVALID, _("A link is an http(s) address."), "evidence") from None
        row.url, row.text = item.url.strip(), item.text.strip()
    elif item.kind == EvidenceKind.NOTE:
        if not item.text.strip():
            raise ActionError(ErrorCode.REQUIRED, _("A note has a text."), "evidence")
        row.text = item.text.strip()
    elif item.kind == EvidenceKind.FILE:
        if item.file is None or not item.file.size:
            raise ActionError(ErrorCode.REQUIRED, _("Attach the file."), "evidence")
        if item.file.size > MAX_EVIDENCE_FILE_BYTES:
            raise ActionError(ErrorCode.FILE_TOO_LARGE, _("The file is larger than 20 MB."), "evidence")
        row.file, row.text = item.file, item.text.strip()
    else:
        raise ActionError(ErrorCode.INVALID, _("Evidence is a file, a link or a note."), "evidence")
    return row


def sign_off(viewer: Viewer, assessment: NationalAssessment) -> NationalAssessment:
    """Freeze the draft: from now on a change is a new revision."""
    policy.check(viewer, "assessment.edit", assessment)
    assessment.status, assessment.signed_off_at = AssessmentStatus.SIGNED_OFF, timezone.now()
    assessment.signed_off_by = viewer.officer
    assessment.save(update_fields=["status", "signed_off_at", "signed_off_by"])
    counts: dict[str, int] = {}
    for status in assessment.entries.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    _audit("assessment.sign_off", viewer, assessment, statuses=counts)
    return assessment


def revise(viewer: Viewer, assessment: NationalAssessment) -> NationalAssessment:
    """A draft copy of a signed-off revision (statuses, reasons, agencies, notes, evidence), ``revision + 1``.

    Only the latest revision is revised, so the revisions of a period form one line.
    """
    policy.check(viewer, "assessment.revise", assessment)
    if NationalAssessment.objects.filter(previous=assessment).exists():
        raise ActionError(ErrorCode.INVALID_STATE, _("This revision was already revised; change the latest one."), "id")
    assert viewer.officer is not None
    draft = NationalAssessment.objects.create(
        country=assessment.country, period_start=assessment.period_start, period_end=assessment.period_end,
        catalogue=assessment.catalogue, revision=assessment.revision + 1, previous=assessment,
        created_by=viewer.officer)
    entries = list(MeasureStatusEntry.objects.filter(assessment=assessment).prefetch_related("evidence"))
    evidence = [list(entry.evidence.all()) for entry in entries]
    for entry in entries:
        entry.pk, entry.assessment = None, draft
    MeasureStatusEntry.objects.bulk_create(entries)  # sets the new primary keys (PostgreSQL, SQLite ≥ 3.35)
    for entry, items in zip(entries, evidence, strict=True):
        for item in items:
            item.pk, item.entry = None, entry
    MeasureEvidence.objects.bulk_create([item for items in evidence for item in items])
    _audit("assessment.revise", viewer, draft, supersedes=assessment.pk)
    return draft
