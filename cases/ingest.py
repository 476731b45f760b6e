"""Importing online listings in bulk from JSON Lines (``wildnet import_listings``).

A monitoring tool or a platform's export hands over tens of thousands of adverts at a time, so the import
is built for volume: each batch of lines is parsed and normalised in Python (the normalisers are pure), then
written with a fixed number of bulk statements, whatever the batch holds. Nothing is queried per line; species
names are resolved once per distinct name per run.

One line is one listing, and a line is all or nothing. A bad field rejects the whole line, optional
identifiers included: a listing stored without the phone number its advert showed would look complete and be
silently wrong, whereas a rejected line is reported (line number and reason) and can be fixed and imported
again. Unknown keys are ignored, so exporters may carry extra columns.

Each batch is one transaction: a crash leaves whole batches, and because the import is idempotent — the same
normalised URL in the case is the same listing, entities are unique by kind and key, claims by case, entity
and role — running the file again completes it and adds nothing twice. The import is audited once, with its
counts, rather than once per line.

A line may carry the listing facts its source states: ``specimen_type`` (live, part, derivative),
``specimen_count`` (a whole number, at least 1), ``claimed_legality`` (cites_permit, eu_certificate, captive_bred,
antique) and ``legality_reference`` (required with the first three), under the rules ``addListing`` applies. A
monitoring tool cannot verify a claim, so no verdict is imported. Like the seller, a fact only fills what an
existing listing lacks: an officer's finding is never overwritten by a later sighting.
"""

from __future__ import annotations

import datetime
import gzip
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from access import policy
from access.errors import ActionError
from access.markings import Classification
from agencies.models import Agency, AgencyType
from audit.actions import record
from officers.models import Officer, Role

from .actions import (
    NO_FACTS,
    allocate_reference,
    include_species,
    listing_facts,
    platform_domains,
    species_suggestions,
)
from .identifiers import (
    InvalidIdentifier,
    normalise_entity,
    normalise_url,
    platform_domain_for,
    url_host,
    valid_currency,
)
from .models import Case, CaseEntity, EntityKind, EntityRole, Listing, SuggestedSpecies
from .models.intel import Entity, url_digest
from .signals import listings_recorded, listings_written
from .species.matching import resolve_species
from .species.text import get_text_index

GZIP_MAGIC = b"\x1f\x8b"
#: Rejected lines listed one by one in the report; beyond this only the counts per reason grow.
REJECTIONS_LISTED = 20
#: Officers who may own an import case when none is named, most senior first.
DEFAULT_OWNER_ROLES = (Role.SUPERVISOR, Role.INVESTIGATOR, Role.ANALYST)
URL_MAX_LENGTH = Listing._meta.get_field("url").max_length or 2000
KEY_MAX_LENGTH = Entity._meta.get_field("normalised").max_length or 300
# Decimal(14, 2): anything from 10**12 up cannot be stored and would abort the whole batch.
PRICE_LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


class Reject:
    """Why a line was not imported; the values appear in the report and the audit event."""

    INVALID_JSON = "invalid_json"
    INVALID_FIELD = "invalid_field"
    MISSING_URL = "missing_url"
    INVALID_URL = "invalid_url"
    UNKNOWN_PLATFORM = "unknown_platform"
    INVALID_PRICE = "invalid_price"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_DATE = "invalid_date"
    INVALID_SELLER = "invalid_seller"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    UNKNOWN_SPECIES = "unknown_species"
    INVALID_FACTS = "invalid_facts"


class ListingImportError(Exception):
    """The import cannot run at all (unreadable file, no officer to act as, a refusal by the policy)."""


