"""Identifiers as officers type them: a phone in national format is read in the officer's country, and ``00``
before a country code is the international prefix, when an identifier is added to a case as when it is searched."""

from __future__ import annotations

from typing import Any

import pytest
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases import actions
from cases.identifiers import InvalidIdentifier, normalise_phone
from officers.models import Officer
from sharing.models import Hit


@pytest.mark.parametrize(("typed", "region", "key"), [
    ("0612345678", "FR", "+33612345678"),
    ("06.12.34.56.78", "FR", "+33612345678"),
    ("0033 6 12 34 56 78", "FR", "+33612345678"),
    ("612 345 678", "ES", "+34612345678"),
    ("0033 6 12 34 56 78", None, "+33612345678"),  # no region known: 00 is still the international prefix
    ("0033 6 12 34 56 78", "US", "+33612345678"),  # the US dials abroad with 011, people type 00 all the same
    ("0011 33 6 12 34 56 78", "AU", "+33612345678"),  # a region's own international prefix is kept
])
def test_a_phone_is_read_as_people_type_it(typed: str, region: str | None, key: str) -> None:
    assert normalise_phone(typed, region) == key


@pytest.mark.parametrize(("typed", "region"), [("0612345678", None), ("4500", "FR"), ("00", "FR")])
def test_what_is_no_phone_of_the_region_is_refused(typed: str, region: str | None) -> None:
    with pytest.raises(InvalidIdentifier):
        normalise_phone(typed, region)


def link(username: str, case: Any, value: str, **extra: Any) -> str:
    claim = actions.link_entity(viewer_for(Officer.objects.get(username=username)), case,
                                actions.ClaimInput(kind="phone", value=value, role="seller", **extra))
    return claim.entity.normalised


def test_a_national_number_is_read_in_the_officers_country_whatever_the_cases(make_case: Any) -> None:
    """The officer types the number as their country writes it, even on a case of another jurisdiction."""
    case = make_case("inv.ofb", jurisdictions=["ES"])
    assert link("inv.ofb", case, "06 12 34 56 78") == "+33612345678"
    assert link("inv.seprona", make_case("inv.seprona"), "612 345 678") == "+34612345678"


def test_a_region_given_with_the_number_wins(make_case: Any) -> None:
    assert link("inv.ofb", make_case("inv.ofb"), "612 345 678", region="ES") == "+34612345678"


def test_adding_a_national_number_held_elsewhere_records_a_hit_for_its_holder(make_case: Any) -> None:
    ofb = make_case("inv.ofb")
    link("inv.ofb", ofb, "+33 6 12 34 56 78")
    link("inv.douane", make_case("inv.douane"), "06 12 34 56 78")
    hit = Hit.objects.get()
    assert (hit.case_id, hit.holder_agency.code, hit.officer.username, hit.trigger) == (
        ofb.pk, "fr-ofb", "inv.douane", "record")


def test_the_api_reads_a_national_number_in_the_officers_country(gql: Any, make_case: Any) -> None:
    case = make_case("inv.ofb", jurisdictions=["ES"])
    mutation = """mutation($input: LinkEntityInput!) {
      linkEntity(input: $input) { claim { entity { normalised } } errors { code field } } }"""
    out = gql.login("inv.ofb")(mutation, {"input": {"caseId": to_global_id("Case", case.pk), "kind": "PHONE",
                                                    "value": "06 12 34 56 78", "role": "SELLER"}})["linkEntity"]
    assert out == {"claim": {"entity": {"normalised": "+33612345678"}}, "errors": []}
