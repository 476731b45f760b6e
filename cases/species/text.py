"""Find the species an advert names inside its sentences: "vends perroquet gris du Gabon jeune mâle".

``matching`` compares one whole query with every name, which suits a name typed in a field but not a sentence:
the name is a small part of the text, so it scores below any sensible threshold, and the rest of the sentence
is as likely to resemble an unrelated name. Here the text is cut into words and each run of 1 to ``MAX_WORDS``
words is looked up as a name of its own:

* exactly, after the folding of ``normalise_name``, against every name (scientific, synonym, common and trade
  names in every language), every binomial with its genus abbreviated ("P. erithacus", a little less sure),
  and every run of two or more consecutive words of a longer name ("gris du gabon" in "perroquet gris du
  Gabon"; names longer than ``MAX_WORDS`` are found so); a part scores less the less of the name it covers,
  and a single word is never a part, so a short word never stands for a long name;
* with typos: at most ``tolerance`` insertions, deletions, substitutions or swaps of adjacent letters, scaled
  to the name's length (none up to 4 letters, where one edit makes another word; a name of one word, with no
  second word to confirm it, is held stricter), or by sound (the phonetic key of ``matching``) for long names
  misspelt by ear ("psitakus eritakus").

Ordinary words (``cases.species.ordinary``) never match approximately, and a single ordinary word matches
only a scientific name written exactly: "south", "feather" or "royal" name nothing, "grey parrot" does.
Words of three letters or fewer are never a name alone ("de", "aa").

Overlapping candidates are settled by evidence (score times the letters matched), so "Acipenser sturio" wins
over the genus "Acipenser" inside it. When two taxa are equally good for the same words (a common name shared
by two species) nothing is chosen: a wrong species is worse than none. A species and its own subspecies
sharing a name is not such a tie: the name is the species'.

The vocabulary is read once per process from ``matching.get_index`` and rebuilt when the species tables
change (the same fingerprint), so scanning an advert costs the lookups of its word runs and no query beyond
the fingerprint.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cases.models import SpeciesName
from cases.species.matching import SCIENTIFIC, IndexEntry, SpeciesIndex, get_index
from cases.species.normalise import normalise_name, phonetic_key
from cases.species.ordinary import ordinary_words

#: Runs of up to six words: a name of four written words is often six once elisions are cut ("tortue d'Hermann"
#: is three, "ours lippu de l'Inde" five).
MAX_WORDS = 6
#: Below this a candidate is not reported: two edits in a ten-letter name, or an exact half of a name.
MIN_SCORE = 75.0
EXACT_SCORE = 100.0
#: A synonym spelt like another taxon's accepted name designates that taxon.
SYNONYM_PENALTY = 0.5
#: An abbreviated genus ("P. erithacus") is a little less sure than the whole name.
ABBREVIATION_PENALTY = 5.0
LATIN_KINDS = (SCIENTIFIC, SpeciesName.Kind.SYNONYM)
#: Sound-alike spellings are accepted for names at least this long; shorter keys collide too often.
PHONETIC_MIN_LENGTH = 10
#: Distinct runs of words whose lookups are kept; cleared when full (a few tens of megabytes at most).
LOOKUP_CACHE_SIZE = 200_000

#: Words this short are articles and prepositions ("de", "du", "of") or abbreviations ("aa"): never a name alone
#: and never the edge of a part of a name.
SHORT_WORD = 3

_WORD = re.compile(r"[^\W_]+")


def allowed_edits(length: int, lone_word: bool = False) -> int:
    """The typos tolerated in a name of ``length`` letters: 0 up to 4, 1 up to 8, 2 beyond.

    A name of one word is held to the scale of a name two letters shorter: with no second word to confirm it,
    one edit away from a five- or six-letter name is any word ("creat" from "créac", "chirp" from "chiru").
    """
    length -= 2 if lone_word else 0
    return 0 if length <= 4 else 1 if length <= 8 else 2


def tolerance(name: str) -> int:
    """The typos tolerated in a folded name: by its length, a lone word's stricter; an abbreviated binomial by
    its epithets as a lone word ("p eritacus" is "p erithacus", "a mano" is not "a mango")."""
    first, _space, rest = name.partition(" ")
    if len(first) == 1 and rest:
        return allowed_edits(len(rest), lone_word=True)
    return allowed_edits(len(name), lone_word=not rest)


@dataclass(frozen=True)
class TextMatch:
    """A species named in a text: where (character offsets into the text as given), by which name, how surely."""

    species_id: int
    start: int
    end: int
    matched_name: str
    score: float
    kind: str
    language: str
    #: False when the words are a part of a longer name ("gris du gabon").
    whole_name: bool


@dataclass(frozen=True)
class _Target:
    """A name of the vocabulary or a run of its words, with the share of the name's letters it covers and what
    its score loses for being a synonym or an abbreviation."""

    entry: IndexEntry
    coverage: float
    penalty: float = 0.0


@dataclass(frozen=True)
class _Candidate:
    first: int  # index of the first word
    last: int  # index after the last word
    species_id: int
    score: float
    evidence: float
    target: _Target


class TextIndex:
    """The vocabulary as exact keys, length buckets for approximate lookup and phonetic keys."""

    def __init__(self, index: SpeciesIndex) -> None:
        ordinary = self.ordinary = ordinary_words()
        targets: dict[str, list[_Target]] = defaultdict(list)
        self.scientific: dict[int, str] = {}
        for normalised, entries in index.by_name.items():
            words = normalised.split()
            for entry in entries:
                penalty = SYNONYM_PENALTY if entry.kind == SpeciesName.Kind.SYNONYM else 0.0
                if entry.kind == SCIENTIFIC:
                    self.scientific[entry.species_id] = normalised
                if len(words) <= MAX_WORDS:
                    targets[normalised].append(_Target(entry, 1.0, penalty))
                if entry.kind in LATIN_KINDS and 1 < len(words) <= MAX_WORDS and len(words[0]) > 1:
                    # "P. erithacus": officers and sellers abbreviate the genus of a binomial or trinomial.
                    abbreviated = " ".join([words[0][0], *words[1:]])
                    targets[abbreviated].append(_Target(entry, 1.0, penalty + ABBREVIATION_PENALTY))
                for part in _parts(words):
                    if part not in index.by_name and not set(part.split()) <= ordinary:
                        targets[part].append(_Target(entry, len(part) / len(normalised), penalty))
        self.targets = dict(targets)
        # Approximate lookup compares a run of words only with the names of the same number of words, a length
        # within the tolerance, and one of the run's first two letters as first or second letter: a typo rarely
        # changes all four pairings, and the comparisons drop from the whole vocabulary to a few hundred names.
        # Each bucket is sorted by length, so a run reads the lengths it may match as one slice.
        buckets = _buckets(key for key in self.targets if tolerance(key) and key not in ordinary)
        by_sound: dict[str, list[str]] = defaultdict(list)
        for key in self.targets:
            if len(key) >= PHONETIC_MIN_LENGTH:
                by_sound[phonetic_key(key)].append(key)
        self.buckets = {bucket: sorted(keys, key=len) for bucket, keys in buckets.items()}
        self.lengths = {bucket: [len(key) for key in keys] for bucket, keys in self.buckets.items()}
        self.by_sound = dict(by_sound)
        self.words = {word for key in self.targets for word in key.split()}
        self.word_buckets = {bucket: sorted(words, key=len) for bucket, words in _buckets(self.words).items()}
        self.word_lengths = {bucket: [len(word) for word in words] for bucket, words in self.word_buckets.items()}
        self.word_distances: dict[str, int] = {}
        # Adverts repeat their words ("for sale", "hand raised"): a run is looked up once per process.
        self.cache: dict[str, dict[str, float]] = {}

    def lookup(self, key: str) -> dict[str, float]:
        """The vocabulary keys ``key`` (a folded run of words) may stand for, with their spelling similarity."""
        found = self.cache.get(key)
        if found is None:
            found = self._lookup(key)
            if len(self.cache) >= LOOKUP_CACHE_SIZE:
                self.cache.clear()
            self.cache[key] = found
        return found

    def _lookup(self, key: str) -> dict[str, float]:
        found = {key: EXACT_SCORE} if key in self.targets else {}
        if len(key) < 2 or set(key.split()) <= self.ordinary or any(word.isdigit() for word in key.split()):
            return found
        if len(key) >= PHONETIC_MIN_LENGTH:
            for name in self.by_sound.get(phonetic_key(key), ()):
                # Halfway between the spelling similarity and a perfect score, as in ``matching``.
                score = (_similarity(OSA.distance(key, name), name) + EXACT_SCORE) / 2
                found[name] = max(found.get(name, 0.0), score)
        spaces = key.count(" ")
        edits = allowed_edits(len(key) + 2, not spaces)
        # Each typo is in one word: a run whose words are further from every word of the vocabulary than the
        # tolerance allows cannot be a name, and most runs of an advert are ruled out so, word by word.
        if spaces and sum(self._word_distance(word) for word in key.split()) > edits:
            return found
        for name, distance in _near(key, edits, self.buckets, self.lengths, limit=None):
            if distance and distance <= tolerance(name):
                found.setdefault(name, _similarity(distance, name))
        return found

    def _word_distance(self, word: str) -> int:
        """Edits from ``word`` to the nearest word of the vocabulary (3 standing for "more than 2"), cached."""
        distance = self.word_distances.get(word)
        if distance is None:
            if word in self.words:
                distance = 0
            else:
                near = _near(word, 2, self.word_buckets, self.word_lengths, limit=1)
                distance = min((found for _word, found in near), default=3)
            if len(self.word_distances) >= LOOKUP_CACHE_SIZE:
                self.word_distances.clear()
            self.word_distances[word] = distance
        return distance


Buckets = dict[tuple[int, int, str], list[str]]


def _buckets(keys: Iterable[str]) -> Buckets:
    """Keys by position (0, 1), number of spaces and the letter at that position."""
    buckets: Buckets = defaultdict(list)
    for key in keys:
        for position in (0, 1):
            if position < len(key):
                buckets[position, key.count(" "), key[position]].append(key)
    return buckets


def _near(key: str, edits: int, buckets: Buckets, lengths: dict[tuple[int, int, str], list[int]],
          limit: int | None) -> list[tuple[str, int]]:
    """The keys of ``buckets`` (sorted by length) at most ``edits`` away from ``key``, with their distance."""
    found = []
    spaces = key.count(" ")
    for bucket in {(position, spaces, key[letter]) for position in (0, 1) for letter in (0, 1) if letter < len(key)}:
        names, sizes = buckets.get(bucket, []), lengths.get(bucket, [])
        shortest, longest = bisect_left(sizes, len(key) - edits), bisect_right(sizes, len(key) + edits)
        found += [(name, distance) for name, distance, _index in process.extract(
            key, names[shortest:longest], scorer=OSA.distance, score_cutoff=edits, limit=limit)]
    return found


def _parts(words: list[str]) -> list[str]:
    """The runs of two to ``MAX_WORDS`` consecutive words of a name, the whole name excepted, that neither begin
    nor end with a short word: "de montaña" is no evidence of "anoa de montaña", "african grey" is."""
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, min(len(words), i + MAX_WORDS) + 1)
            if j - i < len(words) and len(words[i]) > SHORT_WORD and len(words[j - 1]) > SHORT_WORD]


def _similarity(distance: int, name: str) -> float:
    return EXACT_SCORE * (1 - distance / len(name))


_lock = threading.Lock()
_cache: dict[str, tuple[SpeciesIndex, TextIndex]] = {}


def get_text_index(index: SpeciesIndex | None = None) -> TextIndex:
    """The text index of the current species index (or of ``index``), built once per version of the species
    tables."""
    index = get_index() if index is None else index
    with _lock:
        cached = _cache.get("text")
        if cached is None or cached[0] is not index:
            cached = (index, TextIndex(index))
            _cache["text"] = cached
        return cached[1]


def _words(text: str) -> list[tuple[str, int, int]]:
    """The folded words of ``text`` with their character offsets in it."""
    words = []
    for match in _WORD.finditer(text):
        words += [(word, match.start(), match.end()) for word in normalise_name(match.group()).split()]
    return words


def find_species(text: str, index: TextIndex | None = None) -> list[TextMatch]:
    """Every species named in ``text``, in the order of the text, each occurrence with its span and score.

    Scores run from ``MIN_SCORE`` to 100 (an exact, whole name). Runs of words whose best taxa tie are left out.
    """
    index = index or get_text_index()
    words = _words(text)
    candidates = _candidates(index, [word for word, _start, _end in words])
    taken = [False] * len(words)
    found = []
    for group in _by_evidence(candidates):
        best = group[0]
        if any(taken[best.first:best.last]):
            continue
        chosen = _settle(index, {candidate.species_id for candidate in group})
        for position in range(best.first, best.last):
            taken[position] = True
        if chosen is None:
            continue
        target = next(candidate.target for candidate in group if candidate.species_id == chosen)
        found.append(TextMatch(chosen, words[best.first][1], words[best.last - 1][2], target.entry.name,
                               round(best.score, 1), target.entry.kind, target.entry.language,
                               whole_name=target.coverage == 1))
    return sorted(found, key=lambda match: match.start)


def _candidates(index: TextIndex, words: list[str]) -> list[_Candidate]:
    """The best candidate per species and run of words, above ``MIN_SCORE``."""
    best: dict[tuple[int, int, int], _Candidate] = {}
    for first in range(len(words)):
        for last in range(first + 1, min(len(words), first + MAX_WORDS) + 1):
            key = " ".join(words[first:last])
            for name, similarity in index.lookup(key).items():
                for target in index.targets[name]:
                    score = _score(index, key, similarity, target)
                    slot = (first, last, target.entry.species_id)
                    if score is not None and (slot not in best or best[slot].score < score):
                        best[slot] = _Candidate(first, last, target.entry.species_id, score, score * len(key), target)
    return list(best.values())


def _score(index: TextIndex, key: str, similarity: float, target: _Target) -> float | None:
    """How surely ``key`` stands for ``target``; ``None`` below ``MIN_SCORE`` or when a lone word may not."""
    exact_scientific = target.entry.kind == SCIENTIFIC and similarity == EXACT_SCORE
    if " " not in key and (len(key) <= SHORT_WORD or (key in index.ordinary and not exact_scientific)):
        return None
    score = similarity * (0.5 + 0.5 * target.coverage) - target.penalty
    return score if score >= MIN_SCORE else None


def _by_evidence(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates grouped by equal evidence and span, the strongest group first."""
    groups: dict[tuple[float, int, int], list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        groups[round(candidate.evidence, 3), candidate.first, candidate.last].append(candidate)
    ordered = sorted(groups.items(), key=lambda item: (-item[0][0], item[0][1]))
    return [group for _key, group in ordered]


def _settle(index: TextIndex, species_ids: set[int]) -> int | None:
    """The one species among equals, or ``None``: the species whose subspecies share its name, else no one."""
    if len(species_ids) == 1:
        return next(iter(species_ids))
    names = {species_id: index.scientific.get(species_id, "") for species_id in species_ids}
    for species_id, name in names.items():
        if name and all(other == name or other.startswith(name + " ") for other in names.values()):
            return species_id
    return None


def suggested_species(text: str, index: TextIndex | None = None) -> list[TextMatch]:
    """The species ``text`` names, once each (its best occurrence), best first: what a listing is offered."""
    best: dict[int, TextMatch] = {}
    for match in find_species(text, index):
        if match.species_id not in best or best[match.species_id].score < match.score:
            best[match.species_id] = match
    return sorted(best.values(), key=lambda match: (-match.score, match.start))


def species_named_by(query: str, index: TextIndex | None = None) -> int | None:
    """The species a search query names as a whole (or misspelt), ``None`` for anything else.

    A search adds a species' listings only when every word of the query belongs to one name: "Loxodonta
    africanna" does, "south", "feather" or "ivory elephant tusks" do not.
    """
    words = _words(query)
    if not words:
        return None
    matches = find_species(query, index)
    if len(matches) != 1 or not matches[0].whole_name:
        return None
    match = matches[0]
    return match.species_id if (match.start, match.end) == (words[0][1], words[-1][2]) else None
