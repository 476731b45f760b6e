"""GraphQL for case intelligence. Every type reads through the policy; nested fields use batched loaders."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import BooleanField, ExpressionWrapper, Value
from django.urls import reverse
from graphene.utils.str_converters import to_camel_case

from access import policy, prepared
from access.markings import not_for_judicial_use
from access.policy import NOTHING, Viewer, condition, fetch
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.enums import ClassificationEnum, CrimeAreaEnum, HandlingCodeEnum
from api.errors import enum_value
from api.loaders import Loader, batched, by_id, own_loader, related, related_list, related_many, then
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions
from .filters import CaseFilter, ClaimFilter, EntityFilter, ListingFilter, ReportFilter, SpeciesFilter, WatchlistFilter
from .models import (
    CaptureMethod,
    Case,
    CaseEntity,
    CaseStatus,
    ClaimedLegality,
    CustodyAction,
    CustodyEvent,
    Entity,
    EntityKind,
    EntityRole,
    Evidence,
    GradingSystem,
    IntelReport,
    LegalityVerification,
    Listing,
    ListingStatus,
    Priority,
    Species,
    SpeciesGroup,
    SpeciesName,
    SpeciesRank,
    SpecimenType,
    SuggestedSpecies,
    TermKind,
    WatchAlert,
    Watchlist,
    WatchTerm,
)
from .rules import EVIDENCE, PERSONAL_DATA, SOURCES, WRITERS, claims_held_elsewhere
from .signals import identifiers_seen
from .species.matching import match_species
from .species.text import suggested_species

CaseStatusEnum = graphene.Enum.from_enum(CaseStatus)
PriorityEnum = graphene.Enum.from_enum(Priority)
ListingStatusEnum = graphene.Enum.from_enum(ListingStatus)
EntityKindEnum = graphene.Enum.from_enum(EntityKind)
EntityRoleEnum = graphene.Enum.from_enum(EntityRole)
GradingSystemEnum = graphene.Enum.from_enum(GradingSystem)
CaptureMethodEnum = graphene.Enum.from_enum(CaptureMethod)
CustodyActionEnum = graphene.Enum.from_enum(CustodyAction)
SpeciesGroupEnum = graphene.Enum.from_enum(SpeciesGroup)
SpeciesRankEnum = graphene.Enum.from_enum(SpeciesRank)
TermKindEnum = graphene.Enum.from_enum(TermKind)


def labelled_enum(choices: Any, description: str) -> Any:
    """A GraphQL enum of Django choices whose values are described by their (English) labels."""
    return graphene.Enum.from_enum(
        choices, description=lambda member: description if member is None else str(member.label))


SpecimenTypeEnum = labelled_enum(
    SpecimenType, "What a listing offers, in CITES terms; UNKNOWN until someone records it.")
ClaimedLegalityEnum = labelled_enum(
    ClaimedLegality, "What the seller claims makes the trade legal (sellers need not prove it).")
LegalityVerificationEnum = labelled_enum(
    LegalityVerification, "Whether an officer checked the claimed legality, and what they found.")

NO_ENUMS: list[str] = []


#: The groups a share may withhold, in the order their flags are read.
GROUPS = (PERSONAL_DATA, SOURCES, EVIDENCE)


def readable(viewer: Viewer) -> dict[str, Any]:
    """Per group, whether ``viewer`` may read it in a case: the ``"case.visible"`` condition with
    ``redaction=group``, as annotations of a ``Case`` query (``readable_<group>``)."""

    def flag(group: str) -> Any:
        rule = condition("case.visible", viewer, redaction=group)
        return Value(False) if rule is NOTHING else ExpressionWrapper(rule, output_field=BooleanField())

    return {f"readable_{group}": flag(group) for group in GROUPS}


def withheld(flags: tuple[Any, ...]) -> list[str]:
    """The groups withheld, from a case's flags in the order of ``GROUPS``."""
    return [group for group, readable_ in zip(GROUPS, flags, strict=True) if not readable_]


def redactions(info: Any) -> Loader:
    """Which groups are withheld from the viewer, per case: one batched query per round, a flag per group.

    A group is withheld when the case is visible but not through any share that leaves that group in (the
    ``"case.visible"`` condition with ``redaction=group``). A case fetched by id carries its flags
    (``CaseNode.along``), handed to this loader as it is read: its claims' gradings then cost no statement.
    """
    return own_loader(info, "redactions", lambda: _redactions(get_viewer(info)))


