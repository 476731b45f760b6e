"""GraphQL for the directory of agencies and task forces."""

from __future__ import annotations

from typing import Any

import graphene

from api.loaders import related, related_list
from api.nodes import PolicyConnectionField, PolicyObjectType

from .models import Agency, AgencyType, PlatformKind, TaskForce, TaskForceKind, TaskForceMembership

AgencyTypeEnum = graphene.Enum.from_enum(AgencyType, description="What kind of body an agency is.")
TaskForceKindEnum = graphene.Enum.from_enum(TaskForceKind)
PlatformKindEnum = graphene.Enum.from_enum(
    PlatformKind, description=lambda member: ("The kind of service an online platform runs." if member is None
                                              else str(member.label)))


class AgencyNode(PolicyObjectType):
    agency_type = AgencyTypeEnum(required=True)
    domains = graphene.List(graphene.NonNull(graphene.String), required=True)
    parent = related(lambda: AgencyNode, Agency, "parent_id")
    time_zone = graphene.String(required=True, description="The zone its officers read times in by default.")
    platform_kind = PlatformKindEnum(description="Online platforms: marketplace, social network, classified ads, "
                                                 "auction or messaging; null for other agencies and when not recorded.")
    trusted_flagger_reference = graphene.String(
        description="Its trusted-flagger status reference under DSA Art. 22 (the Digital Services Coordinator's "
                    "decision); null when the organisation is not a trusted flagger.")

    class Meta:
        name = "Agency"
        model = Agency
        fields = ("id", "name", "code", "country", "agency_type", "parent", "domains", "is_active")
        filter_fields = {"country": ["exact"], "agency_type": ["exact"], "code": ["exact"],
                         "name": ["icontains"], "platform_kind": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_time_zone(agency: Agency, info: Any) -> str:
        return agency.zone_name

    @staticmethod
    def resolve_platform_kind(agency: Agency, info: Any) -> str | None:
        return agency.platform_kind or None

    @staticmethod
    def resolve_trusted_flagger_reference(agency: Agency, info: Any) -> str | None:
        return agency.trusted_flagger_reference.strip() or None


class TaskForceMembershipNode(PolicyObjectType):
    agency = related(lambda: AgencyNode, Agency, "agency_id", required=True)

    class Meta:
        name = "TaskForceMembership"
        model = TaskForceMembership
        fields = ("id", "agency", "joined_on", "left_on")


class TaskForceNode(PolicyObjectType):
    kind = TaskForceKindEnum(required=True)
    memberships = related_list(TaskForceMembershipNode, TaskForceMembership, "task_force",
                               description="Every membership, past and current, with its dates.")

    class Meta:
        name = "TaskForce"
        model = TaskForce
        fields = ("id", "name", "kind", "description", "country", "starts_on", "ends_on")
        filter_fields = {"kind": ["exact"], "country": ["exact"]}
        convert_choices_to_enum: list[str] = []


class Query(graphene.ObjectType):
    agencies = PolicyConnectionField(AgencyNode, description="The directory of agencies and platforms.")
    task_forces = PolicyConnectionField(TaskForceNode, description="Task forces and joint operations.")

    @staticmethod
    def resolve_agencies(root: Any, info: Any, **kwargs: Any) -> Any:
        return Agency.objects.all()

    @staticmethod
    def resolve_task_forces(root: Any, info: Any, **kwargs: Any) -> Any:
        return TaskForce.objects.all()
