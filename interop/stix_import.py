"""Importing a STIX 2.1 bundle (from OpenCTI, MISP, a national system, or WildNet) into a case.

What each object becomes (README, "STIX 2.1 import"):

* ``url`` observables and ``indicator``\\ s whose pattern is one URL → listings (normalised, platform recognised),
  with the species that ``note``\\ s labelled ``species`` name (by scientific name, as WildNet exports them);
* ``user-account``, ``email-addr``, phone numbers, bank and payment accounts, crypto wallets, and ``identity``
  objects of people and organisations the bundle does not cite as its authors → entities, with a claim in the
  case (normalised, so a phone number already known anywhere is the same entity);
* ``relationship``\\ s from or to such an identifier → the claim's role (a ``role:…`` label or ``x_wildnet_role``
  first; else ``related-to`` an advert → seller, ``related-to`` anything else → associate, ``payee-of`` → payee…;
  any other type keeps role "other"), its grading from ``source-reliability:``/``information-credibility:``
  labels, and its description as the claim's note;
* ``note``, ``opinion``, ``report`` and ``grouping`` → intelligence reports, graded as the object says or X4;
* anything else → kept whole as a note (an X4 report) and listed in the run's report.

Markings become handling codes, the strictest of an object's markings winning: TLP (1.0, 2.0 and OpenCTI's
form) CLEAR/WHITE and GREEN → H0, AMBER → H1, AMBER+STRICT → H2, RED → H3; WildNet's own handling statements
read back exactly; any other statement (or marking WildNet cannot read) → H3 with its text as the conditions.
An unmarked object is H1, WildNet's default.

The bundle is validated whole first (JSON, a bundle, each object with ``stix2``, every reference and marking
resolved, every identifier normalised): the first fault is a typed error naming the object, and nothing is
written. Marking definitions are read here rather than by ``stix2``, which knows only TLP 1.0's.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import stix2
from django.conf import settings
from django.utils.translation import gettext as _
from stix2.utils import parse_into_datetime

from access.errors import ActionError, ErrorCode
from access.markings import HandlingCode
from access.policy import Viewer
from agencies.models import Agency
from cases import actions
from cases.identifiers import InvalidIdentifier, normalise_entity, normalise_url
from cases.models import EntityKind, EntityRole
from cases.species.matching import resolve_species

from .importing import (
    DEFAULT_HANDLING,
    Item,
    Plan,
    check_importer,
    day_of,
    execute,
    invalid,
    platforms_by_name,
    stated_conditions,
    strictest,
    target_case,
    version_of,
)
from .markings import LAW_ENFORCEMENT_ONLY
from .models import ImportedKind, ImportRun, Standard

#: The handling code a TLP level stands for. TLP:AMBER keeps an object among its recipients' organisations: the
#: case an import creates is kept among law enforcement already (``CaseInput.law_enforcement_only``).
TLP_LEVELS = {"clear": HandlingCode.H0, "white": HandlingCode.H0, "green": HandlingCode.H0,
              "amber": HandlingCode.H0, "amber+strict": HandlingCode.H2, "red": HandlingCode.H3}
#: The TLP markings a bundle may cite without carrying them: STIX 2.1's TLP 1.0 and OASIS's TLP 2.0 ids.
KNOWN_TLP = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}
_TLP = re.compile(r"^(?:tlp:)?(clear|white|green|amber\+strict|amber|red)$", re.IGNORECASE)
_WILDNET_HANDLING = re.compile(r"^WildNet handling code (H[0-3])\b")
_WILDNET_CONDITIONS = re.compile(r"^Conditions of .+? \(H3\): (.+)$", re.DOTALL)
_WILDNET_LEGAL_BASIS = re.compile(r"^Read under .+?: ")
_URL_PATTERN = re.compile(r"^\s*\[\s*url:value\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]\s*$")
_GRADING = re.compile(r"^(?:([ABCX])([1-4])|([123])([A-E])([PC]))$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")

#: Identifier observables: the entity kind and the properties that may hold the value, in order of preference.
#: Custom types are matched without their ``x-`` / ``x-wildnet-`` prefix (``x-wildnet-phone`` is a phone).
IDENTIFIERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "email-addr": (EntityKind.EMAIL, ("value",)),
    "phone": (EntityKind.PHONE, ("value", "number")),
    "phone-number": (EntityKind.PHONE, ("value", "number")),
    "bank-account": (EntityKind.PAYMENT_ACCOUNT, ("iban", "account_number", "value")),
    "payment-account": (EntityKind.PAYMENT_ACCOUNT, ("value", "iban", "account_number")),
    "payment-card": (EntityKind.PAYMENT_ACCOUNT, ("card_number", "value")),
    "cryptocurrency-wallet": (EntityKind.CRYPTO_WALLET, ("value", "address")),
    "crypto-wallet": (EntityKind.CRYPTO_WALLET, ("value", "address")),
    "shipping-reference": (EntityKind.SHIPPING_REFERENCE, ("value",)),
    "user-account": (EntityKind.ONLINE_ACCOUNT, ("account_login", "user_id", "display_name")),
}
#: Relationship types that say what a case's identifier did; any other keeps the role "other".
ROLES = {
    "sells": EntityRole.SELLER, "seller-of": EntityRole.SELLER, "offers": EntityRole.SELLER,
    "advertises": EntityRole.SELLER, "buys": EntityRole.BUYER, "buyer-of": EntityRole.BUYER,
    "ships": EntityRole.COURIER, "courier-of": EntityRole.COURIER, "delivers": EntityRole.COURIER,
    "payee-of": EntityRole.PAYEE, "receives-payment-for": EntityRole.PAYEE, "supplies": EntityRole.SUPPLIER,
    "supplier-of": EntityRole.SUPPLIER, "related-to": EntityRole.ASSOCIATE, "associated-with": EntityRole.ASSOCIATE,
    "belongs-to": EntityRole.ASSOCIATE, "owns": EntityRole.ASSOCIATE, "uses": EntityRole.ASSOCIATE,
}
REPORT_TYPES = frozenset({"note", "opinion", "report", "grouping"})
#: Objects that describe the exchange rather than intelligence: read for what they say of others, not imported.
STRUCTURE = frozenset({"marking-definition", "extension-definition", "language-content"})
MAX_NOTE = 20_000


def import_bundle(viewer: Viewer, bundle: str | bytes | dict[str, Any], *, case_id: int | None = None,
                  case_title: str | None = None) -> ImportRun:
    """Import ``bundle`` into the importer's case ``case_id`` or the case titled ``case_title`` (opened when
    the agency has none); the run with its counts and report. Idempotent by STIX id and ``modified``."""
    check_importer(viewer)
    case = target_case(viewer, case_id, case_title)
    plan = StixReader(viewer).plan(read_bundle(bundle))
    return execute(viewer, plan, case, case_title)


def read_bundle(bundle: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """The bundle as JSON, within the size and object-count limits, or the typed error saying what is wrong."""
    if isinstance(bundle, str | bytes):
        if len(bundle) > settings.INTEROP_MAX_IMPORT_BYTES:
            raise ActionError(ErrorCode.FILE_TOO_LARGE, _("An import reads at most %(n)d bytes.")
                              % {"n": settings.INTEROP_MAX_IMPORT_BYTES}, "bundle")
        try:
            data = json.loads(bundle)
        except (ValueError, UnicodeDecodeError):
            raise ActionError(ErrorCode.INVALID, _("The bundle is not JSON."), "bundle") from None
    else:
        data = bundle
    if not isinstance(data, dict) or data.get("type") != "bundle" or not isinstance(data.get("objects", []), list):
        raise ActionError(ErrorCode.INVALID, _("This is not a STIX 2.1 bundle (a JSON object of type \"bundle\" "
                                               "with a list of objects)."), "bundle")
    if len(data.get("objects", [])) > settings.INTEROP_MAX_IMPORT_OBJECTS:
        raise ActionError(ErrorCode.INVALID, _("An import reads at most %(n)d objects.")
                          % {"n": settings.INTEROP_MAX_IMPORT_OBJECTS}, "bundle")
    return data


class StixReader:
    """Turns a bundle into a :class:`Plan`, validating every object and reference first."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.objects: dict[str, dict[str, Any]] = {}
        self.handling: dict[str, str] = {}
        self.conditions: dict[str, str] = {}
        #: Each object's relationships' other ends, to find an account's platform from the adverts it is tied to.
        self.linked: dict[str, list[str]] = defaultdict(list)
        #: The species named by species notes, by the id of the object (an advert's url) they refer to.
        self.species: dict[str, list[str]] = defaultdict(list)
        self.platforms = platforms_by_name()

    def plan(self, bundle: dict[str, Any]) -> Plan:
        plan = Plan(Standard.STIX, str(bundle.get("id", "")))
        self._read(bundle.get("objects", []))
        authors = {o["created_by_ref"] for o in self.objects.values() if isinstance(o.get("created_by_ref"), str)}
        species = self._species(plan)
        entities: dict[str, Item] = {}
        later: list[dict[str, Any]] = []
        for obj in self.objects.values():
            kind = obj["type"]
            if kind in STRUCTURE or obj["id"] in species or (kind == "identity" and (
                    obj["id"] in authors or obj.get("identity_class") == "system")):
                continue
            if kind == "relationship":
                later.append(obj)
                continue
            item = self._item(plan, obj)
            if item is None:
                continue
            if item.claims:
                entities[obj["id"]] = item
            plan.items.append(item)
        said: dict[str, actions.ClaimInput] = {}
        for relationship in later:
            found = self._relationship(plan, relationship, entities)
            if found is not None:
                item, ref = found
                plan.items.append(item)
                said.setdefault(ref, item.claims[0])
        for ref, entity in entities.items():
            # what the first relationship says of an identifier (role, grading, note) is its claim; unrelated,
            # an identifier is claimed in the role "other"
            if ref in said:
                entity.claims = [dataclasses.replace(said[ref])]
        # an advert's indicator before its url: the first to create the listing gives it the indicator's title
        plan.items.sort(key=lambda i: (_RANK[i.kind], i.source_type != "indicator"))
        plan.conditions = [self.conditions[i.external_id] for i in plan.items if i.external_id in self.conditions]
        return plan

    def _species(self, plan: Plan) -> set[str]:
        """Notes naming a species (labelled ``species``, the name as their abstract, as WildNet exports them):
        the species goes onto the listings the note refers to, and onto a new case. Returns those notes' ids;
        a note naming no species WildNet knows stays a note."""
        consumed: set[str] = set()
        for obj in self.objects.values():
            if obj["type"] != "note" or "species" not in (obj.get("labels") or []):
                continue
            taxon = resolve_species(str(obj.get("abstract") or ""))
            if taxon is None:
                continue
            consumed.add(obj["id"])
            plan.species_ids.append(taxon.pk)
            for ref in obj.get("object_refs") or []:
                self.species[ref].append(taxon.scientific_name)
        return consumed

    # --- validation -------------------------------------------------------------------------------------

    def _read(self, raw: Iterable[Any]) -> None:
        """Check each object and keep the newest version of each id; then resolve every reference."""
        for position, obj in enumerate(raw):
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or \
                    not isinstance(obj.get("id"), str) or not obj["id"].startswith(f"{obj['type']}--"):
                raise invalid(f"objects[{position}]", _("not a STIX object (it needs a type and an id of that "
                                                        "type)."))
            if not _TYPE.match(obj["type"]):
                raise invalid(obj["id"], _("the type is not a STIX type name."))
            if obj["type"] != "marking-definition":
                _parsed(obj)
            previous = self.objects.get(obj["id"])
            if previous is None or _modified(obj) > _modified(previous):
                self.objects[obj["id"]] = obj
        for obj in self.objects.values():
            self._references(obj)
            if obj["type"] == "relationship":
                self.linked[obj["source_ref"]].append(obj["target_ref"])
                self.linked[obj["target_ref"]].append(obj["source_ref"])
        for obj in self.objects.values():
            self._marking(obj)

    def _references(self, obj: dict[str, Any]) -> None:
        if obj["type"] == "relationship":
            for key in ("source_ref", "target_ref"):
                if obj.get(key) not in self.objects:
                    raise invalid(obj["id"], _("%(key)s names %(ref)s, which is not in the bundle.")
                                  % {"key": key, "ref": obj.get(key)})
        for ref in _marking_refs(obj):
            if ref not in self.objects and ref not in KNOWN_TLP:
                raise invalid(obj["id"], _("it is marked with %(ref)s, which is not in the bundle.") % {"ref": ref})

    def _marking(self, obj: dict[str, Any]) -> None:
        """The strictest handling code of the object's markings (H1 when none), and H3's conditions."""
        codes: list[str] = []
        conditions: list[str] = []
        for ref in _marking_refs(obj):
            code, condition = _handling_of(ref, self.objects.get(ref))
            if code is not None:
                codes.append(code)
            if condition:
                conditions.append(condition)
        self.handling[obj["id"]] = strictest(*codes) if codes else DEFAULT_HANDLING
        if self.handling[obj["id"]] == HandlingCode.H3:
            self.conditions[obj["id"]] = "\n".join(conditions)

    # --- mapping ----------------------------------------------------------------------------------------

    def _base(self, obj: dict[str, Any], kind: str) -> Item:
        return Item(external_id=obj["id"], source_type=obj["type"], version=version_of(_modified_time(obj)),
                    handling=self.handling[obj["id"]], kind=kind)

    def _conditions(self, handling: str, *ids: str, uk_handling: str = "") -> str:
        """H3's conditions travel with the report or claim they mark (its ``handling_conditions``): in an existing
        case, whose own conditions the import does not change, the item still says what its source asked."""
        stated = "\n".join(dict.fromkeys(self.conditions[i] for i in ids if self.conditions.get(i)))
        return stated_conditions(handling, uk_handling, stated if handling == HandlingCode.H3 else "")

    def _item(self, plan: Plan, obj: dict[str, Any]) -> Item | None:
        kind = obj["type"]
        if kind == "url":
            return self._listing(obj, str(obj.get("value", "")))
        if kind == "indicator":
            match = _URL_PATTERN.match(str(obj.get("pattern", ""))) if obj.get("pattern_type") == "stix" else None
            if match:
                return self._listing(obj, re.sub(r"\\(.)", r"\1", match.group(1)))
        identifier = _identifier_kind(kind)
        if identifier is not None:
            return self._entity(plan, obj, *identifier)
        if kind == "identity" and obj.get("identity_class") in ("individual", "organization"):
            entity_kind = EntityKind.PERSON if obj["identity_class"] == "individual" else EntityKind.ORGANISATION
            return self._entity(plan, obj, entity_kind, ("name",))
        if kind in REPORT_TYPES:
            return self._report(obj, ImportedKind.REPORT, _report_text(obj))
        return self._report(obj, ImportedKind.NOTE, _note_text(obj))

    def _listing(self, obj: dict[str, Any], url: str) -> Item:
        try:
            normalise_url(url)
        except InvalidIdentifier as error:
            raise invalid(obj["id"], str(error)) from None
        item = self._base(obj, ImportedKind.LISTING)
        title = str(obj.get("name") or "")
        item.listing = actions.ListingInput(url=url, title="" if title == url else title,
                                            species_names=self.species.get(obj["id"], []))
        return item

    def _entity(self, plan: Plan, obj: dict[str, Any], kind: str, properties: tuple[str, ...]) -> Item | None:
        value = next((str(obj[p]) for p in properties if obj.get(p)), "")
        platform = None
        if kind == EntityKind.ONLINE_ACCOUNT:
            platform = self._platform(obj)
            if platform is None:
                plan.reject(obj["id"], obj["type"], _("an online account of no platform WildNet knows"))
                return None
        try:
            normalise_entity(kind, value, region=self.viewer.country, platform_code=platform.code if platform else None)
        except InvalidIdentifier as error:
            raise invalid(obj["id"], str(error)) from None
        item = self._base(obj, ImportedKind.CLAIM)
        grading = _grading(obj)
        item.claims = [actions.ClaimInput(kind=kind, value=value, handling_code=item.handling,
                                          handling_conditions=self._conditions(item.handling, obj["id"]),
                                          platform_id=platform.pk if platform else None,
                                          source_reliability=grading[0] if grading[0] in "ABCX" else "X",
                                          information_credibility=grading[1] if grading[1] in "1234" else "4")]
        return item

    def _platform(self, obj: dict[str, Any]) -> Agency | None:
        for key in ("x_wildnet_platform", "account_type"):
            name = str(obj.get(key) or "").strip().lower()
            if name and name in self.platforms:
                return self.platforms[name]
        for other in (self.objects[ref] for ref in self.linked[obj["id"]]):
            if other["type"] == "url":
                host = re.sub(r"^www\.", "", _host(str(other.get("value", ""))))
                while host:
                    if host in self.platforms:
                        return self.platforms[host]
                    host = host.partition(".")[2]
        return None

    def _report(self, obj: dict[str, Any], kind: str, text: str) -> Item:
        item = self._base(obj, kind)
        source, information = _grading(obj)
        uk = len(source + information) == 3
        item.report = actions.ReportInput(
            text=text, source_evaluation=source[:1], information_assessment=information,
            grading_system="uk_3x5x2" if uk else "europol_4x4", uk_handling=source[1:] if uk else "",
            handling_code=item.handling,
            handling_conditions=self._conditions(item.handling, obj["id"], uk_handling=source[1:] if uk else ""),
            reported_on=day_of(_created_time(obj)))
        return item

    def _relationship(self, plan: Plan, obj: dict[str, Any], entities: dict[str, Item]) -> tuple[Item, str] | None:
        """The claim a relationship from or to an identifier makes, and that identifier's id."""
        source, target = obj["source_ref"], obj["target_ref"]
        ref = source if source in entities else target if target in entities else None
        if ref is None:
            plan.reject(obj["id"], "relationship", _("it links no identifier WildNet records"))
            return None
        other = self.objects[target if ref == source else source]
        role = str(obj.get("x_wildnet_role") or _labels(obj).get("role") or _role(obj, other))
        if role not in EntityRole.values:
            raise invalid(obj["id"], _("the role %(role)s is not a WildNet role.") % {"role": repr(role)})
        item = self._base(obj, ImportedKind.CLAIM)
        entity = entities[ref].claims[0]
        grading = _grading(obj)
        item.handling = strictest(item.handling, entities[ref].handling)
        item.claims = [actions.ClaimInput(
            kind=entity.kind, value=entity.value, platform_id=entity.platform_id, role=role,
            handling_code=item.handling, handling_conditions=self._conditions(item.handling, obj["id"], ref),
            note=str(obj.get("description") or "").strip()
            or f"{obj.get('relationship_type', '')} {_described(other)}".strip(),
            source_reliability=grading[0] if grading[0] in "ABCX" else "X",
            information_credibility=grading[1] if grading[1] in "1234" else "4")]
        return item, ref


