"""GraphQL for mandates."""

from __future__ import annotations

from typing import Any

import graphene

from access.policy import allowed, fetch
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.enums import CitesAppendixEnum, ClassificationEnum, CrimeAreaEnum, PurposeEnum
from api.errors import enum_value
from api.loaders import by_id, related, then
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions
from .models import Mandate, MandateStatus

MandateStatusEnum = graphene.Enum.from_enum(MandateStatus)


class MandateState(graphene.Enum):
    """The status an officer reads: the stored status, or expired / pending from the validity window."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    PENDING = "pending"


class MandateNode(PolicyObjectType):
    agency = related(AgencyNode, Agency, "agency_id", required=True)
    granted_by = related(OfficerNode, Officer, "granted_by_id",
                         description="Null unless the viewer may see that officer.")
    status = MandateStatusEnum(required=True)
    state = MandateState(required=True)
    jurisdictions = graphene.List(graphene.NonNull(graphene.String), required=True)
    crime_areas = graphene.List(graphene.NonNull(CrimeAreaEnum), required=True)
    cites_appendices = graphene.List(graphene.NonNull(CitesAppendixEnum), required=True)
    species_groups = graphene.List(graphene.NonNull(graphene.String), required=True)
    purposes = graphene.List(graphene.NonNull(PurposeEnum), required=True)
    max_classification = ClassificationEnum(required=True)
    in_force = graphene.Boolean(required=True)
    can_change_status = graphene.Boolean(required=True)

    class Meta:
        name = "Mandate"
        model = Mandate
        fields = ("id", "agency", "legal_basis", "legal_reference", "jurisdictions", "crime_areas",
                  "cites_appendices", "species_groups", "purposes", "max_classification", "valid_from",
                  "valid_until", "status", "status_reason", "status_changed_at", "granted_by", "granted_at")
        filter_fields = {"status": ["exact"], "agency__code": ["exact"], "agency__country": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_state(mandate: Mandate, info: Any) -> str:
        return mandate.state

    @staticmethod
    def resolve_in_force(mandate: Mandate, info: Any) -> bool:
        return mandate.is_in_force(get_viewer(info).at)

    @staticmethod
    def resolve_can_change_status(mandate: Mandate, info: Any) -> Any:
        """The rule reads the mandate's agency: taken from the batched loader, so a list of mandates reached
        through a nested field (a share's mandate) does not cost one query per mandate."""
        viewer = get_viewer(info)

        def decide(agency: Agency | None) -> bool:
            if agency is None:
                return False
            mandate.agency = agency
            return allowed(viewer, "mandate.change_status", mandate)

        return then(by_id(info, Agency).load(mandate.agency_id), decide)


class Query(graphene.ObjectType):
    mandates = PolicyConnectionField(MandateNode)

    @staticmethod
    def resolve_mandates(root: Any, info: Any, **kwargs: Any) -> Any:
        return Mandate.objects.select_related("agency")


class GrantMandateInput(graphene.InputObjectType):
    agency_id = graphene.ID(required=True)
    legal_basis = graphene.String(required=True)
    legal_reference = graphene.String(required=True)
    jurisdictions = graphene.List(graphene.NonNull(graphene.String), required=True,
                                  description="ISO 3166-1 alpha-2 codes.")
    crime_areas = graphene.List(graphene.NonNull(CrimeAreaEnum), required=True)
    cites_appendices = graphene.List(graphene.NonNull(CitesAppendixEnum), required=True)
    species_groups = graphene.List(graphene.NonNull(graphene.String))
    purposes = graphene.List(graphene.NonNull(PurposeEnum), required=True)
    max_classification = ClassificationEnum(required=True)
    valid_from = graphene.DateTime(required=True)
    valid_until = graphene.DateTime(required=True)


class GrantMandate(BaseMutation):
    """A national coordinator grants a mandate to an agency of their country."""

    mandate = graphene.Field(MandateNode)

    class Arguments:
        input = GrantMandateInput(required=True)

    class Meta:
        audit_action = "mandate.grant"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        data = data["input"]
        agency = fetch(viewer, Agency.objects.all(), decode_id(data["agency_id"], "Agency", "agency_id"),
                       "agency_id")
        mandate = actions.grant_mandate(viewer, agency, actions.MandateInput(
            legal_basis=data["legal_basis"],
            legal_reference=data["legal_reference"],
            jurisdictions=list(data["jurisdictions"]),
            crime_areas=[enum_value(v) for v in data["crime_areas"]],
            cites_appendices=[enum_value(v) for v in data["cites_appendices"]],
            species_groups=list(data.get("species_groups") or []),
            purposes=[enum_value(v) for v in data["purposes"]],
            max_classification=enum_value(data["max_classification"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        ))
        return {"mandate": mandate}


class _ChangeMandateStatus(BaseMutation):
    mandate = graphene.Field(MandateNode)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        abstract = True

    transition = ""

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        mandate = fetch(viewer, Mandate.objects.select_related("agency"), decode_id(data["id"], "Mandate", "id"))
        return {"mandate": actions.change_status(viewer, mandate, cls.transition, data["reason"])}


class SuspendMandate(_ChangeMandateStatus):
    """Suspend a mandate: every access that relied on it ends at the next request."""

    transition = "suspend"

    class Meta:
        audit_action = "mandate.suspend"


class ReinstateMandate(_ChangeMandateStatus):
    transition = "reinstate"

    class Meta:
        audit_action = "mandate.reinstate"


class RevokeMandate(_ChangeMandateStatus):
    """Revoke a mandate for good."""

    transition = "revoke"

    class Meta:
        audit_action = "mandate.revoke"


class Mutation(graphene.ObjectType):
    grant_mandate = GrantMandate.Field()
    suspend_mandate = SuspendMandate.Field()
    reinstate_mandate = ReinstateMandate.Field()
    revoke_mandate = RevokeMandate.Field()
