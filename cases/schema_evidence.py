"""GraphQL mutations for evidence: attaching a file (multipart upload) and declaring custody events."""

from __future__ import annotations

from typing import Any

import graphene

from access.policy import fetch
from api.errors import enum_value
from api.mutations import BaseMutation, decode_id
from api.upload import Upload

from . import evidence as actions
from .models import Case, Evidence, Listing
from .schema import CaptureMethodEnum, CustodyActionEnum, CustodyEventNode, EvidenceNode


class AttachEvidence(BaseMutation):
    """Attach a captured file to a case (send it as a multipart upload). Needs to be able to add to the case.

    The hash, size and type are taken from the bytes received; a file over the size limit is refused with
    ``FILE_TOO_LARGE`` and nothing is stored.
    """

    evidence = graphene.Field(EvidenceNode)

    class Arguments:
        case_id = graphene.ID(required=True)
        file = Upload(required=True)
        capture_method = CaptureMethodEnum(required=True)
        captured_at = graphene.DateTime(required=True, description="When the capture was made, with its offset.")
        description = graphene.String()
        listing_id = graphene.ID(description="The listing of the same case the file shows, if any.")

    class Meta:
        audit_action = "evidence.attach"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        case = fetch(viewer, Case.objects.all(), decode_id(data["case_id"], "Case", "case_id"), "case_id")
        listing = None
        if data.get("listing_id"):
            listing = fetch(viewer, Listing.objects.all(), decode_id(data["listing_id"], "Listing", "listing_id"),
                            "listing_id")
        evidence = actions.attach_evidence(
            viewer, case, data["file"], capture_method=enum_value(data["capture_method"]),
            captured_at=data["captured_at"], description=data.get("description") or "", listing=listing)
        return {"evidence": evidence}


class RecordCustodyEvent(BaseMutation):
    """Declare that evidence was transferred, sealed or exported. Needs to be able to add to its case."""

    custody_event = graphene.Field(CustodyEventNode)

    class Arguments:
        evidence_id = graphene.ID(required=True)
        action = CustodyActionEnum(required=True, description="TRANSFERRED, SEALED or EXPORTED; the others are "
                                                              "recorded by the system.")
        from_holder = graphene.String()
        to_holder = graphene.String(description="Required for a transfer.")
        note = graphene.String()

    class Meta:
        audit_action = "evidence.custody"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        evidence = fetch(viewer, Evidence.objects.select_related("case"),
                         decode_id(data["evidence_id"], "Evidence", "evidence_id"), "evidence_id")
        event = actions.record_custody_event(
            viewer, evidence, enum_value(data["action"]), from_holder=data.get("from_holder") or "",
            to_holder=data.get("to_holder") or "", note=data.get("note") or "")
        return {"custody_event": event}


class Mutation(graphene.ObjectType):
    attach_evidence = AttachEvidence.Field()
    record_custody_event = RecordCustodyEvent.Field()