_RANK: dict[str, int] = {ImportedKind.LISTING: 0, ImportedKind.CLAIM: 1, ImportedKind.REPORT: 2, ImportedKind.NOTE: 3}


def _parsed(obj: dict[str, Any]) -> Any:
    """The object as ``stix2`` reads it (custom types come back as they are), or the error naming it."""
    try:
        return stix2.parse(obj, allow_custom=True, version="2.1")
    except Exception as error:  # stix2 raises many kinds for bad input; all mean "invalid"
        raise invalid(str(obj["id"]), _("not valid STIX 2.1: %(reason)s") % {"reason": str(error)[:300]}) from None


def _marking_refs(obj: dict[str, Any]) -> list[str]:
    """The markings of an object, its granular ones included: a marking on one property restricts the object,
    which WildNet cannot split."""
    granular = [g.get("marking_ref") for g in obj.get("granular_markings") or [] if isinstance(g, dict)]
    return [str(ref) for ref in [*(obj.get("object_marking_refs") or []), *granular] if ref]


def _handling_of(ref: str, marking: dict[str, Any] | None) -> tuple[str | None, str]:
    """The handling code a marking stands for, and H3's conditions when it states them."""
    if marking is None:
        return TLP_LEVELS[KNOWN_TLP[ref]], _tlp_red_conditions() if KNOWN_TLP[ref] == "red" else ""
    definition: dict[str, Any] = marking["definition"] if isinstance(marking.get("definition"), dict) else {}
    statement = definition.get("statement") if marking.get("definition_type") == "statement" else None
    if isinstance(statement, str):
        wildnet = _WILDNET_HANDLING.match(statement)
        if wildnet:
            return wildnet.group(1), ""
        conditions = _WILDNET_CONDITIONS.match(statement)
        if conditions:
            return HandlingCode.H3, conditions.group(1).strip()
        if _WILDNET_LEGAL_BASIS.match(statement):
            return None, ""  # the basis under which the exporter read it; the importer's own mandate applies
        if statement == LAW_ENFORCEMENT_ONLY.definition.statement:
            return None, ""  # what an imported case is already (``CaseInput.law_enforcement_only``)
        return HandlingCode.H3, statement.strip()
    candidates = [marking.get("name"), *definition.values()]
    for extension in (marking.get("extensions") or {}).values():
        if isinstance(extension, dict):
            candidates.append(extension.get("tlp_2_0"))
    for candidate in candidates:
        match = _TLP.match(str(candidate or "").strip())
        if match:
            level = match.group(1).lower()
            return TLP_LEVELS[level], _tlp_red_conditions() if level == "red" else ""
    if ref in KNOWN_TLP:
        return TLP_LEVELS[KNOWN_TLP[ref]], ""
    described = marking.get("name") or json.dumps(definition, sort_keys=True)[:500]
    return HandlingCode.H3, _("Marked by the source: %(marking)s") % {"marking": described}


