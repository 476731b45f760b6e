"""STIX 2.1 markings of WildNet's handling codes, and the deterministic ids of everything WildNet emits.

A receiver (MISP, OpenCTI, a national system) must read the originator's conditions on every object, in the
vocabulary it understands. So each object carries, from the Europol handling codes of the item and of its case
(an item's marking adds to its case's) and from the law-enforcement-only restriction:

* a **statement** marking per code (written by WildNet) with the code's meaning, so no condition is lost in
  translation — H1's "not to be used in judicial proceedings without the provider's permission" among them — and
  one for "law enforcement only";
* one **TLP 2.0** marking for how far the object may travel, as published by OASIS (fixed ids, carried in the
  bundle because STIX 2.1 predefines only TLP 1.0):

  ==============================  ==================  =========================================================
  marking                         TLP 2.0             why
  ==============================  ==================  =========================================================
  H0 or H1                        TLP:GREEN           within the community of mandated agencies, never published
  law enforcement only            TLP:AMBER           law enforcement and regulators, on a need-to-know basis
  H2                              TLP:AMBER+STRICT    not further without the provider's permission
  H3                              TLP:RED             conditions written on the item: the named recipients only
  ==============================  ==================  =========================================================

H1 restricts use in court, not dissemination: its TLP is the one its dissemination calls for.

An H3 case's conditions and the legal basis under which a shared case is read travel as statement markings
of their own. Markings are immutable in STIX, so their ids derive from their text: new text, new marking.

Ids are UUIDv5 in WildNet's namespace over the object's kind and primary key, so a re-export carries the same
ids and the receiver updates rather than duplicates. Cyber observables (url, e-mail, phone…) use instead the
ids STIX 2.1 itself derives from their value (section 2.9), so the same phone number has the same id whoever
exports it.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import stix2

from access.markings import HandlingCode

#: WildNet's own namespace for UUIDv5 ids. Never change it: every id a receiver holds derives from it.
NAMESPACE = uuid.UUID("6b1f7c3e-2a4d-5e0b-9c8f-5d7a1e3b9f20")

#: When WildNet's fixed objects (its identity, extension definitions, handling markings) were defined.
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def stix_id(stix_type: str, *parts: Any) -> str:
    """The deterministic id of a STIX object of ``stix_type`` standing for WildNet's ``parts``."""
    name = ":".join(str(part) for part in (stix_type, *parts))
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, name)}"


#: The platform itself: creator of the handling markings and of the extension definitions.
PLATFORM = stix2.Identity(id=stix_id("identity", "wildnet"), name="WildNet", identity_class="system",
                          description="Inter-agency intelligence on wildlife crime linked to the Internet.",
                          created=EPOCH, modified=EPOCH)

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP_CREATED = datetime.datetime(2022, 10, 1, tzinfo=datetime.UTC)


def _tlp(marking_id: str, level: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(id=marking_id, created=_TLP_CREATED, name=f"TLP:{level.upper()}",
                                   extensions={TLP_EXTENSION: {"extension_type": "property-extension",
                                                               "tlp_2_0": level}})


TLP_GREEN = _tlp("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green")
TLP_AMBER = _tlp("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber")
TLP_AMBER_STRICT = _tlp("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict")
TLP_RED = _tlp("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red")

#: TLP levels, least strict first.
TLP_ORDER = (TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED)

#: The statement each handling code's marking carries (English: the language of the exchange formats).
STATEMENTS: dict[str, str] = {
    HandlingCode.H0: "WildNet handling code H0 (Europol): may be used in judicial proceedings.",
    HandlingCode.H1: "WildNet handling code H1 (Europol): not to be used in judicial proceedings without the "
                     "provider's permission.",
    HandlingCode.H2: "WildNet handling code H2 (Europol): not to be disseminated without the provider's "
                     "permission.",
    HandlingCode.H3: "WildNet handling code H3 (Europol): other restrictions apply, written on the item; read them "
                     "before any use.",
}

#: Strictness of the handling codes, least strict first.
ORDER = (HandlingCode.H0, HandlingCode.H1, HandlingCode.H2, HandlingCode.H3)


def strictest(*codes: str) -> str:
    """The strictest of ``codes``: a claim marked H2 in an H1 case is H2, an H0 report in an H3 case is H3."""
    return max(codes, key=ORDER.index)


def tlp_of(codes: set[str], law_enforcement_only: bool) -> stix2.MarkingDefinition:
    """How far an object marked with ``codes`` may travel, as a TLP 2.0 level."""
    if HandlingCode.H3 in codes:
        return TLP_RED
    if HandlingCode.H2 in codes:
        return TLP_AMBER_STRICT
    return TLP_AMBER if law_enforcement_only else TLP_GREEN


def tlp_rank(obj: Any) -> int:
    """How strict an object's TLP marking is (-1 without one), to keep the stricter of two copies of an object."""
    refs = obj.get("object_marking_refs", [])
    return max((rank for rank, tlp in enumerate(TLP_ORDER) if tlp.id in refs), default=-1)


def _statement(marking_id: str, statement: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(id=marking_id, created=EPOCH, created_by_ref=PLATFORM.id,
                                   definition_type="statement", definition=stix2.StatementMarking(statement))


HANDLING: dict[str, stix2.MarkingDefinition] = {
    code: _statement(stix_id("marking-definition", "handling", code), text) for code, text in STATEMENTS.items()
}

#: The restriction that keeps intelligence among law enforcement, prosecutors and regulators.
LAW_ENFORCEMENT_ONLY = _statement(
    stix_id("marking-definition", "law-enforcement-only"),
    "WildNet: law enforcement only. Not to be released outside law-enforcement, prosecution and regulatory "
    "agencies (no NGO, no online platform).")


#: What a platform reads on the takedown notices it receives over TAXII.
NOTICE = _statement(stix_id("marking-definition", "notice"),
                    "WildNet takedown notice: for the addressed platform's compliance team, to act on and report "
                    "back through WildNet; not for further dissemination.")


def conditions_marking(reference: str, conditions: str) -> stix2.MarkingDefinition:
    """The conditions of an H3 case or item (or a UK 3x5x2 code C report), which every recipient reads: one marking
    per distinct text; ``reference`` names the case, or the item within it."""
    return _statement(stix_id("marking-definition", "conditions", reference, conditions),
                      f"Conditions of {reference} (H3): {conditions}")


def legal_basis_marking(legal_reference: str, legal_basis: str) -> stix2.MarkingDefinition:
    """The legal basis (the recipient's mandate) under which a shared case was read."""
    return _statement(stix_id("marking-definition", "legal-basis", legal_reference, legal_basis),
                      f"Read under {legal_reference}: {legal_basis}")


def handling_markings(*codes: str, law_enforcement_only: bool = False) -> list[stix2.MarkingDefinition]:
    """The markings of an object marked with ``codes`` (its own and its case's): one TLP 2.0 colour, the
    statement of each code, and the law-enforcement-only statement when it applies."""
    distinct = sorted(set(codes), key=ORDER.index)
    found = [tlp_of(set(distinct), law_enforcement_only), *(HANDLING[code] for code in distinct)]
    return [*found, LAW_ENFORCEMENT_ONLY] if law_enforcement_only else found