def _redactions(viewer: Viewer) -> Loader:
    def build(who: Viewer, keys: list[int]) -> Any:
        return (Case.objects.filter(pk__any=keys).annotate(**readable(who))
                .values_list("pk", *(f"readable_{group}" for group in GROUPS)))

    def load(case_ids: list[int]) -> list[list[str]]:
        rows = prepared.rows(viewer, Case, "redactions", list(set(case_ids)), build)
        flags = {pk: tuple(row) for pk, *row in rows}
        return [withheld(flags.get(pk, (False,) * len(GROUPS))) for pk in case_ids]

    return Loader(load)


class SpeciesNameNode(PolicyObjectType):
    class Meta:
        name = "SpeciesName"
        model = SpeciesName
        fields = ("id", "name", "language", "kind")
        filter_fields = {"language": ["exact"], "kind": ["exact"]}


class SpeciesNode(PolicyObjectType):
    rank = SpeciesRankEnum(required=True)
    group = SpeciesGroupEnum(required=True)
    cites_appendices = graphene.List(graphene.NonNull(graphene.String), required=True)
    names = related_list(SpeciesNameNode, SpeciesName, "species",
                         description="Common and trade names in English, French and Spanish, and synonyms.")

    class Meta:
        name = "Species"
        model = Species
        fields = ("id", "scientific_name", "rank", "kingdom", "phylum", "class_name", "order_name", "family",
                  "genus", "author", "cites_listing", "cites_appendices", "annotation", "species_plus_id", "group")
        filterset_class = SpeciesFilter
        convert_choices_to_enum = NO_ENUMS


class TextSpanType(graphene.ObjectType):
    source = graphene.String(required=True, description="The listing's field the words are in: title or text.")
    start = graphene.Int(required=True, description="Offset of the first character of the words.")
    end = graphene.Int(required=True, description="Offset just after the last character of the words.")


class SuggestedSpeciesType(graphene.ObjectType):
    species = graphene.Field(SpeciesNode, required=True)
    span = graphene.Field(TextSpanType, required=True)
    score = graphene.Float(required=True, description="From 75 to 100 (the whole name, exactly).")
    matched_name = graphene.String(required=True)

    class Meta:
        name = "SuggestedSpecies"

    @staticmethod
    def resolve_species(root: SuggestedSpecies, info: Any) -> Any:
        return by_id(info, Species).load(root.species_id)

    @staticmethod
    def resolve_span(root: SuggestedSpecies, info: Any) -> dict[str, Any]:
        return {"source": root.source, "start": root.start, "end": root.end}


class SpeciesMatchType(graphene.ObjectType):
    species = graphene.Field(SpeciesNode, required=True)
    score = graphene.Float(required=True)
    matched_name = graphene.String(required=True)
    span = graphene.Field(TextSpanType, description="Where in the text the name is, when the text is a sentence "
                                                    "naming it; null when the whole text resembles the name.")


def species_matches(text: str, limit: int) -> list[dict[str, Any]]:
    """The species named inside ``text`` (with their spans), then those whose names resemble the whole of it."""
    found = suggested_species(text)[:limit]
    species = Species.objects.in_bulk([match.species_id for match in found])
    rows = [{"species": species[m.species_id], "score": m.score, "matched_name": m.matched_name,
             "span": {"source": SuggestedSpecies.Source.TEXT, "start": m.start, "end": m.end}} for m in found]
    named = set(species)
    rows += [{"species": m.species, "score": m.score, "matched_name": m.matched_name, "span": None}
             for m in match_species(text, limit=limit) if m.species.pk not in named]
    return rows[:limit]


