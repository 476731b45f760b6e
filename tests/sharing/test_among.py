"""``policy.visible_among``: the rows among given keys that a viewer may see, through a model's ``among``
condition (an entity read through the claims on those keys only). It must answer exactly what ``visible`` answers
for the same keys — grants and refusals alike — and never stand in for a rule registered after it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from access import policy, prepared
from access.policy import Viewer, visible, visible_among
from cases import actions as case_actions
from cases.models import Case, CaseEntity, Entity
from cases.rules import entities as entity_rule

from .conftest import INVESTIGATION, viewer


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    prepared.forget()
    yield
    prepared.forget()


def claim(case: Case, value: str, **kwargs: Any) -> Entity:
    inv = viewer("inv.ofb")
    return case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value=value, **kwargs)).entity


@pytest.fixture
def entities(ofb_case: Case, share: Any) -> dict[str, Entity]:
    """Entities of a shared case (one also claimed in an unshared case, one marked H2 and not released), and of
    an unshared case only."""
    inv = viewer("inv.ofb")
    hidden = case_actions.create_case(inv, case_actions.CaseInput(title="Not shared", jurisdictions=["FR"]))
    found = {
        "shared": claim(ofb_case, "+33611111111"),
        "both": claim(ofb_case, "+33622222222"),
        "h2": claim(ofb_case, "+33633333333", handling_code="H2"),
        "hidden": claim(hidden, "+33644444444"),
    }
    assert claim(hidden, "+33622222222") == found["both"]
    share(ofb_case)
    return found


def same_as_visible(who: Viewer, keys: Any) -> set[int]:
    among = {entity.pk for entity in visible_among(who, Entity, keys)}
    filtered = Entity.objects.filter(pk__any=keys) if isinstance(keys, list) else Entity.objects.filter(pk=keys)
    assert among == {entity.pk for entity in visible(who, filtered)}
    return among


def test_the_recipient_sees_the_shared_entities_and_none_other(entities: dict[str, Entity]) -> None:
    recipient = viewer("inv.oclaesp")
    keys = [entity.pk for entity in entities.values()]
    assert same_as_visible(recipient, keys) == {entities["shared"].pk, entities["both"].pk}
    assert same_as_visible(recipient, entities["shared"].pk) == {entities["shared"].pk}
    assert same_as_visible(recipient, entities["hidden"].pk) == set()  # the refusal, by one key
    assert same_as_visible(recipient, entities["h2"].pk) == set()  # H2 and not released
    assert same_as_visible(recipient, [entities["hidden"].pk, entities["h2"].pk]) == set()


def test_the_owner_sees_its_entities_and_an_outsider_nothing(entities: dict[str, Entity]) -> None:
    keys = [entity.pk for entity in entities.values()]
    assert same_as_visible(viewer("inv.ofb"), keys) == set(keys)
    assert same_as_visible(viewer("inv.oclaesp", purpose="training"), keys) == set()  # no mandate for it
    assert same_as_visible(viewer("inv.ofb", purpose=None), keys) == same_as_visible(viewer("inv.ofb"), keys)


def test_an_inactive_viewer_sees_nothing(entities: dict[str, Entity]) -> None:
    officer = viewer("inv.ofb").officer
    officer.is_active = False
    inactive = policy.viewer_for(officer, purpose="investigation")
    assert list(visible_among(inactive, Entity, [entities["shared"].pk])) == []


def test_a_rule_registered_later_is_applied_not_the_among_condition(entities: dict[str, Entity]) -> None:
    """A later app that narrows ``Entity`` without declaring its own ``among`` is never bypassed."""
    keys = [entity.pk for entity in entities.values()]
    try:
        policy.register_visibility(Entity)(lambda who: entity_rule(who) & ~Q(value="+33611111111"))
        assert {e.pk for e in visible_among(viewer("inv.oclaesp"), Entity, keys)} == {entities["both"].pk}
    finally:
        policy.register_visibility(Entity)(entity_rule)
    assert {e.pk for e in visible_among(viewer("inv.oclaesp"), Entity, keys)} == {
        entities["shared"].pk, entities["both"].pk}  # the original rule again, its ``among`` no longer bound


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the keys travel as an array on PostgreSQL")
def test_the_claims_read_are_those_of_the_keys(entities: dict[str, Entity]) -> None:
    keys = [entities["shared"].pk, entities["hidden"].pk]
    with CaptureQueriesContext(connection) as queries:
        list(visible_among(viewer("inv.oclaesp"), Entity, keys))
    statement = queries.captured_queries[-1]["sql"]
    claims = statement[statement.index('FROM "cases_caseentity"'):]
    assert "entity_id\" = ANY(" in claims


def test_a_page_of_entities_through_graphql_is_the_visible_ones(gql: Any, entities: dict[str, Entity],
                                                              ofb_case: Case) -> None:
    """The loader (``by_id``) behind a claim's entity: the recipient reads the shared case's claims but the H2
    one, and the owner all of them."""
    query = "query($id: ID!) { node(id: $id) { ... on Case { entityLinks { entity { value } } } } }"
    case_id = to_global_id("Case", ofb_case.pk)
    seen = gql.login("inv.oclaesp").post(query, {"id": case_id}, **INVESTIGATION).json()
    values = {c["entity"]["value"] for c in seen["data"]["node"]["entityLinks"]}
    assert values == {"ivory_seller", "+33612345678", "+33611111111", "+33622222222"}
    owner = gql.login("inv.ofb").post(query, {"id": case_id}, **INVESTIGATION).json()
    assert {c["entity"]["value"] for c in owner["data"]["node"]["entityLinks"]} == {
        "ivory_seller", "+33612345678", "+33611111111", "+33622222222", "+33633333333"}
    assert CaseEntity.objects.filter(entity=entities["both"]).count() == 2
