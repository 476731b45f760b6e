"""Who sees and handles spotters' reports.

A spotter (trusted reporter) sees their own reports; the coordinator of their programme (the agency
administrator of the NGO) sees the programme's; the analysts, investigators and supervisors of the agency a report
is routed to see it and triage it (``report.triage``), and only they see what the system found about it
(duplicates, intelligence already held, its score) through the ``TriageReport`` type. Nobody else sees a report.
Screenshots and status history follow their report. What a report became (case, listing, notice) is read through
those objects' own rules: a spotter or a coordinator never reaches them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import PermissionDenied
from access.policy import (
    NOTHING,
    Viewer,
    condition,
    register_action,
    register_condition,
    register_visibility,
    visibility_filter,
)
from agencies.models import AgencyType
from officers.models import INTELLIGENCE_ROLES, Role

from .figures import of_country
from .models import ReportScreenshot, ReportStatusChange, SpotterReport, TriageReport


def coordinates_programme(viewer: Viewer) -> bool:
    """An NGO's agency administrator coordinates its spotter programme."""
    return (viewer.officer is not None and viewer.role == Role.AGENCY_ADMIN
            and viewer.officer.agency.agency_type == AgencyType.NGO)


@register_condition("report.triage")
def triaged_by(viewer: Viewer) -> Q:
    """The reports in the viewer's triage queue: those routed to their agency, for those who read intelligence."""
    if viewer.role not in INTELLIGENCE_ROLES:
        return NOTHING
    return Q(routed_to_id=viewer.agency_id)


@register_visibility(SpotterReport)
def spotter_reports(viewer: Viewer) -> Q:
    if viewer.role == Role.TRUSTED_REPORTER:
        return Q(reporter_id=viewer.officer.pk if viewer.officer else 0)
    if coordinates_programme(viewer):
        return Q(organisation_id=viewer.agency_id)
    return condition("report.triage", viewer)


@register_visibility(TriageReport)
def triage_reports(viewer: Viewer) -> Q:
    return condition("report.triage", viewer)


def _of_visible_report(viewer: Viewer) -> Q:
    rule = visibility_filter(viewer, SpotterReport)
    if rule is NOTHING:
        return NOTHING
    return Q(report_id__in=SpotterReport.objects.filter(rule).values("pk"))


@register_visibility(ReportScreenshot)
def screenshots(viewer: Viewer) -> Q:
    return _of_visible_report(viewer)


@register_visibility(ReportStatusChange)
def history(viewer: Viewer) -> Q:
    return _of_visible_report(viewer)


@register_action("report.submit")
def submit(viewer: Viewer, target: Any) -> None:
    if viewer.role != Role.TRUSTED_REPORTER:
        raise PermissionDenied(_("Only trusted reporters submit reports."))


@register_action("report.triage")
def triage(viewer: Viewer, report: SpotterReport) -> None:
    """Only the agency the report is routed to triages it (the caller fetched it through the policy, so others
    never get this far: to them the report does not exist)."""
    if viewer.role not in INTELLIGENCE_ROLES or report.routed_to_id != viewer.agency_id:
        raise PermissionDenied(_("Only the analysts of the agency this report is routed to triage it."))


register_action("report.set_status")(triage)


# --- figures -----------------------------------------------------------------------------------------------------

@register_condition("report.counted")
def counted_reports(viewer: Viewer) -> Q:
    """The reports whose figures (counts and durations, never the reports) ``viewer`` may read.

    A programme's coordinator: their programme's reports. A national coordinator: the reports about their
    country's platforms or routed to their country's agencies (what the CITES indicator on citizens' reports
    counts), although they may not open one of them. The analysts, investigators and supervisors of an agency:
    the reports routed to it, and so for its administrator. Anyone else (a spotter, a platform officer): nothing.
    """
    if coordinates_programme(viewer):
        return Q(organisation_id=viewer.agency_id)
    if viewer.role == Role.AGENCY_ADMIN:
        return Q(routed_to_id=viewer.agency_id)
    if viewer.role == Role.NATIONAL_COORDINATOR:
        return of_country(viewer.country)
    if viewer.role in INTELLIGENCE_ROLES:
        return Q(routed_to_id=viewer.agency_id)
    return NOTHING
