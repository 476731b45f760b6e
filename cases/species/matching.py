"""Find the species an officer, an advert or a watchlist term means, despite misspellings and language.

Names arrive as typed by sellers and officers: "Loxodonta africanna", "pangolin de temmink", "elefante
africano", "Psittacus eritacus". Each candidate name (scientific, synonym, common and trade names in every
language) is compared to the query in three ways, and the best score per species wins:

* exact, after accent and punctuation folding (``normalise_name``): score 100;
* same phonetic key (metaphone per word after folding Latin spellings such as ``th``/``t``): a misspelling
  made by ear, scored halfway between its spelling similarity and 100;
* edit-distance similarity (rapidfuzz ``WRatio``, which also scores a query that is part of a longer name).

Why an in-memory index: the full checklist gives about 38,000 taxa and 85,000 names. Loading them from the
database on every call would cost far more than the comparison itself (building the index takes under a
second, a query against it about 0.1 s), and SQL cannot rank by edit distance portably (SQLite has no trigram
index). So the names are loaded once per process into a flat list that rapidfuzz scans in C, plus a dictionary
of phonetic keys. The index is rebuilt only when the species tables change, detected by a cheap fingerprint
query (row counts and latest ``updated_at`` of both tables) that acts as a version counter shared by every
process without any cache server. Writes go through ``save`` or ``bulk_create``, which both stamp
``updated_at``; deletions lower a count. (``QuerySet.update`` does not stamp it: species code never uses it
to change names.)
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from rapidfuzz import fuzz, process

from cases.models import Species, SpeciesName
from cases.species.normalise import normalise_name, phonetic_key

SCIENTIFIC = "scientific"
EXACT_SCORE = 100.0
MIN_FUZZY_SCORE = 70.0
#: Above 85.5, which is what rapidfuzz's WRatio gives a query sharing one word with a longer name
#: ("licorne bleue" against "loriquet à tête bleue"): such partial overlaps must not resolve to a species.
RESOLVE_THRESHOLD = 86.0

# When two names score alike, prefer the accepted scientific name, then synonyms, then common and trade names.
_KIND_PRIORITY = {SCIENTIFIC: 0, SpeciesName.Kind.SYNONYM: 1, SpeciesName.Kind.COMMON: 2, SpeciesName.Kind.TRADE: 3}


@dataclass(frozen=True)
class IndexEntry:
    """One name of one species, as held by the index."""

    species_id: int
    name: str
    kind: str
    language: str


@dataclass(frozen=True)
class SpeciesMatch:
    """A candidate species for a query, with the name that matched and a score from 0 to 100."""

    species: Species
    score: float
    matched_name: str
    kind: str
    language: str


#: The row counts and latest ``updated_at`` of the species tables, as one text (``fingerprint_sql``).
Fingerprint = str


class SpeciesIndex:
    """The names of every species, normalised once, with their phonetic keys."""

    def __init__(self, entries: list[tuple[str, IndexEntry]]) -> None:
        by_name: dict[str, list[IndexEntry]] = defaultdict(list)
        for normalised, entry in entries:
            by_name[normalised].append(entry)
        self.by_name = dict(by_name)
        # rapidfuzz scans a plain list fastest; each distinct spelling is compared once.
        self.names = list(self.by_name)
        by_key: dict[str, list[str]] = defaultdict(list)
        for normalised in self.names:
            by_key[phonetic_key(normalised)].append(normalised)
        self.by_key = dict(by_key)

    @classmethod
    def from_database(cls) -> SpeciesIndex:
        """Read every name with two queries (species, then names), without model instances."""
        entries = [
            (normalised, IndexEntry(species_id, name, SCIENTIFIC, SpeciesName.Language.LATIN))
            for species_id, name, normalised in Species.objects.values_list("id", "scientific_name", "normalised_name")
        ]
        entries += [
            (normalised, IndexEntry(species_id, name, kind, language))
            for species_id, name, normalised, kind, language in SpeciesName.objects.values_list(
                "species_id", "name", "normalised_name", "kind", "language"
            )
        ]
        return cls(entries)

    def scores(self, query: str, candidates: int) -> dict[str, float]:
        """The best-scoring normalised names for an already normalised query, with their scores."""
        found: dict[str, float] = {}
        if query in self.by_name:
            found[query] = EXACT_SCORE
        for normalised in self.by_key.get(phonetic_key(query), ()):
            # Sounding alike lifts the spelling similarity halfway to a perfect score: decisive for a misspelled
            # long name, not enough for two short words that merely share consonants.
            score = (fuzz.ratio(query, normalised) + EXACT_SCORE) / 2
            if score >= MIN_FUZZY_SCORE:
                found[normalised] = max(found.get(normalised, 0.0), score)
        for normalised, score, _position in process.extract(
            query, self.names, scorer=fuzz.WRatio, limit=candidates, score_cutoff=MIN_FUZZY_SCORE
        ):
            if 2 * len(normalised) < len(query):
                # WRatio scores a short name found inside a long query ("pan" in "pangolin de temminck") as a
                # near match; for names that is noise, so such a name keeps only its plain similarity.
                score = fuzz.ratio(query, normalised)
            if score >= MIN_FUZZY_SCORE:
                found[normalised] = max(found.get(normalised, 0.0), float(score))
        return found


_lock = threading.Lock()
_cache: dict[str, tuple[Fingerprint, SpeciesIndex]] = {}


def fingerprint_sql() -> str:
    """An SQL expression (no parameters) whose text is the fingerprint of the species tables: the row counts and
    latest ``updated_at`` of both. A search reads it in its own statement (``fresh_index``)."""
    quote = connection.ops.quote_name
    species, names, stamp = quote(Species._meta.db_table), quote(SpeciesName._meta.db_table), quote("updated_at")
    parts = [f"(SELECT CAST(COUNT(*) AS text) FROM {table})" for table in (species, names)]  # noqa: S608
    parts += [f"(SELECT COALESCE(CAST(MAX({stamp}) AS text), '') FROM {table})"  # noqa: S608 (names quoted)
              for table in (species, names)]
    return " || ',' || ".join(parts)


def _fingerprint() -> Fingerprint:
    """The fingerprint of the species tables, in one statement (it runs with every match)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fingerprint_sql()}")
        (fingerprint,) = cursor.fetchone()
    return str(fingerprint)


