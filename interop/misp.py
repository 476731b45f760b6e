"""MISP events: a case out as a MISP event, and a MISP event in as a case's intelligence, with PyMISP's classes.

Out, a case is read like any read: through the policy at request time, a share's withheld groups absent (no
claim when suspects' personal data is withheld, no report nor grading when sources are, no evidence hash when
evidence is). Each attribute carries its handling code twice — the TLP tag MISP users know and a
``wildnet:handling`` machine tag — and the event's distribution is never wider than the case: only an H0 case
goes to "this community"; anything else stays with "your organisation only". MISP has no galaxy of CITES
species, so the case's species travel as ``wildnet:species`` machine tags with the scientific name.

In, every attribute and object becomes what its type says (README, "MISP"), idempotent by uuid and timestamp,
through the same plan and writer as STIX (``importing``). The handling code is the strictest of the TLP and
``wildnet:handling`` tags of the event and of the attribute and of the distribution, read conservatively:
"your organisation only" and sharing groups are H1, the wider levels H0; an attribute that says nothing is H1.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Value
from django.utils.translation import gettext as _
from pymisp import MISPAttribute, MISPEvent, MISPObject

from access import policy
from access.errors import ActionError, ErrorCode
from access.markings import HandlingCode
from access.policy import NOTHING, Viewer, condition
from agencies.models import Agency
from cases import actions
from cases.identifiers import InvalidIdentifier, normalise_entity, normalise_url
from cases.models import (
    Case,
    CaseEntity,
    CaseStatus,
    ClaimedLegality,
    EntityKind,
    EntityRole,
    Evidence,
    GradingSystem,
    IntelReport,
    Listing,
    Priority,
    Species,
)
from cases.rules import EVIDENCE, PERSONAL_DATA, SOURCES

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
from .models import ImportedKind, ImportRun, Standard
from .stix_import import TLP_LEVELS

#: The namespace of the uuids of WildNet's MISP events and attributes: a re-export updates, never duplicates.
NAMESPACE = uuid.UUID("0f4d3c52-8a7b-5e61-b2d9-3c1e7a9f4b60")

#: How far an object of each code may travel (H1 restricts use in court, not dissemination); intelligence kept among
#: law enforcement is at least TLP:AMBER.
TLP_TAG: dict[str, str] = {HandlingCode.H0: "tlp:green", HandlingCode.H1: "tlp:green",
                           HandlingCode.H2: "tlp:amber+strict", HandlingCode.H3: "tlp:red"}
#: MISP distribution levels: 0 your organisation only, 1 this community only, 2 connected communities,
#: 3 all communities, 4 a sharing group, 5 as the event.
YOUR_ORGANISATION, THIS_COMMUNITY, INHERIT = 0, 1, 5
DISTRIBUTION_HANDLING = {0: HandlingCode.H2, 1: HandlingCode.H0, 2: HandlingCode.H0, 3: HandlingCode.H0,
                         4: HandlingCode.H0}
THREAT_LEVEL = {Priority.CRITICAL: 1, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
ANALYSIS = {CaseStatus.OPEN: 0, CaseStatus.ACTIVE: 1, CaseStatus.REFERRED: 1, CaseStatus.CLOSED: 2,
            CaseStatus.ARCHIVED: 2}

#: Entity kinds as plain MISP attributes: the attribute type (and the types read back as that kind).
ATTRIBUTE_KINDS: dict[str, str] = {EntityKind.PHONE: "phone-number", EntityKind.EMAIL: "email",
                                   EntityKind.PAYMENT_ACCOUNT: "bank-account-nr",
                                   EntityKind.SHIPPING_REFERENCE: "text"}
READ_KINDS: dict[str, str] = {
    "phone-number": EntityKind.PHONE, "whois-registrant-phone": EntityKind.PHONE,
    "email": EntityKind.EMAIL, "email-src": EntityKind.EMAIL, "email-dst": EntityKind.EMAIL,
    "whois-registrant-email": EntityKind.EMAIL, "iban": EntityKind.PAYMENT_ACCOUNT,
    "bank-account-nr": EntityKind.PAYMENT_ACCOUNT, "btc": EntityKind.CRYPTO_WALLET,
    "xmr": EntityKind.CRYPTO_WALLET, "dash": EntityKind.CRYPTO_WALLET,
}
#: Entity kinds as MISP objects: the template and the relation holding the value.
OBJECT_KINDS: dict[str, tuple[str, str]] = {
    EntityKind.ONLINE_ACCOUNT: ("user-account", "username"), EntityKind.CRYPTO_WALLET: ("coin-address", "address"),
    EntityKind.PERSON: ("person", "full-name"), EntityKind.ORGANISATION: ("legal-entity", "name"),
}
#: MISP objects read back as identifiers: the kind and the relations that may hold the value.
READ_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "user-account": (EntityKind.ONLINE_ACCOUNT, ("username", "user-id", "display-name")),
    "coin-address": (EntityKind.CRYPTO_WALLET, ("address", "address-crypto", "address-xmr")),
    "person": (EntityKind.PERSON, ("full-name", "alias", "handle")),
    "legal-entity": (EntityKind.ORGANISATION, ("name", "commercial-name")),
    "bank-account": (EntityKind.PAYMENT_ACCOUNT, ("iban", "account")),
}
REPORT_TYPES = frozenset({"text", "comment", "other"})
_MACHINE_TAG = re.compile(r'^wildnet:([a-z-]+)="(.*)"$')
_GRADING = re.compile(r"^(?:([ABCX])([1-4])|([123])([A-E])([PC]))$")


# --- export -----------------------------------------------------------------------------------------------


def case_event(viewer: Viewer, reference: str) -> tuple[Case, MISPEvent] | None:
    """The case ``reference`` as a MISP event, as ``viewer`` may see it now; None when missing or hidden.

    A fixed number of queries whatever the size of the case: the case, its withheld groups, and one query
    per kind of content (each through the policy).
    """
    species = policy.visible(viewer, Species.objects.only("pk", "scientific_name", "cites_appendices"))
    case = (policy.visible(viewer, Case.objects.filter(reference=reference))
            .prefetch_related(Prefetch("species", queryset=species)).first())
    if case is None:
        return None
    withheld = _withheld(viewer, case)
    event = MISPEvent()
    event.uuid = str(uuid.uuid5(NAMESPACE, f"case:{case.reference}"))
    event.info = f"{case.reference}: {case.title}"
    event.date = case.created_at.date()
    event.timestamp = case.updated_at
    event.threat_level_id = THREAT_LEVEL.get(case.priority, 2)  # type: ignore[call-overload]
    event.analysis = ANALYSIS.get(case.status, 0)  # type: ignore[call-overload]
    event.distribution = (THIS_COMMUNITY if case.handling_code in (HandlingCode.H0, HandlingCode.H1)
                          else YOUR_ORGANISATION)
    _tag_handling(event, {case.handling_code}, case.law_enforcement_only)
    for taxon in case.species.all():
        event.add_tag(f'wildnet:species="{taxon.scientific_name}"')
        for appendix in taxon.cites_appendices or []:
            event.add_tag(f'wildnet:cites-appendix="{appendix}"')
    if case.handling_code == HandlingCode.H3 and case.handling_conditions:
        _attribute(event, "text", case.handling_conditions, f"case:{case.pk}:conditions", case.handling_code,
                   case, comment="Handling conditions (H3)")
    for listing in _listings(viewer, case):
        _listing(event, listing, case)
    if PERSONAL_DATA not in withheld:
        for claim in policy.visible(viewer, CaseEntity.objects.filter(case=case).select_related("entity")):
            _claim(event, claim, case, SOURCES not in withheld)
    if SOURCES not in withheld:
        for report in policy.visible(viewer, IntelReport.objects.filter(case=case)):
            _attribute(event, "text", report.text, f"report:{report.pk}", report.handling_code, case,
                       comment=" ".join(filter(None, [
                           f"Intelligence report {_grading_of(report)} ({report.grading_system}).",
                           f"Conditions: {report.handling_conditions}" if report.handling_conditions else ""])),
                       tags=[f'wildnet:grading="{_grading_of(report)}"'],
                       law_enforcement_only=report.law_enforcement_only)
    if EVIDENCE not in withheld:
        for item in policy.visible(viewer, Evidence.objects.filter(case=case)):
            _attribute(event, "sha256", item.sha256, f"evidence:{item.pk}", case.handling_code, case,
                       comment=f"Evidence ({item.capture_method}), {item.size} bytes")
    return case, event


def event_json(event: MISPEvent) -> dict[str, Any]:
    """The event in MISP's published JSON format (``{"Event": {...}}``), as MISP's API and feeds give it."""
    return {"Event": json.loads(event.to_json())}


def _withheld(viewer: Viewer, case: Case) -> set[str]:
    """The groups a share withholds from ``viewer`` in ``case`` (none of their own agency's): one query."""
    groups = (PERSONAL_DATA, SOURCES, EVIDENCE)

    def readable(group: str) -> Any:
        rule = condition("case.visible", viewer, redaction=group)
        return Value(False) if rule is NOTHING else ExpressionWrapper(rule, output_field=BooleanField())

    flags = (Case.objects.filter(pk=case.pk).annotate(**{f"readable_{g}": readable(g) for g in groups})
             .values(*(f"readable_{g}" for g in groups)).get())
    return {g for g in groups if not flags[f"readable_{g}"]}


def _listings(viewer: Viewer, case: Case) -> Any:
    species = policy.visible(viewer, Species.objects.only("pk", "scientific_name"))
    platforms = policy.visible(viewer, Agency.objects.only("pk", "code", "platform_kind"))
    return (policy.visible(viewer, Listing.objects.filter(case=case))
            .prefetch_related(Prefetch("species", queryset=species), Prefetch("platform", queryset=platforms)))


def _tag_handling(target: Any, codes: set[str], law_enforcement_only: bool) -> None:
    """TLP for how far it may travel, WildNet's strictest code (what the import reads back), and H1's "not for
    judicial use" whichever code is stricter."""
    code = strictest(*codes)
    tlp = TLP_TAG[code]
    target.add_tag("tlp:amber" if law_enforcement_only and tlp == "tlp:green" else tlp)
    target.add_tag(f'wildnet:handling="{code}"')
    if HandlingCode.H1 in codes:
        target.add_tag("wildnet:not-for-judicial-use")


def _attribute(event: MISPEvent, kind: str, value: str, key: str, code: str, case: Case, comment: str = "",
               tags: list[str] | None = None, law_enforcement_only: bool = False) -> None:
    case_code = case.handling_code
    effective = strictest(code, case_code)
    attribute: Any = event.add_attribute(kind, value, uuid=str(uuid.uuid5(NAMESPACE, key)), comment=comment,
                                    distribution=INHERIT if effective == case_code else YOUR_ORGANISATION,
                                    to_ids=False)
    _tag_handling(attribute, {code, case_code}, law_enforcement_only or case.law_enforcement_only)
    for tag in tags or []:
        attribute.add_tag(tag)


def _listing(event: MISPEvent, listing: Listing, case: Case) -> None:
    obj = MISPObject("url", standalone=False)
    obj.uuid = str(uuid.uuid5(NAMESPACE, f"listing:{listing.pk}"))
    obj.comment = listing.platform.code if listing.platform else ""
    obj.distribution = INHERIT
    obj.first_seen, obj.last_seen = listing.first_seen_at, listing.last_seen_at
    url: Any = obj.add_attribute("url", value=listing.url, uuid=str(uuid.uuid5(NAMESPACE, f"listing:{listing.pk}:url")),
                            to_ids=False)
    _tag_handling(url, {case.handling_code}, case.law_enforcement_only)
    for taxon in listing.species.all():
        url.add_tag(f'wildnet:species="{taxon.scientific_name}"')
    for tag in listing_fact_tags(listing):
        url.add_tag(tag)
    if listing.title:
        obj.add_attribute("text", value=listing.title, uuid=str(uuid.uuid5(NAMESPACE, f"listing:{listing.pk}:text")))
    event.add_object(obj)


def listing_fact_tags(listing: Listing) -> list[str]:
    """The listing facts recorded, as ``wildnet:`` machine tags (the STIX export's ``x_wildnet_…`` properties)."""
    tags = []
    if listing.specimen_type:
        tags.append(f'wildnet:specimen-type="{listing.specimen_type}"')
    if listing.specimen_count is not None:
        tags.append(f'wildnet:specimen-count="{listing.specimen_count}"')
    if listing.claimed_legality != ClaimedLegality.NONE:
        tags.append(f'wildnet:claimed-legality="{listing.claimed_legality}"')
        tags.append(f'wildnet:legality-verified="{listing.legality_verified}"')
    if listing.platform is not None and listing.platform.platform_kind:
        tags.append(f'wildnet:platform-kind="{listing.platform.platform_kind}"')
    return tags


def _claim(event: MISPEvent, claim: CaseEntity, case: Case, graded: bool) -> None:
    entity = claim.entity
    tags = [f'wildnet:kind="{entity.kind}"', f'wildnet:role="{claim.role}"']
    if graded:
        tags.append(f'wildnet:grading="{claim.source_reliability}{claim.information_credibility}"')
    key = f"claim:{claim.pk}"
    case_code = case.handling_code
    effective = strictest(claim.handling_code, case_code)
    law_enforcement_only = claim.law_enforcement_only or case.law_enforcement_only
    if entity.kind in OBJECT_KINDS:
        template, relation = OBJECT_KINDS[entity.kind]
        obj = MISPObject(template, standalone=False)
        obj.uuid = str(uuid.uuid5(NAMESPACE, key))
        obj.comment = claim.note
        obj.distribution = INHERIT if effective == case_code else YOUR_ORGANISATION
        value: Any = obj.add_attribute(relation, value=entity.value, uuid=str(uuid.uuid5(NAMESPACE, f"{key}:value")))
        if entity.kind == EntityKind.ONLINE_ACCOUNT and entity.platform_id is not None:
            obj.add_attribute("account-type", value=entity.normalised.partition(":")[0],
                              uuid=str(uuid.uuid5(NAMESPACE, f"{key}:platform")))
        _tag_handling(value, {claim.handling_code, case_code}, law_enforcement_only)
        for tag in tags:
            value.add_tag(tag)
        event.add_object(obj)
        return
    value_type = ATTRIBUTE_KINDS.get(entity.kind, "text")
    if entity.kind == EntityKind.PAYMENT_ACCOUNT and re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}",
                                                                  entity.normalised):
        value_type = "iban"
    _attribute(event, value_type, entity.value, key, claim.handling_code, case, comment=claim.note, tags=tags,
               law_enforcement_only=claim.law_enforcement_only)


