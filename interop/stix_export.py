"""What a viewer may see of WildNet's intelligence, as STIX 2.1 objects built with OASIS's ``stix2``.

Everything is read through the policy at the time of the export (``access.policy.visible``), so a share's
redactions apply the way they do in the API: the objects of a withheld group are *absent* (a claim under
"personal data", a report under "sources", an evidence file under "evidence"), and so are the relationships to
them; a claim's grading is left out under "sources". Nothing is blanked.

The mapping (README "STIX 2.1"):

=====================  =====================================================================================
WildNet                STIX 2.1
=====================  =====================================================================================
case                   ``report`` (``object_refs``: everything below), created by the owning agency
owning agency          ``identity`` (organization), every object's ``created_by_ref``
listing                ``url`` observable and an ``indicator`` ``[url:value = '…']``; the facts recorded (specimen,
                       count, claimed legality, its reference and verdict, the platform's kind) as ``x_wildnet_…``
                       properties of the indicator
online account         ``user-account`` (``user_id`` the handle, ``account_type`` the platform's code)
e-mail                 ``email-addr``
phone, payment,        ``x-wildnet-phone``, ``x-wildnet-payment-account``, ``x-wildnet-cryptocurrency-wallet``,
crypto, parcel         ``x-wildnet-shipping-reference`` (custom observables, each with its extension definition)
person, organisation   ``identity`` (individual, organization)
claim                  ``relationship`` identifier ``related-to`` the case's report, labelled with the role and
                       the grading
seller of a listing    ``relationship`` user-account ``related-to`` url
species                ``note`` with the CITES scientific name, on the case and its listings of that species
evidence               ``artifact``: SHA-256 and the audited download URL, never the file's bytes
intelligence report    ``note`` carrying the grading (abstract and labels)
=====================  =====================================================================================

Every object carries the markings of its effective handling code (``interop.markings``). The number of SQL
statements of an export does not depend on how much the cases hold: each kind of content is one query for all
the cases exported.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import stix2
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Value
from django.urls import reverse

from access import policy
from access.errors import NotFound
from access.policy import NOTHING, Viewer, condition
from agencies.models import Agency
from api import reads
from cases.models import (
    Case,
    CaseEntity,
    ClaimedLegality,
    Entity,
    EntityKind,
    Evidence,
    IntelReport,
    Listing,
    Species,
)
from cases.rules import EVIDENCE, PERSONAL_DATA, SOURCES
from compliance.models import TakedownNotice
from search.views import ExportRow
from sharing.models import Share, ShareStatus

from . import markings
from .markings import stix_id
from .stix_objects import CUSTOM_OBSERVABLES, LISTING_FACTS_EXTENSION

GROUPS = (PERSONAL_DATA, SOURCES, EVIDENCE)


@dataclasses.dataclass
class CaseContent:
    """A case and what of it the viewer may see, loaded through the policy."""

    case: Case
    withheld: frozenset[str]
    listings: list[Listing] = dataclasses.field(default_factory=list)
    claims: list[CaseEntity] = dataclasses.field(default_factory=list)
    reports: list[IntelReport] = dataclasses.field(default_factory=list)
    evidence: list[Evidence] = dataclasses.field(default_factory=list)
    legal_bases: list[tuple[str, str]] = dataclasses.field(default_factory=list)


# --- loading ----------------------------------------------------------------------------------------------


def case_queryset(viewer: Viewer) -> Any:
    """Cases with what their report needs: the owner and the species, read through the policy."""
    species = policy.visible(viewer, Species.objects.all())
    return Case.objects.select_related("owner_agency").prefetch_related(Prefetch("species", queryset=species))


def load_case(viewer: Viewer, reference: str) -> CaseContent:
    """The case ``reference`` as the viewer may see it; ``NotFound`` whether it is missing or hidden."""
    case = policy.visible(viewer, case_queryset(viewer)).filter(reference=reference).first()
    if case is None:
        raise NotFound("reference", "case")
    return load_contents(viewer, [case])[0]


def load_contents(viewer: Viewer, cases: list[Case]) -> list[CaseContent]:
    """The visible content of ``cases`` (already read through the policy), in a fixed number of queries."""
    if not cases:
        return []
    ids = [case.pk for case in cases]
    withheld = withheld_groups(viewer, ids)
    contents = {case.pk: CaseContent(case, withheld[case.pk]) for case in cases}
    species = policy.visible(viewer, Species.objects.all())
    for listing in policy.visible(viewer, Listing.objects.filter(case_id__in=ids)).select_related(
            "platform").prefetch_related(Prefetch("species", queryset=species)).order_by("pk"):
        contents[listing.case_id].listings.append(listing)
    for claim in policy.visible(viewer, CaseEntity.objects.filter(case_id__in=ids)).select_related(
            "entity__platform").order_by("pk"):
        contents[claim.case_id].claims.append(claim)
    for report in policy.visible(viewer, IntelReport.objects.filter(case_id__in=ids)).order_by("pk"):
        contents[report.case_id].reports.append(report)
    for item in policy.visible(viewer, Evidence.objects.filter(case_id__in=ids)).order_by("pk"):
        contents[item.case_id].evidence.append(item)
    foreign = [case.pk for case in cases if case.owner_agency_id != viewer.agency_id]
    if foreign:
        shares = (policy.visible(viewer, Share.objects.filter(case_id__in=foreign, status=ShareStatus.ACTIVE,
                                                             recipient_agency_id=viewer.agency_id,
                                                             mandate__isnull=False))
                  .select_related("mandate").order_by("pk"))
        for share in shares:
            assert share.mandate is not None
            basis = (share.mandate.legal_reference, share.mandate.legal_basis)
            if basis not in contents[share.case_id].legal_bases:
                contents[share.case_id].legal_bases.append(basis)
    return [contents[pk] for pk in ids]


def withheld_groups(viewer: Viewer, case_ids: list[int]) -> dict[int, frozenset[str]]:
    """Which redaction groups are withheld from the viewer, per visible case: one query.

    A group is withheld when the case is visible but through no share that leaves it in (the ``"case.visible"``
    condition with ``redaction=group``), as the API's ``Case.redactedGroups`` says.
    """

    def readable(group: str) -> Any:
        rule = condition("case.visible", viewer, redaction=group)
        return Value(False) if rule is NOTHING else ExpressionWrapper(rule, output_field=BooleanField())

    rows = (Case.objects.filter(pk__in=case_ids).annotate(**{f"readable_{g}": readable(g) for g in GROUPS})
            .values_list("pk", *(f"readable_{g}" for g in GROUPS)))
    return {pk: frozenset(g for g, ok in zip(GROUPS, flags, strict=True) if not ok) for pk, *flags in rows}


# --- building ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Exported:
    """One STIX object, the WildNet case it came from (None for markings and definitions), and when the row it
    stands for was last written (what TAXII calls the date it was added; None for WildNet's fixed objects)."""

    obj: Any
    case_id: int | None
    at: datetime.datetime | None



def listing_facts(listing: Listing) -> dict[str, Any]:
    """The listing facts as top-level properties of its indicator, under ``LISTING_FACTS_EXTENSION`` (STIX has no
    vocabulary for them); only what was recorded, so a listing that states nothing carries none."""
    facts: dict[str, Any] = {}
    if listing.specimen_type:
        facts["x_wildnet_specimen_type"] = listing.specimen_type
    if listing.specimen_count is not None:
        facts["x_wildnet_specimen_count"] = listing.specimen_count
    if listing.claimed_legality != ClaimedLegality.NONE:
        facts["x_wildnet_claimed_legality"] = listing.claimed_legality
        facts["x_wildnet_legality_verified"] = listing.legality_verified
        if listing.legality_reference:
            facts["x_wildnet_legality_reference"] = listing.legality_reference
    if listing.platform is not None and listing.platform.platform_kind:
        facts["x_wildnet_platform_kind"] = listing.platform.platform_kind
    return facts

class StixBuilder:
    """Collects the STIX objects of one export, each once, with the markings and definitions they use.

    ``base_url`` makes the evidence download links absolute (``https://wildnet.example/``).
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.items: dict[str, Exported] = {}
        #: The latest change of what each case's report holds: its ``modified``, so that a receiver keyed on
        #: (id, modified) takes the report again when a listing, claim, report or file was added to the case.
        self.latest: dict[int, datetime.datetime] = {}

    # the bundle

    def bundle(self) -> stix2.Bundle:
        return stix2.Bundle(objects=[item.obj for item in self.items.values()], allow_custom=True)

    def objects(self) -> list[Exported]:
        return list(self.items.values())

    def _add(self, obj: Any, case_id: int | None = None, at: datetime.datetime | None = None) -> str:
        item = self.items.setdefault(obj.id, Exported(obj, case_id, at))
        if markings.tlp_rank(obj) > markings.tlp_rank(item.obj):
            item.obj = obj  # an identifier claimed in two cases travels under the stricter of their markings
        if at is not None and (item.at is None or at > item.at):
            item.at = at
        if case_id is not None and at is not None:
            self.latest[case_id] = max(at, self.latest.get(case_id, at))
        return str(obj.id)

    def _marks(self, *codes: str, content: CaseContent | None = None,
               items: Iterable[CaseEntity | IntelReport] = (), law_enforcement_only: bool = False) -> list[str]:
        """The markings of an object marked with ``codes``, in ``content``'s case, standing for ``items`` (reports
        or claims, whose own markings add to their case's), added to the export."""
        items = list(items)
        codes = (*codes, *(item.handling_code for item in items))
        law_enforcement_only = law_enforcement_only or any(item.law_enforcement_only for item in items)
        if content is not None:
            codes = (*codes, content.case.handling_code)
            law_enforcement_only = law_enforcement_only or content.case.law_enforcement_only
        found = markings.handling_markings(*codes, law_enforcement_only=law_enforcement_only)
        if content is not None:
            case = content.case
            if case.handling_code == "H3" and case.handling_conditions.strip():
                found.append(markings.conditions_marking(case.reference, case.handling_conditions.strip()))
            for item in items:
                if item.handling_conditions.strip():
                    name = "claim" if isinstance(item, CaseEntity) else "report"
                    found.append(markings.conditions_marking(f"{case.reference} {name} {item.pk}",
                                                             item.handling_conditions.strip()))
            found += [markings.legal_basis_marking(ref, text) for ref, text in content.legal_bases]
        if found:
            self._add(markings.PLATFORM)
        return [self._add(marking) for marking in found]

    def identity(self, agency: Agency) -> str:
        return self._add(stix2.Identity(
            id=stix_id("identity", "agency", agency.pk), name=agency.name, identity_class="organization",
            created=agency.created_at, modified=agency.created_at,
            external_references=[{"source_name": "wildnet", "external_id": agency.code}],
            labels=[f"agency-type:{agency.agency_type}", f"country:{agency.country}"]))

    # a case

    def case(self, content: CaseContent) -> str:
        """Add the case's report and everything in it; returns the report's id."""
        case = content.case
        owner = self.identity(case.owner_agency)
        report_id = stix_id("report", "case", case.pk)
        refs: list[str] = [owner]
        listing_ids: dict[int, str] = {}
        for listing in content.listings:
            listing_ids[listing.pk] = self._listing(listing, content, owner, refs)
        entity_ids = self._claims(content, owner, report_id, refs)
        for listing in content.listings:
            if listing.seller_id in entity_ids:
                refs.append(self._add(stix2.Relationship(
                    id=stix_id("relationship", "seller", listing.pk), relationship_type="related-to",
                    source_ref=entity_ids[listing.seller_id], target_ref=listing_ids[listing.pk],
                    description="Seller of the listing.", created_by_ref=owner, created=listing.created_at,
                    modified=listing.created_at, object_marking_refs=self._marks(content=content),
                    allow_custom=True), case.pk, listing.created_at))
        for report in content.reports:
            refs.append(self._report(report, content, owner, report_id))
        for item in content.evidence:
            refs.append(self._evidence(item, content, listing_ids, owner, refs))
        refs += self._species(content, owner, report_id, listing_ids)
        description = case.summary
        if case.modus_operandi:
            description = f"{description}\n\nModus operandi: {case.modus_operandi}".strip()
        labels = [f"status:{case.status}", f"priority:{case.priority}", f"crime-area:{case.crime_area}",
                  f"classification:{case.classification}", *(f"jurisdiction:{c}" for c in case.jurisdictions)]
        changed = max(case.updated_at, case.created_at, self.latest.get(case.pk, case.created_at))
        self._add(stix2.Report(
            id=report_id, name=f"{case.reference}: {case.title}", description=description or None,
            published=case.created_at, created=case.created_at, modified=changed,
            report_types=["threat-report"], object_refs=list(dict.fromkeys(refs)), created_by_ref=owner,
            labels=labels, external_references=[{"source_name": "wildnet", "external_id": case.reference}],
            object_marking_refs=self._marks(content=content), allow_custom=True), case.pk, changed)
        return report_id

    def notice(self, notice: TakedownNotice) -> str:
        """A takedown notice as its platform reads it: a ``report`` of the issuing agency on the URLs of its
        items, marked TLP:AMBER and with the notice's own statement; returns the report's id."""
        issuer = self.identity(notice.issuing_agency)
        self._add(markings.PLATFORM)
        marks = [self._add(markings.TLP_AMBER), self._add(markings.NOTICE)]
        sent = notice.sent_at or notice.created_at
        refs = [issuer]
        for item in notice.items.all():
            refs.append(self._add(stix2.URL(value=item.url, object_marking_refs=marks), None, sent))
        changed = max(moment for moment in (notice.created_at, notice.sent_at, notice.acknowledged_at,
                                            notice.closed_at) if moment is not None)
        return self._add(stix2.Report(
            id=stix_id("report", "notice", notice.pk), name=f"Takedown notice {notice.reference}",
            description=notice.statement_of_reasons, published=sent, created=notice.created_at, modified=changed,
            report_types=["threat-report"], object_refs=list(dict.fromkeys(refs)), created_by_ref=issuer,
            labels=["takedown-notice", f"notice-status:{notice.status}",
                    *(f"requested-action:{action}" for action in notice.requested_actions)],
            external_references=[{"source_name": "wildnet", "external_id": notice.reference},
                                 {"source_name": "legal-basis",
                                  "description": f"{notice.legal_basis_law}, {notice.legal_basis_article}"}],
            object_marking_refs=marks), None, changed)

    def _listing(self, listing: Listing, content: CaseContent, owner: str, refs: list[str]) -> str:
        url = stix2.URL(value=listing.url, object_marking_refs=self._marks(content=content))
        refs.append(self._add(url, listing.case_id, listing.created_at))
        literal = listing.url.replace("\\", "\\\\").replace("'", "\\'")
        labels = [f"listing-status:{listing.status}"]
        if listing.platform is not None:
            labels.append(f"platform:{listing.platform.code}")
        facts = listing_facts(listing)
        if facts:
            self._add(markings.PLATFORM)
            self._add(LISTING_FACTS_EXTENSION)
            facts["extensions"] = {LISTING_FACTS_EXTENSION.id: {"extension_type": "toplevel-property-extension"}}
        refs.append(self._add(stix2.Indicator(
            **facts, allow_custom=True,
            id=stix_id("indicator", "listing", listing.pk), name=listing.title or listing.url,
            description=f"Online listing seen from {listing.first_seen_at:%Y-%m-%d} "
                        f"to {listing.last_seen_at:%Y-%m-%d}.",
            pattern=f"[url:value = '{literal}']", pattern_type="stix", valid_from=listing.first_seen_at,
            created=listing.created_at, modified=max(listing.created_at, listing.last_seen_at),
            created_by_ref=owner, labels=labels, object_marking_refs=self._marks(content=content)),
            listing.case_id, max(listing.created_at, listing.last_seen_at)))
        return str(url.id)

    def _claims(self, content: CaseContent, owner: str, report_id: str, refs: list[str]) -> dict[int, str]:
        """The identifiers and what the case says of them; an identifier carries the markings of all its claims."""
        case = content.case
        by_entity: dict[int, list[CaseEntity]] = defaultdict(list)
        for claim in content.claims:
            by_entity[claim.entity_id].append(claim)
        entity_ids: dict[int, str] = {}
        for claims in by_entity.values():
            entity = claims[0].entity
            entity_ids[entity.pk] = self._entity(entity, self._marks(content=content, items=claims), owner, case.pk,
                                                 min(c.created_at for c in claims))
            refs.append(entity_ids[entity.pk])
        for claim in content.claims:
            labels = [f"role:{claim.role}"]
            if SOURCES not in content.withheld:
                labels += [f"source-reliability:{claim.source_reliability}",
                           f"information-credibility:{claim.information_credibility}"]
            refs.append(self._add(stix2.Relationship(
                id=stix_id("relationship", "claim", claim.pk), relationship_type="related-to",
                source_ref=entity_ids[claim.entity_id], target_ref=report_id,
                description=(f"{claim.get_role_display()} in {case.reference}. {claim.note}").strip(),
                created_by_ref=owner, created=claim.created_at, modified=claim.created_at, labels=labels,
                object_marking_refs=self._marks(content=content, items=[claim]), allow_custom=True), case.pk,
                claim.created_at))
        return entity_ids

    def entity(self, entity: Entity, codes: set[str], law_enforcement_only: bool) -> str:
        """An identifier found by a search, outside any case: marked by every claim the viewer sees and its case."""
        return self._entity(entity, self._marks(*codes, law_enforcement_only=law_enforcement_only), None, None, None)

    def _entity(self, entity: Entity, marks: list[str], owner: str | None, case_id: int | None,
                at: datetime.datetime | None) -> str:
        kind = entity.kind
        if kind == EntityKind.ONLINE_ACCOUNT:
            account = {"account_type": entity.platform.code} if entity.platform is not None else {}
            obj: Any = stix2.UserAccount(user_id=entity.normalised, account_login=entity.value,
                                         object_marking_refs=marks, **account)
        elif kind == EntityKind.EMAIL:
            obj = stix2.EmailAddress(value=entity.normalised, object_marking_refs=marks)
        elif kind in CUSTOM_OBSERVABLES:
            observable, definition = CUSTOM_OBSERVABLES[kind]
            self._add(markings.PLATFORM)
            self._add(definition)
            obj = observable(value=entity.normalised, object_marking_refs=marks)
        else:
            identity_class = "individual" if kind == EntityKind.PERSON else "organization"
            obj = stix2.Identity(id=stix_id("identity", "entity", entity.pk), name=entity.value,
                                 identity_class=identity_class, created=entity.created_at,
                                 modified=entity.created_at, created_by_ref=owner, object_marking_refs=marks)
        return self._add(obj, case_id, at)

    def _report(self, report: IntelReport, content: CaseContent, owner: str, report_id: str) -> str:
        grading = f"{report.source_evaluation}{report.information_assessment}{report.uk_handling}"
        labels = [f"grading-system:{report.grading_system}", f"grading:{grading}",
                  f"source-evaluation:{report.source_evaluation}",
                  f"information-assessment:{report.information_assessment}"]
        if report.uk_handling:
            labels.append(f"uk-handling:{report.uk_handling}")
        return self._add(stix2.Note(
            id=stix_id("note", "report", report.pk), abstract=f"Intelligence report graded {grading} "
                                                              f"({report.get_grading_system_display()})",
            content=report.text, object_refs=[report_id], created_by_ref=owner, created=report.created_at,
            modified=report.created_at, labels=labels,
            object_marking_refs=self._marks(content=content, items=[report])), report.case_id, report.created_at)

    def _evidence(self, item: Evidence, content: CaseContent, listing_ids: dict[int, str], owner: str,
                  refs: list[str]) -> str:
        marks = self._marks(content=content)
        artifact = stix2.Artifact(hashes={"SHA-256": item.sha256}, mime_type=item.content_type or None,
                                  url=self.base_url + reverse("evidence-download", args=[item.pk]),
                                  object_marking_refs=marks)
        artifact_id = self._add(artifact, item.case_id, item.created_at)
        if item.listing_id in listing_ids:
            refs.append(self._add(stix2.Relationship(
                id=stix_id("relationship", "evidence", item.pk), relationship_type="related-to",
                source_ref=artifact_id, target_ref=listing_ids[item.listing_id],
                description=f"Evidence of the listing ({item.get_capture_method_display()}, "
                            f"{item.captured_at:%Y-%m-%d}).", created_by_ref=owner, created=item.created_at,
                modified=item.created_at, object_marking_refs=marks, allow_custom=True), item.case_id,
                item.created_at))
        return artifact_id

    def _species(self, content: CaseContent, owner: str, report_id: str, listing_ids: dict[int, str]) -> list[str]:
        """One note per species of the case or its listings, naming it as CITES does."""
        case = content.case
        taxa: dict[int, Species] = {s.pk: s for s in case.species.all()}
        seen_in: dict[int, list[str]] = defaultdict(list)
        changed: dict[int, datetime.datetime] = defaultdict(lambda: max(case.updated_at, case.created_at))
        for listing in content.listings:
            for taxon in listing.species.all():
                taxa.setdefault(taxon.pk, taxon)
                seen_in[taxon.pk].append(listing_ids[listing.pk])
                changed[taxon.pk] = max(changed[taxon.pk], listing.created_at)
        notes = []
        for pk, taxon in sorted(taxa.items()):
            appendices = list(taxon.cites_appendices)
            listing_text = f"CITES Appendix {taxon.cites_listing}" if taxon.cites_listing else "Not CITES-listed"
            external = ([{"source_name": "cites-species-plus", "external_id": str(taxon.species_plus_id)}]
                        if taxon.species_plus_id else None)
            notes.append(self._add(stix2.Note(
                id=stix_id("note", "species", case.pk, pk), abstract=taxon.scientific_name,
                content=f"{taxon.scientific_name}: {listing_text}.",
                object_refs=[report_id, *seen_in[pk]], created_by_ref=owner, created=case.created_at,
                modified=changed[pk], external_references=external,
                labels=["species", f"species-group:{taxon.group}", *(f"cites-appendix:{a}" for a in appendices)],
                object_marking_refs=self._marks(content=content), allow_custom=True), case.pk,
                changed[pk]))
        return notes


def case_bundle(viewer: Viewer, reference: str, base_url: str) -> tuple[stix2.Bundle, CaseContent]:
    """The bundle of one case as the viewer may see it (``NotFound`` when missing or hidden)."""
    content = load_case(viewer, reference)
    builder = StixBuilder(base_url)
    builder.case(content)
    return builder.bundle(), content


def note_reads(request: Any, contents: Iterable[CaseContent]) -> None:
    """Note each case exported on the request, as GraphQL notes an object it completes (``api.reads``): the
    sharing app then writes one ``intel.read`` event per owning agency when the request's reads are flushed."""
    for content in contents:
        case = content.case
        reads.note(request, case.pk, "Case", case.pk, owner=case.owner_agency_id)
        for label, objects in (("Listing", content.listings), ("EntityClaim", content.claims),
                               ("IntelReport", content.reports), ("Evidence", content.evidence)):
            for obj in objects:
                reads.note(request, case.pk, label, obj.pk)



def search_bundle(viewer: Viewer, rows: list[ExportRow], base_url: str) -> stix2.Bundle:
    """The bundle of a search's visible results (``search.views.gather``): each case found or holding a
    listing or report found, with those listings and reports; identifiers found, marked by their claims.

    The rows are read again here with what STIX needs (owners, species), through the policy, in a fixed
    number of queries whatever the number of rows; a row hidden since the search is left out.
    """
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted[row.doc_type].add(row.obj.pk)
    case_ids = set(wanted["case"])
    case_ids |= {row.obj.case_id for row in rows if row.doc_type in ("listing", "report")}
    cases = list(policy.visible(viewer, case_queryset(viewer)).filter(pk__in=case_ids).order_by("pk"))
    withheld = withheld_groups(viewer, [case.pk for case in cases])
    contents = {case.pk: CaseContent(case, withheld[case.pk]) for case in cases}
    species = policy.visible(viewer, Species.objects.all())
    if wanted["listing"]:
        for listing in policy.visible(viewer, Listing.objects.filter(pk__in=wanted["listing"])).select_related(
                "platform").prefetch_related(Prefetch("species", queryset=species)).order_by("pk"):
            if listing.case_id in contents:
                contents[listing.case_id].listings.append(listing)
    if wanted["report"]:
        for report in policy.visible(viewer, IntelReport.objects.filter(pk__in=wanted["report"])).order_by("pk"):
            if report.case_id in contents:
                contents[report.case_id].reports.append(report)
    builder = StixBuilder(base_url)
    for content in contents.values():
        builder.case(content)
    if wanted["entity"]:
        marked: dict[int, tuple[Entity, set[str], bool]] = {}
        claims = policy.visible(viewer, CaseEntity.objects.filter(entity_id__in=wanted["entity"]))
        for claim in claims.select_related("entity__platform", "case").only(
                "handling_code", "law_enforcement_only", "case__handling_code", "case__law_enforcement_only",
                "entity__kind", "entity__value", "entity__normalised", "entity__created_at",
                "entity__platform__code").order_by("pk"):
            _entity, codes, law = marked.get(claim.entity_id, (claim.entity, set(), False))
            marked[claim.entity_id] = (claim.entity, codes | {claim.handling_code, claim.case.handling_code},
                                       law or claim.law_enforcement_only or claim.case.law_enforcement_only)
        for entity, codes, law in marked.values():
            builder.entity(entity, codes, law)
    return builder.bundle()
