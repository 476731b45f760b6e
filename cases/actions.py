"""Recording case intelligence. Every write asks the policy, validates, writes and audits in one transaction.

Bad input raises :class:`ActionError` before anything is written or, when it is found later (a species that
does not resolve after the listing row exists), inside the caller's transaction so that the whole action rolls
back: nothing is ever half-written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode, require_offset
from access.markings import Classification, CrimeArea, HandlingCode
from access.policy import Viewer
from agencies.models import Agency, AgencyType
from audit.actions import record
from officers.models import Officer

from .identifiers import (
    InvalidIdentifier,
    normalise_entity,
    normalise_url,
    platform_domain_for,
    url_host,
    valid_country,
    valid_currency,
)
from .models import (
    GRADES,
    REFERENCED_CLAIMS,
    Case,
    CaseEntity,
    CaseSequence,
    CaseStatus,
    ClaimedLegality,
    Entity,
    EntityKind,
    EntityRole,
    GradingSystem,
    IntelReport,
    LegalityVerification,
    Listing,
    ListingStatus,
    Priority,
    Species,
    SpecimenType,
    SuggestedSpecies,
    TermKind,
    WatchAlert,
    Watchlist,
    WatchTerm,
)
from .models.intel import list_key, url_digest
from .rules import check_clearance
from .signals import case_access_changed, identifiers_seen, listings_recorded
from .species.matching import resolve_species
from .species.normalise import normalise_name
from .species.text import TextIndex, suggested_species

# --- references -------------------------------------------------------------------------------------------


def allocate_reference(agency: Agency, year: int) -> tuple[int, str]:
    """The next number for ``agency`` in ``year``, without races.

    The ``UPDATE … SET last = last + 1`` takes the row lock until the caller's transaction ends, so two
    concurrent allocations are serialised and never get the same number; a rolled-back case gives its number
    back. The first case of a year creates the row; two first cases racing to create it are resolved by the
    unique constraint (the loser retries in a savepoint).
    """
    for _attempt in range(3):
        updated = CaseSequence.objects.filter(agency=agency, year=year).update(last=F("last") + 1)
        if updated:
            break
        try:
            with transaction.atomic():
                CaseSequence.objects.create(agency=agency, year=year, last=1)
            break
        except IntegrityError:
            continue
    number = CaseSequence.objects.values_list("last", flat=True).get(agency=agency, year=year)
    return number, f"{agency.code.upper()}-{year}-{number:05d}"


# --- validation helpers -----------------------------------------------------------------------------------


def _choice(value: str, choices: Any, field_name: str) -> str:
    if value not in choices.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown value %(value)s.") % {"value": repr(value)}, field_name)
    return value


def _countries(values: list[str], field_name: str = "jurisdictions") -> list[str]:
    if not values:
        raise ActionError(ErrorCode.REQUIRED, _("Give at least one jurisdiction."), field_name)
    try:
        return sorted({valid_country(v) for v in values})
    except InvalidIdentifier as exc:
        raise ActionError(ErrorCode.INVALID, str(exc), field_name) from None


def _colleagues(viewer: Viewer, officer_ids: list[int], field_name: str) -> list[Officer]:
    assert viewer.officer is not None
    found = list(Officer.objects.filter(pk__in=set(officer_ids), agency_id=viewer.officer.agency_id,
                                        is_active=True))
    if len(found) != len(set(officer_ids)):
        raise ActionError(ErrorCode.NOT_FOUND, _("No such officer in your agency."), field_name)
    return found


def _platforms(ids: list[int], field_name: str = "platforms") -> list[Agency]:
    found = list(Agency.objects.filter(pk__in=set(ids), agency_type=AgencyType.ONLINE_PLATFORM))
    if len(found) != len(set(ids)):
        raise ActionError(ErrorCode.NOT_FOUND, _("No such online platform."), field_name)
    return found


def _species(ids: list[int], field_name: str = "species") -> list[Species]:
    found = list(Species.objects.filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise ActionError(ErrorCode.UNKNOWN_SPECIES, _("No such species."), field_name)
    return found


def species_by_names(names: list[str], field_name: str = "species_names") -> list[Species]:
    """Resolve names (scientific, common or trade, misspelled or not) or refuse with the first that fails."""
    found: dict[int, Species] = {}
    for name in names:
        species = resolve_species(name)
        if species is None:
            raise ActionError(ErrorCode.UNKNOWN_SPECIES, _("No species matches %(name)s.") % {"name": repr(name)},
                              field_name)
        found[species.pk] = species
    return list(found.values())


def species_suggestions(listing: Listing, index: TextIndex | None = None) -> list[SuggestedSpecies]:
    """The species named in a listing's title and text, as unsaved suggestions: one per species, its best words.

    Suggestions are written beside the listing and never into ``Listing.species``: only an officer confirms a
    species, because a confirmed species becomes the case's and decides which mandates cover it.
    """
    best: dict[int, SuggestedSpecies] = {}
    for source, text in ((SuggestedSpecies.Source.TITLE, listing.title), (SuggestedSpecies.Source.TEXT, listing.text)):
        for match in suggested_species(text, index) if text else []:
            if match.species_id not in best or best[match.species_id].score < match.score:
                best[match.species_id] = SuggestedSpecies(
                    listing=listing, species_id=match.species_id, source=source, start=match.start, end=match.end,
                    matched_name=match.matched_name[:255], score=match.score)
    return list(best.values())


def appendices_of(species: list[Species]) -> list[str]:
    return sorted({appendix for s in species for appendix in (s.cites_appendices or ["NC"])})


def include_species(case: Case, species_ids: set[int]) -> None:
    """Species identified in a case's listings become the case's species.

    Mandate coverage reads the case's CITES appendices, so an Appendix I species found in a listing must
    narrow who the case can be shared with, even if the officer did not list it on the case.
    """
    new = set(species_ids) - set(case.species.values_list("pk", flat=True))
    if not new:
        return
    case.species.add(*new)
    appendices = appendices_of(list(case.species.all()))
    Case.objects.filter(pk=case.pk).update(cites_appendices=appendices, appendix_key=list_key(appendices))
    case.cites_appendices, case.appendix_key = appendices, list_key(appendices)


# --- cases ------------------------------------------------------------------------------------------------


@dataclass
class CaseInput:
    title: str
    jurisdictions: list[str]
    summary: str = ""
    status: str = CaseStatus.OPEN
    priority: str = Priority.MEDIUM
    crime_area: str = CrimeArea.ONLINE_TRADE
    modus_operandi: str = ""
    classification: int = Classification.RESTRICTED
    handling_code: str = HandlingCode.H0
    handling_conditions: str = ""
    law_enforcement_only: bool = True
    lead_officer_id: int | None = None
    team_ids: list[int] = field(default_factory=list)
    species_ids: list[int] = field(default_factory=list)
    platform_ids: list[int] = field(default_factory=list)


def _validate_case(viewer: Viewer, data: CaseInput) -> None:
    if not data.title.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Give the case a title."), "title")
    if len(data.title) > 200:
        raise ActionError(ErrorCode.INVALID, _("The title is at most 200 characters."), "title")
    _choice(data.status, CaseStatus, "status")
    _choice(data.priority, Priority, "priority")
    _choice(data.crime_area, CrimeArea, "crime_area")
    if data.classification not in Classification.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown classification."), "classification")
    check_clearance(viewer, data.classification)
    _valid_marking(data.handling_code, data.handling_conditions)


def _valid_marking(code: str, conditions: str, *, uk_conditions: bool = False) -> dict[str, Any]:
    """A handling code and its conditions once valid: H3 (and UK 3x5x2's code C) must state them, and no other
    code carries any, so a recipient never reads conditions that bind nobody."""
    _choice(code, HandlingCode, "handling_code")
    conditions = conditions.strip()
    if (code == HandlingCode.H3 or uk_conditions) and not conditions:
        message = (_("Handling code C needs the conditions recipients must follow.") if uk_conditions
                   else _("H3 needs the conditions recipients must follow."))
        raise ActionError(ErrorCode.REQUIRED, message, "handling_conditions")
    if code != HandlingCode.H3 and not uk_conditions and conditions:
        raise ActionError(ErrorCode.INVALID, _("Only H3 (or UK handling code C) carries conditions."),
                          "handling_conditions")
    return {"handling_code": code, "handling_conditions": conditions}


def create_case(viewer: Viewer, data: CaseInput, now: datetime.datetime | None = None) -> Case:
    policy.check(viewer, "case.create", data.classification)
    _validate_case(viewer, data)
    assert viewer.officer is not None
    jurisdictions = _countries(data.jurisdictions)
    team = _colleagues(viewer, data.team_ids, "team_ids")
    lead = _colleagues(viewer, [data.lead_officer_id], "lead_officer_id")[0] if data.lead_officer_id else None
    species = _species(data.species_ids)
    platforms = _platforms(data.platform_ids)
    agency = viewer.officer.agency
    now = now or timezone.now()
    number, reference = allocate_reference(agency, now.year)
    case = Case.objects.create(
        reference=reference, year=now.year, number=number, owner_agency=agency, title=data.title.strip(),
        summary=data.summary.strip(), status=data.status, priority=data.priority, lead_officer=lead,
        jurisdictions=jurisdictions, cites_appendices=appendices_of(species), crime_area=data.crime_area,
        modus_operandi=data.modus_operandi.strip(), classification=data.classification,
        handling_code=data.handling_code, handling_conditions=data.handling_conditions.strip(),
        law_enforcement_only=data.law_enforcement_only, created_by=viewer.officer, created_at=now, updated_at=now,
    )
    case.team.set(team)
    case.species.set(species)
    case.platforms.set(platforms)
    record("case.create", actor=viewer.officer, obj=case, details={"reference": reference})
    return case


#: Fields ``update_case`` may change, and how to validate each.
CASE_FIELDS = ("title", "summary", "status", "priority", "crime_area", "modus_operandi", "classification",
               "handling_code", "handling_conditions", "law_enforcement_only", "jurisdictions", "lead_officer_id")


#: Fields that decide who may see the case and what is inside it.
ACCESS_FIELDS = frozenset({"classification", "handling_code", "law_enforcement_only", "jurisdictions", "crime_area",
                           "species_ids"})


def update_case(viewer: Viewer, case: Case, version: int, changes: dict[str, Any]) -> Case:
    """Apply ``changes`` if ``version`` is still the case's version; otherwise ``CONFLICT``, nothing written.

    The check and the write are one ``UPDATE … WHERE version = %s``: two officers saving the same version
    cannot both succeed, whatever the timing.
    """
    policy.check(viewer, "case.update", case)
    if changes.get("handling_code", HandlingCode.H3) != HandlingCode.H3 and "handling_conditions" not in changes:
        changes = {**changes, "handling_conditions": ""}  # leaving H3 ends its conditions
    merged = CaseInput(
        title=changes.get("title", case.title), jurisdictions=changes.get("jurisdictions", case.jurisdictions),
        summary=changes.get("summary", case.summary), status=changes.get("status", case.status),
        priority=changes.get("priority", case.priority), crime_area=changes.get("crime_area", case.crime_area),
        modus_operandi=changes.get("modus_operandi", case.modus_operandi),
        classification=changes.get("classification", case.classification),
        handling_code=changes.get("handling_code", case.handling_code),
        handling_conditions=changes.get("handling_conditions", case.handling_conditions),
        law_enforcement_only=changes.get("law_enforcement_only", case.law_enforcement_only),
    )
    _validate_case(viewer, merged)
    values: dict[str, Any] = {k: v for k, v in changes.items() if k in CASE_FIELDS}
    if "jurisdictions" in values:
        values["jurisdictions"] = _countries(values["jurisdictions"])
        values["jurisdiction_key"] = list_key(values["jurisdictions"])
    if values.get("lead_officer_id") is not None:
        _colleagues(viewer, [values["lead_officer_id"]], "lead_officer_id")
    for key in ("title", "summary", "modus_operandi", "handling_conditions"):
        if key in values:
            values[key] = values[key].strip()
    m2m = {k: changes[k] for k in ("team_ids", "species_ids", "platform_ids") if k in changes}
    team = _colleagues(viewer, m2m["team_ids"], "team_ids") if "team_ids" in m2m else None
    species = _species(m2m["species_ids"]) if "species_ids" in m2m else None
    platforms = _platforms(m2m["platform_ids"]) if "platform_ids" in m2m else None
    if species is not None:
        values["cites_appendices"] = appendices_of(species)
        values["appendix_key"] = list_key(values["cites_appendices"])
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise ActionError(ErrorCode.CONFLICT, _("Someone changed this case since you loaded it; reload and retry."),
                          "version")
    if team is not None:
        case.team.set(team)
    if species is not None:
        case.species.set(species)
    if platforms is not None:
        case.platforms.set(platforms)
    case.refresh_from_db()
    if ACCESS_FIELDS & {*values, *m2m}:
        case_access_changed.send(sender=Case, case_id=case.pk)
    record("case.update", actor=viewer.officer, obj=case,
           details={"fields": sorted([*values, *m2m]), "version": case.version})
    return case


# --- entities and claims ----------------------------------------------------------------------------------


def get_or_create_entity(kind: str, value: str, *, region: str | None = None,
                         platform: Agency | None = None, field_name: str = "value") -> Entity:
    _choice(kind, EntityKind, "kind")
    if kind == EntityKind.ONLINE_ACCOUNT and platform is None:
        raise ActionError(ErrorCode.REQUIRED, _("An online account belongs to a platform."), "platform_id")
    try:
        key = normalise_entity(kind, value, region=region, platform_code=platform.code if platform else None)
    except InvalidIdentifier as exc:
        raise ActionError(ErrorCode.INVALID, str(exc), field_name) from None
    entity, _created = Entity.objects.get_or_create(
        kind=kind, normalised=key, defaults={"value": value.strip()[:300], "platform": platform})
    return entity


@dataclass
class ClaimInput:
    kind: str
    value: str
    role: str = EntityRole.OTHER
    source_reliability: str = "X"
    information_credibility: str = "4"
    handling_code: str = HandlingCode.H0
    handling_conditions: str = ""
    law_enforcement_only: bool = False
    note: str = ""
    platform_id: int | None = None
    region: str | None = None


def link_entity(viewer: Viewer, case: Case, data: ClaimInput) -> CaseEntity:
    """Record that ``case`` knows an identifier in some role. Linking twice in the same role is one claim."""
    policy.check(viewer, "case.contribute", case)
    assert viewer.officer is not None
    _choice(data.role, EntityRole, "role")
    marking = _valid_marking(data.handling_code, data.handling_conditions)
    if data.source_reliability not in GRADES[GradingSystem.EUROPOL_4X4][0]:
        raise ActionError(ErrorCode.INVALID, _("Source reliability is A, B, C or X."), "source_reliability")
    if data.information_credibility not in GRADES[GradingSystem.EUROPOL_4X4][1]:
        raise ActionError(ErrorCode.INVALID, _("Information credibility is 1 to 4."), "information_credibility")
    platform = _platforms([data.platform_id], "platform_id")[0] if data.platform_id else None
    # A phone in national format is read as the officer types it: in their agency's country, as search reads it.
    entity = get_or_create_entity(data.kind, data.value, region=data.region or viewer.country, platform=platform)
    claim, created = CaseEntity.objects.get_or_create(
        case=case, entity=entity, role=data.role,
        defaults={"source_reliability": data.source_reliability,
                  "information_credibility": data.information_credibility,
                  **marking, "law_enforcement_only": data.law_enforcement_only, "note": data.note.strip(),
                  "created_by": viewer.officer},
    )
    if created:
        record("case.link_entity", actor=viewer.officer, obj=claim, object_agency_id=case.owner_agency_id,
               details={"case": case.reference, "kind": entity.kind, "role": claim.role})
    identifiers_seen.send(sender=CaseEntity, viewer=viewer, entity_ids=[entity.pk], trigger="record")
    return claim


def update_claim(viewer: Viewer, claim: CaseEntity, *, handling_code: str, source_reliability: str,
                 information_credibility: str, note: str, handling_conditions: str | None = None,
                 law_enforcement_only: bool | None = None) -> bool:
    """Revise what a case says about an identifier (its grading, marking and note), as a newer version of the
    same intelligence from an import does; returns whether anything changed. ``None`` keeps the conditions or
    the law-enforcement restriction as they are (a source that does not state them does not lift them)."""
    policy.check(viewer, "case.contribute", claim.case)
    marking = _valid_marking(handling_code, claim.handling_conditions if handling_conditions is None
                             else handling_conditions)
    if source_reliability not in GRADES[GradingSystem.EUROPOL_4X4][0]:
        raise ActionError(ErrorCode.INVALID, _("Source reliability is A, B, C or X."), "source_reliability")
    if information_credibility not in GRADES[GradingSystem.EUROPOL_4X4][1]:
        raise ActionError(ErrorCode.INVALID, _("Information credibility is 1 to 4."), "information_credibility")
    values = {**marking, "source_reliability": source_reliability,
              "information_credibility": information_credibility, "note": note.strip(),
              "law_enforcement_only": claim.law_enforcement_only if law_enforcement_only is None
              else law_enforcement_only}
    changed = sorted(key for key, value in values.items() if getattr(claim, key) != value)
    if not changed:
        return False
    for key in changed:
        setattr(claim, key, values[key])
    claim.save(update_fields=changed)
    record("case.update_claim", actor=viewer.officer, obj=claim, object_agency_id=claim.case.owner_agency_id,
           details={"case": claim.case.reference, "fields": changed})
    return True


# --- listings ---------------------------------------------------------------------------------------------


@dataclass
class ListingInput:
    url: str
    platform_id: int | None = None
    external_id: str = ""
    title: str = ""
    text: str = ""
    language: str = ""
    price: str | Decimal | None = None
    currency: str = ""
    seen_at: datetime.datetime | None = None
    seller: str = ""
    claimed_location: str = ""
    species_names: list[str] = field(default_factory=list)
    species_ids: list[int] = field(default_factory=list)
    status: str = ListingStatus.ACTIVE
    # The listing facts (``None``: not stated in this input, see ``listing_facts``).
    specimen_type: str | None = None
    specimen_count: int | None = None
    claimed_legality: str | None = None
    legality_reference: str | None = None
    legality_verified: str | None = None


#: The listing facts an input may state, as ``ListingInput`` and ``update_listing`` name them.
FACT_FIELDS = ("specimen_type", "specimen_count", "claimed_legality", "legality_reference", "legality_verified")
#: The largest count a PostgreSQL ``integer`` holds: beyond it the database, not the officer, would refuse.
MAX_SPECIMEN_COUNT = 2**31 - 1


def listing_facts(current: dict[str, Any], stated: dict[str, Any]) -> dict[str, Any]:
    """The listing facts once ``stated`` (the fields given, ``None`` for not given) apply over ``current``.

    Validated as a whole, the first bad field raising its typed ``ActionError``: a count is at least one, a
    permit, certificate or captive-bred claim needs the reference that makes it checkable (number, rings or
    microchips), a reference needs a claim, and a verification needs a claim to verify. A verdict is about one
    claim: changing the claim or its reference sets it back to "not checked" unless the same input gives a new one.
    """
    facts = {**current, **{key: value for key, value in stated.items() if value is not None}}
    _choice(facts["specimen_type"], SpecimenType, "specimen_type")
    count = facts["specimen_count"]
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                              or not 1 <= count <= MAX_SPECIMEN_COUNT):
        raise ActionError(ErrorCode.INVALID, _("The specimen count is a whole number, at least 1."),
                          "specimen_count")
    _choice(facts["claimed_legality"], ClaimedLegality, "claimed_legality")
    facts["legality_reference"] = (facts["legality_reference"] or "").strip()
    if len(facts["legality_reference"]) > 500:
        raise ActionError(ErrorCode.INVALID, _("The reference is at most 500 characters."), "legality_reference")
    if facts["claimed_legality"] in REFERENCED_CLAIMS and not facts["legality_reference"]:
        raise ActionError(ErrorCode.REQUIRED,
                          _("Give the permit or certificate number, or the ring or microchip numbers, the seller "
                            "quotes."), "legality_reference")
    if facts["claimed_legality"] == ClaimedLegality.NONE and facts["legality_reference"]:
        raise ActionError(ErrorCode.INVALID, _("A reference belongs to a claimed legality; choose the claim."),
                          "claimed_legality")
    _choice(facts["legality_verified"], LegalityVerification, "legality_verified")
    claim_changed = any(facts[key] != current[key] for key in ("claimed_legality", "legality_reference"))
    if claim_changed and stated.get("legality_verified") is None:
        facts["legality_verified"] = LegalityVerification.NOT_CHECKED
    if facts["legality_verified"] != LegalityVerification.NOT_CHECKED and \
            facts["claimed_legality"] == ClaimedLegality.NONE:
        raise ActionError(ErrorCode.INVALID, _("Nothing is claimed, so there is nothing to verify."),
                          "legality_verified")
    return facts


#: A listing's facts before anything is stated about them.
NO_FACTS: dict[str, Any] = {"specimen_type": SpecimenType.UNKNOWN, "specimen_count": None,
                            "claimed_legality": ClaimedLegality.NONE, "legality_reference": "",
                            "legality_verified": LegalityVerification.NOT_CHECKED}


def _stated_facts(data: ListingInput) -> dict[str, Any]:
    return {key: getattr(data, key) for key in FACT_FIELDS}


def _verification(viewer: Viewer, facts: dict[str, Any], before: str, now: datetime.datetime) -> dict[str, Any]:
    """Who verified the claim and when: the viewer now when the verdict changes, nobody when it is withdrawn."""
    if facts["legality_verified"] == LegalityVerification.NOT_CHECKED:
        return {"legality_verified_by": None, "legality_verified_at": None}
    if facts["legality_verified"] != before:
        return {"legality_verified_by": viewer.officer, "legality_verified_at": now}
    return {}


def platform_domains() -> dict[str, int]:
    """Every platform domain → platform id. A few dozen rows: read once per action or import."""
    domains: dict[str, int] = {}
    for pk, names in Agency.objects.filter(agency_type=AgencyType.ONLINE_PLATFORM,
                                           is_active=True).values_list("pk", "domains"):
        for name in names or []:
            domains[name.lower()] = pk
    return domains


def add_listing(viewer: Viewer, case: Case, data: ListingInput) -> tuple[Listing, bool]:
    """Record a listing in ``case``; returns it and whether it was new.

    The same normalised URL again updates the listing's last-seen time (and fills fields it lacked): one
    listing per URL per case. The listing facts the input states (``FACT_FIELDS``) replace the listing's, under
    the rules of :func:`listing_facts`; the facts it leaves out stay as they are.
    """
    policy.check(viewer, "case.contribute", case)
    assert viewer.officer is not None
    try:
        url = normalise_url(data.url)
    except InvalidIdentifier as exc:
        raise ActionError(ErrorCode.INVALID, str(exc), "url") from None
    platform: Agency | None
    if data.platform_id is not None:
        platform = _platforms([data.platform_id], "platform_id")[0]
    else:
        platform_id = platform_domain_for(url_host(url), platform_domains())
        platform = Agency.objects.get(pk=platform_id) if platform_id else None
    price = None
    if data.price not in (None, ""):
        try:
            price = Decimal(str(data.price))
        except InvalidOperation:
            raise ActionError(ErrorCode.INVALID, _("The price is not a number."), "price") from None
        if price < 0 or not price.is_finite():
            raise ActionError(ErrorCode.INVALID, _("The price cannot be negative."), "price")
    currency = ""
    if data.currency:
        try:
            currency = valid_currency(data.currency)
        except InvalidIdentifier as exc:
            raise ActionError(ErrorCode.INVALID, str(exc), "currency") from None
    elif price is not None:
        raise ActionError(ErrorCode.REQUIRED, _("A price needs its currency."), "currency")
    _choice(data.status, ListingStatus, "status")
    require_offset(data.seen_at, "seen_at")
    seen_at = data.seen_at or timezone.now()
    if seen_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ActionError(ErrorCode.INVALID, _("A listing cannot be seen in the future."), "seen_at")
    stated = _stated_facts(data)
    listing = Listing.objects.filter(case=case, url_digest=url_digest(url)).first()
    current = NO_FACTS if listing is None else {key: getattr(listing, key) for key in FACT_FIELDS}
    facts = listing_facts(current, stated)
    species = _species(data.species_ids) + species_by_names(data.species_names)
    seller = None
    if data.seller.strip():
        if platform is None:
            raise ActionError(ErrorCode.REQUIRED, _("A seller handle needs the listing's platform."), "seller")
        seller = get_or_create_entity(EntityKind.ONLINE_ACCOUNT, data.seller, platform=platform, field_name="seller")
    created = listing is None
    now = timezone.now()
    if listing is None:
        listing = Listing.objects.create(
            case=case, platform=platform, url=url, external_id=data.external_id.strip()[:128],
            title=data.title.strip()[:500], text=data.text, language=data.language.strip().lower()[:8],
            price=price, currency=currency, first_seen_at=seen_at, last_seen_at=seen_at, seller=seller,
            claimed_location=data.claimed_location.strip()[:200], status=data.status, created_by=viewer.officer,
            **facts, **_verification(viewer, facts, LegalityVerification.NOT_CHECKED, now),
        )
        SuggestedSpecies.objects.bulk_create(species_suggestions(listing))
        changed_facts = sorted(key for key in FACT_FIELDS if facts[key] != NO_FACTS[key])
    else:
        listing.first_seen_at = min(listing.first_seen_at, seen_at)
        listing.last_seen_at = max(listing.last_seen_at, seen_at)
        listing.seller = listing.seller or seller
        changed_facts = _apply_facts(viewer, listing, facts, now)
        listing.save(update_fields=["first_seen_at", "last_seen_at", "seller", *_fact_columns(changed_facts)])
    if species:
        listing.species.add(*species)
        include_species(case, {s.pk for s in species})
    if seller is not None:
        CaseEntity.objects.get_or_create(case=case, entity=seller, role=EntityRole.SELLER,
                                         defaults={"created_by": viewer.officer})
        identifiers_seen.send(sender=Listing, viewer=viewer, entity_ids=[seller.pk], trigger="record")
    if created:
        listings_recorded.send(sender=Listing, listing_ids=[listing.pk])
    record("case.add_listing" if created else "case.update_listing", actor=viewer.officer, obj=listing,
           object_agency_id=case.owner_agency_id,
           details={"case": case.reference, **({"facts": changed_facts} if changed_facts else {})},
           content={"url": url})
    return listing, created


def _apply_facts(viewer: Viewer, listing: Listing, facts: dict[str, Any], now: datetime.datetime) -> list[str]:
    """Set the facts that differ on ``listing`` (and who verified, when the verdict changes); their names.

    A verdict kept across a new claim or reference was given again in this input (``listing_facts`` resets it
    otherwise), so it is the viewer's, now, and counts as changed.
    """
    reclaimed = any(getattr(listing, key) != facts[key] for key in ("claimed_legality", "legality_reference"))
    judged = facts["legality_verified"] != LegalityVerification.NOT_CHECKED
    before = LegalityVerification.NOT_CHECKED if reclaimed and judged else listing.legality_verified
    verification = _verification(viewer, facts, before, now)
    changed = sorted(key for key in FACT_FIELDS
                     if getattr(listing, key) != facts[key] or (key == "legality_verified" and verification
                                                                and judged))
    for key in changed:
        setattr(listing, key, facts[key])
    for key, value in verification.items():
        setattr(listing, key, value)
    return changed


def _fact_columns(changed: list[str]) -> list[str]:
    """The columns a change of these facts writes: a verdict carries who gave it and when."""
    extra = ["legality_verified_by", "legality_verified_at"] if "legality_verified" in changed else []
    return [*changed, *extra]


def update_listing(viewer: Viewer, listing: Listing, changes: dict[str, Any]) -> list[str]:
    """Record what an officer established about a listing: its specimen, count, claimed legality and reference,
    and whether the claim was verified (the verdict is the viewer's, timed now). Returns the facts changed.

    Only what ``changes`` names changes; the rules of :func:`listing_facts` hold for the result, so a bad value
    changes nothing. A verdict is audited on its own (``case.verify_legality``): who found a permit false matters
    to a prosecution.
    """
    policy.check(viewer, "case.contribute", listing.case)
    unknown = sorted(set(changes) - set(FACT_FIELDS))
    if unknown:
        raise ActionError(ErrorCode.INVALID, _("This field cannot be changed here."), unknown[0])
    current = {key: getattr(listing, key) for key in FACT_FIELDS}
    facts = listing_facts(current, changes)
    changed = _apply_facts(viewer, listing, facts, timezone.now())
    if not changed:
        return []
    listing.save(update_fields=_fact_columns(changed))
    case = listing.case
    record("case.update_listing", actor=viewer.officer, obj=listing, object_agency_id=case.owner_agency_id,
           details={"case": case.reference, "facts": changed})
    if "legality_verified" in changed:
        record("case.verify_legality", actor=viewer.officer, obj=listing, object_agency_id=case.owner_agency_id,
               details={"case": case.reference, "claim": listing.claimed_legality,
                        "verdict": listing.legality_verified})
    return changed


# --- reports ----------------------------------------------------------------------------------------------


@dataclass
class ReportInput:
    text: str
    source_evaluation: str
    information_assessment: str
    grading_system: str = GradingSystem.EUROPOL_4X4
    uk_handling: str = ""
    handling_code: str = HandlingCode.H0
    handling_conditions: str = ""
    law_enforcement_only: bool = False
    reported_on: datetime.date | None = None


def _valid_report(data: ReportInput) -> dict[str, Any]:
    """The report's fields once valid, or the ``ActionError`` naming the first bad one."""
    if not data.text.strip():
        raise ActionError(ErrorCode.REQUIRED, _("The report has no text."), "text")
    _choice(data.grading_system, GradingSystem, "grading_system")
    sources, assessments = GRADES[data.grading_system]
    if data.source_evaluation not in sources:
        raise ActionError(ErrorCode.INVALID,
                          _("Source evaluation is one of %(values)s.") % {"values": ", ".join(sources)},
                          "source_evaluation")
    if data.information_assessment not in assessments:
        raise ActionError(ErrorCode.INVALID,
                          _("Information assessment is one of %(values)s.") % {"values": ", ".join(assessments)},
                          "information_assessment")
    uk_handling = data.uk_handling if data.grading_system == GradingSystem.UK_3X5X2 else ""
    if data.grading_system == GradingSystem.UK_3X5X2 and uk_handling not in ("P", "C"):
        raise ActionError(ErrorCode.INVALID, _("UK 3x5x2 handling is P or C."), "uk_handling")
    marking = _valid_marking(data.handling_code, data.handling_conditions, uk_conditions=uk_handling == "C")
    reported_on = data.reported_on or timezone.localdate()
    if reported_on > timezone.localdate():
        raise ActionError(ErrorCode.INVALID, _("A report cannot be dated in the future."), "reported_on")
    return {"text": data.text.strip(), "grading_system": data.grading_system,
            "source_evaluation": data.source_evaluation, "information_assessment": data.information_assessment,
            "uk_handling": uk_handling, **marking, "law_enforcement_only": data.law_enforcement_only,
            "reported_on": reported_on}


def add_report(viewer: Viewer, case: Case, data: ReportInput) -> IntelReport:
    policy.check(viewer, "case.contribute", case)
    assert viewer.officer is not None
    report = IntelReport.objects.create(case=case, author=viewer.officer, **_valid_report(data))
    record("case.add_report", actor=viewer.officer, obj=report, object_agency_id=case.owner_agency_id,
           details={"case": case.reference,
                    "grading": f"{report.source_evaluation}{report.information_assessment}"})
    return report


def update_report(viewer: Viewer, report: IntelReport, data: ReportInput) -> bool:
    """Revise a report's text, grading and handling code (a newer version of it arrived); returns whether
    anything changed. Validated as :func:`add_report` validates a new one."""
    policy.check(viewer, "case.contribute", report.case)
    checked = _valid_report(data)
    changed = sorted(key for key, value in checked.items() if getattr(report, key) != value)
    if not changed:
        return False
    for key in changed:
        setattr(report, key, checked[key])
    report.save(update_fields=changed)
    record("case.update_report", actor=viewer.officer, obj=report, object_agency_id=report.case.owner_agency_id,
           details={"case": report.case.reference, "fields": changed})
    return True


# --- watchlists -------------------------------------------------------------------------------------------


def create_watchlist(viewer: Viewer, name: str, description: str = "") -> Watchlist:
    policy.check(viewer, "watchlist.manage", None)
    assert viewer.officer is not None
    if not name.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Name the watchlist."), "name")
    agency = viewer.officer.agency
    if Watchlist.objects.filter(owner_agency=agency, name=name.strip()).exists():
        raise ActionError(ErrorCode.UNIQUE, _("Your agency already has a watchlist of this name."), "name")
    watchlist = Watchlist.objects.create(owner_agency=agency, name=name.strip(),
                                         description=description.strip(), created_by=viewer.officer)
    record("watchlist.create", actor=viewer.officer, obj=watchlist)
    return watchlist


def add_watch_term(viewer: Viewer, watchlist: Watchlist, term: str, kind: str, language: str = "",
                   species_id: int | None = None) -> WatchTerm:
    policy.check(viewer, "watchlist.manage", watchlist)
    _choice(kind, TermKind, "kind")
    value = term.strip()
    if kind == TermKind.HASHTAG:
        value = "#" + value.lstrip("#")
    if len(value.strip("#")) < 2:
        raise ActionError(ErrorCode.INVALID, _("A term has at least two characters."), "term")
    species = _species([species_id])[0] if species_id else None
    normalised = normalise_name(value)
    watch_term, created = WatchTerm.objects.get_or_create(
        watchlist=watchlist, normalised=normalised, kind=kind,
        defaults={"term": value, "language": language.strip().lower()[:8], "species": species})
    if created:
        record("watchlist.add_term", actor=viewer.officer, obj=watch_term, object_agency_id=watchlist.owner_agency_id,
               details={"kind": kind})
    return watch_term


def mark_alert_handled(viewer: Viewer, alert: WatchAlert) -> WatchAlert:
    """Handling an alert twice is handling it once; the first officer and time are kept."""
    policy.check(viewer, "watchlist.manage", alert.watchlist)
    if alert.handled_at is None:
        alert.handled_at, alert.handled_by = timezone.now(), viewer.officer
        alert.save(update_fields=["handled_at", "handled_by"])
        record("watchlist.alert_handled", actor=viewer.officer, obj=alert,
               object_agency_id=alert.watchlist.owner_agency_id, details={"listing": alert.listing_id})
    return alert
