"""The search API: its shape, the policy on every hit, and hits recorded when an identifier is searched."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from graphql_relay import to_global_id

from search.models import SearchEntry
from sharing.models import Hit

from .contract import PHONE, World

INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}

SEARCH = """
query ($q: String, $filters: SearchFiltersInput, $first: Int, $after: String) {
  search(query: $q, filters: $filters, first: $first, after: $after) {
    totalCount nextCursor
    hits { type score highlights { field fragments }
           case { reference } listing { url } entity { normalised } report { id } }
    facets { name values { value count } }
  }
}"""


def search(gql: Any, username: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql.login(username)(SEARCH, variables, **INVESTIGATION)["search"]
    return result


def test_search_returns_policy_checked_objects_highlights_and_facets(gql: Any, indexed: World) -> None:
    result = search(gql, "inv.ofb", q="éléphant", filters={"types": ["LISTING"]})
    assert result["totalCount"] == 1 and result["nextCursor"] is None
    hit = result["hits"][0]
    assert hit["type"] == "LISTING" and hit["listing"] == {"url": indexed.fr.url} and hit["case"] is None
    assert {"field": "title", "fragments": ["Défenses d&#x27;<mark>éléphant</mark>"]} in hit["highlights"]
    facets = {f["name"]: f["values"] for f in result["facets"]}
    assert facets["type"] == [{"value": "listing", "count": 1}]


def test_filters_take_species_global_ids(gql: Any, indexed: World) -> None:
    species = to_global_id("Species", indexed.elephant.pk)
    result = search(gql, "inv.ofb", filters={"types": ["LISTING"], "speciesIds": [species]})
    assert [h["listing"]["url"] for h in result["hits"]] == [indexed.fr.url]


def test_cursor_walks_the_pages(gql: Any, indexed: World) -> None:
    first = search(gql, "inv.ofb", q="ivoire", first=1)
    second = search(gql, "inv.ofb", q="ivoire", first=1, after=first["nextCursor"])
    assert first["totalCount"] == second["totalCount"] == 2
    assert first["hits"] != second["hits"] and second["nextCursor"] is None


@pytest.mark.usefixtures("database_search")
@pytest.mark.parametrize("key", [[1.0, "case", 2**70], [1.0, "case\x00", 1], [1.0, "nope", -1]],
                         ids=["an id beyond 64 bits", "a NUL in the type", "an unknown type"])
def test_a_cursor_whose_key_no_row_can_have_starts_again(gql: Any, indexed: World, key: list[Any]) -> None:
    """The key's values become SQL parameters: one that no column can hold is not ours, as a foreign cursor."""
    after = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    assert search(gql, "inv.ofb", q="ivoire", first=1, after=after) == search(gql, "inv.ofb", q="ivoire", first=1)


def test_other_agencies_see_nothing_and_counts_reveal_nothing(gql: Any, indexed: World) -> None:
    result = search(gql, "inv.seprona", q="ivoire")
    assert result == {"totalCount": 0, "nextCursor": None, "hits": [],
                      "facets": [{"name": n, "values": []}
                                 for n in ("type", "platform", "country", "cites_appendix", "status", "species")]}


@pytest.mark.usefixtures("database_search")
def test_a_stale_index_entry_shows_no_object(gql: Any, indexed: World) -> None:
    """An index entry pointing at a row that is gone (the outbox not drained yet) resolves to nothing."""
    SearchEntry.objects.create(doc_type="listing", doc_id=indexed.en.pk + 1000, body="ghost")
    assert search(gql, "inv.ofb", q="ghost")["hits"] == []


def test_searching_a_hidden_identifier_records_a_hit_and_shows_nothing(gql: Any, indexed: World) -> None:
    result = search(gql, "inv.seprona", q="+33 6 12 34 56 78")
    assert result["totalCount"] == 0 and result["hits"] == []
    hit = Hit.objects.get()
    assert (hit.entity.normalised, hit.case_id, hit.trigger) == (PHONE, indexed.case.pk, "search")


def test_searching_an_identifier_one_may_see_records_no_hit(gql: Any, indexed: World) -> None:
    result = search(gql, "inv.ofb", q=PHONE)
    assert [h["entity"] for h in result["hits"]] == [{"normalised": PHONE}]
    assert not Hit.objects.exists()


@pytest.mark.parametrize("typed", ["0612345678", "06.12.34.56.78", "0033 6 12 34 56 78"])
def test_a_french_officer_finds_a_phone_as_they_type_it(gql: Any, indexed: World, typed: str) -> None:
    assert [h["entity"] for h in search(gql, "inv.ofb", q=typed)["hits"]] == [{"normalised": PHONE}]


@pytest.mark.parametrize("typed", ["0612345678", "06.12.34.56.78", "0033 6 12 34 56 78"])
def test_a_national_number_held_elsewhere_records_a_hit(gql: Any, indexed: World, typed: str) -> None:
    result = search(gql, "inv.douane", q=typed)
    assert result["totalCount"] == 0 and result["hits"] == []
    hit = Hit.objects.get()
    assert (hit.entity.normalised, hit.case_id, hit.trigger) == (PHONE, indexed.case.pk, "search")


