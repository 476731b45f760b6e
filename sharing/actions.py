"""Sharing, revoking, approving; access requests; hits. Every action audits and notifies through the outbox."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from access import policy
from access.errors import ActionError, ErrorCode, NotFound, require_offset
from access.markings import HandlingCode, Purpose
from access.policy import Viewer
from agencies.models import Agency, TaskForce, TaskForceMembership
from audit.actions import record
from cases.models import Case, CaseEntity, IntelReport
from cases.rules import WRITERS, claims_held_elsewhere
from mandates.models import Coverage, Mandate
from officers.models import Officer, Role
from outbox.actions import send_mail

from .models import AccessRequest, AccessRequestStatus, Hit, Release, Share, ShareObstacle, ShareStatus
from .rules import OUTSIDE_LAW_ENFORCEMENT

#: Codes a recipient may share further: H2 needs the provider's permission, H3's conditions are the provider's.
RESHAREABLE = frozenset({HandlingCode.H0, HandlingCode.H1})


@dataclass
class ShareInput:
    justification: str
    recipient_agency: Agency | None = None
    recipient_task_force: TaskForce | None = None
    mandate: Mandate | None = None
    can_contribute: bool = False
    can_reshare: bool = False
    redact_personal_data: bool = False
    redact_sources: bool = False
    redact_evidence: bool = False
    expires_at: datetime.datetime | None = None


def case_coverage(case: Case, purpose: str | None = None) -> Coverage:
    return Coverage(jurisdictions=frozenset(case.jurisdictions), crime_areas=frozenset({case.crime_area}),
                    cites_appendices=frozenset(case.cites_appendices), classification=case.classification,
                    purpose=purpose)


def mandate_obstacles(case: Case, candidates: Iterable[Mandate]) -> tuple[list[Mandate], list[str]]:
    """The ``candidates`` that cover ``case`` now, and when none does, every reason why (``NO_MANDATE`` when
    there is no candidate at all).

    The one reading of coverage at share time: the share action relies on the first covering mandate, and
    the share form lists the same mandates and reasons, so the two never disagree.
    """
    need = case_coverage(case)
    covering: list[Mandate] = []
    reasons: set[str] = set()
    for mandate in candidates:
        missing = mandate.uncovered_reasons(need)
        if missing:
            reasons.update(missing)
        else:
            covering.append(mandate)
    if covering:
        return covering, []
    return [], sorted(reasons) or [ShareObstacle.NO_MANDATE]


def agency_obstacles(case: Case, agency: Agency) -> list[str]:
    """What keeps ``case`` from ``agency`` whatever its mandates: an inactive agency, or a case kept among
    law-enforcement and regulatory bodies (``law_enforcement_only``)."""
    obstacles: list[str] = []
    if not agency.is_active:
        obstacles.append(ShareObstacle.AGENCY_INACTIVE)
    if case.law_enforcement_only and agency.agency_type in OUTSIDE_LAW_ENFORCEMENT:
        obstacles.append(ShareObstacle.HANDLING_FORBIDS)
    return obstacles


def task_force_obstacles(task_force: TaskForce, today: datetime.date) -> list[str]:
    """A task force receives shares while it runs; each member then reads under its own covering mandate."""
    if task_force.starts_on > today or (task_force.ends_on is not None and task_force.ends_on < today):
        return [ShareObstacle.TASK_FORCE_NOT_RUNNING]
    return []


def covering_mandate(agency: Agency, case: Case, chosen: Mandate | None = None) -> Mandate:
    """The recipient's mandate in force that covers ``case``, or a typed error saying why none does.

    The reasons name the recipient's gaps (jurisdiction, species, classification…): the sharer sees the case,
    and a mandate's scope is not secret from a sharing agency.
    """
    if chosen is not None and chosen.agency_id != agency.pk:
        raise ActionError(ErrorCode.INVALID, _("This mandate is not the recipient's."), "mandate_id")
    covering, reasons = mandate_obstacles(case, [chosen] if chosen is not None
                                          else Mandate.objects.filter(agency=agency))
    if covering:
        return covering[0]
    raise ActionError(ErrorCode.MANDATE_NOT_COVERING,
                      _("No mandate of %(agency)s in force covers this case (%(reasons)s).")
                      % {"agency": agency.code, "reasons": ", ".join(reasons)}, "recipient")


@dataclass(frozen=True)
class ShareTarget:
    """An agency or a task force the sharer may pick, with the mandates that would cover the case there, or
    the reasons it cannot receive it."""

    agency: Agency | None
    task_force: TaskForce | None
    mandates: list[Mandate]
    obstacles: list[str]


def share_targets(viewer: Viewer, case: Case) -> list[ShareTarget]:
    """Every agency (but the owner) and task force, and whether ``share_case`` would accept it for ``case``.

    Three statements whatever the number of agencies: the agencies, all their mandates, the task forces.
    """
    policy.check(viewer, "case.share", case)
    targets = []
    agencies = Agency.objects.exclude(pk=case.owner_agency_id).prefetch_related("mandates").order_by("name")
    for agency in agencies:
        covering, reasons = mandate_obstacles(case, agency.mandates.all())
        targets.append(ShareTarget(agency, None, covering, agency_obstacles(case, agency) + reasons))
    today = timezone.localdate()
    for task_force in TaskForce.objects.order_by("name"):
        targets.append(ShareTarget(None, task_force, [], task_force_obstacles(task_force, today)))
    return targets


def agency_group(agency: Agency) -> Group:
    group, _created = Group.objects.get_or_create(name=f"agency:{agency.code}")
    return group


def task_force_group(task_force: TaskForce) -> Group:
    group, _created = Group.objects.get_or_create(name=f"task-force:{task_force.pk}")
    return group


def _recipient_group(share: Share) -> Group:
    if share.recipient_agency is not None:
        return agency_group(share.recipient_agency)
    assert share.recipient_task_force is not None
    return task_force_group(share.recipient_task_force)


def _sync_permissions(share: Share) -> None:
    """Mirror the share into guardian's direct-FK object permissions for the recipient's group."""
    group = _recipient_group(share)
    recipient = Q(recipient_agency=share.recipient_agency_id, recipient_task_force=share.recipient_task_force_id)
    live = Share.objects.filter(recipient, case_id=share.case_id, status=ShareStatus.ACTIVE)
    for permission, wanted in [("cases.view_case", live.exists()),
                               ("cases.change_case", live.filter(can_contribute=True).exists())]:
        if wanted:
            assign_perm(permission, group, share.case)
        else:
            remove_perm(permission, group, share.case)


def share_case(viewer: Viewer, case: Case, data: ShareInput) -> Share:
    """Share ``case`` with an agency (under its mandate) or a task force, with permissions and redactions."""
    policy.check(viewer, "case.share", case)
    policy.require_recent_confirmation(viewer)
    assert viewer.officer is not None
    if not data.justification.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Say why you share this case."), "justification")
    if (data.recipient_agency is None) == (data.recipient_task_force is None):
        raise ActionError(ErrorCode.INVALID, _("Share with one agency or one task force."), "recipient")
    require_offset(data.expires_at, "expires_at")
    if data.expires_at is not None and data.expires_at <= timezone.now():
        raise ActionError(ErrorCode.INVALID, _("The expiry must be in the future."), "expires_at")
    if data.can_reshare and case.handling_code not in RESHAREABLE:
        raise ActionError(ErrorCode.HANDLING_FORBIDS,
                          _("%(code)s intelligence may not be reshared: it needs the provider's permission or has "
                            "conditions of its own.") % {"code": case.handling_code}, "can_reshare")
    mandate = None
    if data.recipient_agency is not None:
        agency = data.recipient_agency
        if agency.pk == case.owner_agency_id:
            raise ActionError(ErrorCode.INVALID, _("The case is already this agency's."), "recipient")
        obstacles = agency_obstacles(case, agency)
        if ShareObstacle.AGENCY_INACTIVE in obstacles:
            raise ActionError(ErrorCode.INVALID, _("This agency is not active."), "recipient")
        if ShareObstacle.HANDLING_FORBIDS in obstacles:
            raise ActionError(ErrorCode.HANDLING_FORBIDS,
                              _("This case is kept among law-enforcement and regulatory bodies."), "recipient")
        mandate = covering_mandate(agency, case, data.mandate)
    else:
        assert data.recipient_task_force is not None
        if task_force_obstacles(data.recipient_task_force, timezone.localdate()):
            raise ActionError(ErrorCode.INVALID, _("This task force is not running."), "recipient")
    approved = case.handling_code != HandlingCode.H2 or (
        viewer.role == Role.SUPERVISOR and viewer.agency_id == case.owner_agency_id)
    share = Share.objects.create(
        case=case, recipient_agency=data.recipient_agency, recipient_task_force=data.recipient_task_force,
        mandate=mandate, status=ShareStatus.ACTIVE if approved else ShareStatus.PENDING_APPROVAL,
        can_contribute=data.can_contribute, can_reshare=data.can_reshare,
        redact_personal_data=data.redact_personal_data, redact_sources=data.redact_sources,
        redact_evidence=data.redact_evidence, expires_at=data.expires_at, justification=data.justification.strip(),
        conditions=case.handling_conditions if case.handling_code == HandlingCode.H3 else "",
        shared_by=viewer.officer, approved_by=viewer.officer if approved else None,
        approved_at=timezone.now() if approved else None,
    )
    _sync_permissions(share)
    record("share.create", actor=viewer.officer, obj=share, object_agency_id=case.owner_agency_id,
           mandate_id=mandate.pk if mandate else None,
           details={"case": case.reference, "status": share.status, "redacted": share.redacted_groups,
                    "recipient": data.recipient_agency.code if data.recipient_agency else
                    f"task-force:{share.recipient_task_force_id}"})
    if approved:
        _notify_recipients(share, f"{case.owner_agency.code} shared case {case.reference} with you.")
    else:
        _notify_supervisors(case.owner_agency_id, f"A share of {case.reference} (H2) waits for your approval.")
    return share


def approve_share(viewer: Viewer, share: Share) -> Share:
    policy.check(viewer, "share.approve", share)
    if share.status != ShareStatus.PENDING_APPROVAL:
        raise ActionError(ErrorCode.INVALID_STATE, _("This share is not waiting for approval."), "id")
    share.status, share.approved_by, share.approved_at = ShareStatus.ACTIVE, viewer.officer, timezone.now()
    share.save(update_fields=["status", "approved_by", "approved_at"])
    _sync_permissions(share)
    record("share.approve", actor=viewer.officer, obj=share, object_agency_id=share.case.owner_agency_id,
           details={"case": share.case.reference})
    _notify_recipients(share, f"{share.case.owner_agency.code} shared case {share.case.reference} with you.")
    return share


def revoke_share(viewer: Viewer, share: Share, reason: str) -> Share:
    """Access ends at the recipient's next request: the policy reads the status on every query."""
    policy.check(viewer, "share.revoke", share)
    if not reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give a reason; the recipient reads it."), "reason")
    if share.status == ShareStatus.REVOKED:
        return share  # revoking twice is revoking once
    share.status, share.revoked_by, share.revoked_at = ShareStatus.REVOKED, viewer.officer, timezone.now()
    share.revoke_reason = reason.strip()
    share.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason"])
    _sync_permissions(share)
    record("share.revoke", actor=viewer.officer, obj=share, object_agency_id=share.case.owner_agency_id,
           details={"case": share.case.reference}, content={"reason": share.revoke_reason})
    _notify_recipients(share, f"Access to case {share.case.reference} was revoked: {share.revoke_reason}")
    return share


