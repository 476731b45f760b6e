"""Watchlist evaluation: every new or changed listing is checked against the active terms of every watchlist.

Which terms a listing matches is the search backend's answer (``SearchBackend.watch_matches``): Elasticsearch
percolates the listings against the terms stored as queries (``search.es_documents.watch_query``); the database
backend reads the terms and matches them here in Python (:func:`python_matches`), to the same rules — the words
of the term in order as whole words of the listing's title or text, accents and case ignored; for a hashtag term
also the hashtag; for a term naming a species also a listing of that species. :func:`evaluate` is the one place
that turns matches into alerts, whatever the backend.

Alerts are raised for every match and shown only to officers who may see the listing (``cases.rules.watch_alerts``),
so an alert never reveals a listing its watchlist's owners may not read.
"""

from __future__ import annotations

import re
from collections import defaultdict

from cases.models import Listing, WatchAlert, WatchTerm
from cases.species.normalise import normalise_name

from .backends import get_backend
from .backends.base import SearchBackend


def evaluate(listing_ids: list[int], backend: SearchBackend | None = None) -> int:
    """Raise the alerts these listings trigger; returns how many were new. Idempotent (one alert per match).

    Matches are re-checked against the terms as they are now: a backend's stored copy may still hold a term
    deleted or deactivated since, whose outbox row is not delivered yet.
    """
    if not listing_ids:
        return 0
    matches = (backend or get_backend()).watch_matches(listing_ids)
    if not matches:
        return 0
    watchlists = dict(WatchTerm.objects.filter(pk__in={term for term, _ in matches}, watchlist__is_active=True)
                      .values_list("pk", "watchlist_id"))
    alerts = [WatchAlert(watchlist_id=watchlists[term], term_id=term, listing_id=listing)
              for term, listing in sorted(matches) if term in watchlists]
    before = WatchAlert.objects.filter(listing_id__in=listing_ids).count()
    WatchAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return WatchAlert.objects.filter(listing_id__in=listing_ids).count() - before


def python_matches(listing_ids: list[int]) -> set[tuple[int, int]]:
    """The ``(term id, listing id)`` pairs of active terms these listings match, computed in Python.

    Terms are read once per batch; a term's words match on the folded title or text as whole words, inside one
    field as the percolator's phrase query matches them (a title ending "hand" and a text starting "raised" is not
    "hand raised": the real node said so on real adverts); a hashtag term's ``#`` folds away, so it matches the
    hashtag and the bare word alike.
    """
    terms = list(WatchTerm.objects.filter(watchlist__is_active=True).values("pk", "normalised", "species_id"))
    if not terms or not listing_ids:
        return set()
    patterns = {t["pk"]: re.compile(rf"(?<!\w){re.escape(t['normalised'])}(?!\w)") for t in terms if t["normalised"]}
    species: dict[int, set[int]] = defaultdict(set)
    for listing_id, species_id in Listing.species.through.objects.filter(listing_id__in=listing_ids).values_list(
            "listing_id", "species_id"):
        species[listing_id].add(species_id)
    matches: set[tuple[int, int]] = set()
    for row in Listing.objects.filter(pk__in=listing_ids).values("pk", "title", "text"):
        fields = [normalise_name(row["title"]), normalise_name(row["text"])]
        for term in terms:
            pattern = patterns.get(term["pk"])
            by_text = pattern is not None and any(pattern.search(field) for field in fields)
            if by_text or (term["species_id"] is not None and term["species_id"] in species[row["pk"]]):
                matches.add((term["pk"], row["pk"]))
    return matches
