"""The contract suite against a real Elasticsearch cluster, whenever ``ELASTICSEARCH_URL`` names one.

Each test gets its own index prefix, builds fresh versioned indices through the production ``rebuild`` (so the
alias swap runs too), indexes through the production ``index`` and removes its indices afterwards. Never a fake:
without a cluster the class is skipped and the golden request bodies (``test_es_golden.py``) stand in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import WatchTerm
from officers.models import Officer
from search.alerts import python_matches
from search.backends.base import DOCUMENT_TYPES, SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.es_documents import MODELS, WATCH, alias

from .contract import SearchContract

pytestmark = pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"),
                                reason="ELASTICSEARCH_URL is not set: the Elasticsearch contract suite needs a "
                                       "real cluster")


class TestElasticsearchBackend(SearchContract):
    @pytest.fixture
    def backend(self, settings: Any) -> Iterator[SearchBackend]:
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.ELASTICSEARCH_INDEX_PREFIX = f"wildnet-test-{uuid.uuid4().hex[:10]}"
        backend = ElasticsearchBackend()
        backend.rebuild()
        self.es = backend
        yield backend
        # Wildcard deletes are refused by default (action.destructive_requires_name): name each index.
        created = list(backend.client.indices.get(index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"))
        if created:
            backend.client.indices.delete(index=",".join(created))

    es: ElasticsearchBackend

    def reindex(self) -> None:
        """Index every row as it is now through the production bulk path, then make it searchable."""
        for doc_type in DOCUMENT_TYPES:
            ids = list(MODELS[doc_type]._default_manager.values_list("pk", flat=True))
            if ids:
                self.es.index(doc_type, ids)
        self.es.client.indices.refresh(index=",".join(alias(t) for t in DOCUMENT_TYPES))

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
