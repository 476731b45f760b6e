"""The database backend's index: one row per searchable document, its text folded once at indexing time.

The body is stored lower-cased and without accents (``éléphant`` → ``elephant``) so that SQLite FTS5 and
PostgreSQL full-text search match the same words whatever the accents of the query, with no ``unaccent``
extension needed. The full-text structures themselves (an FTS5 table on SQLite, a generated ``tsvector`` column
with a GIN index and a trigram index on PostgreSQL) are created by the migration for the database in use.
"""

from django.db import models


class SearchEntry(models.Model):
    doc_type = models.CharField(max_length=16)
    doc_id = models.BigIntegerField()
    body = models.TextField()
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every re-index of the document.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["doc_type", "doc_id"], name="search_entry_once")]

    def __str__(self) -> str:
        return f"{self.doc_type} #{self.doc_id}"
