"""GraphQL for the national audit of the model measures.

Periods are written ``"2025"`` (a calendar year) or ``"2025-01-01/2025-06-30"`` (inclusive days). Reads go
through the policy (``measures.rules``): a coordinator sees their country's assessments, drafts included, and
other countries' signed-off summaries; agencies' officers their own country's signed-off assessments; anyone
else nothing. Mutations are for the country's national coordinators; a refusal on another country's
assessment is ``NOT_FOUND``, the same as for one that does not exist.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.urls import reverse
from graphene.types.generic import GenericScalar
from graphql import GraphQLError

from access import policy
from access.errors import ActionError, NotFound
from access.policy import Viewer, fetch
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.errors import enum_value
from api.loaders import by_id, children, related, related_list, then
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from api.upload import Upload
from audit.actions import record
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions, headings, indicators, reports
from .models import (
    AssessmentStatus,
    EvidenceKind,
    MeasureCatalogue,
    MeasureEvidence,
    MeasureStatus,
    MeasureStatusEntry,
    ModelMeasure,
    NationalAssessment,
)
from .periods import parse_period
from .queries import current_assessment
from .rules import sees_details

MeasureStatusEnum = graphene.Enum.from_enum(MeasureStatus)
AssessmentStatusEnum = graphene.Enum.from_enum(AssessmentStatus)
EvidenceKindEnum = graphene.Enum.from_enum(EvidenceKind, name="MeasureEvidenceKind")

NO_ENUMS: list[str] = []
PERIOD_HELP = 'A calendar year ("2025") or inclusive days ("2025-01-01/2025-06-30").'


class MeasureCatalogueNode(PolicyObjectType):
    class Meta:
        name = "MeasureCatalogue"
        model = MeasureCatalogue
        fields = ("id", "version", "title", "published_on", "source")
        filter_fields = {"version": ["exact"]}


IN_LANGUAGE = " in the request's language (English, French or Spanish; English for any other)."


class ModelMeasureNode(PolicyObjectType):
    catalogue = related(MeasureCatalogueNode, MeasureCatalogue, "catalogue_id", required=True)
    title = graphene.String(required=True, description="The title" + IN_LANGUAGE)
    description = graphene.String(required=True, description="The description" + IN_LANGUAGE)
    section_title = graphene.String(required=True, description="The heading of the measure's section" + IN_LANGUAGE)
    subsection_title = graphene.String(required=True,
                                       description="The heading of the measure's subsection" + IN_LANGUAGE)

    class Meta:
        name = "ModelMeasure"
        model = ModelMeasure
        fields = ("id", "code", "section", "subsection", "order", "title_en", "title_fr", "title_es",
                  "description_en", "description_fr", "description_es", "indicator")
        filter_fields = {"section": ["exact"], "subsection": ["exact"], "code": ["exact"]}

    @staticmethod
    def resolve_title(measure: ModelMeasure, info: Any) -> str:
        return headings.in_language({"en": measure.title_en, "fr": measure.title_fr, "es": measure.title_es})

    @staticmethod
    def resolve_description(measure: ModelMeasure, info: Any) -> str:
        return headings.in_language({"en": measure.description_en, "fr": measure.description_fr,
                                     "es": measure.description_es})

    @staticmethod
    def resolve_section_title(measure: ModelMeasure, info: Any) -> str:
        return headings.section_title(measure.section)

    @staticmethod
    def resolve_subsection_title(measure: ModelMeasure, info: Any) -> str:
        return headings.subsection_title(measure.subsection)


class MeasureEvidenceNode(PolicyObjectType):
    kind = EvidenceKindEnum(required=True)
    file_name = graphene.String(description="The stored file's name, when the evidence is a file.")
    download_url = graphene.String(description="Streams the file (audited); null for links and notes.")

    class Meta:
        name = "MeasureEvidence"
        model = MeasureEvidence
        fields = ("id", "kind", "url", "text", "added_at")
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_download_url(item: MeasureEvidence, info: Any) -> str | None:
        return reverse("measure-evidence-download", args=[item.pk]) if item.file else None


def _with_assessment(entry: MeasureStatusEntry, info: Any, value: Any) -> Any:
    """``value`` when the viewer reads the details of the entry's assessment, else null."""
    viewer = get_viewer(info)
    return then(by_id(info, NationalAssessment).load(entry.assessment_id),
                lambda assessment: value if assessment is not None and sees_details(viewer, assessment) else None)