class CaseNode(PolicyObjectType):
    status = CaseStatusEnum(required=True)
    priority = PriorityEnum(required=True)
    crime_area = CrimeAreaEnum(required=True)
    classification = ClassificationEnum(required=True)
    handling_code = HandlingCodeEnum(required=True)
    not_for_judicial_use = graphene.Boolean(
        required=True, description="H1: not to be used in judicial proceedings without the owning agency's "
                                   "permission.")
    jurisdictions = graphene.List(graphene.NonNull(graphene.String), required=True)
    cites_appendices = graphene.List(graphene.NonNull(graphene.String), required=True)
    owner_agency = related(AgencyNode, Agency, "owner_agency_id", required=True)
    lead_officer = related(OfficerNode, Officer, "lead_officer_id")
    team = related_many(OfficerNode, Case, "team")
    species = related_many(SpeciesNode, Case, "species")
    platforms = related_many(AgencyNode, Case, "platforms")
    redacted_groups = graphene.List(
        graphene.NonNull(graphene.String), required=True,
        description="What is withheld from you in this case (personal_data, sources, evidence); empty for your "
                    "own agency's cases.")
    can_edit = graphene.Boolean(
        required=True, description="Whether you may change this case's own fields (updateCase). Meant for one case: "
                                   "it asks the policy for this case alone.")
    can_contribute = graphene.Boolean(
        required=True, description="Whether you may add listings, identifiers, reports and evidence to this case.")
    listings = related_list(lambda: ListingNode, Listing, "case")
    entity_links = related_list(lambda: EntityClaimNode, CaseEntity, "case")
    reports = related_list(lambda: IntelReportNode, IntelReport, "case")
    evidence = related_list(lambda: EvidenceNode, Evidence, "case")
    can_share = graphene.Boolean(
        required=True, description="Whether you may share this case (the owning agency's analysts, investigators "
                                   "and supervisors; a recipient only under a share that allows resharing).")

    class Meta:
        name = "Case"
        model = Case
        fields = ("id", "reference", "title", "summary", "status", "priority", "jurisdictions", "crime_area",
                  "modus_operandi", "classification", "handling_code", "handling_conditions",
                  "law_enforcement_only", "version", "cites_appendices", "created_at", "updated_at")
        filterset_class = CaseFilter
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.pk

    @classmethod
    def read_owner(cls, obj: Any) -> int | None:
        return obj.owner_agency_id

    @classmethod
    def along(cls, viewer: Viewer) -> dict[str, Any]:
        return readable(viewer)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        """Also hands the case's redaction flags, when they rode along, to the request's ``redactions``."""
        if not super().is_type_of(root, info):
            return False
        flags = root.__dict__
        if f"readable_{PERSONAL_DATA}" in flags:
            redactions(info).prime(root.pk, withheld(tuple(flags[f"readable_{group}"] for group in GROUPS)))
        return True

    @staticmethod
    def resolve_not_for_judicial_use(case: Case, info: Any) -> bool:
        return not_for_judicial_use(case.handling_code)

    @staticmethod
    def resolve_redacted_groups(case: Case, info: Any) -> Any:
        return redactions(info).load(case.pk)

    @staticmethod
    def resolve_can_edit(case: Case, info: Any) -> bool:
        return policy.allowed(get_viewer(info), "case.update", case)

    @staticmethod
    def resolve_can_contribute(case: Case, info: Any) -> bool:
        return policy.allowed(get_viewer(info), "case.contribute", case)

    @staticmethod
    def resolve_can_share(case: Case, info: Any) -> bool:
        # The "case.share" rule is the sharing app's; asked by name, so cases does not depend on sharing.
        return policy.allowed(get_viewer(info), "case.share", case)


def held_elsewhere(info: Any) -> Loader:
    """Which identifiers another agency also holds in cases the viewer may not see: one statement per round.

    The answer tells the viewer what searching the identifier would, so it is recorded as a search is: a hit for
    each holder (``identifiers_seen``), at most once a day per officer, identifier and holding case. The holder
    learns who looked, as with any hit; the viewer learns a yes or no, not even the agency a hit would name.
    """
    viewer = get_viewer(info)

    def load(entity_ids: list[int]) -> list[bool]:
        if viewer.role not in WRITERS:  # only roles that get hits are told what a hit tells
            return [False] * len(entity_ids)
        held = set(claims_held_elsewhere(viewer, entity_ids).values_list("entity_id", flat=True).distinct())
        if held:
            identifiers_seen.send(sender=Entity, viewer=viewer, entity_ids=sorted(held), trigger="search")
        return [pk in held for pk in entity_ids]

    return batched(info, ("held_elsewhere",), load)


