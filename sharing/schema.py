"""GraphQL for sharing: shares given and received, access requests, hits, and the purpose of access."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Q
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from access.errors import ActionError, ErrorCode, NotFound
from access.markings import Purpose
from access.policy import allowed, fetch, visible
from agencies.models import Agency, TaskForce
from agencies.schema import AgencyNode, TaskForceNode
from api.context import PURPOSE_SESSION_KEY, get_viewer
from api.enums import PurposeEnum
from api.errors import enum_value
from api.loaders import batched, by_id, related, then
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from audit.actions import record
from audit.models import AuditEvent
from audit.schema import AuditEventNode
from cases.models import Case, IntelReport
from cases.schema import CaseNode, EntityClaimNode, IntelReportNode
from mandates.models import Mandate
from mandates.schema import MandateNode
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions
from .models import (
    AccessRequest,
    AccessRequestStatus,
    Hit,
    RedactedGroup,
    Share,
    ShareObstacle,
    ShareStatus,
)
from .rules import in_force_mandates

ShareStatusEnum = graphene.Enum.from_enum(ShareStatus)
RedactedGroupEnum = graphene.Enum.from_enum(RedactedGroup)
AccessRequestStatusEnum = graphene.Enum.from_enum(AccessRequestStatus)
ShareObstacleEnum = graphene.Enum.from_enum(
    ShareObstacle, description="Why a case cannot be shared with a recipient (the codes `shareCase` refuses with).")


def _decided_on_case(info: Any, case_id: int | None, decide: Any) -> Any:
    """``decide(case)`` once the (batched, policy-checked) case is loaded; ``False`` when the viewer cannot see
    it, as every rule on shares and requests reads their case."""
    if case_id is None:
        return False
    return then(by_id(info, Case).load(case_id), lambda case: False if case is None else decide(case))


def _mandate_references(info: Any) -> Any:
    """The legal reference of each mandate, by id, batched for the request."""

    def load(ids: list[int]) -> list[str | None]:
        found = dict(Mandate.objects.filter(pk__in=set(ids)).values_list("pk", "legal_reference"))
        return [found.get(pk) for pk in ids]

    return batched(info, ("mandate-reference",), load)


class HeldItem(graphene.ObjectType):
    """An H2 report or claim of a shared case that is not H2: hidden from the share's recipient until released."""

    report = graphene.Field(IntelReportNode)
    claim = graphene.Field(EntityClaimNode)
    released = graphene.Boolean(required=True, description="Whether the recipient may read it now.")


def _held_items(info: Any) -> Any:
    """The held items of each share of a page, batched (``sharing.actions.held_items``)."""
    viewer = get_viewer(info)

    def load(keys: list[tuple[int, int]]) -> list[list[HeldItem]]:
        return [[HeldItem(report=item, released=released) if isinstance(item, IntelReport)
                 else HeldItem(claim=item, released=released) for item, released in held]
                for held in actions.held_items(viewer, keys)]

    return batched(info, ("held-items",), load)