class RejectedLine(Exception):
    """Raised while parsing one line; carries the reason counted in the report."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str
    detail: str


@dataclass
class ImportReport:
    """What an import did. ``listings_updated`` counts existing listings whose seen times or seller changed."""

    case_reference: str = ""
    case_created: bool = False
    lines_read: int = 0
    lines_imported: int = 0
    listings_created: int = 0
    listings_updated: int = 0
    entities_created: int = 0
    claims_created: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, line: int, reason: str, detail: str) -> None:
        self.rejected[reason] += 1
        if len(self.rejections) < REJECTIONS_LISTED:
            self.rejections.append(Rejection(line, reason, detail))

    def counts(self) -> dict[str, Any]:
        return {
            "lines_read": self.lines_read, "lines_imported": self.lines_imported,
            "listings_created": self.listings_created, "listings_updated": self.listings_updated,
            "entities_created": self.entities_created, "claims_created": self.claims_created,
            "lines_rejected": dict(self.rejected),
        }


EntityKey = tuple[str, str]  # (kind, normalised)


@dataclass(slots=True)
class ParsedLine:
    """One valid line, normalised and ready to write."""

    url: str
    digest: str
    platform_id: int | None
    title: str
    text: str
    language: str
    price: Decimal | None
    currency: str
    seen_at: datetime.datetime
    seller: EntityKey | None
    # Every identifier of the line, seller included: key → (value as written, platform id).
    entities: dict[EntityKey, tuple[str, int | None]]
    species_ids: set[int]
    # The listing facts the line states (``cases.actions.FACT_FIELDS`` but the verdict): only those it states.
    facts: dict[str, Any] = field(default_factory=dict)


#: The facts a line may state, and the only ones an import writes (a verdict is an officer's).
IMPORTED_FACTS = ("specimen_type", "specimen_count", "claimed_legality", "legality_reference")


def _facts(data: dict[str, Any]) -> dict[str, Any]:
    """The facts a line states, checked by the rules of ``addListing``; a bad one rejects the line."""
    stated: dict[str, Any] = {}
    for key in IMPORTED_FACTS:
        value = data.get(key)
        if value is None or value == "":
            continue
        if key == "specimen_count":
            if isinstance(value, bool) or not isinstance(value, int):
                raise RejectedLine(Reject.INVALID_FACTS, "specimen_count must be a whole number")
            stated[key] = value
        else:
            stated[key] = _text(data, key).strip().lower() if key != "legality_reference" else _text(data, key)
    try:
        facts = listing_facts(NO_FACTS, stated)
    except ActionError as error:
        raise RejectedLine(Reject.INVALID_FACTS, f"{error.field}: {error.message}") from None
    return {key: facts[key] for key in stated}


class LineParser:
    """Validates and normalises lines, with what a run looks up once: platforms, species, phone numbers."""

    def __init__(self, case: Case, now: datetime.datetime) -> None:
        self.now = now
        # A number written without its country prefix is read as one of the case's country, as link_entity does.
        self.region = case.jurisdictions[0] if case.jurisdictions else case.owner_agency.country
        self.domains = platform_domains()
        self.codes = dict(Agency.objects.filter(agency_type=AgencyType.ONLINE_PLATFORM, is_active=True)
                          .values_list("code", "pk"))
        self.code_of = {pk: code for code, pk in self.codes.items()}
        self.species: dict[str, int | None] = {}
        # Sellers repeat their numbers across many adverts; parsing one with phonenumbers is the costly step.
        self.keys: dict[EntityKey, str | InvalidIdentifier] = {}

    def parse(self, raw: str | bytes) -> ParsedLine:
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise RejectedLine(Reject.INVALID_JSON, f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise RejectedLine(Reject.INVALID_JSON, "a line is one JSON object")
        url, platform_id = self._url_and_platform(data)
        price, currency = self._price(data)
        entities: dict[EntityKey, tuple[str, int | None]] = {}
        seller = self._seller(data, platform_id, entities)
        for raw_phone in _strings(data, "phones"):
            entities.setdefault(self._key(EntityKind.PHONE, raw_phone, Reject.INVALID_PHONE), (raw_phone, None))
        for raw_email in _strings(data, "emails"):
            entities.setdefault(self._key(EntityKind.EMAIL, raw_email, Reject.INVALID_EMAIL), (raw_email, None))
        return ParsedLine(
            url=url, digest=url_digest(url), platform_id=platform_id,
            title=_text(data, "title").strip()[:500], text=_text(data, "text"),
            language=_text(data, "language").strip().lower()[:8], price=price, currency=currency,
            seen_at=self._seen_at(data), seller=seller, entities=entities,
            species_ids={self._species(name) for name in _strings(data, "species")}, facts=_facts(data),
        )

    def _url_and_platform(self, data: dict[str, Any]) -> tuple[str, int | None]:
        raw = _text(data, "url")
        if not raw.strip():
            raise RejectedLine(Reject.MISSING_URL, "no url")
        try:
            url = normalise_url(raw)
        except InvalidIdentifier as error:
            raise RejectedLine(Reject.INVALID_URL, str(error)) from None
        if len(url) > URL_MAX_LENGTH:
            raise RejectedLine(Reject.INVALID_URL, f"the URL is longer than {URL_MAX_LENGTH} characters")
        named = _text(data, "platform").strip().lower()
        if not named:
            return url, platform_domain_for(url_host(url), self.domains)
        platform_id = self.codes.get(named) or platform_domain_for(named.removeprefix("www."), self.domains)
        if platform_id is None:
            raise RejectedLine(Reject.UNKNOWN_PLATFORM, f"no online platform is known as {named!r}")
        return url, platform_id

    def _price(self, data: dict[str, Any]) -> tuple[Decimal | None, str]:
        raw, code = data.get("price"), _text(data, "currency").strip()
        currency = ""
        if code:
            try:
                currency = valid_currency(code)
            except InvalidIdentifier as error:
                raise RejectedLine(Reject.INVALID_CURRENCY, str(error)) from None
        if raw is None or raw == "":
            return None, currency
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise RejectedLine(Reject.INVALID_PRICE, f"the price {raw!r} is not a number")
        try:
            price = Decimal(str(raw).strip())
        except InvalidOperation:
            raise RejectedLine(Reject.INVALID_PRICE, f"the price {raw!r} is not a number") from None
        if not price.is_finite() or price < 0 or price >= PRICE_LIMIT:
            raise RejectedLine(Reject.INVALID_PRICE, f"the price {raw!r} is negative or out of range")
        if not currency:
            raise RejectedLine(Reject.INVALID_CURRENCY, "a price needs its currency")
        return price.quantize(CENT, rounding=ROUND_HALF_UP), currency

    def _seen_at(self, data: dict[str, Any]) -> datetime.datetime:
        """When the advert was seen: a time without offset is UTC, a line without one was seen now."""
        raw = _text(data, "seen_at").strip()
        if not raw:
            return self.now
        try:
            seen_at = datetime.datetime.fromisoformat(raw)
        except ValueError:
            raise RejectedLine(Reject.INVALID_DATE, f"seen_at {raw!r} is not an ISO 8601 date and time") from None
        if timezone.is_naive(seen_at):
            seen_at = seen_at.replace(tzinfo=datetime.UTC)
        if seen_at > self.now + FUTURE_TOLERANCE:
            raise RejectedLine(Reject.INVALID_DATE, f"seen_at {raw!r} is in the future")
        return seen_at

    def _seller(self, data: dict[str, Any], platform_id: int | None,
                entities: dict[EntityKey, tuple[str, int | None]]) -> EntityKey | None:
        raw = _text(data, "seller")
        if not raw.strip():
            return None
        if platform_id is None:
            raise RejectedLine(Reject.INVALID_SELLER, "a seller handle needs the listing's platform")
        try:
            key = (EntityKind.ONLINE_ACCOUNT.value,
                   normalise_entity(EntityKind.ONLINE_ACCOUNT, raw, platform_code=self.code_of[platform_id]))
        except InvalidIdentifier as error:
            raise RejectedLine(Reject.INVALID_SELLER, str(error)) from None
        if len(key[1]) > KEY_MAX_LENGTH:
            raise RejectedLine(Reject.INVALID_SELLER, "the seller handle is too long")
        entities[key] = (raw, platform_id)
        return key

    def _key(self, kind: str, raw: str, reason: str) -> EntityKey:
        cached = self.keys.get((kind, raw))
        if cached is None:
            try:
                cached = normalise_entity(kind, raw, region=self.region)
            except InvalidIdentifier as error:
                cached = error
            if isinstance(cached, str) and len(cached) > KEY_MAX_LENGTH:
                cached = InvalidIdentifier("The value is too long.")
            self.keys[(kind, raw)] = cached
        if isinstance(cached, InvalidIdentifier):
            raise RejectedLine(reason, f"{raw!r}: {cached}")
        return (kind, cached)

    def _species(self, name: str) -> int:
        if name not in self.species:
            found = resolve_species(name)
            self.species[name] = found.pk if found is not None else None
        species_id = self.species[name]
        if species_id is None:
            raise RejectedLine(Reject.UNKNOWN_SPECIES, f"no single species matches {name!r}")
        return species_id


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RejectedLine(Reject.INVALID_FIELD, f"{key} must be a string")
    return value


def _strings(data: dict[str, Any], key: str) -> list[str]:
    """A list of non-blank strings, each once, in order."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RejectedLine(Reject.INVALID_FIELD, f"{key} must be a list of strings")
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


