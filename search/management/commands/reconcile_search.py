"""``wildnet reconcile_search``: find and repair drift between the database and the search index.

The outbox makes drift rare, but a dead-lettered index message, a restored backup, a manual index operation or a
change that leaves no outbox row can still leave the index behind. This compares, per type, every row id and the
digest of the document it would give now with the ids and digests in the index (Elasticsearch: a scroll that
reads only the ``digest`` field; the database backend: its stored bodies), then re-indexes missing and stale
documents and deletes documents whose row is gone. ``--dry-run`` only reports. Works with either backend.

Why digests rather than versions: the version of a write orders writes but says nothing about whether the
content is still current; the digest does, including for changes that leave no timestamp on the row (a revoked
share, a deleted claim).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.backends import get_backend
from search.backends.base import DOCUMENT_TYPES, REBUILD_BATCH


def drift(database: dict[int, str], index: dict[int, str]) -> tuple[list[int], list[int], list[int]]:
    """``(missing, stale, extra)`` ids: rows not indexed, indexed with other content, indexed but gone."""
    missing = sorted(pk for pk in database if pk not in index)
    stale = sorted(pk for pk, digest in database.items() if pk in index and index[pk] != digest)
    extra = sorted(pk for pk in index if pk not in database)
    return missing, stale, extra


class Command(BaseCommand):
    help = "Compare the database with the search index (ids and content digests) and repair the drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", choices=DOCUMENT_TYPES, action="append", dest="types",
                            help="Only this document type (repeatable). Default: every type.")
        parser.add_argument("--dry-run", action="store_true", help="Report the drift without repairing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        for doc_type in options["types"] or DOCUMENT_TYPES:
            missing, stale, extra = drift(backend.database_digests(doc_type), backend.indexed_digests(doc_type))
            if not options["dry_run"]:
                repair = missing + stale
                for start in range(0, len(repair), REBUILD_BATCH):
                    backend.index(doc_type, repair[start:start + REBUILD_BATCH])
                if extra:
                    backend.delete(doc_type, extra)
            verb = "would repair" if options["dry_run"] else "repaired"
            self.stdout.write(f"{doc_type}: {len(missing)} missing, {len(stale)} stale, {len(extra)} extra "
                              f"({verb})")
