"""GraphQL for reading the audit log."""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from api.nodes import PolicyConnectionField, PolicyObjectType

from .models import AuditEvent, Outcome

OutcomeEnum = graphene.Enum.from_enum(Outcome)


class AuditEventNode(PolicyObjectType):
    outcome = OutcomeEnum(required=True)
    details = GenericScalar(required=True)
    agency_id = graphene.Int()
    object_agency_id = graphene.Int()

    class Meta:
        name = "AuditEvent"
        model = AuditEvent
        fields = ("id", "occurred_at", "actor_username", "country", "action", "object_type", "object_id",
                  "outcome", "mandate_id", "purpose", "request_id", "details", "seq")
        filter_fields = {"action": ["exact", "startswith"], "outcome": ["exact"], "actor_username": ["exact"],
                         "occurred_at": ["gte", "lt"]}
        convert_choices_to_enum: list[str] = []


class Query(graphene.ObjectType):
    audit_events = PolicyConnectionField(AuditEventNode, description="Newest first.")

    @staticmethod
    def resolve_audit_events(root: Any, info: Any, **kwargs: Any) -> Any:
        return AuditEvent.objects.order_by("-id")
