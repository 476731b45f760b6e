"""Import a CITES checklist / Species+ CSV export into ``Species`` and ``SpeciesName``.

The export is large (tens of thousands of taxa), comes gzipped or plain whatever its file name says, and has
quoted fields spanning several lines (annotations per appendix). So the file is sniffed by its magic bytes,
read as a stream through the ``csv`` module (which handles the quoted line breaks), and written in batches
with one upsert per batch keyed on the Species+ ``TaxonId``: a re-run updates rows in place and adds nothing,
and a listing changed at a Conference of the Parties replaces the old one.

Names are only ever added (``ignore_conflicts`` on their unique spelling): trade names and extra common names
from the curated fixture survive an import, and a re-run adds no duplicates.

Rows that cannot be stored are skipped, never half-written, and counted per reason with the first few
examples, so whoever runs the import can see what the export got wrong.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import transaction
from tqdm import tqdm

from cases.models import Species, SpeciesGroup, SpeciesName, SpeciesRank
from cases.species.normalise import clean_scientific_name, normalise_name, parse_cites_listing

GZIP_MAGIC = b"\x1f\x8b"
REQUIRED_COLUMNS = ("TaxonId", "FullName", "RankName", "CurrentListing")
EXAMPLES_PER_REASON = 5
NAME_MAX_LENGTH = 255

# Columns of the export holding comma-separated common names, by language.
_COMMON_NAME_COLUMNS = (("EnglishNames", "en"), ("FrenchNames", "fr"), ("SpanishNames", "es"))
# Fields an upsert may overwrite. ``species_plus_id`` is the conflict key itself.
SPECIES_UPDATE_FIELDS = [
    "scientific_name", "normalised_name", "rank", "kingdom", "phylum", "class_name", "order_name", "family",
    "genus", "author", "cites_listing", "cites_appendices", "annotation", "group", "updated_at",
]  # fmt: skip

# A synonym is a binomial or trinomial (optionally with an infraspecific marker) at the start of the field or
# after a comma; the author that follows it is dropped. Authors may contain commas ("Geoffroy, 1827"), so the
# field cannot simply be split on commas. Words such as "in" or "de" after a capitalised author are not epithets.
_SYNONYM = re.compile(
    r"(?:^|,\s*)(?P<name>[A-Z][a-z]+(?:-[a-z]+)?(?: \([A-Z][a-z]+\))?"
    r" (?!(?:in|de|da|di|du|van|von|ex|et|la|le|del|des|der) )[a-z][a-z-]{2,}"
    r"(?: (?:ssp\.|subsp\.|var\.|f\.) [a-z][a-z-]+| [a-z][a-z-]{2,}(?=\s|,|$))?)"
)
# Stands for "no row has this name" where ``None`` means "a row without a Species+ id has it".
_NOBODY = -1
_HTML_TAG = re.compile(r"<[^>]+>")
_EMPTY_APPENDIX_LINE = re.compile(r"^Appendix [IV]+:\s*$")


class SpeciesImportError(Exception):
    """The file as a whole cannot be imported (missing, not CSV text, without the required columns)."""


class SkipReason:
    """Why a row was not stored; the values appear in the command's report."""

    MALFORMED_ROW = "malformed_row"
    MISSING_TAXON_ID = "missing_taxon_id"
    INVALID_TAXON_ID = "invalid_taxon_id"
    MISSING_NAME = "missing_name"
    NAME_TOO_LONG = "name_too_long"
    UNKNOWN_RANK = "unknown_rank"
    INVALID_LISTING = "invalid_listing"
    DUPLICATE_TAXON_ID = "duplicate_taxon_id"
    NAME_CONFLICT = "name_conflict"