def held_items(viewer: Viewer, shares: list[tuple[int, int]]) -> list[list[tuple[Any, bool]]]:
    """For each (share id, case id): the H2 reports and claims its recipient cannot read until they are released,
    each with whether it is released to that share, reports first.

    Only the owning agency learns of them: its own cases, read through the policy (so within the viewer's
    clearance). None for an H2 case, whose share's approval is the permission. Four statements whatever the number
    of shares (the API's ``Share.heldItems`` asks for a page of them at once)."""
    cases = set(policy.visible(viewer, Case.objects.filter(pk__in={case_id for _, case_id in shares},
                                                           owner_agency_id=viewer.agency_id)
                               .exclude(handling_code=HandlingCode.H2)).values_list("pk", flat=True))
    items: list[Any] = list(policy.visible(viewer, IntelReport.objects.filter(
        case_id__in=cases, handling_code=HandlingCode.H2)).order_by("pk"))
    items += policy.visible(viewer, CaseEntity.objects.filter(case_id__in=cases, handling_code=HandlingCode.H2)
                            ).select_related("entity").order_by("pk")
    released = set(Release.objects.filter(share_id__in={share_id for share_id, _ in shares})
                   .values_list("share_id", "report_id", "claim_id"))

    def key(share_id: int, item: Any) -> tuple[int, int | None, int | None]:
        return (share_id, item.pk, None) if isinstance(item, IntelReport) else (share_id, None, item.pk)

    return [[(item, key(share_id, item) in released) for item in items if item.case_id == case_id]
            for share_id, case_id in shares]


