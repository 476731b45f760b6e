"""The database backend's index: one row per searchable document, its text folded once at indexing time.

The body is stored lower-cased and without accents (``éléphant`` → ``elephant``) so that SQLite FTS5 and
PostgreSQL full-text search match the same words whatever the accents of the query, with no ``unaccent``
extension needed. The full-text structures themselves (an FTS5 table on SQLite, a generated ``tsvector`` column
on PostgreSQL, with one GIN index over the listings' entries and one over the other types': a search reads each
type's matches apart, migration 0003) are created by the migrations for the database in use.

On PostgreSQL the distinct words of every body are kept in ``SearchWord`` with a trigram index: a misspelt
query word is corrected against these few hundred thousand words (a nearest-neighbour index scan) and the
search then runs on the corrected words through the full-text index, instead of comparing the query with
every body.
"""

from django.db import models


class SearchEntry(models.Model):
    doc_type = models.CharField(max_length=16)
    doc_id = models.BigIntegerField()
    body = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["doc_type", "doc_id"], name="search_entry_once")]

    def __str__(self) -> str:
        return f"{self.doc_type} #{self.doc_id}"


class SearchWord(models.Model):
    """A word of at least one indexed body (PostgreSQL only). Words of bodies since changed are not removed:
    a correction to a word no document has any more simply finds nothing."""

    word = models.CharField(max_length=255, primary_key=True)

    def __str__(self) -> str:
        return self.word