@dataclass(slots=True)
class MergedListing:
    """The lines of one batch that share a normalised URL, folded into one listing."""

    first: ParsedLine
    first_seen_at: datetime.datetime
    last_seen_at: datetime.datetime
    seller: EntityKey | None
    species_ids: set[int]

    def add(self, line: ParsedLine) -> None:
        self.first_seen_at = min(self.first_seen_at, line.seen_at)
        self.last_seen_at = max(self.last_seen_at, line.seen_at)
        self.seller = self.seller or line.seller
        self.species_ids |= line.species_ids


class BatchWriter:
    """Writes batches of parsed lines into one case with a constant number of statements per batch."""

    def __init__(self, case: Case, officer: Officer, report: ImportReport) -> None:
        self.case = case
        self.officer = officer
        self.report = report
        # Read once per run: a listing's suggestions then cost no statement of their own.
        self.text_index = get_text_index()

    def write(self, batch: list[ParsedLine]) -> None:
        merged: dict[str, MergedListing] = {}
        entities: dict[EntityKey, tuple[str, int | None]] = {}
        first_url: dict[EntityKey, str] = {}
        for line in batch:
            current = merged.get(line.digest)
            if current is None:
                merged[line.digest] = MergedListing(line, line.seen_at, line.seen_at, line.seller,
                                                    set(line.species_ids))
            else:
                current.add(line)
            for key, value in line.entities.items():
                entities.setdefault(key, value)
                first_url.setdefault(key, line.url)
        with transaction.atomic():
            entity_ids = self._entities(entities)
            listing_ids = self._listings(merged, entity_ids)
            self._species(merged, listing_ids)
            self._claims({entity_ids[key]: url for key, url in first_url.items()})
        self.report.lines_imported += len(batch)

    def _entities(self, wanted: dict[EntityKey, tuple[str, int | None]]) -> dict[EntityKey, int]:
        """Ids of every wanted entity, creating the missing ones: fetch, insert, fetch what was inserted."""
        ids = self._entity_ids(wanted)
        missing = [key for key in wanted if key not in ids]
        if missing:
            Entity.objects.bulk_create(
                [Entity(kind=kind, normalised=key, value=wanted[(kind, key)][0].strip()[:300],
                        platform_id=wanted[(kind, key)][1]) for kind, key in missing],
                ignore_conflicts=True,
            )
            created = self._entity_ids(missing)
            self.report.entities_created += len(created)
            ids.update(created)
        return ids

    @staticmethod
    def _entity_ids(keys: Iterable[EntityKey]) -> dict[EntityKey, int]:
        by_kind: dict[str, list[str]] = {}
        for kind, key in keys:
            by_kind.setdefault(kind, []).append(key)
        if not by_kind:
            return {}
        condition = Q()
        for kind, values in by_kind.items():
            condition |= Q(kind=kind, normalised__in=values)
        return {(kind, key): pk for pk, kind, key in
                Entity.objects.filter(condition).order_by().values_list("pk", "kind", "normalised")}

    def _listings(self, merged: dict[str, MergedListing], entity_ids: dict[EntityKey, int]) -> dict[str, int]:
        """Ids by URL digest: existing listings get their seen times widened and a missing seller filled."""
        found = Listing.objects.filter(case=self.case, url_digest__in=list(merged)).order_by()
        existing = {listing.url_digest: listing
                    for listing in found.only("pk", "url_digest", "first_seen_at", "last_seen_at", "seller_id",
                                              *IMPORTED_FACTS)}
        changed = []
        for digest, listing in existing.items():
            seen = merged[digest]
            seller_id = listing.seller_id or (entity_ids[seen.seller] if seen.seller else None)
            first_seen_at = min(listing.first_seen_at, seen.first_seen_at)
            last_seen_at = max(listing.last_seen_at, seen.last_seen_at)
            lacking = _lacking_facts(listing, seen.first.facts)
            if lacking or (first_seen_at, last_seen_at, seller_id) != (listing.first_seen_at, listing.last_seen_at,
                                                                       listing.seller_id):
                listing.first_seen_at, listing.last_seen_at, listing.seller_id = first_seen_at, last_seen_at, seller_id
                for key, value in lacking.items():
                    setattr(listing, key, value)
                changed.append(listing)
        if changed:
            Listing.objects.bulk_update(changed, ["first_seen_at", "last_seen_at", "seller", *IMPORTED_FACTS])
            listings_written.send(sender=Listing, listing_ids=[listing.pk for listing in changed])
        new = [self._new_listing(digest, seen, entity_ids) for digest, seen in merged.items()
               if digest not in existing]
        if new:
            # Both SQLite (3.35+) and PostgreSQL return the new primary keys from a bulk insert.
            Listing.objects.bulk_create(new)
            SuggestedSpecies.objects.bulk_create(
                [row for listing in new for row in species_suggestions(listing, self.text_index)])
            listings_recorded.send(sender=Listing, listing_ids=[listing.pk for listing in new])
            listings_written.send(sender=Listing, listing_ids=[listing.pk for listing in new])
        self.report.listings_updated += len(changed)
        self.report.listings_created += len(new)
        return {listing.url_digest: listing.pk for listing in [*existing.values(), *new]}

    def _new_listing(self, digest: str, seen: MergedListing, entity_ids: dict[EntityKey, int]) -> Listing:
        """The listing of the batch's first line with its URL (whose facts it carries)."""
        line = seen.first
        # bulk_create skips Listing.save(), which is what normally sets url_digest.
        return Listing(
            case=self.case, platform_id=line.platform_id, url=line.url, url_digest=digest, title=line.title,
            text=line.text, language=line.language, price=line.price, currency=line.currency,
            first_seen_at=seen.first_seen_at, last_seen_at=seen.last_seen_at,
            seller_id=entity_ids[seen.seller] if seen.seller else None, created_by=self.officer, **line.facts,
        )

    def _species(self, merged: dict[str, MergedListing], listing_ids: dict[str, int]) -> None:
        through = Listing.species.through
        rows = [through(listing_id=listing_ids[digest], species_id=species_id)
                for digest, seen in merged.items() for species_id in seen.species_ids]
        if rows:
            through.objects.bulk_create(rows, ignore_conflicts=True)
            include_species(self.case, {row.species_id for row in rows})

    def _claims(self, first_url: dict[int, str]) -> None:
        """Every identifier of a listing is claimed as the seller's; a claim already made is left as it is."""
        if not first_url:
            return
        claimed = CaseEntity.objects.filter(case=self.case, role=EntityRole.SELLER, entity_id__in=list(first_url))
        known = set(claimed.order_by().values_list("entity_id", flat=True))
        new = [CaseEntity(case=self.case, entity_id=entity_id, role=EntityRole.SELLER, note=f"Seen on {url}",
                          created_by=self.officer)
               for entity_id, url in first_url.items() if entity_id not in known]
        if new:
            CaseEntity.objects.bulk_create(new, ignore_conflicts=True)
        self.report.claims_created += len(new)


