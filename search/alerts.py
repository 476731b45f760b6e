"""Watchlist evaluation: every new or changed listing is checked against the active terms of every watchlist.

The database backend's counterpart of Elasticsearch percolation: terms are read once per batch and matched in
Python against the listing's folded title and text (whole words, accents and case ignored; a hashtag matches
with or without its ``#``), or through the species the term names. Alerts are raised for every match and shown
only to officers who may see the listing (``cases.rules.watch_alerts``).
"""

from __future__ import annotations

import re
from collections import defaultdict

from cases.models import Listing, WatchAlert, WatchTerm
from cases.species.normalise import normalise_name


def evaluate(listing_ids: list[int]) -> int:
    """Raise the alerts these listings trigger; returns how many were new. Idempotent (one alert per match)."""
    terms = list(WatchTerm.objects.filter(watchlist__is_active=True)
                 .values("pk", "watchlist_id", "normalised", "species_id"))
    if not terms or not listing_ids:
        return 0
    patterns = {t["pk"]: re.compile(rf"(?<!\w){re.escape(t['normalised'])}(?!\w)") for t in terms if t["normalised"]}
    species: dict[int, set[int]] = defaultdict(set)
    for listing_id, species_id in Listing.species.through.objects.filter(listing_id__in=listing_ids).values_list(
            "listing_id", "species_id"):
        species[listing_id].add(species_id)
    alerts = []
    for row in Listing.objects.filter(pk__in=listing_ids).values("pk", "title", "text"):
        folded = normalise_name(f"{row['title']} {row['text']}")
        for term in terms:
            pattern = patterns.get(term["pk"])
            by_text = pattern is not None and pattern.search(folded) is not None
            if by_text or (term["species_id"] is not None and term["species_id"] in species[row["pk"]]):
                alerts.append(WatchAlert(watchlist_id=term["watchlist_id"], term_id=term["pk"], listing_id=row["pk"]))
    before = WatchAlert.objects.filter(listing_id__in=listing_ids).count()
    WatchAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return WatchAlert.objects.filter(listing_id__in=listing_ids).count() - before
