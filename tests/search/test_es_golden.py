"""Golden request bodies of the Elasticsearch backend: every query shape, every mapping, pinned byte for byte,
and each one accepted by a real node.

The backend must send exactly the request we reviewed: ``build_search(...).to_dict()`` (and the index definitions,
and a built document's access fields) must equal the JSON committed under ``tests/search/golden/``. With a node
(``ELASTICSEARCH_URL``, CI's third pass) every golden body is also sent to it once, as what it is (an index
created from each definition, each search run on the four aliases, each watch query stored in the percolator, the
document indexed), so a body the engine would refuse cannot be pinned. A change of query shape fails here until
the golden is regenerated on purpose and the diff reviewed:

    WILDNET_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/search/test_es_golden.py

Stable ids. Database ids differ between SQLite and PostgreSQL runs (sequences do not roll back), so bodies are
normalised before comparison: agency ids become ``agency:<code>``, mandate ids ``mandate:<agency code>``, task
force ids ``task_force:<name>``, row ids ``<id>``, and the viewer's instant and other timestamps ``<datetime>``.
Only values under the access keys below are rewritten, so a normalisation can never hide a change of shape.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from access.policy import Viewer
from agencies.models import Agency, TaskForce
from cases import actions as case_actions
from cases.models import Case, Species, TermKind, WatchTerm
from mandates.models import Mandate
from officers.models import Officer
from search.backends.base import DOCUMENT_TYPES, SearchFilters, SearchQuery
from search.backends.elasticsearch import (
    ElasticsearchBackend,
    build_percolate,
    build_search,
    build_top_keywords,
    build_trends,
    encode_cursor,
)
from search.es_documents import INDICES, WATCH, alias, versioned_index, watch_query
from sharing import actions as sharing_actions

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("WILDNET_UPDATE_GOLDEN") == "1"
AT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+(\+00:00|Z)?$")

AGENCY_KEYS = {"access.owner_agency_id", "access.shares.agency_id", "owner_agency_id", "agency_id"}
MANDATE_KEYS = {"access.shares.mandate_id", "mandate_id"}
TASK_FORCE_KEYS = {"access.shares.task_force_id", "task_force_id"}
ROW_KEYS = {"id", "case_id", "share_id", "species_ids"}


class Node:
    """The real node of this test, when there is one (see :func:`node`)."""

    backend: ElasticsearchBackend | None = None

    @classmethod
    def accepts(cls, name: str, body: dict[str, Any]) -> None:
        """Send ``body`` to the node as what its golden name says it is; the node must accept it."""
        if cls.backend is None:
            return
        client = cls.backend.client
        kind, _, rest = name.partition("_")
        if kind == "index":
            created = client.indices.create(index=f"{alias('golden')}-{rest}", body=body)
            assert created["acknowledged"], created
        elif kind in {"search", "trends", "top"}:
            response = client.search(index=",".join(alias(t) for t in DOCUMENT_TYPES), body=body)
            assert response["_shards"]["failed"] == 0 and not response["timed_out"], response
        elif kind == "watch":
            client.index(index=alias(WATCH), id=rest, document={"query": body}, refresh=True)
        elif kind == "percolate":
            response = client.search(index=alias(WATCH), body=body)
            assert response["_shards"]["failed"] == 0, response
        elif kind == "document":
            written = client.index(index=alias(rest.partition("_")[0]), id=body["_id"], document=body["_source"],
                                   version=body["version"], version_type=body["version_type"], refresh=True)
            assert written["result"] == "created", written
        else:
            raise AssertionError(f"no way to send golden {name!r} to a node")


@pytest.fixture(autouse=True)
def node(request: pytest.FixtureRequest) -> Iterator[None]:
    """With ``ELASTICSEARCH_URL``: the node, its aliases created under this test's prefix by the production
    ``ensure_index``; without: nothing is sent (the first two CI passes pin the bodies only)."""
    if not os.environ.get("ELASTICSEARCH_URL"):
        yield
        return
    backend = request.getfixturevalue("elasticsearch")
    for kind in (*DOCUMENT_TYPES, WATCH):
        backend.ensure_index(kind)
    Node.backend = backend
    yield
    Node.backend = None


def assert_golden(name: str, body: dict[str, Any]) -> None:
    """``body`` (normalised) equals ``golden/<name>.json``; rewrite it only with WILDNET_UPDATE_GOLDEN=1. With a
    node, the node accepts ``body`` too (documents are sent by their test, before their ids are normalised)."""
    if not name.startswith("document_"):
        Node.accepts(name, body)
    path = GOLDEN / f"{name}.json"
    text = json.dumps(normalise(body), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with WILDNET_UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(text) == expected, f"{path.name} drifted: review the change, then regenerate the golden"


def normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if isinstance(value, datetime.date):
        return "<datetime>"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return _symbol(key, value)
    if isinstance(value, str) and _DATETIME.match(value):
        return "<datetime>"
    return value


def _symbol(key: str, value: int) -> Any:
    if key in AGENCY_KEYS:
        return f"agency:{Agency.objects.get(pk=value).code}"
    if key in MANDATE_KEYS:
        return f"mandate:{Mandate.objects.select_related('agency').get(pk=value).agency.code}"
    if key in TASK_FORCE_KEYS:
        return f"task_force:{TaskForce.objects.get(pk=value).name}"
    if key in ROW_KEYS:
        return "<id>"
    return value


def viewer(username: str | None, purpose: str | None = "investigation") -> Viewer:
    """A viewer at a fixed instant inside the demo mandates (valid from a year before the demo load)."""
    if username is None:
        return Viewer(officer=None, at=AT)
    officer = Officer.objects.select_related("agency").get(username=username)
    return Viewer(officer=officer, purpose=purpose, at=timezone.now())


def body(username: str | None, purpose: str | None = "investigation", **query: Any) -> dict[str, Any]:
    result: dict[str, Any] = build_search(viewer(username, purpose), SearchQuery(**query)).to_dict()
    return result


# --- mappings and settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(INDICES))
def test_index_definition_is_pinned(kind: str) -> None:
    assert_golden(f"index_{kind}", versioned_index(kind, 1).to_dict())


@pytest.mark.parametrize("kind", sorted(INDICES))
def test_mappings_are_strict(kind: str) -> None:
    assert versioned_index(kind, 1).to_dict()["mappings"]["dynamic"] == "strict"


@pytest.mark.parametrize("kind", sorted(INDICES))
def test_every_analyser_and_normaliser_a_field_names_is_defined(kind: str) -> None:
    definition = versioned_index(kind, 1).to_dict()
    analysis = definition["settings"]["analysis"]

    def named(value: Any) -> set[tuple[str, str]]:
        if isinstance(value, dict):
            found = {(key, value[key]) for key in ("analyzer", "normalizer") if isinstance(value.get(key), str)}
            return found.union(*(named(v) for v in value.values()))
        return set()

    for key, name in named(definition["mappings"]):
        assert name in analysis.get(key, {}), f"{key} {name} is not defined in the index settings"


def test_the_percolator_maps_the_listing_fields_it_reads_as_the_listing_index_does() -> None:
    listing = versioned_index("listing", 1).to_dict()["mappings"]["properties"]
    watch = versioned_index("watch", 1).to_dict()["mappings"]["properties"]
    assert watch["query"] == {"type": "percolator"}
    for name in ("title", "text"):
        assert watch[name]["analyzer"] == listing[name]["analyzer"] == "wildnet_folding"
    for name in ("hashtags", "species_ids"):
        assert watch[name] == listing[name]


def test_personal_data_is_not_copied_into_the_catch_all_field() -> None:
    properties = versioned_index("listing", 1).to_dict()["mappings"]["properties"]
    assert "copy_to" not in properties["seller"]


def test_case_documents_do_not_repeat_identifiers() -> None:
    properties = versioned_index("case", 1).to_dict()["mappings"]["properties"]
    assert "identifiers" not in properties and "seller" not in properties


# --- who sees nothing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", [None, "pf.leboncoin", "spotter.ifaw", "sysadmin", "coord.fr"])
def test_viewers_without_intelligence_roles_get_match_none(demo: Any, username: str | None) -> None:
    result = body(username, text="ivoire")
    assert result["query"] == {"match_none": {}}
    assert_golden(f"search_nothing_{username or 'anonymous'}", result)


# --- who sees what -------------------------------------------------------------------------------------------------


def test_own_agency_viewer_without_purpose_sees_only_own_cases(demo: Any) -> None:
    assert_golden("search_own_agency", body("ana.ofb", purpose=None))


def test_recipient_viewer_gets_one_branch_per_mandate_in_force(demo: Any) -> None:
    assert_golden("search_recipient_mandate", body("inv.douane"))


def test_task_force_member_may_be_reached_through_its_task_forces(demo: Any) -> None:
    result = body("inv.seprona")
    assert "access.shares.task_force_id" in json.dumps(result)
    assert_golden("search_task_force_member", result)


def test_recipient_text_search_guards_personal_data_by_redaction(demo: Any) -> None:
    result = body("inv.oclaesp", text="+33612345678")
    assert '"access.shares.redact_personal_data": false' in json.dumps(result)
    assert_golden("search_recipient_redaction", result)


def test_each_type_carries_the_redaction_it_needs(demo: Any) -> None:
    assert_golden("search_entities_and_reports", body(
        "inv.oclaesp", filters=SearchFilters(types=frozenset({"entity", "report"}))))


def test_outside_law_enforcement_excludes_what_is_kept_among_law_enforcement(demo: Any) -> None:
    ngo = Agency.objects.get(code="ngo-ifaw")
    coordinator = Officer.objects.get(username="coord.be")
    Mandate.objects.create(agency=ngo, legal_basis="MoU", legal_reference="MoU IFAW", jurisdictions=["BE", "FR"],
                           crime_areas=["online_trade"], cites_appendices=["I", "II"], purposes=["analysis"],
                           max_classification=1, valid_from=timezone.now() - datetime.timedelta(days=1),
                           valid_until=timezone.now() + datetime.timedelta(days=30), granted_by=coordinator)
    Officer.objects.create(username="ana.ifaw", agency=ngo, role="analyst", clearance=1, email="a@ifaw.invalid")
    result = body("ana.ifaw", purpose="analysis")
    text = json.dumps(result)
    assert '"access.law_enforcement_only": true' in text and '"access.item_law_enforcement_only": true' in text
    assert_golden("search_ngo_analyst", result)


# --- query shapes --------------------------------------------------------------------------------------------------


def test_empty_text(demo: Any) -> None:
    assert_golden("search_empty", body("inv.ofb"))


def test_text_adds_the_species_its_words_name_as_a_whole(demo: Any) -> None:
    assert_golden("search_text", body("inv.ofb", text="Loxodonta afrikana"))  # no species yet: words only
    elephant = Species.objects.create(scientific_name="Loxodonta africana")
    elephant.names.create(name="African elephant", language="en", kind="common")
    named = json.dumps(body("inv.ofb", text="Loxodonta afrikana")["query"])
    assert json.dumps({"term": {"species_ids": elephant.pk}}) in named
    for text in ("african", "feather", "south", "elephant tusks"):
        assert '"species_ids"' not in json.dumps(body("inv.ofb", text=text)["query"]), text


def test_quoted_phrase_and_words(demo: Any) -> None:
    assert_golden("search_phrase", body("inv.ofb", text='ivoire "défenses d\'éléphant"'))


def test_a_phone_as_people_type_it_also_matches_its_key_in_the_viewers_country(demo: Any) -> None:
    """``0612345678`` is ``+33612345678`` for a French officer, ``612345678`` is ``+34612345678`` for a Spanish one;
    the key typed as it is needs no clause of its own (the text clause matches the ``normalised`` keyword)."""
    result = body("inv.ofb", text="0033 6 12 34 56 78")
    assert result["query"]["bool"]["should"][1] == {"terms": {"normalised": ["+33612345678"]}}
    assert_golden("search_identifier_national", result)
    for username, text, key in (("inv.ofb", "06.12.34.56.78", "+33612345678"),
                                ("inv.seprona", "612345678", "+34612345678")):
        assert {"terms": {"normalised": [key]}} in body(username, text=text)["query"]["bool"]["should"], username
    for text in ("+33612345678", "ivoire", "2026"):
        assert "should" not in body("inv.ofb", text=text)["query"]["bool"], text


def test_without_facets_or_highlight(demo: Any) -> None:
    result = body("inv.ofb", text="ivoire", facets=False, highlight=False)
    assert "aggs" not in result and "highlight" not in result
    assert_golden("search_plain", result)


@pytest.mark.parametrize(("name", "filters"), [
    ("types", SearchFilters(types=frozenset({"listing", "case"}))),
    ("species", SearchFilters(species_ids=frozenset({7, 3}))),
    ("appendix", SearchFilters(cites_appendices=frozenset({"I"}))),
    ("platform", SearchFilters(platform_codes=frozenset({"pf-leboncoin"}))),
    ("country", SearchFilters(countries=frozenset({"FR", "ES"}))),
    ("status", SearchFilters(statuses=frozenset({"open", "active"}))),
    ("agency", SearchFilters(agency_codes=frozenset({"fr-ofb"}))),
    ("dates", SearchFilters(date_from=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
                            date_to=datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC))),
    ("specimen_type", SearchFilters(specimen_types=frozenset({"live", ""}))),  # listings only
    ("claimed_legality", SearchFilters(claimed_legalities=frozenset({"captive_bred", "cites_permit"}))),
    ("legality_verified", SearchFilters(legality_verifications=frozenset({"false"}))),
    ("platform_kind", SearchFilters(platform_kinds=frozenset({"classified_ads"}))),
])
def test_each_filter(demo: Any, name: str, filters: SearchFilters) -> None:
    assert_golden(f"search_filter_{name}", body("ana.ofb", purpose=None, text="ivoire", filters=filters))


def test_search_after_cursor(demo: Any) -> None:
    result = body("ana.ofb", purpose=None, text="ivoire", first=5, after=encode_cursor([1.25, "listing", 42]))
    assert result["search_after"] == [1.25, "listing", 42]
    assert_golden("search_after", result)


def test_an_export_page_asks_for_no_total_nor_facets(demo: Any) -> None:
    result = body("ana.ofb", purpose=None, text="ivoire", first=100, after=encode_cursor([1.25, "listing", 42]),
                  facets=False, highlight=False, count=False)
    assert result["track_total_hits"] is False and "aggs" not in result and "highlight" not in result
    assert_golden("search_export_page", result)


def test_a_foreign_cursor_starts_again(demo: Any) -> None:
    assert "search_after" not in body("ana.ofb", purpose=None, after="not-a-cursor")


def test_trends(demo: Any) -> None:
    request = build_trends(viewer("inv.ofb"), group_by="platform", interval="week", filters=SearchFilters())
    assert_golden("trends_platform_week", request.to_dict())


def test_trends_by_a_listing_fact(demo: Any) -> None:
    request = build_trends(viewer("inv.ofb"), group_by="claimed_legality", interval="month",
                           filters=SearchFilters(platform_kinds=frozenset({"social_network"})))
    assert_golden("trends_claimed_legality_month", request.to_dict())


def test_top_keywords(demo: Any) -> None:
    request = build_top_keywords(viewer("inv.ofb"), filters=SearchFilters(countries=frozenset({"FR"})), size=10)
    assert_golden("top_keywords", request.to_dict())


# --- watchlists -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "term"), [
    ("words", WatchTerm(term="Vieil os", normalised="vieil os", kind=TermKind.CODE_WORD)),
    ("hashtag", WatchTerm(term="#ivoire_brut", normalised="ivoire brut", kind=TermKind.HASHTAG)),
    ("species", WatchTerm(term="python royal", normalised="python royal", kind=TermKind.COMMON_NAME,
                          species_id=7)),
    ("species_only", WatchTerm(term="??", normalised="", kind=TermKind.SCIENTIFIC_NAME, species_id=7)),
])
def test_watch_term_query(name: str, term: WatchTerm) -> None:
    assert_golden(f"watch_query_{name}", watch_query(term).to_dict())


def test_percolate_request() -> None:
    documents = [{"title": "Statuette", "text": "Vieil os #ivoire_brut", "hashtags": ["ivoire_brut"],
                  "species_ids": []},
                 {"title": "Serpent", "text": "", "hashtags": [], "species_ids": [7]}]
    assert_golden("percolate", build_percolate(documents))
    assert build_percolate(documents, after=[42])["search_after"] == [42]


# --- documents -----------------------------------------------------------------------------------------------------


def test_a_shared_case_carries_its_live_grants_and_redactions(demo: Any) -> None:
    inv = Viewer(officer=Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(inv, case_actions.CaseInput(
        title="Ivoire sur leboncoin", jurisdictions=["FR"], summary="Vente de défenses #ivoire"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33612345678", role="seller"))
    data = sharing_actions.ShareInput(justification="Joint investigation", redact_personal_data=True)
    data.recipient_agency = Agency.objects.get(code="fr-oclaesp")
    sharing_actions.share_case(inv, case, data)
    revoked = sharing_actions.share_case(inv, case, sharing_actions.ShareInput(
        justification="Operation", recipient_task_force=TaskForce.objects.get(name="Operation Thunder (demo)")))
    sharing_actions.revoke_share(Viewer(officer=Officer.objects.get(username="sup.ofb")), revoked, "Ended")
    case = Case.objects.get(pk=case.pk)
    (action,) = ElasticsearchBackend().actions("case", [case.pk], "wildnet-case")
    source = action["_source"]
    assert [grant.get("task_force_id") for grant in source["access"][0]["shares"]] == [None]  # revoked: gone
    assert action["version_type"] == "external" and action["version"] > 0
    Node.accepts("document_case_shared", action)
    action.update(version="<version>", _id="<id>")
    source.update(reference="<reference>", digest="<digest>")
    assert_golden("document_case_shared", action)