HELD = """query ($q: String) { search(query: $q) {
  totalCount heldElsewhere { id kind trigger holderAgency { code } searcher searcherAgency case { reference } } } }"""


def test_a_search_names_the_agencies_holding_what_it_found_elsewhere_and_nothing_more(gql: Any,
                                                                                      indexed: World) -> None:
    """The notice is the hit as its searcher sees it: the holding agency and the kind; no case, no value."""
    for _ in range(2):  # the same search again the same day: the same hit, still shown
        found = gql.login("inv.douane")(HELD, {"q": "06 12 34 56 78"}, **INVESTIGATION)["search"]
        assert found == {"totalCount": 0, "heldElsewhere": [
            {"id": to_global_id("Hit", Hit.objects.get().pk), "kind": "phone", "trigger": "SEARCH",
             "holderAgency": {"code": "fr-ofb"}, "searcher": None, "searcherAgency": None, "case": None}]}


def test_no_notice_for_ones_own_intelligence_or_a_text_that_names_no_identifier(gql: Any, indexed: World) -> None:
    assert gql.login("inv.ofb")(HELD, {"q": "06 12 34 56 78"}, **INVESTIGATION)["search"]["heldElsewhere"] == []
    assert gql.login("inv.douane")(HELD, {"q": "ivoire"}, **INVESTIGATION)["search"]["heldElsewhere"] == []
    assert not Hit.objects.exists()


def test_a_notice_lists_only_the_searchers_own_hits(gql: Any, indexed: World) -> None:
    """sup.ofb (who sees the hits on OFB's intelligence) searching the same number gets no notice of others'."""
    gql.login("inv.douane")(HELD, {"q": PHONE}, **INVESTIGATION)
    assert gql.login("sup.ofb")(HELD, {"q": PHONE}, **INVESTIGATION)["search"]["heldElsewhere"] == []
    theirs = gql.login("sup.ofb")(HELD, {"q": "06 98 76 54 32"}, **INVESTIGATION)["search"]["heldElsewhere"]
    assert [(n["holderAgency"]["code"], n["kind"]) for n in theirs] == [("fr-oclaesp", "phone")]


