"""Name normalisation and phonetic keys shared by the species index, the importer and matching.

Officers type species names as they read them in adverts: in any case, with or without accents, with stray
punctuation, and often misspelled by ear. Both sides of every comparison go through the same functions here so
that "Éléphant d'Afrique", "elephant d afrique" and "ELEPHANT-D'AFRIQUE" are one key.
"""

from __future__ import annotations

import re
import unicodedata

import jellyfish

# Letters that NFKD does not decompose into a base letter plus accents.
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Latin and Greek spellings that sound alike but that metaphone keys differently ("erithacus"/"eritacus").
_SOUND_ALIKES = (("ph", "f"), ("th", "t"), ("rh", "r"), ("ae", "e"), ("oe", "e"), ("y", "i"), ("k", "c"))


def normalise_name(name: str) -> str:
    """Lower-case, fold accents and collapse every run of punctuation or space to a single space."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_LIGATURES))
    without_accents = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", without_accents.translate(_LIGATURES)).strip()


def phonetic_key(normalised: str) -> str:
    """The metaphone key of each word of an already normalised name, so sound-alike spellings share a key."""
    keys = []
    for word in normalised.split():
        for spelling, sound in _SOUND_ALIKES:
            word = word.replace(spelling, sound)
        keys.append(jellyfish.metaphone(word) if word.isalpha() else word)
    return " ".join(key for key in keys if key)


_LISTING_ORDER = ("I", "II", "III", "NC")
_LISTING_SEPARATORS = re.compile(r"[\s/,;+&]+")


def clean_scientific_name(name: str) -> str:
    """The stored form of a scientific name: single spaces, no surrounding space, genus capitalised.

    Only the first letter is touched: epithets are lower case by the codes of nomenclature, and a name that
    arrives otherwise is kept as published rather than silently "corrected".
    """
    collapsed = " ".join(name.split())
    return collapsed[:1].upper() + collapsed[1:]


def parse_cites_listing(listing: str) -> tuple[str, list[str]]:
    """Split a CITES listing such as ``I/II`` or ``II/NC`` into its canonical text and its appendices.

    The text keeps ``NC`` (populations not covered by the Convention) because it tells the reader that the
    listing is partial; the appendices list only I, II and III, for filtering. An empty listing is valid (the
    taxon is known but not listed). Raises ``ValueError`` for anything else, so a corrupt row is reported
    rather than stored as an unknown appendix.
    """
    parts = {part.upper() for part in _LISTING_SEPARATORS.split(listing.strip()) if part}
    unknown = parts.difference(_LISTING_ORDER)
    if unknown:
        raise ValueError(f"unknown CITES appendix {'/'.join(sorted(unknown))!r} in listing {listing!r}")
    ordered = [part for part in _LISTING_ORDER if part in parts]
    return "/".join(ordered), [part for part in ordered if part != "NC"]