def release_items(viewer: Viewer, share: Share, report_ids: Iterable[int], claim_ids: Iterable[int], *,
                  release: bool = True) -> list[Release]:
    """Give (or, with ``release=False``, take back) the owning agency's permission for H2 items to reach the
    share's recipient. Only items held from this share qualify; anything else is ``NOT_FOUND`` for the field
    that names it and nothing changes. Taking back applies at the recipient's next request."""
    policy.check(viewer, "share.release", share)
    [held] = held_items(viewer, [(share.pk, share.case_id)])
    reports = _held([pair for pair in held if isinstance(pair[0], IntelReport)], report_ids, "report_ids")
    claims = _held([pair for pair in held if isinstance(pair[0], CaseEntity)], claim_ids, "claim_ids")
    if not reports and not claims:
        raise ActionError(ErrorCode.REQUIRED, _("Choose the items to release or withhold."), "report_ids")
    if release:
        made = [Release(share=share, report=report, released_by=viewer.officer) for report, released in reports
                if not released]
        made += [Release(share=share, claim=claim, released_by=viewer.officer) for claim, released in claims
                 if not released]
        for item in made:  # one by one: each release re-indexes its item
            item.save()
    else:
        made = []
        for item in Release.objects.filter(Q(report__in=[r for r, _ in reports]) | Q(claim__in=[c for c, _ in claims]),
                                           share=share):
            item.delete()
    record("share.release" if release else "share.withhold", actor=viewer.officer, obj=share,
           object_agency_id=share.case.owner_agency_id,
           details={"case": share.case.reference, "reports": [r.pk for r, _ in reports],
                    "claims": [c.pk for c, _ in claims]})
    if release and made:
        _notify_recipients(share, f"{share.case.owner_agency.code} released further intelligence of case "
                                  f"{share.case.reference} to you.")
    return made