def test_the_notices_cost_the_same_statements_however_many_agencies_hold_the_identifier(
        gql: Any, indexed: World) -> None:
    """Selecting ``heldElsewhere`` adds its hits, their holders and their cases (null here: the holder's side),
    three statements, for one holder as for three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import actions as case_actions

    from .contract import viewer

    def notice_cost() -> tuple[int, int]:
        client = gql.login("inv.ofb")
        client(HELD, {"q": "06 98 76 54 32"}, **INVESTIGATION)  # records the hits (and warms the caches)
        with CaptureQueriesContext(connection) as without:
            client("query ($q: String) { search(query: $q) { totalCount } }", {"q": "06 98 76 54 32"},
                   **INVESTIGATION)
        with CaptureQueriesContext(connection) as selected:
            notices = client(HELD, {"q": "06 98 76 54 32"}, **INVESTIGATION)["search"]["heldElsewhere"]
        return len(notices), len(selected) - len(without)

    assert notice_cost() == (1, 3)
    for username in ("inv.douane", "inv.seprona"):
        holder = viewer(username)
        case = case_actions.create_case(holder, case_actions.CaseInput(title="Same phone", jurisdictions=["FR"]))
        case_actions.link_entity(holder, case, case_actions.ClaimInput(kind="phone", value="+33698765432"))
    assert notice_cost() == (3, 3)


def test_trends_and_top_keywords(gql: Any, indexed: World) -> None:
    data = gql.login("inv.ofb")("""{ trends(groupBy: PLATFORM, interval: MONTH) { key group count }
                                    topKeywords(size: 50) { value count } }""", **INVESTIGATION)
    assert {b["group"]: b["count"] for b in data["trends"]} == {"pf-leboncoin": 2, "pf-wallapop": 1}
    assert {"value": "ivory", "count": 1} in data["topKeywords"]  # listings, not occurrences


def test_listing_facts_and_platform_kinds_filter_through_the_api(gql: Any, indexed: World) -> None:
    def urls(filters: dict[str, Any], username: str = "inv.ofb") -> set[str]:
        return {hit["listing"]["url"] for hit in search(gql, username, filters=filters, first=100)["hits"]}

    assert urls({"specimenType": ["PART"]}) == {indexed.fr.url, indexed.es.url}
    assert urls({"specimenType": "UNKNOWN"}) == {indexed.en.url}  # one value stands for a list of one
    assert urls({"claimedLegality": ["CITES_PERMIT"], "legalityVerified": ["VERIFIED_FALSE"]}) == {indexed.es.url}
    assert urls({"types": ["LISTING"], "platformKind": ["CLASSIFIED_ADS"]}) == {
        indexed.fr.url, indexed.es.url, indexed.en.url}
    antique = {"claimedLegality": ["ANTIQUE"]}
    assert urls(antique) == {indexed.fr.url}  # not OCLAESP's antique ivory
    assert urls(antique, "inv.oclaesp") == {"https://www.leboncoin.fr/ad/9"}  # nor OFB's, the other way round


def test_trends_by_the_listing_facts(gql: Any, indexed: World) -> None:
    data = gql.login("inv.ofb")("""{ specimen: trends(groupBy: SPECIMEN_TYPE) { group count }
      claims: trends(groupBy: CLAIMED_LEGALITY, filters: {platformKind: [CLASSIFIED_ADS]}) { group count }
      kinds: trends(groupBy: PLATFORM_KIND) { group count } }""", **INVESTIGATION)
    assert {b["group"]: b["count"] for b in data["specimen"]} == {"part": 2, "": 1}
    assert {b["group"]: b["count"] for b in data["claims"]} == {"antique": 1, "cites_permit": 1, "none": 1}
    assert {b["group"]: b["count"] for b in data["kinds"]} == {"classified_ads": 3}


def test_anonymous_search_is_refused_or_empty(client: Any, indexed: World) -> None:
    response = client.post("/graphql/", data={"query": '{ search(query: "ivoire") { totalCount } }'},
                           content_type="application/json")
    body = response.json()
    assert "errors" in body or body["data"]["search"]["totalCount"] == 0


def test_the_number_of_queries_does_not_grow_with_the_page(gql: Any, indexed: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import actions as case_actions
    from outbox.actions import deliver_due

    from .contract import viewer

    def queries_for(first: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = search(gql, "inv.ofb", q="lot", first=first, filters={"types": ["LISTING"]})
        assert len(result["hits"]) == first and all(h["listing"]["url"] for h in result["hits"])
        return len(captured)

    for n in range(12):
        case_actions.add_listing(viewer("inv.ofb"), indexed.case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/lot-{n}", title=f"Lot {n}"))
    deliver_due(limit=1000)
    queries_for(1)  # warm the per-process caches (species names, session)
    assert queries_for(1) == queries_for(10)


@pytest.mark.usefixtures("database_search")
@pytest.mark.parametrize("extra", [0, 40])
def test_a_search_request_is_two_statements_on_the_database_backend(gql: Any, indexed: World, extra: int,
                                                                      django_assert_num_queries: Any) -> None:
    """The whole request, on the database backend, few matches or many: the session with its officer and their
    agency's mandates in force, and the search — page, texts to highlight, total, facets, the hits' objects, the
    identifiers the text may be (for hits) and the species tables' fingerprint (the matcher's freshness check),
    in one statement. The hits' objects are the rows the policy let the statement read: none is loaded again."""
    from cases import actions as case_actions
    from outbox.actions import deliver_due

    from .contract import viewer

    for n in range(extra):
        case_actions.add_listing(viewer("inv.ofb"), indexed.case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/lot-{n}", title=f"Ivoire lot {n}"))
    deliver_due(limit=1000)
    client = gql.login("inv.ofb")
    search(gql, "inv.ofb", q="ivoire")  # warms the per-process caches (species names, pg_trgm)
    with django_assert_num_queries(1 + 1):
        result = client(SEARCH, {"q": "ivoire", "first": 100}, **INVESTIGATION)["search"]
    assert result["totalCount"] == 2 + extra and len(result["hits"]) == 2 + extra
    assert {h["type"] for h in result["hits"]} == {"CASE", "LISTING"}
    assert all((h["case"] or h["listing"]) for h in result["hits"])
    with django_assert_num_queries(1 + 1):  # every type of hit, an empty text matching every visible document
        result = client(SEARCH, {"q": "", "first": 100}, **INVESTIGATION)["search"]
    assert {h["type"] for h in result["hits"]} == {"CASE", "LISTING", "ENTITY", "REPORT"}
    assert all(h["case"] or h["listing"] or h["entity"] or h["report"] for h in result["hits"])


@pytest.mark.usefixtures("database_search")
def test_a_facet_counted_over_the_best_matches_only_says_it_is_incomplete(
        gql: Any, indexed: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``complete`` is false for the facets counted over the best-ranked matches only (each count a minimum),
    never for ``type``, and true for every facet when every match was counted."""
    from search.backends import statement

    def completeness() -> dict[str, bool]:
        facets = gql.login("inv.ofb")("{ search(filters: {types: [LISTING]}) { facets { name complete } } }",
                                      **INVESTIGATION)["search"]["facets"]
        return {facet["name"]: facet["complete"] for facet in facets}

    assert completeness() == dict.fromkeys(["type", "platform", "country", "cites_appendix", "status", "species"],
                                           True)
    monkeypatch.setattr(statement, "FACET_SAMPLE", 1)  # 3 visible listings: their facets count the best one
    assert completeness() == {"type": True, "platform": False, "country": False, "cites_appendix": False,
                              "status": False, "species": False}
