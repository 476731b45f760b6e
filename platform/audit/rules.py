"""Who reads the audit log: the owners of what was accessed, and the coordinators of the country."""

from __future__ import annotations

from django.db.models import Q

from access.policy import Viewer, register_visibility
from officers.models import Role

from .models import AuditEvent


@register_visibility(AuditEvent)
def audit_events(viewer: Viewer) -> Q:
    """Supervisors and agency administrators review access to and by their agency; a national coordinator
    audits the whole country; a system administrator the whole platform; everyone else sees their own acts."""
    if viewer.role == Role.SYSTEM_ADMIN:
        return Q()
    if viewer.role == Role.NATIONAL_COORDINATOR:
        return Q(country=viewer.country) | Q(object_agency__country=viewer.country)
    if viewer.role in {Role.SUPERVISOR, Role.AGENCY_ADMIN}:
        return Q(agency_id=viewer.agency_id) | Q(object_agency_id=viewer.agency_id)
    return Q(actor_id=viewer.officer.pk)  # type: ignore[union-attr]
