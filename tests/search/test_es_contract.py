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

from search.backends.base import DOCUMENT_TYPES, SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.es_documents import MODELS, alias

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
