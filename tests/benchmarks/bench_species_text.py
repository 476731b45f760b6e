"""Benchmark of finding species inside advert text (``cases.species.text``). Not a test: figures go into README.

Issue 17 asks for precision and recall on a labelled set built from the real checklist (names inside sentences,
misspelt or not, in three languages) and for the false alarms on texts that name no species. From the CITES
checklist of ``../shared/data`` (38,079 taxa, read straight from the file into the index: no database), this
script

* samples, with a fixed seed, ``N`` species and subspecies whose scientific name goes into a sentence of each
  language ("vends {name} jeune mâle", "selling my {name} 6 months old", "se vende {name} con papeles"), and
  ``N / 2`` per language whose common name in that language goes into a sentence of that language; a common
  name is used only when it designates that taxon alone (a name two taxa share is refused, by design). Each
  name appears as written, misspelt the way adverts misspell (a letter dropped, doubled, replaced or two
  swapped, anywhere in a word, accents dropped; two such edits in names longer than eight letters) and, for
  scientific names, with the genus abbreviated ("P. erithacus");
* reports, per language, kind of name and form: recall (the taxon is among the species found), precision
  (found species that are the taxon) and top-1 (the best suggestion is the taxon);
* runs negatives: sentences naming no CITES species, every frequent advert word alone (as a text and as a
  search query), and 2,000 real bird adverts, where a suggestion that is not a bird is certainly false;
* times building the index and scanning the adverts.

    PYTHONPATH=platform:. .venv/bin/python tests/benchmarks/bench_species_text.py [N] [seed]
"""

from __future__ import annotations

