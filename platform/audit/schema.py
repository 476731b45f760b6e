"""GraphQL for reading the audit log."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import graphene
from django.apps import apps
from django.core.exceptions import ValidationError
from graphene.types.generic import GenericScalar
from graphene_django.registry import get_global_registry

from access.policy import Viewer, condition, has_condition, visible
from agencies.models import Agency
from agencies.schema import AgencyNode
from api import reads
from api.context import get_viewer
from api.loaders import batched, related
from api.nodes import PolicyConnectionField, PolicyObjectType
from mandates.models import Mandate
from mandates.schema import MandateNode

from .models import AuditEvent, ChainLink, Outcome

OutcomeEnum = graphene.Enum.from_enum(Outcome)


def _shown_objects(info: Any, viewer: Viewer, events: list[AuditEvent]) -> set[tuple[str, str]]:
    """The (type, id) of the events' objects the viewer may see: one policy-filtered query per object type,
    narrowed by the condition ``audit.content:<type>`` where the object's app declares one.

    Revealing what an object says is reading it, so each object shown is noted for the access audit exactly as
    if GraphQL had completed it (an owner learns that a coordinator read their listing's URL in the log).
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.content and event.object_type:
            wanted[event.object_type].add(event.object_id)
    shown: set[tuple[str, str]] = set()
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        pks = []
        for raw in ids:
            try:
                pks.append(model._meta.pk.to_python(raw))
            except ValidationError:
                continue
        objects = visible(viewer, model._default_manager.filter(pk__in=pks))
        if has_condition(f"audit.content:{label}"):  # an app may narrow who reads what its objects say
            objects = objects.filter(condition(f"audit.content:{label}", viewer))
        node = get_global_registry().get_type_for_model(model)
        for obj in objects:
            shown.add((label, str(obj.pk)))
            if node is not None and issubclass(node, PolicyObjectType):
                reads.note(info.context, node.read_scope(obj), node._meta.name, obj.pk)
    return shown


def _content(info: Any) -> Any:
    viewer = get_viewer(info)

    def load(events: list[AuditEvent]) -> list[dict[str, Any] | None]:
        shown = _shown_objects(info, viewer, events)
        actor_id = viewer.officer.pk if viewer.officer is not None else None
        return [event.content if event.content and (
            (event.object_type, event.object_id) in shown if event.object_type else event.actor_id == actor_id)
            else None for event in events]

    return batched(info, ("audit.content",), load)


class AuditEventNode(PolicyObjectType):
    outcome = OutcomeEnum(required=True)
    details = GenericScalar(required=True, description="Who did what to which object: identifiers, counts, codes.")
    content = GenericScalar(
        description="What the object says (a URL, a digest, notes, the words searched for): only for readers who "
                    "may see the object (for an event without one, its actor); null otherwise, or when there is "
                    "none.")
    seq = graphene.BigInt(description="Place in the hash chain; null until the event is sealed.")
    agency_id = graphene.Int()
    object_agency_id = graphene.Int()
    agency = related(AgencyNode, Agency, "agency_id", description="The actor's agency.")
    object_agency = related(AgencyNode, Agency, "object_agency_id",
                            description="The agency that owns the object: whose intelligence was read.")
    mandate = related(MandateNode, Mandate, "mandate_id",
                      description="The mandate the actor relied on, when the viewer may see that mandate (its "
                                  "agency, the coordinators of its country); see `mandateReference`.")
    mandate_reference = graphene.String(
        description="The legal reference of the mandate relied on, for every reader of the event: an owner "
                    "reviewing reads of its intelligence learns under which legal basis it was read.")

    class Meta:
        name = "AuditEvent"
        model = AuditEvent
        fields = ("id", "occurred_at", "actor_username", "country", "action", "object_type", "object_id",
                  "outcome", "mandate_id", "purpose", "request_id", "ip_address", "details")
        filter_fields = {"action": ["exact", "startswith"], "outcome": ["exact"], "actor_username": ["exact"],
                         "occurred_at": ["gte", "lt"], "agency__code": ["exact"], "object_agency__code": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_content(event: AuditEvent, info: Any) -> Any:
        return _content(info).load(event)

    @staticmethod
    def resolve_mandate_reference(event: AuditEvent, info: Any) -> Any:
        if event.mandate_id is None:
            return None

        def load(ids: list[int]) -> list[str | None]:
            found = dict(Mandate.objects.filter(pk__in=set(ids)).values_list("pk", "legal_reference"))
            return [found.get(pk) for pk in ids]

        return batched(info, ("audit.mandate_reference",), load).load(event.mandate_id)

    @staticmethod
    def resolve_seq(event: AuditEvent, info: Any) -> Any:
        def load(event_ids: list[int]) -> list[int | None]:
            found = dict(ChainLink.objects.filter(event_id__in=event_ids).values_list("event_id", "seq"))
            return [found.get(pk) for pk in event_ids]

        return batched(info, ("audit.seq",), load).load(event.pk)


class Query(graphene.ObjectType):
    audit_events = PolicyConnectionField(AuditEventNode, description="Newest first.")

    @staticmethod
    def resolve_audit_events(root: Any, info: Any, **kwargs: Any) -> Any:
        return AuditEvent.objects.order_by("-id")
