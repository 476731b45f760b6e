"""The search page's listing-fact and platform-kind filters: every value offered, checked ones kept, the same
parameters as the CSV export, and nothing of another agency's listings."""

from __future__ import annotations

import re

from tests.console.test_search_identifiers import searcher


def listing_titles(page: str) -> set[str]:
    section = re.search(r'<section aria-labelledby="results-LISTING">.*?</section>', page, re.S)
    return set(re.findall(r'target="_blank">([^<]+)</a>', section.group(0))) if section else set()


def test_every_fact_is_offered_before_any_search(world: None) -> None:
    page = searcher("inv.ofb").get("/search/").content.decode()
    for value in ("unknown", "live", "part", "derivative"):
        assert f'name="specimen_type" value="{value}"' in page
    assert 'name="claimed_legality" value="eu_certificate"' in page
    assert 'name="legality_verified" value="false"' in page and "Verified false" in page
    assert 'name="platform_kind" value="classified_ads"' in page


def test_a_fact_keeps_the_listings_that_have_it(world: None) -> None:
    response = searcher("inv.ofb").get("/search/", {"q": "ivoire", "specimen_type": "part"})
    page = response.content.decode()
    assert response.status_code == 200
    assert listing_titles(page) == {"Paire de défenses montées"}
    assert 'results-CASE' not in page  # a fact keeps listings only
    assert re.search(r'value="part" id="[^"]+" checked', page)
    assert "specimen_type=part" in page  # the export link repeats the filter


def test_a_claim_found_false_is_shown_with_its_verdict(world: None) -> None:
    page = searcher("inv.ofb").get("/search/", {"legality_verified": "false"}).content.decode()
    assert listing_titles(page) == {"Défense sculptée scène de chasse"}
    assert "EU certificate (Article 10) (Verified false)" in page


def test_another_agencys_listings_stay_out(world: None) -> None:
    page = searcher("inv.ofb").get("/search/", {"claimed_legality": "captive_bred"}).content.decode()
    assert listing_titles(page) == set()  # SEPRONA's ringed parrot and the Belgian python are not OFB's
    theirs = searcher("inv.seprona").get("/search/", {"claimed_legality": "captive_bred"}).content.decode()
    assert listing_titles(theirs) == {"Loro gris con jaula"}


def test_a_value_not_offered_searches_nothing(world: None) -> None:
    page = searcher("inv.ofb").get("/search/", {"specimen_type": "egg"}).content.decode()
    assert "Choose among the values offered." in page
    assert listing_titles(page) == set()
