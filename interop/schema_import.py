"""GraphQL for imports (STIX bundles, MISP events) and the MISP export of a case."""

from __future__ import annotations

from typing import Any

import graphene
from django.conf import settings
from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode
from access.policy import Viewer
from api import reads
from api.context import get_viewer
from api.loaders import related
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from api.upload import Upload
from cases.models import Case
from cases.schema import CaseNode

from . import misp, stix_import
from .models import ImportRun, Standard

StandardEnum = graphene.Enum.from_enum(Standard)


class ImportRunNode(PolicyObjectType):
    """One import into a case of your agency: what it created, updated and left unchanged, and its report."""

    standard = StandardEnum(required=True)
    case = related(CaseNode, Case, "case_id", description="The case the import went into.")
    report = graphene.JSONString(
        required=True, description="kept_as_notes: the objects WildNet has no meaning for, kept whole as "
                                   "intelligence reports ({id, type}); rejected: the objects set aside, with the "
                                   "reason ({id, type, reason}).")

    class Meta:
        name = "ImportRun"
        model = ImportRun
        fields = ("id", "standard", "case_created", "source_id", "created", "updated", "unchanged", "report",
                  "created_at")
        filter_fields = {"standard": ["exact"]}
        convert_choices_to_enum: list[str] = []

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.case_id


class Query(graphene.ObjectType):
    import_runs = PolicyConnectionField(ImportRunNode, description="Your agency's imports, newest first, for the "
                                                                   "cases you may see.")
    misp_event = graphene.JSONString(
        case_reference=graphene.String(required=True),
        description="A case as a MISP event ({\"Event\": …}, MISP's JSON format), with what you may see of it "
                    "now (a share's withheld groups are absent); null when the case is missing or hidden. "
                    "Reading another agency's case needs your declared purpose and is recorded as a read.")

    @staticmethod
    def resolve_import_runs(root: Any, info: Any, **kwargs: Any) -> Any:
        return ImportRun.objects.all()

    @staticmethod
    def resolve_misp_event(root: Any, info: Any, case_reference: str) -> Any:
        found = misp.case_event(get_viewer(info), case_reference)
        if found is None:
            return None
        case, event = found
        reads.note(info.context, case.pk, "MispEvent", case.pk, owner=case.owner_agency_id)
        return misp.event_json(event)


def _case_id(data: dict[str, Any]) -> int | None:
    return decode_id(data["case_id"], "Case", "case_id") if data.get("case_id") else None


class ImportStixBundle(BaseMutation):
    """Import a STIX 2.1 bundle (as text in ``bundle``, or a file in ``file``) into a case of your agency: the
    case ``caseId``, else your agency's case titled ``caseTitle`` (opened when there is none). Importing the
    same objects again changes nothing; a newer ``modified`` updates. A bad bundle changes nothing and gets a
    typed error whose message starts with the id of the object at fault."""

    run = graphene.Field(ImportRunNode)

    class Arguments:
        case_id = graphene.ID()
        case_title = graphene.String()
        bundle = graphene.String(description="The bundle's JSON text.")
        file = Upload(description="The bundle as a file (multipart upload), instead of bundle.")

    class Meta:
        audit_action = "interop.import_stix"

    @classmethod
    def perform(cls, info: Any, viewer: Viewer, **data: Any) -> dict[str, Any]:
        if (data.get("bundle") is None) == (data.get("file") is None):
            raise ActionError(ErrorCode.REQUIRED, _("Send the bundle either as text or as a file."), "bundle")
        text = data["bundle"] if data.get("bundle") is not None else data["file"].read(
            settings.INTEROP_MAX_IMPORT_BYTES + 1)
        return {"run": stix_import.import_bundle(viewer, text, case_id=_case_id(data),
                                                 case_title=data.get("case_title"))}


class ImportMispEvent(BaseMutation):
    """Import a MISP event (its JSON) into a case of your agency, as ``importStixBundle`` does a bundle."""

    run = graphene.Field(ImportRunNode)

    class Arguments:
        case_id = graphene.ID()
        case_title = graphene.String()
        event = graphene.String(required=True, description="The event's JSON, with or without {\"Event\": …}.")

    class Meta:
        audit_action = "interop.import_misp"

    @classmethod
    def perform(cls, info: Any, viewer: Viewer, **data: Any) -> dict[str, Any]:
        return {"run": misp.import_event(viewer, data["event"], case_id=_case_id(data),
                                         case_title=data.get("case_title"))}


class Mutation(graphene.ObjectType):
    import_stix_bundle = ImportStixBundle.Field()
    import_misp_event = ImportMispEvent.Field()