def _grading_of(report: IntelReport) -> str:
    return f"{report.source_evaluation}{report.information_assessment}{report.uk_handling}"


# --- import -----------------------------------------------------------------------------------------------


def import_event(viewer: Viewer, event: str | bytes, *, case_id: int | None = None,
                 case_title: str | None = None) -> ImportRun:
    """Import a MISP event (its JSON, with or without the ``{"Event": …}`` wrapper) into the importer's case
    ``case_id`` or the case titled ``case_title``; the run. Idempotent by uuid and timestamp."""
    check_importer(viewer)
    case = target_case(viewer, case_id, case_title)
    plan = MispReader(viewer).plan(read_event(event))
    return execute(viewer, plan, case, case_title)


def read_event(text: str | bytes) -> MISPEvent:
    """The event PyMISP reads from ``text``, within the size limit, or the typed error."""
    if len(text) > settings.INTEROP_MAX_IMPORT_BYTES:
        raise ActionError(ErrorCode.FILE_TOO_LARGE, _("An import reads at most %(n)d bytes.")
                          % {"n": settings.INTEROP_MAX_IMPORT_BYTES}, "event")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ActionError(ErrorCode.INVALID, _("The event is not JSON."), "event") from None
    body = data.get("Event", data) if isinstance(data, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("info"), str):
        raise ActionError(ErrorCode.INVALID, _("This is not a MISP event (a JSON object with its info)."), "event")
    count = len(body.get("Attribute") or []) + sum(len(o.get("Attribute") or []) + 1
                                                  for o in body.get("Object") or [] if isinstance(o, dict))
    if count > settings.INTEROP_MAX_IMPORT_OBJECTS:
        raise ActionError(ErrorCode.INVALID, _("An import reads at most %(n)d objects.")
                          % {"n": settings.INTEROP_MAX_IMPORT_OBJECTS}, "event")
    event = MISPEvent()
    try:
        event.load(data)
    except Exception as error:  # PyMISP raises many kinds for bad input; all mean "invalid"
        raise ActionError(ErrorCode.INVALID, _("PyMISP cannot read this event: %(reason)s")
                          % {"reason": str(error)[:300]}, "event") from None
    return event