class EntityNode(PolicyObjectType):
    kind = EntityKindEnum(required=True)
    platform = related(AgencyNode, Agency, "platform_id")
    claims = related_list(lambda: EntityClaimNode, CaseEntity, "entity",
                          description="What the cases you may see say about this identifier.")
    held_elsewhere = graphene.Boolean(
        required=True,
        description="Whether another agency also holds this identifier in a case you may not see: what a hit "
                    "tells, and recorded as one (the holder learns that you looked, as when you search it).")

    class Meta:
        name = "Entity"
        model = Entity
        fields = ("id", "kind", "value", "normalised", "created_at")
        filterset_class = EntityFilter
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_held_elsewhere(entity: Entity, info: Any) -> Any:
        return held_elsewhere(info).load(entity.pk)


def _graded(field: str) -> Any:
    """A claim's grading is part of "sources and grading": null when the share withholds it."""

    def resolve(claim: CaseEntity, info: Any) -> Any:
        return then(redactions(info).load(claim.case_id),
                    lambda groups: None if SOURCES in groups else getattr(claim, field))

    return resolve


NOT_FOR_JUDICIAL_USE = ("Not to be used in judicial proceedings without the provider's permission: the item or its "
                        "case is H1.")


def _not_for_judicial_use(item: CaseEntity | IntelReport, info: Any) -> Any:
    """The item's own code or its case's (loaded in one batch with the other items' cases)."""
    if not_for_judicial_use(item.handling_code):
        return True
    return then(by_id(info, Case).load(item.case_id),
                lambda case: case is not None and not_for_judicial_use(case.handling_code))


class EntityClaimNode(PolicyObjectType):
    role = EntityRoleEnum(required=True)
    source_reliability = graphene.String(resolver=_graded("source_reliability"))
    information_credibility = graphene.String(resolver=_graded("information_credibility"))
    handling_code = HandlingCodeEnum(required=True)
    not_for_judicial_use = graphene.Boolean(required=True, description=NOT_FOR_JUDICIAL_USE,
                                            resolver=_not_for_judicial_use)
    case = related(CaseNode, Case, "case_id", required=True)
    entity = related(EntityNode, Entity, "entity_id", required=True)

    class Meta:
        name = "EntityClaim"
        model = CaseEntity
        fields = ("id", "role", "source_reliability", "information_credibility", "handling_code",
                  "handling_conditions", "law_enforcement_only", "note", "created_at")
        filterset_class = ClaimFilter
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.case_id


class ListingNode(PolicyObjectType):
    status = ListingStatusEnum(required=True)
    price = graphene.Decimal()
    specimen_type = SpecimenTypeEnum(required=True)
    specimen_count = graphene.Int(description="How many specimens are offered; null when not stated.")
    claimed_legality = ClaimedLegalityEnum(required=True)
    legality_reference = graphene.String(
        required=True, description="The permit or certificate number, or the ring or microchip numbers, the "
                                   "seller quotes; empty when nothing is claimed or an antique claim names none.")
    legality_verified = LegalityVerificationEnum(required=True)
    legality_verified_by = related(OfficerNode, Officer, "legality_verified_by_id",
                                   description="Who gave the verdict; null when not checked (or not visible).")
    legality_verified_at = graphene.DateTime(description="When the verdict was given; null when not checked.")
    case = related(CaseNode, Case, "case_id", required=True)
    platform = related(AgencyNode, Agency, "platform_id")
    seller = related(EntityNode, Entity, "seller_id")
    species = related_many(SpeciesNode, Listing, "species",
                           description="The species an officer named or confirmed.")
    suggested_species = related_list(
        SuggestedSpeciesType, SuggestedSpecies, "listing",
        description="Species the matcher found in the title or text, best first: suggestions, not findings.")

    class Meta:
        name = "Listing"
        model = Listing
        fields = ("id", "url", "external_id", "title", "text", "language", "price", "currency", "first_seen_at",
                  "last_seen_at", "claimed_location", "status", "specimen_type", "specimen_count",
                  "claimed_legality", "legality_reference", "legality_verified", "legality_verified_at",
                  "created_at")
        filterset_class = ListingFilter
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.case_id


