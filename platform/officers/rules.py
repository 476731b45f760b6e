"""Who sees and manages officers and API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode, PermissionDenied
from access.policy import Viewer, register_action, register_visibility
from agencies.models import Agency, AgencyType

from .models import ApiToken, Officer, Role

#: Roles an agency administrator may give. Coordinators and system administrators are appointed by a
#: system administrator, never by an agency: no agency can promote itself to oversee the others.
AGENCY_ASSIGNABLE = frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR, Role.AGENCY_ADMIN,
                               Role.PLATFORM_OFFICER, Role.TRUSTED_REPORTER})
#: Which roles make sense in which kind of agency: a platform has compliance officers, not investigators.
PLATFORM_ROLES = frozenset({Role.PLATFORM_OFFICER, Role.AGENCY_ADMIN})


@register_visibility(Officer)
def officers(viewer: Viewer) -> Q:
    """Colleagues of one's own agency; a trusted reporter sees only themself; a system administrator all."""
    if viewer.role == Role.SYSTEM_ADMIN:
        return Q()
    if viewer.role == Role.TRUSTED_REPORTER:
        return Q(pk=viewer.officer.pk)  # type: ignore[union-attr]
    return Q(agency_id=viewer.agency_id)


@register_visibility(ApiToken)
def tokens(viewer: Viewer) -> Q:
    """One's own tokens; an agency administrator also sees (to revoke) those of their agency."""
    own = Q(officer_id=viewer.officer.pk)  # type: ignore[union-attr]
    if viewer.role == Role.AGENCY_ADMIN:
        return own | Q(officer__agency_id=viewer.agency_id)
    return own


@register_action("officer.create")
def create_officer(viewer: Viewer, target: dict[str, Any]) -> None:
    """``target``: {"agency": Agency, "role": str, "clearance": int}."""
    agency: Agency = target["agency"]
    role, clearance = target["role"], target["clearance"]
    officer = viewer.officer
    assert officer is not None
    if viewer.role == Role.SYSTEM_ADMIN:
        pass
    elif viewer.role == Role.AGENCY_ADMIN and agency.pk == viewer.agency_id:
        if role not in AGENCY_ASSIGNABLE:
            raise PermissionDenied(_("An agency administrator cannot appoint this role."), "role")
        if clearance > officer.clearance:
            raise PermissionDenied(_("You cannot grant a clearance above your own."), "clearance")
    else:
        raise PermissionDenied(_("Only your agency's administrator can create its officers."), "agency")
    is_platform = agency.agency_type == AgencyType.ONLINE_PLATFORM
    if is_platform and role not in PLATFORM_ROLES:
        raise ActionError(ErrorCode.INVALID, _("An online platform's officers are platform officers."), "role")
    if not is_platform and role == Role.PLATFORM_OFFICER:
        raise ActionError(ErrorCode.INVALID, _("Platform officers belong to an online platform."), "role")


@register_action("token.issue")
def issue_token(viewer: Viewer, target: Officer) -> None:
    """Only for oneself: whoever issues a token sees its raw value once."""
    if viewer.officer is None or target.pk != viewer.officer.pk:
        raise PermissionDenied(_("You can issue tokens only for yourself."))


@register_action("token.revoke")
def revoke_token(viewer: Viewer, target: ApiToken) -> None:
    """The owner, or their agency's administrator (e.g. when an officer leaves)."""
    if viewer.officer is not None and target.officer_id == viewer.officer.pk:
        return
    if viewer.role == Role.AGENCY_ADMIN and target.officer.agency_id == viewer.agency_id:
        return
    raise PermissionDenied(_("You cannot revoke this token."))


@register_action("officer.reset_second_factor")
def reset_second_factor(viewer: Viewer, target: Officer) -> None:
    """A colleague who lost their phone: their agency's administrator (or a system administrator), never oneself
    (one's own factors are changed with the password and a factor, on one's own page)."""
    if viewer.officer is not None and target.pk == viewer.officer.pk:
        raise PermissionDenied(_("Change your own factors on your second-factor page."))
    if viewer.role == Role.SYSTEM_ADMIN or (viewer.role == Role.AGENCY_ADMIN and target.agency_id == viewer.agency_id):
        return
    raise PermissionDenied(_("Only your agency's administrator can reset a colleague's second factor."))