class MispReader:
    """Turns a MISP event into a :class:`Plan`, validating every attribute first."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.platforms = platforms_by_name()

    def plan(self, event: MISPEvent) -> Plan:
        plan = Plan(Standard.MISP, str(getattr(event, "uuid", "") or ""))
        floor = _handling(event)
        for attribute in event.attributes:
            item = self._attribute(plan, attribute, floor)
            if item is not None:
                plan.items.append(item)
        for obj in event.objects:
            item = self._object(plan, obj, floor)
            if item is not None:
                plan.items.append(item)
        if any(i.handling == HandlingCode.H3 for i in plan.items):
            plan.conditions.append(_("TLP:RED: for the eyes and ears of individual recipients only, no further."))
        return plan

    def _base(self, source: MISPAttribute | MISPObject, source_type: str, handling: str, kind: str) -> Item:
        external_id = str(getattr(source, "uuid", "") or "")
        if not _is_uuid(external_id):
            raise invalid(external_id or source_type, _("a MISP attribute or object needs its uuid."))
        return Item(external_id=external_id, source_type=source_type, handling=handling, kind=kind,
                    version=version_of(getattr(source, "timestamp", None)))

    def _attribute(self, plan: Plan, attribute: MISPAttribute, floor: str) -> Item | None:
        handling = _handling(attribute, floor)
        tags = _machine_tags(attribute)
        kind = tags.get("kind") or READ_KINDS.get(attribute.type)
        if getattr(attribute, "deleted", False):
            plan.reject(str(attribute.uuid), attribute.type, _("deleted in MISP"))
            return None
        if attribute.type == "url":
            return self._listing(attribute, str(attribute.value), handling)
        if kind in EntityKind.values:
            return self._entity(plan, attribute, attribute.type, kind, str(attribute.value), handling, tags,
                                attribute.comment or "")
        if attribute.type in REPORT_TYPES:
            item = self._base(attribute, attribute.type, handling, ImportedKind.REPORT)
            item.report = _report(str(attribute.value), handling, tags, attribute)
            return item
        item = self._base(attribute, attribute.type, handling, ImportedKind.NOTE)
        item.report = _report(_note(attribute.type, attribute.to_dict()), handling, {}, attribute)
        return item

    def _object(self, plan: Plan, obj: MISPObject, floor: str) -> Item | None:
        handling = strictest(_handling(obj, floor), *(_handling(a, floor) for a in obj.attributes))
        tags: dict[str, str] = {}
        for attribute in obj.attributes:
            tags.update(_machine_tags(attribute))
        values = {a.object_relation: str(a.value) for a in reversed(obj.attributes)}
        if obj.name == "url" and values.get("url"):
            return self._listing(obj, values["url"], handling, title=values.get("text", ""))
        if obj.name in READ_OBJECTS:
            kind, relations = READ_OBJECTS[obj.name]
            value = next((values[r] for r in relations if values.get(r)), "")
            if kind == EntityKind.PERSON and not value:
                value = " ".join(v for v in (values.get("first-name"), values.get("last-name")) if v)
            return self._entity(plan, obj, obj.name, tags.get("kind", kind), value, handling, tags,
                                getattr(obj, "comment", "") or "", platform=values.get("account-type", ""))
        item = self._base(obj, obj.name, handling, ImportedKind.NOTE)
        item.report = _report(_note(obj.name, obj.to_dict()), handling, {}, obj)
        return item

    def _listing(self, source: Any, url: str, handling: str, title: str = "") -> Item:
        item = self._base(source, "url", handling, ImportedKind.LISTING)
        try:
            normalise_url(url)
        except InvalidIdentifier as error:
            raise invalid(item.external_id, str(error)) from None
        item.listing = actions.ListingInput(url=url, title=title[:500])
        return item

    def _entity(self, plan: Plan, source: Any, source_type: str, kind: str, value: str, handling: str,
                tags: dict[str, str], note: str, platform: str = "") -> Item | None:
        item = self._base(source, source_type, handling, ImportedKind.CLAIM)
        found = None
        if kind == EntityKind.ONLINE_ACCOUNT:
            found = self.platforms.get(platform.strip().lower())
            if found is None:
                plan.reject(item.external_id, source_type, _("an online account of no platform WildNet knows"))
                return None
        try:
            normalise_entity(kind, value, region=self.viewer.country, platform_code=found.code if found else None)
        except InvalidIdentifier as error:
            raise invalid(item.external_id, str(error)) from None
        role = tags.get("role", EntityRole.OTHER)
        if role not in EntityRole.values:
            raise invalid(item.external_id, _("wildnet:role is not a WildNet role."))
        grading = _GRADING.match(tags.get("grading", ""))
        item.claims = [actions.ClaimInput(
            kind=kind, value=value, role=role, handling_code=handling, note=note,
            handling_conditions=stated_conditions(handling),
            platform_id=found.pk if found else None,
            source_reliability=grading.group(1) if grading and grading.group(1) else "X",
            information_credibility=grading.group(2) if grading and grading.group(2) else "4")]
        return item


def _handling(source: Any, floor: str | None = None) -> str:
    """The strictest of ``floor`` (the event's, for an attribute), the source's distribution and its tags;
    H1 when none of them says anything."""
    codes = [floor] if floor else []
    try:
        level = int(getattr(source, "distribution", None))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        level = INHERIT
    if level in DISTRIBUTION_HANDLING:
        codes.append(DISTRIBUTION_HANDLING[level])
    for tag in getattr(source, "tags", []) or []:
        name = str(getattr(tag, "name", "")).strip()
        if name.lower().startswith("tlp:") and name[4:].lower() in TLP_LEVELS:
            codes.append(TLP_LEVELS[name[4:].lower()])
        machine = _MACHINE_TAG.match(name)
        if machine and machine.group(1) == "handling" and machine.group(2) in HandlingCode.values:
            codes.append(machine.group(2))
    return strictest(*codes) if codes else DEFAULT_HANDLING


def _machine_tags(source: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in getattr(source, "tags", []) or []:
        machine = _MACHINE_TAG.match(str(getattr(tag, "name", "")))
        if machine:
            found[machine.group(1)] = machine.group(2)
    return found


def _report(text: str, handling: str, tags: dict[str, str], source: Any) -> actions.ReportInput:
    grading = _GRADING.match(tags.get("grading", ""))
    reported_on = day_of(getattr(source, "timestamp", None))
    if grading and grading.group(3):
        return actions.ReportInput(text=text, source_evaluation=grading.group(3),
                                   information_assessment=grading.group(4), grading_system=GradingSystem.UK_3X5X2,
                                   uk_handling=grading.group(5), handling_code=handling,
                                   handling_conditions=stated_conditions(handling, grading.group(5)),
                                   reported_on=reported_on)
    return actions.ReportInput(text=text, source_evaluation=grading.group(1) if grading else "X",
                               information_assessment=grading.group(2) if grading else "4",
                               handling_code=handling, handling_conditions=stated_conditions(handling),
                               reported_on=reported_on)


def _note(source_type: str, data: dict[str, Any]) -> str:
    heading = _("MISP %(type)s kept from an import.") % {"type": source_type}
    return f"{heading}\n\n{json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False, default=str)}"[:20_000]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
