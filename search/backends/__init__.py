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


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (or the one named), built once per process: it may hold a client connection pool."""
    return _backend(name or settings.SEARCH_BACKEND)


@cache
def _backend(name: str) -> SearchBackend:
    backend: SearchBackend = import_string(BACKENDS[name])()
    return backend