def _lacking_facts(listing: Listing, stated: dict[str, Any]) -> dict[str, Any]:
    """The stated facts an existing listing lacks: a specimen or count not yet recorded, a claim (with its
    reference) where none is recorded. What the listing already says stays, whatever the line says."""
    lacking: dict[str, Any] = {}
    if "specimen_type" in stated and not listing.specimen_type:
        lacking["specimen_type"] = stated["specimen_type"]
    if "specimen_count" in stated and listing.specimen_count is None:
        lacking["specimen_count"] = stated["specimen_count"]
    if "claimed_legality" in stated and listing.claimed_legality == NO_FACTS["claimed_legality"]:
        lacking["claimed_legality"] = stated["claimed_legality"]
        lacking["legality_reference"] = stated.get("legality_reference", "")
    return lacking


def default_officer(agency: Agency) -> Officer:
    """The officer an import acts as when none is named: the agency's first active supervisor, else
    investigator, else analyst — someone who may record intelligence in the agency's cases."""
    candidates: dict[str, Officer] = {}
    for officer in Officer.objects.filter(agency=agency, is_active=True,
                                          role__in=DEFAULT_OWNER_ROLES).order_by("username"):
        candidates.setdefault(officer.role, officer)
    for role in DEFAULT_OWNER_ROLES:
        if role in candidates:
            return candidates[role]
    raise ListingImportError(f"{agency.code} has no active supervisor, investigator or analyst to import as.")


