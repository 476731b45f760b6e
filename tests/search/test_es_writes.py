"""The Elasticsearch backend's logic that needs no cluster: bulk outcomes, versions, the stale-grant check, drift.

Where a bulk response is needed, ``helpers.streaming_bulk`` is replaced in the test by a function replaying the
per-item results Elasticsearch documents; the product itself never imitates Elasticsearch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from search.backends import elasticsearch as es
from search.backends.elasticsearch import ElasticsearchBackend, IndexingError, split_text, subset
from search.management.commands.reconcile_search import drift
from sharing import actions as sharing_actions


def viewer(username: str) -> Any:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose="investigation")


@pytest.fixture
def case(demo: Any) -> Case:
    inv = viewer("inv.ofb")
    return case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))


@pytest.fixture
def unreachable(settings: Any) -> None:
    """A client that is built but never reached: every request in these tests is intercepted."""
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"


def replay(results: list[tuple[bool, dict[str, Any]]], seen: dict[str, Any]) -> Any:
    def streaming_bulk(client: Any, actions: Any, **options: Any) -> Iterator[tuple[bool, dict[str, Any]]]:
        seen.update(options, actions=list(actions))
        yield from results

    return streaming_bulk


def test_bulk_retries_on_429_and_collects_item_failures(monkeypatch: pytest.MonkeyPatch, unreachable: None) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(es.helpers, "streaming_bulk", replay([
        (True, {"index": {"_id": "1", "status": 201}}),
        (False, {"index": {"_id": "2", "status": 409, "error": {"type": "version_conflict_engine_exception"}}}),
        (False, {"delete": {"_id": "3", "status": 404}}),
        (False, {"index": {"_id": "4", "status": 400, "error": {"type": "strict_dynamic_mapping_exception"}}}),
    ], seen))
    backend = ElasticsearchBackend()
    outcome = backend._bulk(iter([]))
    assert outcome.written == 3  # a newer version already there, or an already deleted document, is success
    assert list(outcome.failures) == [4] and "strict_dynamic_mapping_exception" in outcome.failures[4]
    assert seen["max_retries"] > 0 and seen["raise_on_error"] is False and seen["raise_on_exception"] is False
    assert seen["require_alias"] is True  # a write to a vanished alias fails instead of creating an index


def test_a_failed_row_raises_a_typed_error_so_the_outbox_retries(monkeypatch: pytest.MonkeyPatch,
                                                                 case: Case, unreachable: None) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(es.helpers, "streaming_bulk", replay([
        (False, {"index": {"_id": str(case.pk), "status": 503, "error": "unavailable"}})], seen))
    backend = ElasticsearchBackend()
    monkeypatch.setattr(backend, "write_targets", lambda kind: ["wildnet-case"])
    with pytest.raises(IndexingError) as refused:
        backend.index("case", [case.pk])
    assert list(refused.value.failures) == [case.pk]
    (action,) = seen["actions"]
    assert (action["_op_type"], action["version_type"]) == ("index", "external")


def test_rows_that_are_gone_become_deletes(case: Case) -> None:
    actions = list(ElasticsearchBackend().actions("case", [case.pk, 999_999], "wildnet-case"))
    assert [(a["_op_type"], a["_id"]) for a in actions] == [("index", str(case.pk)), ("delete", "999999")]
    assert all(a["version_type"] == "external" for a in actions)


def test_a_later_write_carries_a_greater_version(case: Case) -> None:
    backend = ElasticsearchBackend()
    (first,) = backend.actions("case", [case.pk], "wildnet-case")
    (second,) = backend.actions("case", [case.pk], "wildnet-case")
    assert second["version"] > first["version"]
    assert first["_source"]["digest"] == second["_source"]["digest"]  # same content, same digest


def test_a_revoked_share_is_dropped_from_a_page_before_reindexing(case: Case) -> None:
    data = sharing_actions.ShareInput(justification="Joint investigation")
    data.recipient_agency = Agency.objects.get(code="fr-oclaesp")
    share = sharing_actions.share_case(viewer("inv.ofb"), case, data)
    assert ElasticsearchBackend.still_visible(viewer("inv.oclaesp"), [("case", case.pk)]) == {("case", case.pk)}
    sharing_actions.revoke_share(viewer("sup.ofb"), share, "Closed")
    assert ElasticsearchBackend.still_visible(viewer("inv.oclaesp"), [("case", case.pk)]) == set()
    assert ElasticsearchBackend.still_visible(viewer("inv.ofb"), [("case", case.pk)]) == {("case", case.pk)}


def test_subset_keys_match_sharing_rules() -> None:
    assert subset("k", ["FR", "ES"]).to_dict() == {"terms": {"k": [",", ",ES,", ",FR,", ",ES,FR,"]}}
    assert subset("k", ["I", "II", "III", "NC"], ["I", "II", "III", "NC"]) is None
    many = subset("k", ["AT", "BE", "DE", "ES", "FR", "IT", "NL"])
    assert many is not None and many.to_dict() == {"regexp": {"k": ",((AT|BE|DE|ES|FR|IT|NL),)*"}}


def test_quoted_text_becomes_phrases() -> None:
    assert split_text('ivoire "défenses d\'éléphant" brut') == ("ivoire brut", ["défenses d'éléphant"])
    assert split_text('"unclosed') == ("unclosed", [])


def test_drift_names_missing_stale_and_extra_documents() -> None:
    assert drift({1: "a", 2: "b", 3: "c"}, {2: "b", 3: "old", 4: "x"}) == ([1], [3], [4])
