"""The curated species fixture shipped with WildNet and its idempotent loader.

The fixture (``cases/fixtures/species_curated.json``) holds a few hundred taxa of the groups most traded online,
with their listing in the CITES Appendices valid in 2023–2025 and their common and trade names in English,
French and Spanish, so that a fresh installation can match and file species without the full Species+
export. Its format is ours rather than Django's ``loaddata`` format because ``loaddata`` inserts by primary
key: loading it twice, or after an import, would clash instead of updating. Here every taxon is upserted by
scientific name, names are added once, and a Species+ id set by an import is kept.

The whole file is validated before anything is written, and written in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from cases.models import Species, SpeciesGroup, SpeciesName, SpeciesRank
from cases.species.importer import SPECIES_UPDATE_FIELDS, TaxonRecord, write_names
from cases.species.normalise import clean_scientific_name, normalise_name, parse_cites_listing

CURATED_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "species_curated.json"
FIXTURE_FORMAT = "wildnet-species/1"
_TAXONOMY = ("kingdom", "phylum", "class_name", "order_name", "family", "genus")
_LANGUAGES = ("en", "fr", "es")
# The fixture names no Species+ id, so an upsert must not clear one that an import has set.
_CURATED_UPDATE_FIELDS = [name for name in SPECIES_UPDATE_FIELDS if name != "scientific_name"]


class CuratedFixtureError(Exception):
    """The fixture is not valid; ``problems`` lists every problem found, one per taxon and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the species fixture: " + "; ".join(problems[:10]))
        self.problems = problems


@dataclass(frozen=True)
class LoadReport:
    """What a load did: taxa read, created and updated, names added."""

    taxa: int
    created: int
    updated: int
    names_added: int


def parse_taxon(entry: dict[str, Any]) -> TaxonRecord:
    """One fixture entry as a ``TaxonRecord``; raises ``ValueError`` naming the first bad field."""
    name = clean_scientific_name(str(entry.get("scientific_name", "")))
    if not normalise_name(name):
        raise ValueError("scientific_name is empty")
    rank = entry.get("rank", SpeciesRank.SPECIES)
    if rank not in SpeciesRank.values:
        raise ValueError(f"{name}: unknown rank {rank!r}")
    group = entry.get("group")
    if group not in SpeciesGroup.values:
        raise ValueError(f"{name}: unknown group {group!r}")
    listing, appendices = parse_cites_listing(str(entry.get("cites_listing", "")))
    if not appendices:
        raise ValueError(f"{name}: a curated taxon must be listed in at least one appendix")
    names: list[tuple[str, str, str]] = [
        (synonym, SpeciesName.Language.LATIN, SpeciesName.Kind.SYNONYM) for synonym in entry.get("synonyms", [])
    ]
    for language in _LANGUAGES:
        names += [(common, language, SpeciesName.Kind.COMMON) for common in entry.get("names", {}).get(language, [])]
        names += [(trade, language, SpeciesName.Kind.TRADE) for trade in entry.get("trade", {}).get(language, [])]
    return TaxonRecord(
        scientific_name=name,
        rank=rank,
        cites_listing=listing,
        cites_appendices=appendices,
        group=group,
        author=entry.get("author", ""),
        annotation=entry.get("annotation", ""),
        names=names,
        **{field: entry.get(field, "") for field in _TAXONOMY},
    )


def read_fixture(path: Path = CURATED_FIXTURE) -> list[TaxonRecord]:
    """Every taxon of the fixture, or ``CuratedFixtureError`` listing every problem in it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        fixture_format, entries = document.get("format"), document["taxa"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CuratedFixtureError([f"{path}: {error}"]) from error
    if fixture_format != FIXTURE_FORMAT:
        raise CuratedFixtureError([f"{path}: format {fixture_format!r} is not {FIXTURE_FORMAT!r}"])
    records, problems, seen = [], [], set()
    for position, entry in enumerate(entries):
        try:
            record = parse_taxon(entry)
        except (ValueError, AttributeError, TypeError) as error:
            problems.append(f"taxon #{position}: {error}")
            continue
        if record.scientific_name in seen:
            problems.append(f"taxon #{position}: {record.scientific_name} appears twice")
        seen.add(record.scientific_name)
        records.append(record)
    if problems:
        raise CuratedFixtureError(problems)
    return records


def load_curated(path: Path = CURATED_FIXTURE) -> LoadReport:
    """Upsert the fixture's taxa by scientific name and add their names; safe to run any number of times."""
    records = read_fixture(path)
    names = [record.scientific_name for record in records]
    with transaction.atomic():
        existing = Species.objects.filter(scientific_name__in=names).count()
        Species.objects.bulk_create(
            [record.to_species() for record in records],
            update_conflicts=True,
            unique_fields=["scientific_name"],
            update_fields=_CURATED_UPDATE_FIELDS,
        )
        ids = dict(Species.objects.filter(scientific_name__in=names).values_list("scientific_name", "id"))
        names_added = write_names(records, ids)
    return LoadReport(taxa=len(records), created=len(records) - existing, updated=existing, names_added=names_added)