class IntelReportNode(PolicyObjectType):
    grading_system = GradingSystemEnum(required=True)
    handling_code = HandlingCodeEnum(required=True)
    not_for_judicial_use = graphene.Boolean(required=True, description=NOT_FOR_JUDICIAL_USE,
                                            resolver=_not_for_judicial_use)
    case = related(CaseNode, Case, "case_id", required=True)
    author = related(OfficerNode, Officer, "author_id")
    grading = graphene.String(required=True, description="Source and information grades together, e.g. B2.")

    class Meta:
        name = "IntelReport"
        model = IntelReport
        fields = ("id", "text", "grading_system", "source_evaluation", "information_assessment", "uk_handling",
                  "handling_code", "handling_conditions", "law_enforcement_only", "reported_on", "created_at")
        filterset_class = ReportFilter
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.case_id

    @staticmethod
    def resolve_grading(report: IntelReport, info: Any) -> str:
        return f"{report.source_evaluation}{report.information_assessment}{report.uk_handling}"


class CustodyEventNode(PolicyObjectType):
    action = CustodyActionEnum(required=True)
    actor = related(OfficerNode, Officer, "actor_id")

    class Meta:
        name = "CustodyEvent"
        model = CustodyEvent
        fields = ("id", "action", "occurred_at", "from_holder", "to_holder", "note", "sha256")
        filter_fields = {"action": ["exact"]}
        convert_choices_to_enum = NO_ENUMS


class EvidenceNode(PolicyObjectType):
    capture_method = CaptureMethodEnum(required=True)
    case = related(CaseNode, Case, "case_id", required=True)
    listing = related(ListingNode, Listing, "listing_id")
    captured_by = related(OfficerNode, Officer, "captured_by_id")
    custody = related_list(CustodyEventNode, CustodyEvent, "evidence",
                           description="The chain of custody, oldest first.")
    download_url = graphene.String(required=True, description="Streams the file; every download is recorded.")

    class Meta:
        name = "Evidence"
        model = Evidence
        fields = ("id", "original_name", "sha256", "size", "content_type", "capture_method", "captured_at",
                  "description", "created_at")
        filter_fields = {"capture_method": ["exact"], "case__reference": ["exact"]}
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return obj.case_id

    @staticmethod
    def resolve_download_url(evidence: Evidence, info: Any) -> str:
        return reverse("evidence-download", args=[evidence.pk])


class WatchTermNode(PolicyObjectType):
    kind = TermKindEnum(required=True)
    species = related(SpeciesNode, Species, "species_id")

    class Meta:
        name = "WatchTerm"
        model = WatchTerm
        fields = ("id", "term", "kind", "language")
        filter_fields = {"kind": ["exact"]}
        convert_choices_to_enum = NO_ENUMS


class WatchlistNode(PolicyObjectType):
    owner_agency = related(AgencyNode, Agency, "owner_agency_id", required=True)
    terms = related_list(WatchTermNode, WatchTerm, "watchlist")

    class Meta:
        name = "Watchlist"
        model = Watchlist
        fields = ("id", "name", "description", "is_active", "created_at")
        filterset_class = WatchlistFilter


class WatchAlertNode(PolicyObjectType):
    watchlist = related(WatchlistNode, Watchlist, "watchlist_id", required=True)
    term = related(WatchTermNode, WatchTerm, "term_id", required=True)
    listing = related(ListingNode, Listing, "listing_id", required=True)
    handled_by = related(OfficerNode, Officer, "handled_by_id")

    class Meta:
        name = "WatchAlert"
        model = WatchAlert
        fields = ("id", "created_at", "handled_at")
        filter_fields = {"handled_at": ["isnull"], "created_at": ["gte", "lt"]}

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        return None


