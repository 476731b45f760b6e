"""Benchmark of ``import_listings``. Not a test: run with `make bench`; the figures go into README.md.

Builds a JSON Lines file of N listings (default 50,000) from real advert texts — the bird classifieds of
Stringham et al. (2021) in ../shared/data — on leboncoin, Wallapop and Facebook URLs (some with tracking
parameters), with seller handles drawn from a pool of 8,000 so that entities repeat, French and Spanish phone
numbers and e-mail addresses per seller, species names from the curated fixture (misspellings and common names
included) and a few bad lines. Then it times the first import and a second run of the same file, which must
add nothing. Target: 50,000 listings in at most 60 s, on SQLite and on PostgreSQL (set DATABASE_URL).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ADVERTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "bird_classified_ads_au_stemmed.csv.gz"
SELLERS = 8_000
PLATFORMS = [
    ("www.leboncoin.fr/animaux", "fr"), ("es.wallapop.com/item", "es"), ("www.facebook.com/marketplace/item", "en"),
]
SPECIES_NAMES = [
    "Psittacus erithacus", "Psittacus eritacus", "perroquet gris", "loro gris africano", "Ara macao", "Ara makao",
    "Ara ararauna", "guacamayo azul y amarillo", "Anodorhynchus hyacinthinus", "Cacatua galerita",
    "Cacatua galeritta", "Cacatua alba", "Eclectus roratus", "Eclectus rorratus", "Amazona aestiva",
    "Amazona amazonica", "Poicephalus senegalus", "Agapornis fischeri", "Agapornis personatus",
    "Trichoglossus haematodus", "Platycercus elegans", "Eolophus roseicapilla", "Probosciger aterrimus",
    "Myiopsitta monachus", "Pyrrhura molinae", "Aratinga solstitialis", "Falco peregrinus", "Falco rusticolus",
    "Bubo bubo", "Aquila chrysaetos",
]  # fmt: skip


def phone(seller: int) -> str:
    """A valid number per seller: French mobiles (international or national spelling) and Spanish mobiles."""
    digits = f"{seller:06d}"
    if seller % 3 == 2:
        return f"+34 612 {digits[:3]} {digits[3:]}"
    if seller % 2:
        return f"+33 6 12 {digits[:2]} {digits[2:4]} {digits[4:]}"
    return f"07 81 {digits[:2]} {digits[2:4]} {digits[4:]}"


def adverts(count: int, texts: list[str], rng: random.Random) -> list[str]:
    lines = []
    for i in range(count):
        text = texts[i % len(texts)]
        seller = rng.randrange(SELLERS)
        host, language = PLATFORMS[seller % len(PLATFORMS)]
        url = f"https://{host}/{100_000 + i}.htm" + ("?utm_source=newsletter&fbclid=x" if i % 7 == 0 else "")
        line: dict[str, object] = {
            "url": url, "title": " ".join(text.split()[:8]), "text": text, "language": language,
            "price": f"{rng.randint(15, 3000)}.{rng.randint(0, 99):02d}", "currency": "EUR",
            "seen_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            "seller": f"@bird_seller_{seller}",
        }
        if rng.random() < 0.7:
            line["phones"] = [phone(seller)]
        if rng.random() < 0.3:
            line["emails"] = [f"Seller.{seller}@Example.com"]
        if rng.random() < 0.4:
            line["species"] = rng.sample(SPECIES_NAMES, rng.choice((1, 1, 2)))
        lines.append(json.dumps(line))
    for position, bad in [(3, '{"url": "https://www.leboncoin.fr/broken'), (5, json.dumps({"url": "not a url"})),
                          (8, json.dumps({"url": "https://www.leboncoin.fr/x", "price": 5, "currency": "ZZZ"})),
                          (13, json.dumps({"url": "https://www.leboncoin.fr/y", "phones": ["12"]}))]:
        lines[position * count // 17] = bad
    return lines


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    if not ADVERTS.exists():
        sys.exit(f"The advert texts are missing: {ADVERTS} (see ../shared/data/README.md). Nothing was measured.")
    workdir = tempfile.mkdtemp(prefix="wildnet-bench-import-")
    os.environ.setdefault("WILDNET_VAR_DIR", workdir)
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from agencies.models import Agency
    from cases.ingest import import_listings
    from cases.models import Case, CaseEntity, Entity, Listing
    from wildnet import demo

    call_command("migrate", verbosity=0)
    demo.load()
    call_command("load_species", stdout=io.StringIO())
    # The published file is not UTF-8: a few adverts carry single-byte (Windows-1252) characters.
    with gzip.open(ADVERTS, "rt", encoding="cp1252", errors="replace", newline="") as stream:
        texts = [row["text_stop_stem"] for row in csv.DictReader(stream) if row["text_stop_stem"].strip()]
    path = Path(workdir) / "adverts.jsonl"
    path.write_text("\n".join(adverts(count, texts, random.Random(2026))) + "\n", encoding="utf-8")
    agency = Agency.objects.get(code="fr-ofb")

    def tables() -> tuple[int, ...]:
        return (Case.objects.count(), Listing.objects.count(), Entity.objects.count(), CaseEntity.objects.count(),
                Listing.species.through.objects.count())

    started = time.perf_counter()
    first = import_listings(path, agency)
    first_time = time.perf_counter() - started
    after_first = tables()
    started = time.perf_counter()
    second = import_listings(path, agency)
    second_time = time.perf_counter() - started
    assert tables() == after_first, (after_first, tables())
    assert (second.listings_created, second.listings_updated, second.entities_created, second.claims_created) == (
        0, 0, 0, 0), second
    assert second.case_reference == first.case_reference

    size = path.stat().st_size / 1e6
    print(f"database: {connection.vendor}; {count} lines ({size:.1f} MB) built from {len(texts)} real adverts")
    print(f"import: {first_time:.1f} s ({count / first_time:,.0f} lines/s): {first.listings_created} listings, "
          f"{first.entities_created} entities, {first.claims_created} claims, "
          f"{after_first[4]} listing-species links; {first.rejected.total()} lines rejected {dict(first.rejected)}")
    print(f"re-run: {second_time:.1f} s ({count / second_time:,.0f} lines/s), nothing added "
          f"({second.listings_created} created, {second.listings_updated} updated)")


if __name__ == "__main__":
    main()