def get_index(fingerprint: Fingerprint | None = None) -> SpeciesIndex:
    """The current index, rebuilt only when the fingerprint of the species tables has changed; ``fingerprint``:
    one just read (in a statement of the caller's), else it is read here."""
    fingerprint = _fingerprint() if fingerprint is None else fingerprint
    with _lock:
        cached = _cache.get("index")
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, SpeciesIndex.from_database())
            _cache["index"] = cached
        return cached[1]


def cached_index() -> tuple[Fingerprint, SpeciesIndex] | None:
    """The index built last and the fingerprint it was built at, without reading the database (``None`` before
    the first build): for a caller that checks the fingerprint afterwards, in a statement it runs anyway."""
    with _lock:
        return _cache.get("index")


def ranked_species(text: str, limit: int = 5) -> list[tuple[int, float, IndexEntry]]:
    """The ids of the candidate species for ``text``, best first, with their scores and the names that matched.

    What :func:`match_species` ranks, before it loads the species. Ties are broken by whole-word overlap, then by the
    kind of name (scientific first) and then alphabetically, so results are stable.
    """
    query = normalise_name(text)
    if not query or limit < 1:
        return []
    index = get_index()
    best: dict[int, tuple[float, float, int, IndexEntry]] = {}
    for normalised, score in index.scores(query, candidates=limit * 20).items():
        # Among equal scores, a name that contains the query as whole words ("asian elephant" for "elephant")
        # beats one that merely contains its letters ("elephantinum").
        words = fuzz.token_set_ratio(query, normalised)
        for entry in index.by_name[normalised]:
            ranked = (score, words, -_KIND_PRIORITY[entry.kind], entry)
            current = best.get(entry.species_id)
            if current is None or ranked[:3] > current[:3]:
                best[entry.species_id] = ranked
    top = sorted(best.values(), key=lambda item: (-item[0], -item[1], -item[2], item[3].name))[:limit]
    return [(entry.species_id, round(score, 1), entry) for score, *_ranks, entry in top]


def match_species(text: str, limit: int = 5) -> list[SpeciesMatch]:
    """Candidate species for ``text``, best first, at most ``limit``, each with the name that matched."""
    top = ranked_species(text, limit)
    species = Species.objects.in_bulk([species_id for species_id, _score, _entry in top])
    return [SpeciesMatch(species[species_id], score, entry.name, entry.kind, entry.language)
            for species_id, score, entry in top]


def resolve_species(name: str, threshold: float = RESOLVE_THRESHOLD) -> Species | None:
    """The one species ``name`` designates, or ``None`` when no match reaches ``threshold`` or two tie.

    A tie between different species at the top (a common name shared by two taxa, such as "jacquot") is
    left unresolved rather than guessed: a wrong species on a case is worse than none.
    """
    matches = match_species(name, limit=2)
    if not matches or matches[0].score < threshold:
        return None
    if len(matches) > 1 and matches[1].score == matches[0].score:
        return None
    return matches[0].species