class Query(graphene.ObjectType):
    cases = PolicyConnectionField(CaseNode)
    case = graphene.Field(CaseNode, reference=graphene.String(required=True),
                          description="A case by reference; null when missing or not visible.")
    listings = PolicyConnectionField(ListingNode)
    entities = PolicyConnectionField(EntityNode)
    intel_reports = PolicyConnectionField(IntelReportNode)
    evidence = PolicyConnectionField(EvidenceNode)
    species = PolicyConnectionField(SpeciesNode)
    species_matches = graphene.List(graphene.NonNull(SpeciesMatchType), required=True,
                                    text=graphene.String(required=True), limit=graphene.Int(default_value=5),
                                    description="Species named inside ``text`` (a sentence, an advert), then species "
                                                "whose names resemble the whole of it (misspellings allowed).")
    watchlists = PolicyConnectionField(WatchlistNode)
    alerts = PolicyConnectionField(WatchAlertNode, description="Watchlist matches on listings you may see.")

    @staticmethod
    def resolve_cases(root: Any, info: Any, **kwargs: Any) -> Any:
        return Case.objects.all()

    @staticmethod
    def resolve_case(root: Any, info: Any, reference: str) -> Case | None:
        return CaseNode.get_queryset(Case.objects.all(), info).filter(reference=reference).first()

    @staticmethod
    def resolve_listings(root: Any, info: Any, **kwargs: Any) -> Any:
        return Listing.objects.all()

    @staticmethod
    def resolve_entities(root: Any, info: Any, **kwargs: Any) -> Any:
        return Entity.objects.all()

    @staticmethod
    def resolve_intel_reports(root: Any, info: Any, **kwargs: Any) -> Any:
        return IntelReport.objects.all()

    @staticmethod
    def resolve_evidence(root: Any, info: Any, **kwargs: Any) -> Any:
        return Evidence.objects.all()

    @staticmethod
    def resolve_species(root: Any, info: Any, **kwargs: Any) -> Any:
        return Species.objects.all()

    @staticmethod
    def resolve_species_matches(root: Any, info: Any, text: str, limit: int) -> list[Any]:
        if not get_viewer(info).active:
            return []
        return species_matches(text, max(1, min(limit, 20)))

    @staticmethod
    def resolve_watchlists(root: Any, info: Any, **kwargs: Any) -> Any:
        return Watchlist.objects.all()

    @staticmethod
    def resolve_alerts(root: Any, info: Any, **kwargs: Any) -> Any:
        return WatchAlert.objects.all()


# --- mutations --------------------------------------------------------------------------------------------


def _case(viewer: Any, global_id: str, field: str = "case_id") -> Case:
    return fetch(viewer, Case.objects.select_related("owner_agency"), decode_id(global_id, "Case", field), field)


def _ids(values: list[str] | None, type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field) for v in values or []]


class CaseInputBase(graphene.InputObjectType):
    summary = graphene.String()
    status = CaseStatusEnum()
    priority = PriorityEnum()
    crime_area = CrimeAreaEnum()
    modus_operandi = graphene.String()
    classification = ClassificationEnum()
    handling_code = HandlingCodeEnum()
    handling_conditions = graphene.String()
    law_enforcement_only = graphene.Boolean(
        description="Keep the case among law-enforcement, prosecution and regulatory agencies (default: true).")
    lead_officer_id = graphene.ID()
    team_ids = graphene.List(graphene.NonNull(graphene.ID))
    species_ids = graphene.List(graphene.NonNull(graphene.ID))
    platform_ids = graphene.List(graphene.NonNull(graphene.ID))


class CreateCaseInput(CaseInputBase):
    title = graphene.String(required=True)
    jurisdictions = graphene.List(graphene.NonNull(graphene.String), required=True)


class UpdateCaseInput(CaseInputBase):
    title = graphene.String()
    jurisdictions = graphene.List(graphene.NonNull(graphene.String))


