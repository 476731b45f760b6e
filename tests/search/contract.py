"""The behaviour every search backend must have (Wagtail's one-mixin-per-backend pattern).

A backend's test class mixes in :class:`SearchContract`, provides a ``backend`` fixture and implements
``reindex()`` (make everything written so far searchable). Nothing here knows how a backend stores its index.

The world: OFB (inv.ofb) holds a French ivory case with listings in French, Spanish and English, a phone claim and
an informant report; OCLAESP (inv.oclaesp) holds its own pangolin case that OFB cannot see, with the same words.
The listings record their facts: the French tusks are a part claimed antique, the Spanish ones a part under a CITES
permit found false, the English advert states nothing; OCLAESP's listing is a part claimed antique too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from access.policy import Viewer, viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case, Entity, Listing, Species
from officers.models import Officer
from search.backends.base import SearchBackend, SearchFilters, SearchQuery
from sharing import actions as sharing_actions
from sharing.models import Share

PHONE = "+33612345678"


def viewer(username: str) -> Viewer:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose="investigation")


@dataclass
class World:
    case: Case
    hidden: Case
    fr: Listing
    es: Listing
    en: Listing
    elephant: Species

    def share(self, **redactions: bool) -> Share:
        data = sharing_actions.ShareInput(justification="Joint investigation", **redactions)
        data.recipient_agency = Agency.objects.get(code="fr-oclaesp")
        return sharing_actions.share_case(viewer("inv.ofb"), self.case, data)


def build_world() -> World:
    """The world of the module docstring; call it with the demo agencies and officers loaded."""
    elephant = Species.objects.create(scientific_name="Loxodonta africana", cites_listing="I/II",
                                      cites_appendices=["I", "II"], group="elephants", genus="Loxodonta")
    elephant.names.create(name="African elephant", language="en", kind="common")
    elephant.names.create(name="elefante africano", language="es", kind="common")
    inv = viewer("inv.ofb")
    leboncoin = Agency.objects.get(code="pf-leboncoin").pk
    wallapop = Agency.objects.get(code="pf-wallapop").pk
    case = case_actions.create_case(inv, case_actions.CaseInput(
        title="Ivoire sur leboncoin", jurisdictions=["FR"], summary="Vente de défenses",
        modus_operandi="Annonces répétées sous plusieurs comptes"))

    def listing(url: str, title: str, text: str, platform: int, **extra: Any) -> Listing:
        data = case_actions.ListingInput(url=url, title=title, text=text, platform_id=platform, **extra)
        return case_actions.add_listing(inv, case, data)[0]

    fr = listing("https://www.leboncoin.fr/ad/1", "Défenses d'éléphant", "Belles défenses en ivoire #ivoire",
                 leboncoin, species_ids=[elephant.pk], specimen_type="part", specimen_count=2,
                 claimed_legality="antique")
    es = listing("https://es.wallapop.com/item/2", "Colmillos de elefante", "Marfil auténtico #marfil",
                 wallapop, specimen_type="part", claimed_legality="cites_permit", legality_reference="ES-23-00123")
    case_actions.update_listing(inv, es, {"legality_verified": "false"})
    en = listing("https://www.leboncoin.fr/ad/3", "Ivory tusks for sale", "Genuine ivory, removed listing",
                 leboncoin, status="removed")
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value=PHONE, role="seller"))
    case_actions.add_report(inv, case, case_actions.ReportInput(
        text="Informant: the courier drives a grey van", source_evaluation="B", information_assessment="2",
        handling_code="H1"))
    other = viewer("inv.oclaesp")
    hidden = case_actions.create_case(other, case_actions.CaseInput(title="Ivoire et pangolins",
                                                                     jurisdictions=["FR"]))
    case_actions.add_listing(other, hidden, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/9", title="Ivoire brut", text="#ivoire #pangolin", platform_id=leboncoin,
        specimen_type="part", claimed_legality="antique"))
    case_actions.link_entity(other, hidden, case_actions.ClaimInput(kind="phone", value="+33698765432"))
    return World(case=case, hidden=hidden, fr=fr, es=es, en=en, elephant=elephant)


class SearchContract:
    """Mix into a test class that defines a ``backend`` fixture and ``reindex()``."""

    def reindex(self) -> None:
        raise NotImplementedError

    def search(self, backend: SearchBackend, username: str, text: str = "", **kwargs: Any) -> Any:
        filters = kwargs.pop("filters", SearchFilters())
        return backend.search(viewer(username), SearchQuery(text=text, filters=filters, **kwargs))

    def found(self, backend: SearchBackend, username: str, text: str = "", **kwargs: Any) -> set[tuple[str, int]]:
        return {(hit.type, hit.id) for hit in self.search(backend, username, text, first=100, **kwargs).hits}

    @pytest.fixture
    def world(self, demo: Any) -> World:
        built = build_world()
        self.reindex()
        return built

    # --- full text -----------------------------------------------------------------------------------------

    def test_french_text_matches_with_or_without_accents(self, backend: SearchBackend, world: World) -> None:
        for text in ("éléphant", "elephant", "ELEPHANT", "défenses"):
            assert ("listing", world.fr.pk) in self.found(backend, "inv.ofb", text), text

    def test_spanish_and_english_text_match(self, backend: SearchBackend, world: World) -> None:
        assert ("listing", world.es.pk) in self.found(backend, "inv.ofb", "colmillos marfil")
        assert ("listing", world.en.pk) in self.found(backend, "inv.ofb", "ivory tusks")

    def test_every_word_must_occur(self, backend: SearchBackend, world: World) -> None:
        assert ("listing", world.en.pk) not in self.found(backend, "inv.ofb", "ivory colmillos")

    def test_phrase_matches_words_in_order(self, backend: SearchBackend, world: World) -> None:
        assert ("listing", world.en.pk) in self.found(backend, "inv.ofb", '"ivory tusks"')
        assert ("listing", world.en.pk) not in self.found(backend, "inv.ofb", '"tusks ivory"')

    def test_misspelt_species_name_finds_listings_of_that_species(self, backend: SearchBackend,
                                                                   world: World) -> None:
        found = self.found(backend, "inv.ofb", "Loxodonta africanna")
        assert ("listing", world.fr.pk) in found
        assert ("listing", world.es.pk) not in found

    def test_an_ordinary_word_adds_no_species(self, backend: SearchBackend, world: World) -> None:
        """Ordinary words never become a species (the listing's own text has none of them); a name does. A word
        of the species' name ("african") may still find the listing by the names the document carries."""
        for text in ("south", "feather", "approx"):
            assert ("listing", world.fr.pk) not in self.found(backend, "inv.ofb", text), text
        assert ("listing", world.fr.pk) in self.found(backend, "inv.ofb", "african elephant")

    def test_case_fields_are_searched(self, backend: SearchBackend, world: World) -> None:
        assert ("case", world.case.pk) in self.found(backend, "inv.ofb", world.case.reference)
        assert ("case", world.case.pk) in self.found(backend, "inv.ofb", "comptes")

    def test_highlights_mark_matched_words_and_escape_html(self, backend: SearchBackend, world: World) -> None:
        result = self.search(backend, "inv.ofb", "elephant", filters=SearchFilters(types=frozenset({"listing"})))
        hit = next(h for h in result.hits if h.id == world.fr.pk)
        assert hit.highlights["title"] == ["Défenses d&#x27;<mark>éléphant</mark>"], hit.highlights

    # --- filters, facets, totals, pagination ---------------------------------------------------------------

    def test_filters_narrow_by_type_platform_and_status(self, backend: SearchBackend, world: World) -> None:
        listings = frozenset({"listing"})
        assert self.found(backend, "inv.ofb", "ivoire", filters=SearchFilters(types=listings)) == {
            ("listing", world.fr.pk)}
        on_wallapop = SearchFilters(types=listings, platform_codes=frozenset({"pf-wallapop"}))
        assert self.found(backend, "inv.ofb", filters=on_wallapop) == {("listing", world.es.pk)}
        removed = SearchFilters(types=listings, statuses=frozenset({"removed"}))
        assert self.found(backend, "inv.ofb", filters=removed) == {("listing", world.en.pk)}

    def test_total_and_facets_count_only_visible_documents(self, backend: SearchBackend, world: World) -> None:
        result = self.search(backend, "inv.ofb", "ivoire")
        assert result.total == 2  # OFB's case and its French listing; OCLAESP's case and listing stay unseen
        facets = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
        assert facets["type"] == {"case": 1, "listing": 1}
        assert facets["platform"] == {"pf-leboncoin": 1}
        assert facets["species"] == {"Loxodonta africana": 2}  # the listing's species is the case's too

    def test_cursor_pages_cover_every_hit_once(self, backend: SearchBackend, world: World) -> None:
        everything = self.search(backend, "inv.ofb", first=100)
        seen: list[tuple[str, int]] = []
        after = None
        while True:
            page = self.search(backend, "inv.ofb", first=2, after=after)
            seen += [(h.type, h.id) for h in page.hits]
            if page.next_cursor is None:
                break
            after = page.next_cursor
        assert len(seen) == len(set(seen)) == everything.total
        assert set(seen) == {(h.type, h.id) for h in everything.hits}

    # --- access --------------------------------------------------------------------------------------------

    def test_nothing_of_another_agency_matches(self, backend: SearchBackend, world: World) -> None:
        found = self.found(backend, "inv.ofb", "pangolin")
        assert found == set()
        assert ("case", world.hidden.pk) in self.found(backend, "inv.oclaesp", "pangolins")

    def test_another_agencys_case_is_absent_from_hits_totals_and_facets(self, backend: SearchBackend,
                                                                       world: World) -> None:
        """OCLAESP's case and listing say "ivoire" in France too: for OFB they are not there at all, not in the
        hits, the total or any facet, even when OFB filters on OCLAESP; OCLAESP's own search counts them."""
        seen = self.search(backend, "inv.ofb", "ivoire", first=100)
        assert {(h.type, h.id) for h in seen.hits} == {("case", world.case.pk), ("listing", world.fr.pk)}
        assert seen.total == 2
        facets = {name: {v.value: v.count for v in values} for name, values in seen.facets.items()}
        assert (facets["type"], facets["country"]) == ({"case": 1, "listing": 1}, {"FR": 2})
        assert facets["platform"] == {"pf-leboncoin": 1}
        theirs = self.search(backend, "inv.ofb", "ivoire", filters=SearchFilters(
            agency_codes=frozenset({"fr-oclaesp"})))
        assert (theirs.total, theirs.hits, {name: v for name, v in theirs.facets.items() if v}) == (0, [], {})
        control = self.search(backend, "inv.oclaesp", "ivoire", first=100)
        assert {("case", world.hidden.pk), ("listing", world.fr.pk)} & {(h.type, h.id) for h in control.hits} == {
            ("case", world.hidden.pk)}
        assert {v.value: v.count for v in control.facets["country"]}["FR"] == control.total >= 2

    def test_a_phone_in_a_redacted_claim_is_no_search_oracle(self, backend: SearchBackend, world: World) -> None:
        world.share(redact_personal_data=True)
        self.reindex()
        assert ("case", world.case.pk) in self.found(backend, "inv.oclaesp", "ivoire")
        for text in (PHONE, "33612345678"):
            assert not any(t == "entity" for t, _ in self.found(backend, "inv.oclaesp", text))
            assert self.search(backend, "inv.oclaesp", text, filters=SearchFilters(
                types=frozenset({"entity"}))).total == 0
        assert any(t == "entity" for t, _ in self.found(backend, "inv.ofb", PHONE))

    def test_a_report_is_not_searchable_when_sources_are_redacted(self, backend: SearchBackend,
                                                                  world: World) -> None:
        world.share(redact_sources=True)
        self.reindex()
        assert self.found(backend, "inv.oclaesp", "courier") == set()
        assert {t for t, _ in self.found(backend, "inv.ofb", "courier")} == {"report"}

    def test_revoking_a_share_stops_matching_at_once(self, backend: SearchBackend, world: World) -> None:
        granted = world.share()
        self.reindex()
        assert ("case", world.case.pk) in self.found(backend, "inv.oclaesp", "défenses")
        sharing_actions.revoke_share(viewer("sup.ofb"), granted, "Case closed")
        assert self.found(backend, "inv.oclaesp", "défenses") == set()

    def test_entities_match_only_through_visible_claims(self, backend: SearchBackend, world: World) -> None:
        assert self.found(backend, "inv.seprona", PHONE) == set()
        assert self.found(backend, "inv.ofb", "+33698765432") == set()
        assert {t for t, _ in self.found(backend, "inv.oclaesp", "+33698765432")} == {"entity"}

    def test_a_viewer_without_intelligence_roles_finds_nothing(self, backend: SearchBackend,
                                                               world: World) -> None:
        for username in ("pf.leboncoin", "sysadmin", "coord.fr"):
            result = self.search(backend, username, "ivoire")
            assert (result.total, result.hits) == (0, []), username

    # --- identifiers as people type them ---------------------------------------------------------------------

    @pytest.mark.parametrize("typed", ["0612345678", "06.12.34.56.78", "06 12 34 56 78", "0033 6 12 34 56 78",
                                       "+33 6 12 34 56 78", PHONE])
    def test_a_phone_is_found_however_a_french_officer_types_it(self, backend: SearchBackend, world: World,
                                                               typed: str) -> None:
        phone = Entity.objects.get(normalised=PHONE)
        assert ("entity", phone.pk) in self.found(backend, "inv.ofb", typed)

    def test_a_national_number_is_read_in_the_searchers_country(self, backend: SearchBackend, world: World) -> None:
        seprona = viewer("inv.seprona")
        parrots = case_actions.create_case(seprona, case_actions.CaseInput(title="Loros", jurisdictions=["ES"]))
        case_actions.link_entity(seprona, parrots, case_actions.ClaimInput(kind="phone", value="+34 612 34 56 78"))
        self.reindex()
        spanish, french = (Entity.objects.get(normalised=key).pk for key in ("+34612345678", PHONE))
        assert {hit for hit in self.found(backend, "inv.seprona", "612345678") if hit[0] == "entity"} == {
            ("entity", spanish)}
        assert {hit for hit in self.found(backend, "inv.ofb", "612345678") if hit[0] == "entity"} == {
            ("entity", french)}

    def test_an_account_is_found_by_its_handle_and_a_handle_is_no_pattern(self, backend: SearchBackend,
                                                                        world: World) -> None:
        """An account keyed ``platform:handle`` is found by the handle as typed; ``_`` and ``%`` in a handle are
        characters, not wildcards that would find other accounts."""
        inv, leboncoin = viewer("inv.ofb"), Agency.objects.get(code="pf-leboncoin").pk
        for handle in ("ivory_trader", "ivoryxtrader", "50%off", "50percentoff"):
            case_actions.link_entity(inv, world.case, case_actions.ClaimInput(
                kind="online_account", value=handle, platform_id=leboncoin))
        self.reindex()
        accounts = dict(Entity.objects.filter(kind="online_account").values_list("normalised", "pk"))

        def entities(text: str) -> set[int]:
            return {pk for kind, pk in self.found(backend, "inv.ofb", text) if kind == "entity"}

        assert entities("@ivory_trader") == {accounts["pf-leboncoin:ivory_trader"]}
        assert entities("@50%off") == {accounts["pf-leboncoin:50%off"]}
        assert entities("@IvoryXTrader") == {accounts["pf-leboncoin:ivoryxtrader"]}

    def test_a_number_that_is_no_phone_stays_a_word_search(self, backend: SearchBackend, world: World) -> None:
        heavy = case_actions.add_listing(viewer("inv.ofb"), world.case, case_actions.ListingInput(
            url="https://www.leboncoin.fr/ad/4", title="Défense de 4500 grammes"))[0]
        self.reindex()
        assert self.found(backend, "inv.ofb", "4500") == {("listing", heavy.pk)}

    # --- listing facts and platform kinds --------------------------------------------------------------------

    def test_listing_facts_filter_listings_only(self, backend: SearchBackend, world: World) -> None:
        """A filter on a listing fact keeps the visible listings that have it, and nothing of another type."""
        fr, es, en = ("listing", world.fr.pk), ("listing", world.es.pk), ("listing", world.en.pk)
        assert self.found(backend, "inv.ofb", filters=SearchFilters(specimen_types=frozenset({"part"}))) == {fr, es}
        assert self.found(backend, "inv.ofb", filters=SearchFilters(specimen_types=frozenset({""}))) == {en}
        antique = SearchFilters(claimed_legalities=frozenset({"antique"}))
        assert self.found(backend, "inv.ofb", "ivoire", filters=antique) == {fr}  # not OCLAESP's antique ivory
        claimed = SearchFilters(claimed_legalities=frozenset({"antique", "cites_permit"}))
        assert self.found(backend, "inv.ofb", filters=claimed) == {fr, es}
        false = SearchFilters(legality_verifications=frozenset({"false"}))
        assert self.found(backend, "inv.ofb", filters=false) == {es}
        assert self.search(backend, "inv.ofb", filters=false).total == 1
        unchecked = SearchFilters(types=frozenset({"case", "listing"}),
                                  legality_verifications=frozenset({"not_checked"}))
        assert self.found(backend, "inv.ofb", filters=unchecked) == {fr, en}

    def test_platform_kind_filters_and_follows_a_change_of_kind(self, backend: SearchBackend, world: World) -> None:
        fr, es, en = ("listing", world.fr.pk), ("listing", world.es.pk), ("listing", world.en.pk)
        classified = SearchFilters(types=frozenset({"listing"}), platform_kinds=frozenset({"classified_ads"}))
        assert self.found(backend, "inv.ofb", filters=classified) == {fr, es, en}
        wallapop = Agency.objects.get(code="pf-wallapop")
        wallapop.platform_kind = "marketplace"
        wallapop.save()
        self.reindex()
        marketplace = SearchFilters(platform_kinds=frozenset({"marketplace"}))
        assert self.found(backend, "inv.ofb", filters=marketplace) == {es}
        assert self.found(backend, "inv.ofb", filters=classified) == {fr, en}

    def test_trends_by_listing_facts_and_platform_kind(self, backend: SearchBackend, world: World) -> None:
        def groups(group_by: str, filters: SearchFilters | None = None) -> dict[str, int]:
            buckets = backend.trends(viewer("inv.ofb"), group_by=group_by, interval="month",
                                     filters=filters or SearchFilters())
            return {b.group: b.count for b in buckets}

        assert groups("specimen_type") == {"part": 2, "": 1}
        assert groups("claimed_legality") == {"antique": 1, "cites_permit": 1, "none": 1}  # not OCLAESP's
        assert groups("platform_kind") == {"classified_ads": 3}
        assert groups("specimen_type", SearchFilters(legality_verifications=frozenset({"false"}))) == {"part": 1}
        assert backend.trends(viewer("pf.leboncoin"), group_by="claimed_legality", interval="month",
                              filters=SearchFilters()) == []

    # --- trends and keywords -------------------------------------------------------------------------------

    def test_trends_count_only_visible_listings(self, backend: SearchBackend, world: World) -> None:
        buckets = backend.trends(viewer("inv.ofb"), group_by="platform", interval="month", filters=SearchFilters())
        assert {b.group: b.count for b in buckets} == {"pf-leboncoin": 2, "pf-wallapop": 1}
        by_country = backend.trends(viewer("inv.ofb"), group_by="country", interval="day", filters=SearchFilters())
        assert sum(b.count for b in by_country) == 3
        assert backend.trends(viewer("pf.leboncoin"), group_by="platform", interval="week",
                              filters=SearchFilters()) == []

    def test_top_keywords_count_only_visible_listings(self, backend: SearchBackend, world: World) -> None:
        keywords = {k.value: k.count for k in backend.top_keywords(viewer("inv.ofb"), filters=SearchFilters())}
        assert keywords["#ivoire"] == 1  # OCLAESP's "#ivoire" is not counted
        assert keywords["ivoire"] == 1  # the word of a hashtag is a word too; one listing has both
        assert keywords["ivory"] == 1  # listings, not occurrences: the English advert says it twice
        assert "#pangolin" not in keywords
        assert "de" not in keywords
