"""The Elasticsearch backend's logic that needs no node: the actions it builds, versions, the stale-grant check,
subset keys, phrases, drift. What the node answers to them is ``test_es_node.py``'s."""

from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from search.backends.elasticsearch import ElasticsearchBackend, split_text, subset
from search.management.commands.reconcile_search import drift
from sharing import actions as sharing_actions


def viewer(username: str) -> Any:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose="investigation")


@pytest.fixture
def case(demo: Any) -> Case:
    inv = viewer("inv.ofb")
    return case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))


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
