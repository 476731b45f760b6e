"""Search backends behind one interface; ``SEARCH_BACKEND`` chooses which one serves the API."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SearchBackend

BACKENDS = {
    "database": "search.backends.database.DatabaseBackend",
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchBackend",
}


@cache
def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend, built once per process (it may hold a client connection pool)."""
    backend: SearchBackend = import_string(BACKENDS[name or settings.SEARCH_BACKEND])()
    return backend
