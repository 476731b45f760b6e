"""Misspelt words are corrected against a table of the indexed words, not compared with every body.

The trigram index over whole bodies made a typo cost a scan of every document (seconds at a million listings);
it goes, replaced by a trigram index over the distinct words (PostgreSQL with pg_trgm only). The words of the
bodies already indexed are collected here. The per-entry ``version`` was never read and goes too.
"""

from typing import Any

from django.db import migrations, models


def words_forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS search_entry_trgm")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        trigram = cursor.fetchone() is not None
    if trigram:
        schema_editor.execute("CREATE INDEX search_word_trgm ON search_searchword USING GIST (word gist_trgm_ops)")
    schema_editor.execute(
        "INSERT INTO search_searchword (word) SELECT word FROM ts_stat('SELECT document FROM search_searchentry') "
        "WHERE length(word) BETWEEN 3 AND 255 AND word !~ '[0-9]' ON CONFLICT DO NOTHING")


def words_backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is not None:
            cursor.execute("CREATE INDEX IF NOT EXISTS search_entry_trgm ON search_searchentry "
                           "USING GIN (body gin_trgm_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=255, primary_key=True, serialize=False)),
            ],
        ),
        migrations.RemoveField(
            model_name="searchentry",
            name="version",
        ),
        migrations.RunPython(words_forward, words_backward),
    ]
