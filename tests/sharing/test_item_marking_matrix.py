"""The authorization matrix for items stricter than their case: reports and claims with a marking of their own.

Europol's handling codes sit on every item, not only on the case. The cells here take the world of
``test_matrix`` (one OFB case with a listing, a claim, a report and evidence, seen by every relation) and mark its
claim and report stricter than the case, in three ways:

* ``h2`` — the claim and the report are H2 ("not to be disseminated without the provider's permission") in a case
  that is not: no recipient reads them (nor the identifier the claim is the only way to) through any read path,
  search and export included, until the owning agency releases them;
* ``h2_released`` — the same, released by OFB's supervisor for the relation's share: every cell is then what the
  case alone gives;
* ``law_enforcement_only`` — the claim and the report are kept among law enforcement in a case that is not: an NGO
  recipient (an NGO analyst under an analysis mandate, ``ngo_recipient``) reads the case and its listing, never
  them; law-enforcement recipients read them as before.

Every relation of the base matrix meets every variant, plus the NGO recipient. The expected outcome of a cell is
the base matrix's, except where the item's own marking hides it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from access.markings import Classification
from access.policy import visible
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case
from mandates.models import Mandate
from officers.models import Officer, Role
from search.backends import get_backend
from sharing import actions
from sharing.models import Share

from .conftest import viewer
from .test_matrix import ABSENT, RELATIONS, Probe, Relation, World, build_world, expected

pytestmark = pytest.mark.django_db

#: The object types whose probes can tell an item's marking apart, and the operations of the base matrix on them.
TYPES: dict[str, tuple[str, ...]] = {
    "case": ("node", "list", "search", "export"),
    "listing": ("node", "list", "search", "export"),
    "entity": ("node", "list", "forward", "search", "export"),
    "claim": ("node", "reverse", "fields", "mutate"),
    "report": ("node", "list", "reverse", "mutate", "search", "export"),
}
PHASES = ("node", "list", "search", "export", "forward", "reverse", "fields", "mutate")
#: What the claim and the report reach: the identifier is visible only through a claim.
ITEMS = {"claim", "report", "entity"}


def ngo_share(world: World) -> None:
    """IFAW gets an analyst and an analysis mandate over France; OFB opens the case to NGOs and shares it."""
    ifaw = Agency.objects.get(code="ngo-ifaw")
    analyst, _ = Officer.objects.get_or_create(
        username="ana.ifaw", defaults={"agency": ifaw, "role": Role.ANALYST, "clearance": Classification.CONFIDENTIAL,
                                       "email": "ana.ifaw@demo.wildnet.invalid"})
    start = timezone.now() - datetime.timedelta(days=1)
    Mandate.objects.get_or_create(
        agency=ifaw, legal_reference="MoU OFB–IFAW (matrix)",
        defaults={"legal_basis": "Memorandum of understanding on open-source analysis", "jurisdictions": ["FR"],
                  "crime_areas": ["online_trade"], "cites_appendices": ["I", "II", "III", "NC"],
                  "purposes": ["analysis"], "max_classification": Classification.CONFIDENTIAL,
                  "valid_from": start, "valid_until": start + datetime.timedelta(days=365),
                  "granted_by": Officer.objects.get(username="coord.fr")})
    inv = viewer("inv.ofb")
    case = Case.objects.get(pk=world.case.pk)
    world.case = case_actions.update_case(inv, case, case.version, {"law_enforcement_only": False})
    world.share = actions.share_case(inv, world.case, actions.ShareInput(
        justification="Open-source analysis", recipient_agency=ifaw, can_contribute=True))
    assert analyst.agency_id == ifaw.pk


RELATIONS_HERE: dict[str, Relation] = {**RELATIONS, "ngo_recipient": Relation("ana.ifaw", ngo_share, "analysis")}


def mark_h2(world: World) -> None:
    inv = viewer("inv.ofb")
    claim = world.claim
    case_actions.update_claim(inv, claim, handling_code="H2", source_reliability=claim.source_reliability,
                              information_credibility=claim.information_credibility, note=claim.note)
    report = world.report
    case_actions.update_report(inv, report, case_actions.ReportInput(
        text=report.text, source_evaluation=report.source_evaluation,
        information_assessment=report.information_assessment, handling_code="H2"))


def mark_h2_released(world: World) -> None:
    """H2 items released by OFB's supervisor, where they may: a supervisor cleared below the case sees neither it
    nor its shares (``owner_supervisor_below``), and that world stays held (``test_item_markings`` pins the
    refusal)."""
    mark_h2(world)
    supervisor = viewer("sup.ofb")
    if world.share is not None and visible(supervisor, Share.objects.filter(pk=world.share.pk)).exists():
        actions.release_items(supervisor, Share.objects.get(pk=world.share.pk), [world.report.pk],
                              [world.claim.pk])


def mark_law_enforcement_only(world: World) -> None:
    inv = viewer("inv.ofb")
    claim = world.claim
    case_actions.update_claim(inv, claim, handling_code=claim.handling_code,
                              source_reliability=claim.source_reliability,
                              information_credibility=claim.information_credibility, note=claim.note,
                              law_enforcement_only=True)
    report = world.report
    case_actions.update_report(inv, report, case_actions.ReportInput(
        text=report.text, source_evaluation=report.source_evaluation,
        information_assessment=report.information_assessment, law_enforcement_only=True))


VARIANTS: dict[str, Callable[[World], None]] = {
    "h2": mark_h2, "h2_released": mark_h2_released, "law_enforcement_only": mark_law_enforcement_only,
}
OWNERS = {"owner_investigator", "owner_supervisor", "owner_analyst_below", "owner_supervisor_below"}


def base(relation: str, object_type: str, operation: str) -> str:
    """The base matrix's outcome; the NGO recipient (with a contributing share) reads as an active recipient."""
    return expected("recipient_active" if relation == "ngo_recipient" else relation, object_type, operation)