def import_case(agency: Agency, officer: Officer, title: str) -> tuple[Case, bool]:
    """The agency's case titled ``title``, created on the first import; returns it and whether it is new.

    The title names the source ("Import: adverts.jsonl"), so importing the same file again finds the same
    case. Two first imports racing are serialised by the reference allocation's row lock: the second one
    re-reads after taking it, finds the first one's case and rolls its number back.
    """
    found = Case.objects.filter(owner_agency=agency, title=title).order_by("created_at", "pk").first()
    if found is not None:
        return found, False
    policy.check(policy.viewer_for(officer), "case.create", Classification.RESTRICTED)
    now = timezone.now()
    with transaction.atomic():
        number, reference = allocate_reference(agency, now.year)
        found = Case.objects.filter(owner_agency=agency, title=title).order_by("created_at", "pk").first()
        if found is not None:
            transaction.set_rollback(True)
            return found, False
        case = Case.objects.create(
            reference=reference, year=now.year, number=number, owner_agency=agency, title=title,
            summary="Listings imported with wildnet import_listings.", jurisdictions=[agency.country],
            lead_officer=officer, created_by=officer, created_at=now, updated_at=now,
        )
        record("case.create", actor=officer, obj=case, details={"reference": reference}, content={"import": title})
    return case, True