def _tlp_red_conditions() -> str:
    return _("TLP:RED: for the eyes and ears of individual recipients only, no further.")


def _identifier_kind(stix_type: str) -> tuple[str, tuple[str, ...]] | None:
    name = re.sub(r"^x-(wildnet-)?", "", stix_type)
    return IDENTIFIERS.get(stix_type) or IDENTIFIERS.get(name)


def _host(url: str) -> str:
    try:
        return normalise_url(url).split("/")[2].split(":")[0]
    except (InvalidIdentifier, IndexError):
        return ""


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    """``key:value`` labels (``role:seller``, ``grading:B2``) as a mapping."""
    found: dict[str, str] = {}
    for label in obj.get("labels") or []:
        key, colon, value = str(label).partition(":")
        if colon:
            found.setdefault(key.strip().lower(), value.strip())
    return found


def _role(relationship: dict[str, Any], other: dict[str, Any]) -> str:
    """The role a relationship type says; an identifier ``related-to`` an advert is its seller's."""
    kind = relationship.get("relationship_type", "")
    advert = other["type"] == "url" or (other["type"] == "indicator" and
                                        _URL_PATTERN.match(str(other.get("pattern", ""))) is not None)
    if kind == "related-to" and advert:
        return EntityRole.SELLER
    return ROLES.get(kind, EntityRole.OTHER)