def _case_values(data: dict[str, Any]) -> dict[str, Any]:
    """Graphene input → action keyword values: enum members to values, global ids to primary keys."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "lead_officer_id":
            values[key] = decode_id(value, "Officer", key)
        elif key == "team_ids":
            values[key] = _ids(value, "Officer", key)
        elif key == "species_ids":
            values[key] = _ids(value, "Species", key)
        elif key == "platform_ids":
            values[key] = _ids(value, "Agency", key)
        else:
            values[key] = enum_value(value)
    return values


class CreateCase(BaseMutation):
    """Open a case in your agency; its reference is allocated (AGENCY-YEAR-NUMBER)."""

    case = graphene.Field(CaseNode)

    class Arguments:
        input = CreateCaseInput(required=True)

    class Meta:
        audit_action = "case.create"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"case": actions.create_case(viewer, actions.CaseInput(**_case_values(data["input"])))}


class UpdateCase(BaseMutation):
    """Change a case. ``version`` is the one you loaded: a stale version gets ``CONFLICT`` and changes nothing."""

    case = graphene.Field(CaseNode)

    class Arguments:
        id = graphene.ID(required=True)
        version = graphene.Int(required=True)
        input = UpdateCaseInput(required=True)

    class Meta:
        audit_action = "case.update"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        case = _case(viewer, data["id"], "id")
        return {"case": actions.update_case(viewer, case, data["version"], _case_values(data["input"]))}


class AddListingFields(graphene.InputObjectType):
    case_id = graphene.ID(required=True)
    url = graphene.String(required=True)
    platform_id = graphene.ID(description="Default: the platform whose domain the URL is on.")
    external_id = graphene.String()
    title = graphene.String()
    text = graphene.String()
    language = graphene.String()
    price = graphene.String(description="Decimal as a string, e.g. \"1250.00\".")
    currency = graphene.String(description="ISO 4217.")
    seen_at = graphene.DateTime()
    seller = graphene.String(description="The seller's handle on the platform.")
    claimed_location = graphene.String()
    species_names = graphene.List(graphene.NonNull(graphene.String))
    species_ids = graphene.List(graphene.NonNull(graphene.ID))
    status = ListingStatusEnum()


class ListingFactsInput(graphene.InputObjectType):
    """The facts an officer records about a listing; a field left out is not changed."""

    specimen_type = SpecimenTypeEnum()
    specimen_count = graphene.Int(description="At least 1.")
    claimed_legality = ClaimedLegalityEnum()
    legality_reference = graphene.String(
        description="Required for a CITES permit, an EU certificate or a captive-bred claim: the number, or the "
                    "ring or microchip numbers, as the seller gives them.")
    legality_verified = LegalityVerificationEnum(
        description="Your verdict on the claim (only when something is claimed); you and now are recorded. "
                    "Changing the claim or its reference without a verdict sets it back to NOT_CHECKED.")


class AddListingInput(ListingFactsInput, AddListingFields):
    pass


class AddListing(BaseMutation):
    """Record a listing. The same URL (once normalised) in the same case updates that listing."""

    listing = graphene.Field(ListingNode)
    created = graphene.Boolean()

    class Arguments:
        input = AddListingInput(required=True)

    class Meta:
        audit_action = "case.add_listing"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = dict(data["input"])
        case = _case(viewer, values.pop("case_id"))
        if values.get("platform_id"):
            values["platform_id"] = decode_id(values["platform_id"], "Agency", "platform_id")
        values["species_ids"] = _ids(values.get("species_ids"), "Species", "species_ids")
        values = {k: enum_value(v) for k, v in values.items() if v is not None}
        listing, created = actions.add_listing(viewer, case, actions.ListingInput(**values))
        return {"listing": listing, "created": created}


class UpdateListing(BaseMutation):
    """Record the facts of a listing: specimen, count, claimed legality and its reference, your verdict on the
    claim. Needs to be able to add to the listing's case; another agency's listing is ``NOT_FOUND``."""

    listing = graphene.Field(ListingNode)
    changed = graphene.List(graphene.NonNull(graphene.String),
                            description="The facts that changed (input field names); empty when none did.")

    class Arguments:
        id = graphene.ID(required=True)
        input = ListingFactsInput(required=True)

    class Meta:
        audit_action = "case.update_listing"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        listing = fetch(viewer, Listing.objects.select_related("case"), decode_id(data["id"], "Listing", "id"))
        changes = {key: enum_value(value) for key, value in data["input"].items() if value is not None}
        changed = actions.update_listing(viewer, listing, changes)
        return {"listing": listing, "changed": [to_camel_case(name) for name in changed]}


class LinkEntityInput(graphene.InputObjectType):
    case_id = graphene.ID(required=True)
    kind = EntityKindEnum(required=True)
    value = graphene.String(required=True)
    role = EntityRoleEnum(required=True)
    source_reliability = graphene.String(description="Europol 4x4: A, B, C or X.")
    information_credibility = graphene.String(description="Europol 4x4: 1 to 4.")
    handling_code = HandlingCodeEnum(description="Default H0: the claim follows its case's marking.")
    handling_conditions = graphene.String(description="H3: the conditions every recipient reads.")
    law_enforcement_only = graphene.Boolean(
        description="Hide the claim from NGOs and platforms even in a case shared with them (default: false).")
    note = graphene.String()
    platform_id = graphene.ID(description="Online accounts: the platform.")
    region = graphene.String(description="Phones in national format: the ISO 3166-1 country they are read in; "
                                        "default: your agency's country.")


class LinkEntity(BaseMutation):
    """Record what a case says about an identifier (normalised, so it matches across cases)."""

    claim = graphene.Field(EntityClaimNode)

    class Arguments:
        input = LinkEntityInput(required=True)

    class Meta:
        audit_action = "case.link_entity"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = dict(data["input"])
        case = _case(viewer, values.pop("case_id"))
        if values.get("platform_id"):
            values["platform_id"] = decode_id(values["platform_id"], "Agency", "platform_id")
        values = {k: enum_value(v) for k, v in values.items() if v is not None}
        return {"claim": actions.link_entity(viewer, case, actions.ClaimInput(**values))}


class AddIntelReportInput(graphene.InputObjectType):
    case_id = graphene.ID(required=True)
    text = graphene.String(required=True)
    grading_system = GradingSystemEnum()
    source_evaluation = graphene.String(required=True)
    information_assessment = graphene.String(required=True)
    uk_handling = graphene.String(description="UK 3x5x2 only: P or C.")
    handling_code = HandlingCodeEnum(description="Default H0: the report follows its case's marking.")
    handling_conditions = graphene.String(description="H3 or UK handling code C: the conditions every recipient "
                                                      "reads.")
    law_enforcement_only = graphene.Boolean(
        description="Hide the report from NGOs and platforms even in a case shared with them (default: false).")
    reported_on = graphene.Date()


class AddIntelReport(BaseMutation):
    report = graphene.Field(IntelReportNode)

    class Arguments:
        input = AddIntelReportInput(required=True)

    class Meta:
        audit_action = "case.add_report"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = dict(data["input"])
        case = _case(viewer, values.pop("case_id"))
        values = {k: enum_value(v) for k, v in values.items() if v is not None}
        return {"report": actions.add_report(viewer, case, actions.ReportInput(**values))}


class CreateWatchlist(BaseMutation):
    watchlist = graphene.Field(WatchlistNode)

    class Arguments:
        name = graphene.String(required=True)
        description = graphene.String()

    class Meta:
        audit_action = "watchlist.create"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"watchlist": actions.create_watchlist(viewer, data["name"], data.get("description") or "")}


class AddWatchTerm(BaseMutation):
    term = graphene.Field(WatchTermNode)

    class Arguments:
        watchlist_id = graphene.ID(required=True)
        term = graphene.String(required=True)
        kind = TermKindEnum(required=True)
        language = graphene.String()
        species_id = graphene.ID()

    class Meta:
        audit_action = "watchlist.add_term"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        watchlist = fetch(viewer, Watchlist.objects.all(), decode_id(data["watchlist_id"], "Watchlist",
                                                                      "watchlist_id"), "watchlist_id")
        species_id = decode_id(data["species_id"], "Species", "species_id") if data.get("species_id") else None
        return {"term": actions.add_watch_term(viewer, watchlist, data["term"], enum_value(data["kind"]),
                                               data.get("language") or "", species_id)}


class MarkAlertHandled(BaseMutation):
    alert = graphene.Field(WatchAlertNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "watchlist.alert_handled"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        alert = fetch(viewer, WatchAlert.objects.select_related("watchlist"), decode_id(data["id"], "WatchAlert", "id"))
        return {"alert": actions.mark_alert_handled(viewer, alert)}


class Mutation(graphene.ObjectType):
    mark_alert_handled = MarkAlertHandled.Field()
    create_case = CreateCase.Field()
    update_case = UpdateCase.Field()
    add_listing = AddListing.Field()
    update_listing = UpdateListing.Field()
    link_entity = LinkEntity.Field()
    add_intel_report = AddIntelReport.Field()
    create_watchlist = CreateWatchlist.Field()
    add_watch_term = AddWatchTerm.Field()
