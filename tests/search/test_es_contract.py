"""The contract suite against a real Elasticsearch node, whenever ``ELASTICSEARCH_URL`` names one (CI's third
pass, on the node ``make elasticsearch`` starts).

Each test gets its own index prefix (``conftest.search_indices``); the outbox indexes the world through the
production bulk path, whose first write creates the versioned index and its alias. Never a fake: without a node
the class is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import WatchTerm
from officers.models import Officer
from outbox.actions import deliver_due
from outbox.models import MessageStatus, OutboxMessage
from search.alerts import python_matches
from search.backends.base import SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.es_documents import WATCH, alias

from .contract import SearchContract


class TestElasticsearchBackend(SearchContract):
    @pytest.fixture
    def backend(self, elasticsearch: ElasticsearchBackend) -> SearchBackend:
        self.es = elasticsearch
        return elasticsearch

    es: ElasticsearchBackend

    def reindex(self) -> None:
        """The production path: drain the outbox rows the writes left, which index through the backend."""
        deliver_due(limit=10_000)
        assert not OutboxMessage.objects.filter(topic="search.index").exclude(status=MessageStatus.DONE).exists()

    def test_percolation_matches_what_the_database_backend_matches(self, backend: SearchBackend, demo: Any,
                                                                   species: Any) -> None:
        """The stored queries, analysed by the cluster, agree with the database backend's matcher."""
        inv = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
        watch = case_actions.create_watchlist(inv, "Ivoire")
        for term, kind, species_id in [("vieil os", "code_word", None), ("#ivoire", "hashtag", None),
                                       ("python royal", "common_name", species["Python regius"].pk)]:
            case_actions.add_watch_term(inv, watch, term, kind, "fr", species_id=species_id)
        self.es.index_watch_terms(list(WatchTerm.objects.values_list("pk", flat=True)))
        self.es.client.indices.refresh(index=alias(WATCH))
        case = case_actions.create_case(inv, case_actions.CaseInput(title="x", jurisdictions=["FR"]))
        texts = ["Statuette en VIEIL OS sculpté", "Bracelet #ivoire ancien", "Vieil osier tressé", "Python royal"]
        ids = [case_actions.add_listing(inv, case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/{n}", text=text))[0].pk for n, text in enumerate(texts)]
        ids.append(case_actions.add_listing(inv, case, case_actions.ListingInput(
            url="https://www.leboncoin.fr/ad/9", text="Serpent", species_ids=[species["Python regius"].pk]))[0].pk)
        matches = self.es.watch_matches(ids)
        assert {listing for _, listing in matches} == {ids[0], ids[1], ids[3], ids[4]}
        assert matches == python_matches(ids)