class SkippedRow(Exception):
    """Raised while parsing one row; carries the reason counted in the report."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class TaxonRecord:
    """One taxon as read from a source, before it is written: the common ground of the importer and fixture."""

    scientific_name: str
    rank: str
    cites_listing: str
    cites_appendices: list[str]
    group: str
    kingdom: str = ""
    phylum: str = ""
    class_name: str = ""
    order_name: str = ""
    family: str = ""
    genus: str = ""
    author: str = ""
    annotation: str = ""
    species_plus_id: int | None = None
    # (name, language, kind) triples, written as SpeciesName rows.
    names: list[tuple[str, str, str]] = field(default_factory=list)

    def to_species(self) -> Species:
        """An unsaved ``Species`` with its derived match key, ready for ``bulk_create`` (which skips ``save``)."""
        return Species(
            scientific_name=self.scientific_name,
            normalised_name=normalise_name(self.scientific_name),
            rank=self.rank,
            kingdom=self.kingdom,
            phylum=self.phylum,
            class_name=self.class_name,
            order_name=self.order_name,
            family=self.family,
            genus=self.genus,
            author=self.author,
            cites_listing=self.cites_listing,
            cites_appendices=self.cites_appendices,
            annotation=self.annotation,
            species_plus_id=self.species_plus_id,
            group=self.group,
        )


@dataclass
class ImportReport:
    """What an import did: rows read, taxa created and updated, names added, rows skipped and why."""

    rows_read: int = 0
    created: int = 0
    updated: int = 0
    names_added: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, where: str, detail: str) -> None:
        self.skipped[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(f"{where}: {detail}")


def write_names(records: Iterable[TaxonRecord], species_ids: dict[str, int]) -> int:
    """Add the names of ``records`` to their species (looked up by scientific name); returns rows added.

    Spellings that differ only by case, accents or punctuation are one row, the first one seen.
    """
    rows: dict[tuple[int, str, str, str], SpeciesName] = {}
    for record in records:
        species_id = species_ids[record.scientific_name]
        for name, language, kind in record.names:
            cleaned = " ".join(name.split())[:NAME_MAX_LENGTH]
            normalised = normalise_name(cleaned)
            if normalised:
                rows.setdefault(
                    (species_id, kind, language, normalised),
                    SpeciesName(
                        species_id=species_id, name=cleaned, normalised_name=normalised, language=language, kind=kind
                    ),
                )
    before = SpeciesName.objects.filter(species_id__in=species_ids.values()).count()
    SpeciesName.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return SpeciesName.objects.filter(species_id__in=species_ids.values()).count() - before


def open_export(path: Path) -> IO[str]:
    """Open an export as text, decompressing it when its first bytes are the gzip magic number.

    ``newline=""`` hands line breaks to the csv module, which is what keeps quoted multi-line fields whole.
    """
    try:
        with path.open("rb") as probe:
            compressed = probe.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    except OSError as error:
        raise SpeciesImportError(f"Cannot open {path}: {error.strerror}") from error
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def split_common_names(value: str) -> list[str]:
    """Common names as the export lists them: comma-separated."""
    return [name.strip() for name in value.split(",") if name.strip()]


def split_synonyms(value: str) -> list[str]:
    """The scientific names of a ``SynonymsWithAuthors`` field, without their authors."""
    return [match.group("name") for match in _SYNONYM.finditer(value)]


def clean_annotation(value: str) -> str:
    """The annotation without markup and without the empty ``Appendix II:`` headings the export repeats."""
    lines = (_HTML_TAG.sub(" ", line).replace("\xa0", " ").strip() for line in value.splitlines())
    return "\n".join(" ".join(line.split()) for line in lines if line and not _EMPTY_APPENDIX_LINE.match(line))


def parse_row(row: dict[str | None, str | list[str] | None]) -> TaxonRecord:
    """Turn one CSV row into a ``TaxonRecord``, or raise ``SkippedRow`` saying why it cannot be stored."""
    if None in row or any(value is None for value in row.values()):
        raise SkippedRow(SkipReason.MALFORMED_ROW, "wrong number of fields")

    def text(column: str) -> str:
        value = row.get(column)
        return value.strip() if isinstance(value, str) else ""

    taxon_id = text("TaxonId")
    if not taxon_id:
        raise SkippedRow(SkipReason.MISSING_TAXON_ID, f"no TaxonId for {text('FullName') or 'unnamed row'}")
    if not taxon_id.isdigit():
        raise SkippedRow(SkipReason.INVALID_TAXON_ID, f"TaxonId {taxon_id!r} is not a number")
    name = clean_scientific_name(text("FullName"))
    if not normalise_name(name):
        raise SkippedRow(SkipReason.MISSING_NAME, f"TaxonId {taxon_id} has no FullName")
    if len(name) > NAME_MAX_LENGTH:
        raise SkippedRow(SkipReason.NAME_TOO_LONG, f"TaxonId {taxon_id}: name longer than {NAME_MAX_LENGTH}")
    rank = text("RankName").lower()
    if rank not in SpeciesRank.values:
        raise SkippedRow(SkipReason.UNKNOWN_RANK, f"{name}: rank {text('RankName')!r}")
    try:
        listing, appendices = parse_cites_listing(text("CurrentListing"))
    except ValueError as error:
        raise SkippedRow(SkipReason.INVALID_LISTING, f"{name}: {error}") from error

    names: list[tuple[str, str, str]] = [
        (synonym, SpeciesName.Language.LATIN, SpeciesName.Kind.SYNONYM)
        for synonym in split_synonyms(text("SynonymsWithAuthors"))
    ]
    for column, language in _COMMON_NAME_COLUMNS:
        names += [(common, language, SpeciesName.Kind.COMMON) for common in split_common_names(text(column))]
    return TaxonRecord(
        scientific_name=name,
        rank=rank,
        cites_listing=listing,
        cites_appendices=appendices,
        group=SpeciesGroup.for_taxonomy(class_name=text("Class"), order_name=text("Order"), family=text("Family")),
        kingdom=text("Kingdom")[:64],
        phylum=text("Phylum")[:64],
        class_name=text("Class")[:64],
        order_name=text("Order")[:64],
        family=text("Family")[:64],
        genus=text("Genus")[:64],
        author=text("AuthorYear")[:255],
        annotation=clean_annotation(text("AnnotationEnglish")),
        species_plus_id=int(taxon_id),
        names=names,
    )


class ChecklistImporter:
    """Reads one export and upserts it batch by batch; ``run`` returns the ``ImportReport``."""

    def __init__(self, path: Path, *, limit: int | None = None, batch_size: int = 500, progress: bool = True):
        self.path = path
        self.limit = limit
        self.batch_size = batch_size
        self.progress = progress
        self.report = ImportReport()
        # Across the whole file, so a duplicate in a later batch is caught as well.
        self._seen_ids: set[int | None] = set()
        self._seen_names: set[str] = set()

    def run(self) -> ImportReport:
        with open_export(self.path) as stream:
            batch: list[TaxonRecord] = []
            for record in self._records(stream):
                batch.append(record)
                if len(batch) >= self.batch_size:
                    self._write(batch)
                    batch = []
            if batch:
                self._write(batch)
        return self.report

    def _records(self, stream: IO[str]) -> Iterator[TaxonRecord]:
        reader = csv.DictReader(stream)
        try:
            columns = reader.fieldnames or []
        except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as error:
            raise SpeciesImportError(f"{self.path} is not a UTF-8 CSV export: {error}") from error
        missing = [column for column in REQUIRED_COLUMNS if column not in columns]
        if missing:
            raise SpeciesImportError(f"{self.path} lacks the column(s) {', '.join(missing)}; is it a CITES export?")
        # tqdm's ``disable=None`` turns the bar off by itself when stderr is not a terminal.
        rows = tqdm(reader, unit=" taxa", desc="species", disable=None if self.progress else True)
        try:
            for row in rows:
                if self.limit is not None and self.report.rows_read >= self.limit:
                    break
                self.report.rows_read += 1
                try:
                    record = parse_row(row)
                except SkippedRow as skipped:
                    self.report.skip(skipped.reason, f"line {reader.line_num}", skipped.detail)
                    continue
                if record.species_plus_id in self._seen_ids:
                    self.report.skip(
                        SkipReason.DUPLICATE_TAXON_ID,
                        f"line {reader.line_num}",
                        f"TaxonId {record.species_plus_id} ({record.scientific_name}) already read",
                    )
                    continue
                self._seen_ids.add(record.species_plus_id)
                yield record
        except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, csv.Error) as error:
            raise SpeciesImportError(f"{self.path}: unreadable after line {reader.line_num}: {error}") from error
        finally:
            rows.close()

    def _write(self, batch: list[TaxonRecord]) -> None:
        """Upsert one batch in one transaction: a fault loses at most this batch, and a re-run repairs it."""
        with transaction.atomic():
            records = self._resolve_conflicts(batch)
            if not records:
                return
            Species.objects.bulk_create(
                [record.to_species() for record in records],
                update_conflicts=True,
                unique_fields=["species_plus_id"],
                update_fields=SPECIES_UPDATE_FIELDS,
            )
            names = [record.scientific_name for record in records]
            ids = dict(Species.objects.filter(scientific_name__in=names).values_list("scientific_name", "id"))
            self.report.names_added += write_names(records, ids)

    def _resolve_conflicts(self, batch: list[TaxonRecord]) -> list[TaxonRecord]:
        """Count creations and updates, adopt taxa known by name only, and drop rows whose name is taken.

        A taxon loaded from the curated fixture has no Species+ id yet: the import adopts it (sets the id)
        rather than failing on the unique scientific name. A name already held by a different Species+ taxon
        is a conflict the export must resolve, so that row is skipped.
        """
        taxon_ids = [record.species_plus_id for record in batch]
        known_ids = set(Species.objects.filter(species_plus_id__in=taxon_ids).values_list("species_plus_id", flat=True))
        names = [record.scientific_name for record in batch]
        name_holders = dict(
            Species.objects.filter(scientific_name__in=names).values_list("scientific_name", "species_plus_id")
        )
        kept = []
        for record in batch:
            holder = name_holders.get(record.scientific_name, _NOBODY)
            taken = holder not in (_NOBODY, None, record.species_plus_id) or (
                holder is None and record.species_plus_id in known_ids
            )
            if taken or record.scientific_name in self._seen_names:
                self.report.skip(
                    SkipReason.NAME_CONFLICT,
                    f"TaxonId {record.species_plus_id}",
                    f"{record.scientific_name} is already held by another taxon",
                )
                continue
            if holder is None:
                Species.objects.filter(scientific_name=record.scientific_name).update(
                    species_plus_id=record.species_plus_id
                )
            self._seen_names.add(record.scientific_name)
            if record.scientific_name in name_holders or record.species_plus_id in known_ids:
                self.report.updated += 1
            else:
                self.report.created += 1
            kept.append(record)
        return kept


def import_checklist(
    path: Path, *, limit: int | None = None, batch_size: int = 500, progress: bool = True
) -> ImportReport:
    """Import the export at ``path``; see the module docstring. Raises ``SpeciesImportError`` for a bad file."""
    return ChecklistImporter(path, limit=limit, batch_size=batch_size, progress=progress).run()
