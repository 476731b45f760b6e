"""The contract suite on the database backend (SQLite FTS5 or PostgreSQL, whichever DATABASE_URL names)."""

from __future__ import annotations

import pytest
from django.db import connection

from outbox.actions import deliver_due
from outbox.models import MessageStatus, OutboxMessage
from search.backends.base import SearchBackend
from search.backends.database import DatabaseBackend

from .contract import SearchContract, World


class TestDatabaseBackend(SearchContract):
    @pytest.fixture
    def backend(self) -> SearchBackend:
        return DatabaseBackend()

    def reindex(self) -> None:
        """The production path: drain the outbox rows the writes left, which index through the backend."""
        deliver_due(limit=10_000)
        assert not OutboxMessage.objects.filter(topic="search.index").exclude(status=MessageStatus.DONE).exists()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm fuzzy terms are PostgreSQL's")
    def test_a_misspelt_word_matches_approximately_when_nothing_matches_exactly(self, backend: SearchBackend,
                                                                              world: World) -> None:
        assert ("listing", world.en.pk) in self.found(backend, "inv.ofb", "genuinne")
        assert ("listing", world.en.pk) not in self.found(backend, "inv.ofb", "ivory genuinne colmillos")