def _grading(obj: dict[str, Any]) -> tuple[str, str]:
    """(source, information) from ``x_wildnet_grading`` or the labels (``grading:B2``, or a claim's
    ``source-reliability:B`` and ``information-credibility:2``); UK "1AP" gives ("1P", "A"); else ("X", "4")."""
    labels = _labels(obj)
    text = (obj.get("x_wildnet_grading") or labels.get("grading")
            or labels.get("source-reliability", "") + labels.get("information-credibility", ""))
    grading = _GRADING.match(str(text))
    if grading is None:
        return "X", "4"
    if grading.group(1):
        return grading.group(1), grading.group(2)
    return grading.group(3) + grading.group(5), grading.group(4)


def _report_text(obj: dict[str, Any]) -> str:
    if obj["type"] == "note":
        # WildNet's own reports say their grading in the abstract, which the grading fields hold here
        graded = "grading-system" in _labels(obj)
        parts = [None if graded else obj.get("abstract"), obj.get("content")]
    elif obj["type"] == "opinion":
        parts = [obj.get("explanation"), _("Opinion: %(opinion)s") % {"opinion": obj.get("opinion", "")}]
    else:
        parts = [obj.get("name"), obj.get("description")]
    text = "\n\n".join(str(p).strip() for p in parts if p and str(p).strip())
    return text or _note_text(obj)


def _note_text(obj: dict[str, Any]) -> str:
    """An object WildNet has no meaning for, kept whole so that nothing the source said is lost."""
    heading = _("%(type)s %(id)s, kept from a STIX import.") % {"type": obj["type"], "id": obj["id"]}
    body = json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False)
    return f"{heading}\n{_described(obj)}\n\n{body}"[:MAX_NOTE]


def _described(obj: dict[str, Any]) -> str:
    for key in ("name", "value", "account_login", "user_id", "abstract", "pattern"):
        if obj.get(key):
            return f"{obj['type']} {obj[key]}"
    return str(obj["type"])


def _modified(obj: dict[str, Any]) -> str:
    return version_of(_modified_time(obj))


def _modified_time(obj: dict[str, Any]) -> datetime.datetime | None:
    return _time(obj.get("modified"))


def _created_time(obj: dict[str, Any]) -> datetime.datetime | None:
    return _time(obj.get("created"))


def _time(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return parse_into_datetime(value)
    except (ValueError, TypeError):
        return None
