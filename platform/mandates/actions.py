"""Granting and changing mandates. Every change is audited and notifies the agency through the outbox."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.errors import ActionError, ErrorCode, require_offset
from access.markings import CitesAppendix, Classification, CrimeArea, Purpose
from access.policy import Viewer
from agencies.models import Agency, validate_country
from audit.actions import record
from officers.models import Officer, Role
from outbox.actions import send_mail

from .models import Mandate, MandateStatus


@dataclass
class MandateInput:
    legal_basis: str
    legal_reference: str
    jurisdictions: list[str]
    crime_areas: list[str]
    cites_appendices: list[str]
    purposes: list[str]
    max_classification: int
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    species_groups: list[str] = field(default_factory=list)


def _validate(data: MandateInput) -> None:
    if not data.legal_basis.strip():
        raise ActionError(ErrorCode.REQUIRED, _("State the legal basis."), "legal_basis")
    if not data.legal_reference.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give the legal reference (statute, article, MoU)."),
                          "legal_reference")
    if not data.jurisdictions:
        raise ActionError(ErrorCode.REQUIRED, _("A mandate covers at least one jurisdiction."), "jurisdictions")
    for code in data.jurisdictions:
        try:
            validate_country(code)
        except Exception:
            raise ActionError(ErrorCode.INVALID,
                              _("%(code)s is not an ISO 3166-1 alpha-2 code.") % {"code": repr(code)},
                              "jurisdictions") from None
    for name, values, choices in [
        ("crime_areas", data.crime_areas, CrimeArea),
        ("cites_appendices", data.cites_appendices, CitesAppendix),
        ("purposes", data.purposes, Purpose),
    ]:
        if not values:
            raise ActionError(ErrorCode.REQUIRED, _("Choose at least one."), name)
        unknown = sorted(set(values) - set(choices.values))
        if unknown:
            raise ActionError(ErrorCode.INVALID, _("Unknown values: %(values)s.") % {"values": ", ".join(unknown)},
                              name)
    if data.max_classification not in Classification.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown classification level."), "max_classification")
    require_offset(data.valid_from, "valid_from")
    require_offset(data.valid_until, "valid_until")
    if data.valid_until <= data.valid_from:
        raise ActionError(ErrorCode.INVALID, _("The mandate must end after it starts."), "valid_until")
    if data.valid_until <= timezone.now():
        raise ActionError(ErrorCode.INVALID, _("The mandate would already have ended."), "valid_until")


def grant_mandate(viewer: Viewer, agency: Agency, data: MandateInput) -> Mandate:
    """A national coordinator grants a mandate to an agency of their country (never their own)."""
    policy.check(viewer, "mandate.grant", agency)
    policy.require_recent_confirmation(viewer)
    _validate(data)
    assert viewer.officer is not None
    mandate = Mandate.objects.create(
        agency=agency,
        legal_basis=data.legal_basis.strip(),
        legal_reference=data.legal_reference.strip(),
        jurisdictions=sorted({c.upper() for c in data.jurisdictions}),
        crime_areas=sorted(set(data.crime_areas)),
        cites_appendices=sorted(set(data.cites_appendices)),
        species_groups=sorted({g.strip() for g in data.species_groups if g.strip()}),
        purposes=sorted(set(data.purposes)),
        max_classification=data.max_classification,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        granted_by=viewer.officer,
    )
    record("mandate.grant", actor=viewer.officer, obj=mandate, object_agency_id=agency.pk,
           details={"reference": mandate.legal_reference, "valid_until": data.valid_until.isoformat()})
    _notify(mandate, f"A mandate was granted to {agency.code}: {mandate.legal_reference}.")
    return mandate


_TRANSITIONS = {
    "suspend": ({MandateStatus.ACTIVE}, MandateStatus.SUSPENDED),
    "reinstate": ({MandateStatus.SUSPENDED}, MandateStatus.ACTIVE),
    "revoke": ({MandateStatus.ACTIVE, MandateStatus.SUSPENDED}, MandateStatus.REVOKED),
}
# One whole sentence per transition: French and Spanish cannot build it from English participles.
_REFUSED_TRANSITIONS = {
    "suspend": gettext_noop("This mandate cannot be suspended: it is %(status)s."),
    "reinstate": gettext_noop("This mandate cannot be reinstated: it is %(status)s."),
    "revoke": gettext_noop("This mandate cannot be revoked: it is %(status)s."),
}


def change_status(viewer: Viewer, mandate: Mandate, transition: str, reason: str) -> Mandate:
    """Suspend, reinstate or revoke. Takes effect at the next request: access checks read the status."""
    policy.check(viewer, "mandate.change_status", mandate)
    policy.require_recent_confirmation(viewer)
    sources, target = _TRANSITIONS[transition]
    if not reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give a reason; the agency will read it."), "reason")
    if mandate.status not in sources:
        status = MandateStatus(mandate.status).label.lower()
        raise ActionError(ErrorCode.INVALID_STATE, _(_REFUSED_TRANSITIONS[transition]) % {"status": status}, "id")
    if transition == "reinstate" and mandate.valid_until <= timezone.now():
        raise ActionError(ErrorCode.INVALID_STATE, _("This mandate has expired; grant a new one."), "id")
    previous = mandate.status
    mandate.status = target
    mandate.status_reason = reason.strip()
    mandate.status_changed_at = timezone.now()
    mandate.save(update_fields=["status", "status_reason", "status_changed_at"])
    record(f"mandate.{transition}", actor=viewer.officer, obj=mandate, object_agency_id=mandate.agency_id,
           details={"from": previous, "to": target, "reason": mandate.status_reason})
    _notify(mandate, f"The mandate {mandate.legal_reference} of {mandate.agency.code} is now {target}: "
                     f"{mandate.status_reason}")
    return mandate


def lapsed_unnotified(now: datetime.datetime | None = None) -> QuerySet[Mandate]:
    """Active mandates past their end whose lapse nobody was told about yet."""
    return Mandate.objects.filter(status=MandateStatus.ACTIVE, valid_until__lte=now or timezone.now(),
                                  status_changed_at__isnull=True)


def notify_lapsed(now: datetime.datetime | None = None) -> int:
    """Tell agencies their mandate lapsed. Access already ended at ``valid_until`` (the policy checks the
    window on every request); this only informs, and stamps ``status_changed_at`` so it informs once."""
    count = 0
    for mandate in lapsed_unnotified(now).select_related("agency"):
        Mandate.objects.filter(pk=mandate.pk).update(status_changed_at=timezone.now())
        record("mandate.expire", obj=mandate, object_agency_id=mandate.agency_id, actor_username="system")
        _notify(mandate, f"The mandate {mandate.legal_reference} of {mandate.agency.code} has expired.")
        count += 1
    return count


def _notify(mandate: Mandate, text: str) -> None:
    """Mail the agency's supervisors and administrators, through the outbox (sent after commit, retried)."""
    recipients = sorted(
        Officer.objects.filter(agency_id=mandate.agency_id, is_active=True,
                               role__in=[Role.SUPERVISOR, Role.AGENCY_ADMIN])
        .exclude(email="").values_list("email", flat=True)
    )
    send_mail(recipients, f"Mandate {mandate.legal_reference}", text)
