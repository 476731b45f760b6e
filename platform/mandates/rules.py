"""Who sees mandates and who may grant, suspend or revoke them."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import PermissionDenied
from access.policy import NOTHING, Viewer, register_action, register_visibility
from agencies.models import Agency
from officers.models import Role

from .models import Mandate


@register_visibility(Mandate)
def mandates(viewer: Viewer) -> Q:
    """An agency's officers see its mandates; a national coordinator sees every mandate of their country."""
    if viewer.role == Role.SYSTEM_ADMIN:
        return Q()
    if viewer.role == Role.NATIONAL_COORDINATOR:
        return Q(agency__country=viewer.country) | Q(agency_id=viewer.agency_id)
    if viewer.role == Role.TRUSTED_REPORTER:
        return NOTHING
    return Q(agency_id=viewer.agency_id)


def _coordinates(viewer: Viewer, agency: Agency) -> None:
    """A national coordinator governs the agencies of their country, except their own (no self-granting)."""
    if viewer.role != Role.NATIONAL_COORDINATOR or agency.country != viewer.country:
        raise PermissionDenied(_("Only a national coordinator of the agency's country can do this."), "agency")
    if agency.pk == viewer.agency_id:
        raise PermissionDenied(_("A coordinator cannot grant or change their own agency's mandate."), "agency")


@register_action("mandate.grant")
def grant(viewer: Viewer, agency: Agency) -> None:
    _coordinates(viewer, agency)


@register_action("mandate.change_status")
def change_status(viewer: Viewer, mandate: Mandate) -> None:
    _coordinates(viewer, mandate.agency)