import csv
import gzip
import os
import random
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(os.environ.get("WILDNET_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
CHECKLIST = DATA / "cites_species_checklist_2017-04-21.csv.gz"
ADVERTS = DATA / "bird_classified_ads_au_stemmed.csv.gz"

TEMPLATES = {
    "en": ["selling my {name} 6 months old", "{name} for sale, hand raised, papers included",
           "beautiful young {name} male, pick up only", "wanted: {name} breeding pair", "genuine {name} available now",
           "I have a {name} looking for a new home"],
    "fr": ["vends {name} jeune mâle", "à vendre {name} avec certificat", "cherche couple de {name}",
           "magnifique {name} né en captivité, 4 mois", "donne {name} contre bons soins", "{name} disponible de suite"],
    "es": ["se vende {name} con papeles", "vendo {name} macho joven", "busco pareja de {name}",
           "{name} criado a mano, 5 meses", "precioso ejemplar de {name} en venta", "tengo {name} disponible"],
}
NEGATIVES = {
    "en": ["selling my golden retriever puppy 6 months old", "south facing cage for sale, approx 2m",
           "royal blue feather boa, never worn", "grey kitten for sale, very friendly",
           "second hand bicycle, good condition", "pair of leather boots size 42",
           "fresh eggs from free range hens", "rabbit hutch with run, pick up only"],
    "fr": ["vends chiot berger allemand mâle", "cage pour oiseaux très bon état", "canapé gris trois places à vendre",
           "poules pondeuses disponibles", "vends vélo enfant bleu", "lapin nain femelle 3 mois"],
    "es": ["se vende perro pastor alemán", "jaula grande para pájaros con accesorios", "vendo sofá gris como nuevo",
           "gallinas ponedoras en venta", "bicicleta de montaña casi nueva", "conejo enano muy cariñoso"],
}
SAMPLED_RANKS = {"species", "subspecies"}


def setup() -> None:
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()


def read_checklist() -> list:  # type: ignore[type-arg]
    from cases.species.importer import SkippedRow, open_export, parse_row

    records = []
    with open_export(CHECKLIST) as stream:
        for row in csv.DictReader(stream):
            try:
                records.append(parse_row(row))
            except SkippedRow:
                continue
    return records


def build_index(records: list) -> tuple:  # type: ignore[type-arg]
    from cases.models import SpeciesName
    from cases.species.matching import SCIENTIFIC, IndexEntry, SpeciesIndex
    from cases.species.normalise import normalise_name
    from cases.species.text import TextIndex

    entries = []
    for record in records:
        entries.append((normalise_name(record.scientific_name), IndexEntry(
            record.species_plus_id, record.scientific_name, SCIENTIFIC, SpeciesName.Language.LATIN)))
        entries += [(normalise_name(name), IndexEntry(record.species_plus_id, name, kind, language))
                    for name, language, kind in record.names if normalise_name(name)]
    started = time.perf_counter()
    index = SpeciesIndex(entries)
    text_index = TextIndex(index)
    return index, text_index, time.perf_counter() - started


def misspell(name: str, rng: random.Random) -> str:
    """One typo, two in names longer than eight letters, of the kinds adverts show, anywhere in a word; accents
    dropped half the time (no edit for the matcher, which folds them, but the way adverts write)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if folded != name and rng.random() < 0.5:
        name = folded
    letters = sum(c.isalpha() for c in name)
    for _edit in range(1 if letters <= 8 else 2):
        i = rng.choice([i for i, c in enumerate(name) if c.isalpha()])
        kind = rng.choice(["drop", "double", "replace", "swap"])
        if kind == "drop":
            name = name[:i] + name[i + 1:]
        elif kind == "double":
            name = name[:i] + name[i] + name[i:]
        elif kind == "replace":
            name = name[:i] + rng.choice([c for c in "aeioulnrst" if c != name[i].lower()]) + name[i + 1:]
        elif i + 1 < len(name) and name[i + 1].isalpha():
            name = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        else:
            name = name[:i] + name[i + 1:]
    return name


def labelled_set(records: list, count: int, seed: int) -> list[tuple[str, str, str, str, int]]:  # type: ignore[type-arg]
    """(sentence language, name kind, form, sentence, taxon id): ``count`` taxa by scientific name in the three
    languages, and ``count // 2`` taxa per language by a common name of that language."""
    from cases.species.normalise import normalise_name

    holders: dict[str, set[int]] = defaultdict(set)
    for record in records:
        holders[normalise_name(record.scientific_name)].add(record.species_plus_id)
        for name, _language, _kind in record.names:
            holders[normalise_name(name)].add(record.species_plus_id)
    rng = random.Random(seed)
    pool = sorted((r for r in records if r.rank in SAMPLED_RANKS), key=lambda r: r.species_plus_id)
    rows = []

    def add(language: str, kind: str, name: str, taxon: int) -> None:
        template = rng.choice(TEMPLATES[language])
        rows.append((language, kind, "exact", template.format(name=name), taxon))
        if sum(c.isalpha() for c in name) > 4:
            rows.append((language, kind, "misspelt", template.format(name=misspell(name, rng)), taxon))

    for record in rng.sample(pool, count):
        genus, *rest = record.scientific_name.split()
        for language in TEMPLATES:
            add(language, "scientific", record.scientific_name, record.species_plus_id)
            template = rng.choice(TEMPLATES[language])
            rows.append((language, "scientific", "abbreviated",
                         template.format(name=" ".join([genus[0] + ".", *rest])), record.species_plus_id))
    for language in TEMPLATES:
        named = [(r, [n for n, lang, kind in r.names if lang == language and kind == "common"
                      and holders[normalise_name(n)] == {r.species_plus_id}]) for r in pool]
        named = [(r, names) for r, names in named if names]
        for record, names in rng.sample(named, min(count // 2, len(named))):
            add(language, "common", rng.choice(names), record.species_plus_id)
    return rows


def adverts(count: int, seed: int) -> list[str]:
    with gzip.open(ADVERTS, "rt", encoding="latin-1") as stream:
        texts = [row["text_stop_stem"] for row in csv.DictReader(stream)]
    return random.Random(seed).sample(texts, count)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 17
    setup()
    from cases.species.ordinary import ordinary_words
    from cases.species.text import find_species, species_named_by, suggested_species

    records = read_checklist()
    classes = {r.species_plus_id: r.class_name for r in records}
    names = {r.species_plus_id: r.scientific_name for r in records}
    _index, text_index, built = build_index(records)
    print(f"checklist: {len(records)} taxa; text index built in {built:.2f} s")

    rows = labelled_set(records, count, seed)
    tally: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    misses: dict[str, list[str]] = defaultdict(list)
    wrong = []
    for language, kind, form, sentence, taxon in rows:
        found = {m.species_id for m in find_species(sentence, text_index)}
        suggested = suggested_species(sentence, text_index)
        for key in ((language, kind, form), ("all", kind, form), ("all", "all", form)):
            tally[key].update(sentences=1, found=len(found), correct=int(taxon in found),
                              top1=int(bool(suggested) and suggested[0].species_id == taxon))
        if taxon not in found and len(misses[form]) < 4:
            misses[form].append(f"  {sentence!r} → {[names[s] for s in found]} (wanted {names[taxon]})")
        if found - {taxon} and len(wrong) < 8:
            wrong.append(f"  {sentence!r} → {[names[s] for s in found]} (wanted {names[taxon]})")
    print(f"\nlabelled set: seed {seed}, {count} taxa by scientific name, {count // 2} per language by a common name;"
          f" {len(rows)} sentences")
    print(f"{'language':<9} {'name':<11} {'form':<12} {'sentences':>9} {'precision':>9} {'recall':>7} {'top-1':>6}")
    for (language, kind, form), t in sorted(tally.items(), key=lambda item: (item[0][0] == "all", item[0])):
        precision = t["correct"] / t["found"] if t["found"] else 1.0
        print(f"{language:<9} {kind:<11} {form:<12} {t['sentences']:>9} {precision:>9.1%} "
              f"{t['correct'] / t['sentences']:>7.1%} {t['top1'] / t['sentences']:>6.1%}")
    print("some misses:", *[line for lines in misses.values() for line in lines], sep="\n")
    print("some sentences with a wrong species:", *wrong, sep="\n")

    negatives = [text for texts in NEGATIVES.values() for text in texts]
    alarms = [(text, [names[m.species_id] for m in find_species(text, text_index)]) for text in negatives]
    print(f"\nsentences naming no CITES species: {sum(bool(f) for _t, f in alarms)} of {len(negatives)} "
          f"with a species found", *[f"  {t!r} → {f}" for t, f in alarms if f], sep="\n")
    words = sorted(ordinary_words())
    in_text = [w for w in words if find_species(w, text_index)]
    as_query = [w for w in words if species_named_by(w, text_index) is not None]
    print(f"ordinary words alone ({len(words)}): {len(in_text) / len(words):.2%} give a species in text, "
          f"{len(as_query) / len(words):.2%} as a search query: {in_text[:20]}")

    texts = adverts(2000, seed)
    started = time.perf_counter()
    results = [find_species(text, text_index) for text in texts]
    elapsed = time.perf_counter() - started
    suggested_count = Counter(names[m.species_id] for found in results for m in found)
    not_birds = [(t, names[m.species_id], m.matched_name) for t, found in zip(texts, results, strict=True)
                 for m in found if classes[m.species_id] != "Aves"]
    with_any = sum(bool(found) for found in results)
    print(f"\nreal bird adverts: {len(texts)}, scanned in {elapsed:.2f} s ({1000 * elapsed / len(texts):.1f} ms each, "
          f"{sum(len(t.split()) for t in texts) / len(texts):.0f} words on average)")
    print(f"  with a species found: {with_any / len(texts):.1%}; with a species that is not a bird (certainly "
          f"false): {len({t for t, _n, _m in not_birds}) / len(texts):.2%}")
    print("  most found:", ", ".join(f"{n} ({c})" for n, c in suggested_count.most_common(10)))
    print("  not birds:", ", ".join(sorted({f"{m}→{n}" for _t, n, m in not_birds})[:30]))


if __name__ == "__main__":
    main()
