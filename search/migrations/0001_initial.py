"""The search index table, and the full-text structures of the database in use."""

import logging
from typing import Any

from django.db import migrations, models, transaction

logger = logging.getLogger(__name__)


def create_fulltext(apps: Any, schema_editor: Any) -> None:
    """FTS5 on SQLite; a generated tsvector with GIN, and pg_trgm when the server lets us create it, on PostgreSQL."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_searchentry ADD COLUMN document tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED"
        )
        schema_editor.execute("CREATE INDEX search_entry_document ON search_searchentry USING GIN (document)")
        try:
            with transaction.atomic(using=schema_editor.connection.alias):  # a savepoint: a refusal is recoverable
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # a managed server may forbid extensions: search still works, without fuzzy terms
            logger.warning("search: pg_trgm could not be created; fuzzy term matching is disabled")
            return
        schema_editor.execute(
            "CREATE INDEX search_entry_trgm ON search_searchentry USING GIN (body gin_trgm_ops)"
        )


def drop_fulltext(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("doc_type", models.CharField(max_length=16)),
                ("doc_id", models.BigIntegerField()),
                ("body", models.TextField()),
                ("version", models.PositiveIntegerField(default=1,
                                                        help_text="Bumped on every re-index of the document.")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("doc_type", "doc_id"), name="search_entry_once")],
            },
        ),
        migrations.RunPython(create_fulltext, drop_fulltext),
    ]