class MeasureStatusEntryNode(PolicyObjectType):
    status = MeasureStatusEnum(required=True)
    measure = related(ModelMeasureNode, ModelMeasure, "measure_id", required=True)
    responsible_agency = related(AgencyNode, Agency, "responsible_agency_id")
    reviewer = related(OfficerNode, Officer, "reviewer_id", description="Null unless a colleague of yours.")
    notes = graphene.String(description="Null for a coordinator of another country (summary only).")
    evidence = related_list(MeasureEvidenceNode, MeasureEvidence, "entry",
                            description="Empty for a coordinator of another country (summary only).")

    class Meta:
        name = "MeasureStatusEntry"
        model = MeasureStatusEntry
        fields = ("id", "status", "reason", "last_reviewed_at")
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_notes(entry: MeasureStatusEntry, info: Any) -> Any:
        return _with_assessment(entry, info, entry.notes)


class StatusCount(graphene.ObjectType):
    status = MeasureStatusEnum(required=True)
    count = graphene.Int(required=True)


class IndicatorPeriod(graphene.ObjectType):
    start = graphene.Date(required=True)
    end = graphene.Date(required=True, description="The last day (inclusive).")


class Indicator(graphene.ObjectType):
    """A figure computed from WildNet's own records for the assessed country and period, never typed in."""

    key = graphene.String(required=True, description="What `ModelMeasure.indicator` names.")
    title = graphene.String(required=True)
    method = graphene.String(required=True, description="How it is computed, in words a reader can check.")
    available = graphene.Boolean(required=True,
                                 description="False: nothing recorded in the period (not the same as zero done).")
    period = graphene.Field(IndicatorPeriod, required=True)
    value = GenericScalar(required=True, description="The figures, as in the national report's JSON.")

    @staticmethod
    def resolve_period(item: dict[str, Any], info: Any) -> IndicatorPeriod:
        return IndicatorPeriod(start=datetime.date.fromisoformat(item["period"]["start"]),
                               end=datetime.date.fromisoformat(item["period"]["end"]))


class NationalAssessmentNode(PolicyObjectType):
    status = AssessmentStatusEnum(required=True)
    period = graphene.String(required=True, description=PERIOD_HELP)
    catalogue = related(MeasureCatalogueNode, MeasureCatalogue, "catalogue_id", required=True)
    previous = related(lambda: NationalAssessmentNode, NationalAssessment, "previous_id",
                       description="The revision this one supersedes.")
    signed_off_by = related(OfficerNode, Officer, "signed_off_by_id", description="Null unless a colleague of yours.")
    entries = related_list(MeasureStatusEntryNode, MeasureStatusEntry, "assessment",
                           description="Every measure of the catalogue, in the catalogue's order.")
    summary = graphene.List(graphene.NonNull(StatusCount), required=True, description="Measures per status.")
    can_edit = graphene.Boolean(required=True, description="Whether you may set statuses and sign off now.")
    can_revise = graphene.Boolean(required=True, description="Whether you may open the next revision now.")
    indicators = graphene.List(graphene.NonNull(Indicator),
                               description="The indicators of the assessment's country and period, computed "
                                           "on request (a fixed number of queries each: ask for one assessment's, "
                                           "not a list's); null for a coordinator of another country (summary "
                                           "only).")

    class Meta:
        name = "NationalAssessment"
        model = NationalAssessment
        fields = ("id", "country", "period_start", "period_end", "status", "revision", "signed_off_at",
                  "created_at")
        filter_fields = {"country": ["exact"], "status": ["exact"], "period_start": ["exact", "gte", "lte"]}
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_period(assessment: NationalAssessment, info: Any) -> str:
        return assessment.period_label

    @staticmethod
    def resolve_summary(assessment: NationalAssessment, info: Any) -> Any:
        def count(entries: list[MeasureStatusEntry]) -> list[StatusCount]:
            return [StatusCount(status=status, count=sum(e.status == status for e in entries))
                    for status in MeasureStatus.values]

        return then(children(info, MeasureStatusEntry, "assessment").load(assessment.pk), count)

    @staticmethod
    def resolve_can_edit(assessment: NationalAssessment, info: Any) -> bool:
        return policy.allowed(get_viewer(info), "assessment.edit", assessment)

    @staticmethod
    def resolve_can_revise(assessment: NationalAssessment, info: Any) -> bool:
        # only the latest revision is revised (``actions.revise``), and the latest one is the one without a next
        return (policy.allowed(get_viewer(info), "assessment.revise", assessment)
                and not NationalAssessment.objects.filter(previous=assessment).exists())

    @staticmethod
    def resolve_indicators(assessment: NationalAssessment, info: Any) -> list[dict[str, Any]] | None:
        if not sees_details(get_viewer(info), assessment):
            return None
        return list(indicators.compute(assessment.country, assessment.period_start, assessment.period_end).values())