def _held(held: list[tuple[Any, bool]], wanted: Iterable[int], field: str) -> list[tuple[Any, bool]]:
    by_pk = {item.pk: (item, released) for item, released in held}
    chosen = []
    for pk in dict.fromkeys(wanted):
        if pk not in by_pk:
            raise NotFound(field, _("item held from this share"))
        chosen.append(by_pk[pk])
    return chosen


def tidy_expired(now: datetime.datetime | None = None) -> int:
    """Remove guardian grants of shares past their expiry and tell the owners once. Access already ended at
    ``expires_at`` (the policy compares it with the request time); this is housekeeping and notification."""
    now = now or timezone.now()
    count = 0
    for share in Share.objects.filter(status=ShareStatus.ACTIVE, expires_at__lte=now,
                                      expiry_notified_at__isnull=True).select_related("case"):
        Share.objects.filter(pk=share.pk).update(expiry_notified_at=now)
        group = _recipient_group(share)
        remove_perm("cases.view_case", group, share.case)
        remove_perm("cases.change_case", group, share.case)
        record("share.expire", obj=share, object_agency_id=share.case.owner_agency_id, actor_username="system",
               details={"case": share.case.reference})
        _notify_supervisors(share.case.owner_agency_id, f"A share of case {share.case.reference} has expired.")
        count += 1
    return count


# --- access requests --------------------------------------------------------------------------------------


def request_access(viewer: Viewer, *, reference: str = "", hit: Hit | None = None, purpose: str,
                   justification: str) -> AccessRequest:
    """Ask for access to a case by reference or after a hit.

    The answer is the same whether or not the reference exists, and whether or not the requester may already
    see the case: a request never confirms the existence of anything. Only a real case notifies its owners.
    """
    policy.check(viewer, "access.request", None)
    assert viewer.officer is not None
    if purpose not in Purpose.values:
        raise ActionError(ErrorCode.INVALID, _("Declare the purpose of access."), "purpose")
    if not justification.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Say why you need access."), "justification")
    if hit is not None:
        case: Case | None = hit.case
        reference = hit.case.reference
    else:
        if not reference.strip():
            raise ActionError(ErrorCode.REQUIRED, _("Give the case reference."), "reference")
        reference = reference.strip().upper()
        case = Case.objects.filter(reference=reference).exclude(owner_agency_id=viewer.agency_id).first()
    access_request = AccessRequest.objects.create(
        case=case, case_reference=reference if case is None or hit is None else "", hit=hit,
        requester=viewer.officer, requester_agency=viewer.officer.agency, purpose=purpose,
        justification=justification.strip())
    record("access.request", actor=viewer.officer, obj=access_request,
           object_agency_id=case.owner_agency_id if case else None, purpose=purpose)
    if case is not None:
        _notify_supervisors(case.owner_agency_id, f"{viewer.officer.agency.code} asks for access to "
                                                  f"{case.reference} ({purpose}): {justification.strip()}")
    return access_request


