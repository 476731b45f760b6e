"""Who sees and manages officers and API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode, PermissionDenied
from access.markings import Classification
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


def administers(viewer: Viewer, agency: Agency) -> bool:
    """Whether ``viewer`` manages the officers of ``agency``: its administrator, or a system administrator."""
    return viewer.role == Role.SYSTEM_ADMIN or (viewer.role == Role.AGENCY_ADMIN and agency.pk == viewer.agency_id)


def assignable_roles(viewer: Viewer, agency: Agency) -> list[str]:
    """The roles ``viewer`` may give to officers of ``agency``, in the order of ``Role``; empty when none.

    Derived from the very check ``officer.create`` and ``officer.change_role`` make, so a form never offers what
    the API would refuse.
    """
    if not administers(viewer, agency):
        return []
    return [role for role in Role.values if _refusal(viewer, agency, role) is None]


def assignable_clearances(viewer: Viewer) -> list[int]:
    """The clearance levels ``viewer`` may give: up to their own, all for a system administrator."""
    officer = viewer.officer
    if officer is None or viewer.role not in (Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN):
        return []
    return [level for level in Classification.values
            if viewer.role == Role.SYSTEM_ADMIN or level <= officer.clearance]


def _refusal(viewer: Viewer, agency: Agency, role: str) -> ActionError | None:
    """Why the viewer may not give ``role`` in ``agency`` (above their authority, or unfit for its kind), if so."""
    if viewer.role != Role.SYSTEM_ADMIN and role not in AGENCY_ASSIGNABLE:
        return PermissionDenied(_("An agency administrator cannot appoint this role."), "role")
    is_platform = agency.agency_type == AgencyType.ONLINE_PLATFORM
    if is_platform and role not in PLATFORM_ROLES:
        return ActionError(ErrorCode.INVALID, _("An online platform's officers are platform officers."), "role")
    if not is_platform and role == Role.PLATFORM_OFFICER:
        return ActionError(ErrorCode.INVALID, _("Platform officers belong to an online platform."), "role")
    return None


def _check_role(viewer: Viewer, agency: Agency, role: str) -> None:
    refusal = _refusal(viewer, agency, role)
    if refusal is not None:
        raise refusal


def _check_manages(viewer: Viewer, target: Officer) -> None:
    """Refuse to change ``target`` unless the viewer administers them: a colleague whose role an agency
    administrator could have given (never a coordinator or a system administrator), and never oneself, so that
    an administrator cannot lock themself out or raise their own role."""
    if viewer.officer is not None and target.pk == viewer.officer.pk:
        raise PermissionDenied(_("Another administrator must change your own account."))
    if not administers(viewer, target.agency):
        raise PermissionDenied(_("Only your agency's administrator can change its officers."))
    if viewer.role != Role.SYSTEM_ADMIN and target.role not in AGENCY_ASSIGNABLE:
        raise PermissionDenied(_("This officer was appointed by a system administrator, who alone can change them."))


@register_action("officer.create")
def create_officer(viewer: Viewer, target: dict[str, Any]) -> None:
    """``target``: {"agency": Agency, "role": str, "clearance": int}."""
    agency: Agency = target["agency"]
    role, clearance = target["role"], target["clearance"]
    if not administers(viewer, agency):
        raise PermissionDenied(_("Only your agency's administrator can create its officers."), "agency")
    if clearance not in assignable_clearances(viewer):
        raise PermissionDenied(_("You cannot grant a clearance above your own."), "clearance")
    _check_role(viewer, agency, role)


@register_action("officer.change_role")
def change_role(viewer: Viewer, target: dict[str, Any]) -> None:
    """``target``: {"officer": Officer, "role": str}. The same roles as at creation, for officers one manages."""
    officer: Officer = target["officer"]
    _check_manages(viewer, officer)
    _check_role(viewer, officer.agency, target["role"])


@register_action("officer.set_active")
def set_active(viewer: Viewer, target: Officer) -> None:
    """Disable or re-enable an officer one manages (never oneself)."""
    _check_manages(viewer, target)


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