def read_lines(path: Path) -> Iterator[bytes]:
    """The file's lines as bytes (JSON decodes them), gunzipped when the file starts with the gzip magic."""
    try:
        with path.open("rb") as probe:
            compressed = probe.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    except OSError as error:
        raise ListingImportError(f"Cannot open {path}: {error.strerror}") from error
    with gzip.open(path, "rb") if compressed else path.open("rb") as stream:
        try:
            yield from stream
        except (OSError, EOFError) as error:
            raise ListingImportError(f"{path} is unreadable: {error}") from error


def import_listings(
    path_or_lines: Path | str | Iterable[str | bytes], agency: Agency, case: Case | None = None,
    officer: Officer | None = None, batch_size: int = 1000, progress: bool = False, title: str | None = None,
) -> ImportReport:
    """Import JSON Lines listings into ``case`` (else into the agency's import case named ``title``, by
    default "Import: <file name>") as ``officer`` (else :func:`default_officer`); see the module docstring."""
    if isinstance(path_or_lines, str | Path):
        path = Path(path_or_lines)
        lines: Iterable[str | bytes] = read_lines(path)
        source = path.name
    else:
        lines, source = path_or_lines, "listings"
    officer = officer or default_officer(agency)
    report = ImportReport()
    case, report.case_created = target_case(agency, officer, case, title or f"Import: {source}")
    report.case_reference = case.reference
    parser = LineParser(case, timezone.now())
    writer = BatchWriter(case, officer, report)
    batch: list[ParsedLine] = []
    rows = tqdm(lines, unit=" lines", desc="listings", disable=None if progress else True)
    try:
        for number, raw in enumerate(rows, start=1):
            if not raw.strip():
                continue
            report.lines_read += 1
            try:
                batch.append(parser.parse(raw))
            except RejectedLine as rejected:
                report.reject(number, rejected.reason, rejected.detail)
            if len(batch) >= batch_size:
                writer.write(batch)
                batch = []
        if batch:
            writer.write(batch)
    finally:
        rows.close()
    with transaction.atomic():
        record("case.import_listings", actor=officer, obj=case, details={"source": source, **report.counts()})
    return report


def target_case(agency: Agency, officer: Officer, case: Case | None, title: str) -> tuple[Case, bool]:
    """The case to import into (``case``, else the import case ``title``) once the policy lets ``officer``
    add to it; returns it and whether it was created."""
    if officer.agency_id != agency.pk:
        raise ListingImportError(f"{officer.username} is not an officer of {agency.code}.")
    if case is not None and case.owner_agency_id != agency.pk:
        raise ListingImportError(f"Case {case.reference} belongs to another agency.")
    try:
        case, created = (case, False) if case is not None else import_case(agency, officer, title)
        policy.check(policy.viewer_for(officer), "case.contribute", case)
    except ActionError as error:
        raise ListingImportError(f"{officer.username} cannot import into this agency's cases: {error}") from error
    return case, created