def decide_access_request(viewer: Viewer, access_request: AccessRequest, *, approve: bool, reason: str,
                          share_data: ShareInput | None = None) -> AccessRequest:
    policy.check(viewer, "access.decide", access_request)
    if access_request.status != AccessRequestStatus.PENDING:
        raise ActionError(ErrorCode.INVALID_STATE, _("This request was already decided."), "id")
    if not reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give the reason for your decision."), "reason")
    assert access_request.case is not None
    if approve:
        data = share_data or ShareInput(justification="")
        data.recipient_agency = access_request.requester_agency
        data.recipient_task_force = None
        data.justification = data.justification or f"Access request {access_request.pk}: {reason.strip()}"
        access_request.share = share_case(viewer, access_request.case, data)
    access_request.status = AccessRequestStatus.APPROVED if approve else AccessRequestStatus.REFUSED
    access_request.decided_by, access_request.decided_at = viewer.officer, timezone.now()
    access_request.decision_reason = reason.strip()
    access_request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "share"])
    record(f"access.{access_request.status}", actor=viewer.officer, obj=access_request,
           object_agency_id=access_request.case.owner_agency_id, content={"reason": access_request.decision_reason})
    _mail([access_request.requester.email],
          f"Your request for {access_request.case.reference} was {access_request.status}: "
          f"{access_request.decision_reason}")
    return access_request


# --- hits ------------------------------------------------------------------------------------------------


def record_hits(viewer: Viewer, entity_ids: list[int], trigger: str) -> list[Hit]:
    """Turn matches in intelligence ``viewer`` cannot see into hits, and tell each holding agency once.

    One query finds the claims on these entities in cases outside what the viewer sees; a hit is recorded per
    (entity, holding case) and officer per day, so repeating a search does not flood the holder.
    """
    if not viewer.active or viewer.role not in WRITERS or not entity_ids:
        return []
    assert viewer.officer is not None
    hidden = (claims_held_elsewhere(viewer, entity_ids)
              .values_list("entity_id", "entity__kind", "case_id", "case__owner_agency_id").distinct())
    today = timezone.now().date()
    # Today's hits are read in one statement, so looking the same identifiers up again (a page shown again)
    # costs the same few statements whatever their number; only new hits are written one by one.
    known = set(Hit.objects.filter(officer=viewer.officer, day=today, entity_id__in=entity_ids)
                .values_list("entity_id", "case_id"))
    hits = []
    for entity_id, kind, case_id, holder_id in hidden:
        if (entity_id, case_id) in known:
            continue
        # The hit, its audit event and the holder's notice commit together, also when a read (a search, a link
        # chart) records it outside any transaction. The unique constraint decides between two racing requests;
        # only the one that made the row tells.
        with transaction.atomic():
            hit, created = Hit.objects.get_or_create(
                entity_id=entity_id, case_id=case_id, officer=viewer.officer, day=today,
                defaults={"holder_agency_id": holder_id, "officer_agency": viewer.officer.agency,
                          "trigger": trigger})
            if not created:
                continue
            record("hit", actor=viewer.officer, obj=hit, object_agency_id=holder_id,
                   details={"kind": kind, "trigger": trigger})
            _notify_supervisors(holder_id, f"Hit: {viewer.officer.get_full_name() or viewer.officer.username} "
                                           f"({viewer.officer.agency.code}) {trigger}ed a {kind} your agency "
                                           f"holds, at {hit.created_at:%Y-%m-%d %H:%M} UTC.")
        hits.append(hit)
    return hits


# --- notifications -----------------------------------------------------------------------------------------


def _supervisor_emails(agency_ids: list[int]) -> list[str]:
    return sorted(Officer.objects.filter(agency_id__in=agency_ids, role=Role.SUPERVISOR, is_active=True)
                  .exclude(email="").values_list("email", flat=True))


def _notify_supervisors(agency_id: int, text: str) -> None:
    _mail(_supervisor_emails([agency_id]), text)


def _notify_recipients(share: Share, text: str) -> None:
    if share.recipient_agency_id is not None:
        agencies = [share.recipient_agency_id]
    else:
        agencies = list(TaskForceMembership.objects.current().filter(task_force_id=share.recipient_task_force_id)
                        .values_list("agency_id", flat=True))
    _mail(_supervisor_emails(agencies), text)


def _mail(recipients: list[str], text: str) -> None:
    """Notifications carry no intelligence beyond the reference: they leave the platform by e-mail."""
    send_mail(recipients, text[:80], text)