def expected_here(variant: str, relation: str, object_type: str, operation: str) -> str:
    outcome = base(relation, object_type, operation)
    hidden = ((variant == "h2" and relation not in OWNERS)
              or (variant == "law_enforcement_only" and relation == "ngo_recipient"))
    if hidden and object_type in ITEMS and operation != "mutate":  # mutations add new items to the case
        return ABSENT
    return outcome


def observe(variant: str, relation: str, gql: Any) -> dict[tuple[str, str], str]:
    world = build_world(relation, RELATIONS_HERE[relation].setup)
    VARIANTS[variant](world)
    backend = get_backend()
    backend.index("case", [world.case.pk])
    backend.index("entity", [world.claim.entity_id])
    backend.index("report", [world.report.pk])
    spec = RELATIONS_HERE[relation]
    gql.login(spec.viewer)
    headers = {"HTTP_X_WILDNET_PURPOSE": spec.purpose} if spec.purpose else {}
    probe = Probe(gql, world, headers)
    return {(object_type, operation): probe.run(object_type, operation)
            for phase in PHASES for object_type, operations in TYPES.items()
            for operation in operations if operation == phase}


_observed: dict[tuple[str, str], dict[tuple[str, str], str]] = {}


@pytest.fixture
def observations(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Callable[[str, str], Any]:
    def get(variant: str, relation: str) -> dict[tuple[str, str], str]:
        key = (variant, relation)
        if key not in _observed:
            request.getfixturevalue("demo")
            settings.MEDIA_ROOT = str(tmp_path / "media")
            _observed[key] = observe(variant, relation, request.getfixturevalue("gql"))
        return _observed[key]

    return get


CELLS = [pytest.param(variant, relation, object_type, operation, id=f"{variant}-{relation}-{object_type}-{operation}")
         for variant in VARIANTS for relation in RELATIONS_HERE
         for object_type, operations in TYPES.items() for operation in operations]


@pytest.mark.parametrize(("variant", "relation", "object_type", "operation"), CELLS)
def test_cell(observations: Callable[[str, str], Any], variant: str, relation: str, object_type: str,
              operation: str) -> None:
    """One cell: an item stricter than its case follows its own marking, for every relation and read path."""
    assert observations(variant, relation)[(object_type, operation)] == expected_here(
        variant, relation, object_type, operation)


def test_the_variants_hide_something_and_release_restores_it() -> None:
    """The specification of this file is not the base matrix restated: H2 hides items from recipients, a release
    gives them back, and the NGO recipient is the only one law-enforcement-only items are kept from."""
    cells = [(r, t, o) for r in RELATIONS_HERE for t, ops in TYPES.items() for o in ops]
    differs = {v: {c for c in cells if expected_here(v, *c) != base(*c)} for v in VARIANTS}
    assert ("recipient_active", "report", "search") in differs["h2"]
    assert ("ngo_recipient", "claim", "node") in differs["h2"]
    assert not differs["h2_released"]
    assert {relation for relation, _, _ in differs["law_enforcement_only"]} == {"ngo_recipient"}
    assert base("ngo_recipient", "case", "node") != ABSENT