def _period(text: str) -> tuple[Any, Any]:
    try:
        return parse_period(text)
    except ActionError as error:
        raise GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field}) from None


class Query(graphene.ObjectType):
    measure_catalogues = PolicyConnectionField(MeasureCatalogueNode, description="Every edition, newest first.")
    model_measures = PolicyConnectionField(
        ModelMeasureNode, version=graphene.String(description="Catalogue version, e.g. 2024-11; default the latest."),
        description="The CITES model measures of one catalogue edition, in the document's order.")
    national_assessment = graphene.Field(
        NationalAssessmentNode, country=graphene.String(required=True), period=graphene.String(required=True),
        description=f"The latest revision you may see of a country's assessment. Period: {PERIOD_HELP}")
    national_assessments = PolicyConnectionField(NationalAssessmentNode,
                                                 description="Every revision you may see, newest period first.")
    assessment_country = graphene.String(
        description="The country whose assessments you open, edit and sign off (ISO 3166-1 alpha-2): yours when "
                    "you are a national coordinator, else null.")
    national_report = GenericScalar(
        country=graphene.String(required=True), period=graphene.String(required=True),
        description="The national report (the JSON of /compliance/national-report/…) of the assessment "
                    "`nationalAssessment` returns; null when there is none you may see. Audited.")

    @staticmethod
    def resolve_measure_catalogues(root: Any, info: Any, **kwargs: Any) -> Any:
        return MeasureCatalogue.objects.all()

    @staticmethod
    def resolve_model_measures(root: Any, info: Any, version: str | None = None, **kwargs: Any) -> Any:
        catalogue = (MeasureCatalogue.objects.filter(version=version) if version
                     else MeasureCatalogue.objects.all()[:1])
        return ModelMeasure.objects.filter(catalogue__in=catalogue.values("pk")).order_by("order")

    @staticmethod
    def resolve_national_assessment(root: Any, info: Any, country: str, period: str) -> Any:
        return current_assessment(get_viewer(info), country, *_period(period))

    @staticmethod
    def resolve_national_assessments(root: Any, info: Any, **kwargs: Any) -> Any:
        return NationalAssessment.objects.all()

    @staticmethod
    def resolve_assessment_country(root: Any, info: Any) -> str | None:
        viewer = get_viewer(info)
        return viewer.country if policy.allowed(viewer, "assessment.create", viewer.country) else None

    @staticmethod
    def resolve_national_report(root: Any, info: Any, country: str, period: str) -> Any:
        viewer = get_viewer(info)
        assessment = current_assessment(viewer, country, *_period(period))
        if assessment is None:
            return None
        record("assessment.report", actor=viewer.officer, obj=assessment,
               details={"country": assessment.country, "period": assessment.period_label,
                        "revision": assessment.revision, "format": "graphql"})
        return reports.national_report(viewer, assessment)