class ShareNode(PolicyObjectType):
    status = ShareStatusEnum(required=True)
    case = related(CaseNode, Case, "case_id", description="Null once the share no longer grants you access.")
    recipient_agency = related(AgencyNode, Agency, "recipient_agency_id")
    recipient_task_force = related(TaskForceNode, TaskForce, "recipient_task_force_id")
    mandate = related(MandateNode, Mandate, "mandate_id")
    shared_by = related(OfficerNode, Officer, "shared_by_id")
    approved_by = related(OfficerNode, Officer, "approved_by_id")
    redacted_groups = graphene.List(graphene.NonNull(RedactedGroupEnum), required=True)
    mandate_reference = graphene.String(
        description="The legal reference of the recipient's mandate the share relies on, which both sides of the "
                    "share may read (the mandate itself is visible to its agency only).")
    can_approve = graphene.Boolean(required=True, description="Whether you may approve this pending share.")
    can_revoke = graphene.Boolean(required=True, description="Whether you may revoke this share.")
    held_items = graphene.List(
        graphene.NonNull(HeldItem), required=True,
        description="For the owning agency: the H2 items this share's recipient needs your release to read. Empty "
                    "for anyone else.")
    can_release = graphene.Boolean(required=True, description="Whether you may release or withhold held items.")

    class Meta:
        name = "Share"
        model = Share
        fields = ("id", "status", "can_contribute", "can_reshare", "expires_at", "justification", "conditions",
                  "created_at", "approved_at", "revoked_at", "revoke_reason")
        filter_fields = {"status": ["exact"], "case__reference": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_redacted_groups(share: Share, info: Any) -> list[str]:
        return share.redacted_groups

    @staticmethod
    def resolve_mandate_reference(share: Share, info: Any) -> Any:
        return None if share.mandate_id is None else _mandate_references(info).load(share.mandate_id)

    @staticmethod
    def resolve_can_approve(share: Share, info: Any) -> Any:
        if share.status != ShareStatus.PENDING_APPROVAL:
            return False
        return _decided_on_case(info, share.case_id, lambda case: allowed(
            get_viewer(info), "share.approve", _with_case(share, case)))

    @staticmethod
    def resolve_held_items(share: Share, info: Any) -> Any:
        return _held_items(info).load((share.pk, share.case_id))

    @staticmethod
    def resolve_can_release(share: Share, info: Any) -> Any:
        return _decided_on_case(info, share.case_id, lambda case: allowed(
            get_viewer(info), "share.release", _with_case(share, case)))

    @staticmethod
    def resolve_can_revoke(share: Share, info: Any) -> Any:
        if share.status == ShareStatus.REVOKED:
            return False
        return _decided_on_case(info, share.case_id, lambda case: allowed(
            get_viewer(info), "share.revoke", _with_case(share, case)))


def _with_case(item: Any, case: Case) -> Any:
    item.case = case
    return item


class AccessRequestNode(PolicyObjectType):
    status = AccessRequestStatusEnum(required=True)
    case = related(CaseNode, Case, "case_id", description="Null unless you may see the case.")
    requester = related(OfficerNode, Officer, "requester_id")
    requester_agency = related(AgencyNode, Agency, "requester_agency_id", required=True)
    share = related(ShareNode, Share, "share_id")
    can_decide = graphene.Boolean(required=True, description="Whether you may approve or refuse this request.")

    class Meta:
        name = "AccessRequest"
        model = AccessRequest
        fields = ("id", "case_reference", "purpose", "justification", "status", "created_at", "decided_at",
                  "decision_reason")
        filter_fields = {"status": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_can_decide(request: AccessRequest, info: Any) -> Any:
        if request.status != AccessRequestStatus.PENDING:
            return False
        return _decided_on_case(info, request.case_id, lambda case: allowed(
            get_viewer(info), "access.decide", _with_case(request, case)))


class CoveringMandate(graphene.ObjectType):
    """A recipient's mandate that covers the case: what the sharer needs to name it, nothing more (the mandate
    itself is visible to its agency only)."""

    id = graphene.ID(required=True, description="The mandate's id, for `shareCase(input: {mandateId})`.")
    legal_reference = graphene.String(required=True)
    valid_until = graphene.DateTime(required=True)

    @staticmethod
    def resolve_id(mandate: Mandate, info: Any) -> str:
        return to_global_id("Mandate", mandate.pk)


class ShareTarget(graphene.ObjectType):
    """An agency or a task force, and whether `shareCase` would accept it as the recipient of the case."""

    agency = graphene.Field(AgencyNode)
    task_force = graphene.Field(TaskForceNode)
    covered = graphene.Boolean(required=True, description="Whether the case can be shared with this recipient.")
    mandates = graphene.List(
        graphene.NonNull(CoveringMandate), required=True,
        description="The agency's mandates that cover the case (the share relies on the first unless you name "
                    "one); empty for a task force, whose members each read under their own covering mandate.")
    obstacles = graphene.List(graphene.NonNull(ShareObstacleEnum), required=True,
                              description="Why the case cannot be shared with this recipient; empty when covered.")

    @staticmethod
    def resolve_covered(target: actions.ShareTarget, info: Any) -> bool:
        return not target.obstacles


class HitNode(PolicyObjectType):
    """A match in intelligence you cannot see: the holding agency and the kind of identifier, nothing else.

    The holding agency's supervisors also see who had the hit and the case it touched.
    """

    holder_agency = related(AgencyNode, Agency, "holder_agency_id", required=True)
    kind = graphene.String(required=True)
    searcher = graphene.String(description="Who had the hit; shown to the holding agency only.")
    searcher_agency = graphene.String(description="Shown to the holding agency only.")
    case = related(CaseNode, Case, "case_id", description="Shown to the holding agency only.")

    class Meta:
        name = "Hit"
        model = Hit
        fields = ("id", "trigger", "created_at")
        filter_fields = {"trigger": ["exact"]}

    @staticmethod
    def resolve_kind(hit: Hit, info: Any) -> str:
        return str(hit.entity.kind)

    @staticmethod
    def resolve_searcher(hit: Hit, info: Any) -> str | None:
        if get_viewer(info).agency_id != hit.holder_agency_id:
            return None
        return hit.officer.get_full_name() or hit.officer.username

    @staticmethod
    def resolve_searcher_agency(hit: Hit, info: Any) -> str | None:
        if get_viewer(info).agency_id != hit.holder_agency_id:
            return None
        return hit.officer_agency.code


class Query(graphene.ObjectType):
    shares_given = PolicyConnectionField(ShareNode, description="Shares of your agency's cases.")
    shares_received = PolicyConnectionField(ShareNode, description="Shares to your agency or its task forces.")
    access_requests = PolicyConnectionField(AccessRequestNode)
    access_requests_received = PolicyConnectionField(
        AccessRequestNode, description="Requests for your agency's cases (its supervisors decide them).")
    access_requests_sent = PolicyConnectionField(AccessRequestNode, description="Requests your agency made.")
    share_targets = graphene.List(
        graphene.NonNull(ShareTarget), case_id=graphene.ID(required=True),
        description="Every agency and task force, and whether the case can be shared with it under a covering "
                    "mandate, or why not. Null when the case does not exist, you may not see it or you may not "
                    "share it.")
    hits = PolicyConnectionField(HitNode)
    purpose = PurposeEnum(description="The purpose of access in force for this request.")
    allowed_purposes = graphene.List(
        graphene.NonNull(PurposeEnum), required=True,
        description="The purposes your agency's mandates in force allow, in a stable order: declaring one of them "
                    "shows what is shared with your agency for it.")
    access_log = PolicyConnectionField(
        AuditEventNode, case_reference=graphene.String(
            description="Only the reads of this case (a case of your agency's: another one's has no reads for you)."),
        mandate_id=graphene.ID(description="Only the reads made under this mandate (of those you may read)."),
        description="Reads of intelligence across agencies: for supervisors, of their agency's; "
                    "for coordinators, of their country's.")

    @staticmethod
    def resolve_shares_given(root: Any, info: Any, **kwargs: Any) -> Any:
        return Share.objects.filter(case__owner_agency_id=get_viewer(info).agency_id)

    @staticmethod
    def resolve_shares_received(root: Any, info: Any, **kwargs: Any) -> Any:
        return Share.objects.exclude(case__owner_agency_id=get_viewer(info).agency_id)

    @staticmethod
    def resolve_access_requests(root: Any, info: Any, **kwargs: Any) -> Any:
        return AccessRequest.objects.all()

    @staticmethod
    def resolve_access_requests_received(root: Any, info: Any, **kwargs: Any) -> Any:
        return AccessRequest.objects.filter(case__owner_agency_id=get_viewer(info).agency_id)

    @staticmethod
    def resolve_access_requests_sent(root: Any, info: Any, **kwargs: Any) -> Any:
        return AccessRequest.objects.filter(requester_agency_id=get_viewer(info).agency_id)

    @staticmethod
    def resolve_share_targets(root: Any, info: Any, case_id: str) -> list[actions.ShareTarget] | None:
        viewer = get_viewer(info)
        try:
            case = fetch(viewer, Case.objects.all(), decode_id(case_id, "Case", "case_id"), "case_id")
        except NotFound:
            return None
        if not allowed(viewer, "case.share", case):
            return None
        return actions.share_targets(viewer, case)

    @staticmethod
    def resolve_hits(root: Any, info: Any, **kwargs: Any) -> Any:
        return Hit.objects.select_related("entity", "officer", "officer_agency")

    @staticmethod
    def resolve_access_log(root: Any, info: Any, case_reference: str | None = None, mandate_id: str | None = None,
                           **kwargs: Any) -> Any:
        reads = AuditEvent.objects.filter(action="intel.read").order_by("-id")
        if mandate_id is not None:
            # Narrows the reads the audit rule already shows: an unknown or foreign id simply matches none.
            try:
                reads = reads.filter(mandate_id=decode_id(mandate_id, "Mandate", "mandate_id"))
            except NotFound:
                return reads.none()
        if case_reference is None:
            return reads
        # The case is looked up through the policy, so another agency's case and a missing one are one answer.
        # A read event names its case as its object, or among the cases of its details when it read several.
        found = visible(get_viewer(info), Case.objects.filter(reference=case_reference)).values_list("pk", flat=True)
        pk = next(iter(found), None)
        if pk is None:
            return reads.none()
        return reads.filter(Q(object_type="cases.case", object_id=str(pk)) | Q(details__cases__has_key=str(pk)))

    @staticmethod
    def resolve_purpose(root: Any, info: Any) -> str | None:
        return get_viewer(info).purpose

    @staticmethod
    def resolve_allowed_purposes(root: Any, info: Any) -> list[str]:
        viewer = get_viewer(info)
        if viewer.officer is None:
            return []
        allowed = {purpose for mandate in in_force_mandates(viewer) for purpose in mandate.purposes}
        return [purpose for purpose in Purpose.values if purpose in allowed]


class ShareCaseInput(graphene.InputObjectType):
    case_id = graphene.ID(required=True)
    agency_id = graphene.ID(description="Share with this agency (exclusive with taskForceId).")
    task_force_id = graphene.ID(description="Share with the current members of this task force.")
    mandate_id = graphene.ID(description="The recipient's mandate to rely on; default: one that covers the case.")
    justification = graphene.String(required=True)
    can_contribute = graphene.Boolean(default_value=False)
    can_reshare = graphene.Boolean(default_value=False)
    redact = graphene.List(graphene.NonNull(RedactedGroupEnum), default_value=[])
    expires_at = graphene.DateTime()


def _share_input(viewer: Any, data: dict[str, Any]) -> actions.ShareInput:
    redact = {enum_value(g) for g in data.get("redact") or []}
    agency = task_force = mandate = None
    if data.get("agency_id"):
        agency = fetch(viewer, Agency.objects.all(), decode_id(data["agency_id"], "Agency", "agency_id"),
                       "agency_id")
    if data.get("task_force_id"):
        task_force = fetch(viewer, TaskForce.objects.all(),
                           decode_id(data["task_force_id"], "TaskForce", "task_force_id"), "task_force_id")
    if data.get("mandate_id"):
        # Only the recipient's own mandates can be named; any other id, existing or not, gets the same error,
        # so the sharer cannot probe which mandate ids exist.
        mandate = Mandate.objects.filter(pk=decode_id(data["mandate_id"], "Mandate", "mandate_id"),
                                         agency=agency).first() if agency is not None else None
        if mandate is None:
            raise ActionError(ErrorCode.NOT_FOUND, _("No such mandate of the recipient."), "mandate_id")
    return actions.ShareInput(
        justification=data.get("justification") or "", recipient_agency=agency, recipient_task_force=task_force,
        mandate=mandate, can_contribute=bool(data.get("can_contribute")), can_reshare=bool(data.get("can_reshare")),
        redact_personal_data=RedactedGroup.PERSONAL_DATA in redact, redact_sources=RedactedGroup.SOURCES in redact,
        redact_evidence=RedactedGroup.EVIDENCE in redact, expires_at=data.get("expires_at"),
    )


class ShareCase(BaseMutation):
    """Share a case under the recipient's mandate. H2 cases wait for a supervisor's approval."""

    share = graphene.Field(ShareNode)

    class Arguments:
        input = ShareCaseInput(required=True)

    class Meta:
        audit_action = "share.create"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = data["input"]
        case = fetch(viewer, Case.objects.select_related("owner_agency"),
                     decode_id(values["case_id"], "Case", "case_id"), "case_id")
        return {"share": actions.share_case(viewer, case, _share_input(viewer, values))}


def _share(viewer: Any, global_id: str) -> Share:
    return fetch(viewer, Share.objects.select_related("case__owner_agency"), decode_id(global_id, "Share", "id"))


class ApproveShare(BaseMutation):
    share = graphene.Field(ShareNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "share.approve"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"share": actions.approve_share(viewer, _share(viewer, data["id"]))}


class RevokeShare(BaseMutation):
    """Revoke a share: the recipient loses access at their next request, everywhere."""

    share = graphene.Field(ShareNode)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        audit_action = "share.revoke"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"share": actions.revoke_share(viewer, _share(viewer, data["id"]), data["reason"])}


class RequestAccess(BaseMutation):
    """Ask for access by case reference or after a hit. The answer never says whether the case exists."""

    access_request = graphene.Field(AccessRequestNode)

    class Arguments:
        reference = graphene.String()
        hit_id = graphene.ID()
        purpose = PurposeEnum(required=True)
        justification = graphene.String(required=True)

    class Meta:
        audit_action = "access.request"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        hit = None
        if data.get("hit_id"):
            hit = fetch(viewer, Hit.objects.select_related("case"), decode_id(data["hit_id"], "Hit", "hit_id"),
                        "hit_id")
        request = actions.request_access(viewer, reference=data.get("reference") or "", hit=hit,
                                         purpose=enum_value(data["purpose"]), justification=data["justification"])
        return {"access_request": request}


class DecideAccessRequest(BaseMutation):
    """Approve (creating a share, under the requester's mandate) or refuse, with a reason."""

    access_request = graphene.Field(AccessRequestNode)

    class Arguments:
        id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(required=True)
        redact = graphene.List(graphene.NonNull(RedactedGroupEnum))
        expires_at = graphene.DateTime()

    class Meta:
        audit_action = "access.decide"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        request = fetch(viewer, AccessRequest.objects.select_related("case__owner_agency"),
                        decode_id(data["id"], "AccessRequest", "id"))
        share_data = _share_input(viewer, {"redact": data.get("redact"), "expires_at": data.get("expires_at")})
        return {"access_request": actions.decide_access_request(
            viewer, request, approve=data["approve"], reason=data["reason"], share_data=share_data)}


class DeclarePurpose(BaseMutation):
    """Declare the purpose of access for this session (a request may also send ``X-WildNet-Purpose``)."""

    purpose = PurposeEnum()

    class Arguments:
        purpose = PurposeEnum(required=True)

    class Meta:
        audit_action = "access.declare_purpose"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        purpose = enum_value(data["purpose"])
        if purpose not in Purpose.values:
            raise ActionError(ErrorCode.INVALID, _("Unknown purpose."), "purpose")
        session = getattr(info.context, "session", None)
        if session is not None:
            session[PURPOSE_SESSION_KEY] = purpose
        record("access.declare_purpose", actor=viewer.officer, purpose=purpose)
        return {"purpose": purpose}


class ReleaseItems(BaseMutation):
    """Release H2 items of a shared case to one share's recipient (``withhold: true`` takes the release back).

    Europol's H2 reads "not to be disseminated without the provider's permission": an H2 report or claim in a
    case that is not H2 stays hidden from each recipient until a supervisor of the owning agency releases it."""

    share = graphene.Field(ShareNode)

    class Arguments:
        id = graphene.ID(required=True, description="The share.")
        report_ids = graphene.List(graphene.NonNull(graphene.ID))
        claim_ids = graphene.List(graphene.NonNull(graphene.ID))
        withhold = graphene.Boolean(description="Take the release back (default: false).")

    class Meta:
        audit_action = "share.release"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        share = _share(viewer, data["id"])
        actions.release_items(
            viewer, share, [decode_id(i, "IntelReport", "report_ids") for i in data.get("report_ids") or []],
            [decode_id(i, "EntityClaim", "claim_ids") for i in data.get("claim_ids") or []],
            release=not data.get("withhold"))
        return {"share": share}


class Mutation(graphene.ObjectType):
    share_case = ShareCase.Field()
    release_items = ReleaseItems.Field()
    approve_share = ApproveShare.Field()
    revoke_share = RevokeShare.Field()
    request_access = RequestAccess.Field()
    decide_access_request = DecideAccessRequest.Field()
    declare_purpose = DeclarePurpose.Field()
