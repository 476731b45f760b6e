"""Who sees and changes national assessments of the model measures.

* The catalogue is the CITES document restated: every signed-in officer may read it.
* A national coordinator sees every assessment of their own country, drafts included, and edits, signs off and
  revises them; of other countries they see the signed-off revisions only — the summary (statuses, reasons,
  responsible agencies), never the evidence, notes or indicators, which describe another country's services.
* Intelligence officers (analysts, investigators, supervisors) and agency administrators see their own
  country's signed-off assessments, with evidence: drafts stay with the coordinators until signed.
* Platform officers, trusted reporters and system administrators see nothing: an assessment names the
  country's weaknesses, which is nothing a platform, an NGO volunteer or the operator needs.

Editing another country's assessment is refused as ``NOT_FOUND`` whether or not its summary is visible, so
the answer never tells whether a draft exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode, NotFound, PermissionDenied
from access.policy import NOTHING, Viewer, register_action, register_condition, register_visibility
from officers.models import INTELLIGENCE_ROLES, Role

from .models import (
    AssessmentStatus,
    MeasureCatalogue,
    MeasureEvidence,
    MeasureStatusEntry,
    ModelMeasure,
    NationalAssessment,
)

#: Roles that see their own country's signed-off assessments in full.
COUNTRY_READERS = INTELLIGENCE_ROLES | {Role.AGENCY_ADMIN}


def is_coordinator(viewer: Viewer) -> bool:
    return viewer.role == Role.NATIONAL_COORDINATOR


def sees_details(viewer: Viewer, assessment: NationalAssessment) -> bool:
    """Evidence, notes and indicators: only for the assessment's own country (the summary goes further)."""
    return viewer.active and viewer.country == assessment.country and (
        is_coordinator(viewer) or viewer.role in COUNTRY_READERS)


@register_visibility(MeasureCatalogue)
@register_visibility(ModelMeasure)
def catalogue(viewer: Viewer) -> Q:
    """The public CITES text."""
    return Q()


@register_visibility(NationalAssessment)
def assessments(viewer: Viewer) -> Q:
    signed_off = Q(status=AssessmentStatus.SIGNED_OFF)
    if is_coordinator(viewer):
        return Q(country=viewer.country) | signed_off
    if viewer.role in COUNTRY_READERS:
        return Q(country=viewer.country) & signed_off
    return NOTHING


@register_condition("audit.content:compliance.nationalassessment")
def assessment_audit_content(viewer: Viewer) -> Q:
    """Who reads the reasons, notes and evidence links an assessment's audit events carry: as ``sees_details``,
    the assessment's own country only — another country's coordinator sees a signed-off summary, not its notes."""
    if not (is_coordinator(viewer) or viewer.role in COUNTRY_READERS):
        return NOTHING
    return assessments(viewer) & Q(country=viewer.country)


@register_visibility(MeasureStatusEntry)
def entries(viewer: Viewer) -> Q:
    condition = assessments(viewer)
    if condition is NOTHING:
        return NOTHING
    return Q(assessment_id__in=NationalAssessment.objects.filter(condition).values("pk"))


@register_visibility(MeasureEvidence)
def evidence(viewer: Viewer) -> Q:
    """Only the assessment's own country: narrower than the entries, which other coordinators see."""
    condition = assessments(viewer)
    if condition is NOTHING:
        return NOTHING
    own = NationalAssessment.objects.filter(condition, country=viewer.country)
    return Q(entry__assessment_id__in=own.values("pk"))


def _own_coordinator(viewer: Viewer, assessment: NationalAssessment) -> None:
    if not is_coordinator(viewer):
        raise PermissionDenied(_("Only national coordinators change assessments."))
    if assessment.country != viewer.country:
        raise NotFound("id", "assessment")


@register_action("assessment.create")
def create(viewer: Viewer, country: Any) -> None:
    if not is_coordinator(viewer):
        raise PermissionDenied(_("Only national coordinators open assessments."))
    if country != viewer.country:
        raise PermissionDenied(_("Coordinators assess their own country only."), "country")


@register_action("assessment.edit")
def edit(viewer: Viewer, assessment: NationalAssessment) -> None:
    """Setting statuses and signing off: the country's coordinators, on a draft."""
    _own_coordinator(viewer, assessment)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ActionError(ErrorCode.INVALID_STATE, _("This assessment is signed off: revise it to change it."), "id")


@register_action("assessment.revise")
def revise(viewer: Viewer, assessment: NationalAssessment) -> None:
    """A new revision of a signed-off assessment: the country's coordinators."""
    _own_coordinator(viewer, assessment)
    if assessment.status != AssessmentStatus.SIGNED_OFF:
        raise ActionError(ErrorCode.INVALID_STATE, _("Only a signed-off assessment is revised; edit the draft."), "id")