@contextmanager
def _absent_as(field: str) -> Iterator[None]:
    """Another country's assessment is refused exactly like a missing one, whatever refused it."""
    try:
        yield
    except NotFound:
        raise NotFound(field, "national assessment") from None


def _assessment(viewer: Viewer, global_id: str, field: str) -> NationalAssessment:
    return fetch(viewer, NationalAssessment.objects.select_related("catalogue"),
                 decode_id(global_id, "NationalAssessment", field), field)


class CreateAssessment(BaseMutation):
    """Open your country's assessment for a period, every measure of the latest catalogue not started."""

    assessment = graphene.Field(NationalAssessmentNode)

    class Arguments:
        country = graphene.String(required=True)
        period = graphene.String(required=True, description=PERIOD_HELP)

    class Meta:
        audit_action = "assessment.create"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        start, end = parse_period(data["period"])
        return {"assessment": actions.create_assessment(viewer, data["country"], start, end)}


class MeasureEvidenceInput(graphene.InputObjectType):
    kind = EvidenceKindEnum(required=True)
    url = graphene.String(description="LINK: an http(s) address.")
    text = graphene.String(description="NOTE: the note; LINK and FILE: an optional caption.")
    file = Upload(description="FILE: the document, sent as a multipart part.")


class SetMeasureStatusInput(graphene.InputObjectType):
    assessment_id = graphene.ID(required=True)
    measure_code = graphene.String(required=True)
    status = MeasureStatusEnum(required=True)
    reason = graphene.String(description="Required for NOT_APPLICABLE.")
    responsible_agency_id = graphene.ID(description="An agency of the assessed country.")
    notes = graphene.String()
    evidence = graphene.List(graphene.NonNull(MeasureEvidenceInput), description="Added to the existing evidence.")


class SetMeasureStatus(BaseMutation):
    """Set where a measure stands in a draft assessment of your country; you become its reviewer."""

    entry = graphene.Field(MeasureStatusEntryNode)
    assessment = graphene.Field(NationalAssessmentNode)

    class Arguments:
        input = SetMeasureStatusInput(required=True)

    class Meta:
        audit_action = "assessment.set_status"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = data["input"]
        assessment = _assessment(viewer, values["assessment_id"], "assessment_id")
        agency = None
        if values.get("responsible_agency_id"):
            agency = fetch(viewer, Agency.objects.all(), decode_id(values["responsible_agency_id"], "Agency",
                                                                   "responsible_agency_id"), "responsible_agency_id")
        change = actions.StatusChange(
            measure_code=values["measure_code"], status=enum_value(values["status"]),
            reason=values.get("reason") or "", responsible_agency=agency, notes=values.get("notes") or "",
            evidence=[actions.EvidenceInput(kind=enum_value(e["kind"]), url=e.get("url") or "",
                                            text=e.get("text") or "", file=e.get("file"))
                      for e in values.get("evidence") or []])
        with _absent_as("assessment_id"):
            entry = actions.set_measure_status(viewer, assessment, change)
        return {"entry": entry, "assessment": assessment}


class SignOffAssessment(BaseMutation):
    """Sign off a draft of your country: it is frozen, and a later change needs `reviseAssessment`."""

    assessment = graphene.Field(NationalAssessmentNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "assessment.sign_off"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        assessment = _assessment(viewer, data["id"], "id")
        with _absent_as("id"):
            return {"assessment": actions.sign_off(viewer, assessment)}


class ReviseAssessment(BaseMutation):
    """Open the next revision of a signed-off assessment of your country, as a draft copy of it."""

    assessment = graphene.Field(NationalAssessmentNode, description="The new draft revision.")

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "assessment.revise"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        assessment = _assessment(viewer, data["id"], "id")
        with _absent_as("id"):
            return {"assessment": actions.revise(viewer, assessment)}


class Mutation(graphene.ObjectType):
    create_assessment = CreateAssessment.Field()
    set_measure_status = SetMeasureStatus.Field()
    sign_off_assessment = SignOffAssessment.Field()
    revise_assessment = ReviseAssessment.Field()
