"""The full-text index of PostgreSQL in two parts: the listings' entries, and every other type's.

Every search reads the index once per document type (``doc_type = …`` with the text), and one index over every
entry made each type read the whole posting list of its words: at 1,000,000 listings a common word has about
89,000 entries, and the case, entity and report parts each read them all to keep the few thousand of their
type (about 20 ms for the entities of ``ivoire``, which has none), or, when the planner judged that dearer,
read all 25,000 case entries to test the text on each (about 14 ms for a phone number). Listings are nearly
all the entries: one index for them and one for the others (``doc_type <> 'listing'``, which PostgreSQL proves
from ``doc_type = 'case'``) leaves each type's posting lists about the size of its matches. What matches is
unchanged; only the index read is.

Built ``CONCURRENTLY`` before the old index is dropped (hence not atomic), so that searches and indexing go on
while a large index builds. SQLite (FTS5) has nothing to change.
"""

from typing import Any

from django.db import migrations

PARTS = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_document_listing ON search_searchentry "
    "USING GIN (document) WHERE doc_type = 'listing'",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_document_other ON search_searchentry "
    "USING GIN (document) WHERE doc_type <> 'listing'",
)
WHOLE = "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_document ON search_searchentry USING GIN (document)"


def split(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in PARTS:
        schema_editor.execute(statement)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS search_entry_document")


def join(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(WHOLE)
    for name in ("search_entry_document_listing", "search_entry_document_other"):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("search", "0002_search_words"),
    ]

    operations = [
        migrations.RunPython(split, join),
    ]
