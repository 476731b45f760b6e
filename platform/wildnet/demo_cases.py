"""Demo case intelligence: one realistic case per investigating agency (ivory, pangolin scales, live parrots,
reptiles), with listings, identifiers, graded reports and evidence.

Everything is recorded through the same actions the API uses (so the demo exercises the policy, the
normalisers and the audit log) and is keyed by case title per agency, so loading twice adds nothing. Listing
texts are invented but written the way such adverts read (euphemisms such as "vieil ivoire", "bois de
Madagascar", prices in local currency).
"""

from __future__ import annotations

import datetime
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access.markings import Classification, CrimeArea, HandlingCode
from access.policy import viewer_for
from cases import actions
from cases.evidence import attach_evidence
from cases.models import CaptureMethod, Case, EntityKind, EntityRole, GradingSystem, Species, Watchlist
from officers.models import Officer


@dataclass
class DemoListing:
    url: str
    title: str
    text: str
    language: str
    price: str
    currency: str
    seller: str
    species: list[str]
    days_ago: int
    location: str = ""
    #: The listing facts an investigator recorded (``ListingInput`` names), and their verdict on the claim.
    facts: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""


def facts(specimen: str, count: int | None = None, claim: str = "none", reference: str = "") -> dict[str, Any]:
    return {"specimen_type": specimen, "specimen_count": count, "claimed_legality": claim,
            "legality_reference": reference}


@dataclass
class DemoCase:
    agency: str
    officer: str
    title: str
    summary: str
    jurisdictions: list[str]
    species: list[str]
    crime_area: str
    classification: int
    handling_code: str
    modus_operandi: str
    listings: list[DemoListing]
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)  # kind, value, role
    reports: list[tuple[str, str, str]] = field(default_factory=list)  # text, source, information
    #: Reports with a marking of their own: text, source, information, handling code, conditions.
    marked_reports: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    opened_at: datetime.datetime | None = None  # a case of an earlier year (see demo_history); else at loading


CASES = [
    DemoCase(
        agency="fr-ofb", officer="inv.ofb",
        title="Ivoire sculpté « vieil os » sur leboncoin — Nouvelle-Aquitaine",
        summary="Série d'annonces de statuettes et défenses présentées comme « os ancien » ou « ivoire avant 1947 » "
                "sans certificat intra-UE ; vendeur récurrent, remise en main propre à Bordeaux.",
        jurisdictions=["FR"], species=["Loxodonta africana", "Elephas maximus"], crime_area=CrimeArea.ONLINE_TRADE,
        classification=Classification.RESTRICTED, handling_code=HandlingCode.H0,
        modus_operandi="Annonces sous « objets de collection », termes codés (vieil os, matière blanche), "
                       "photos sans échelle, paiement en espèces ou virement instantané.",
        listings=[
            DemoListing("https://www.leboncoin.fr/ad/antiquites/2456781234?utm_source=share&utm_medium=app",
                        "Statuette ancienne en vieil os sculpté", "Belle statuette en vieil os, matière blanche, "
                        "patine d'époque, 1,2 kg. Pas de certificat, vendue en l'état. Remise en main propre Bordeaux.",
                        "fr", "1800.00", "EUR", "collection_anciens33", ["Loxodonta africana"], 40, "Bordeaux",
                        facts("derivative", 1)),
            DemoListing("https://www.leboncoin.fr/ad/antiquites/2461100987", "Paire de défenses montées",
                        "Paire de défenses ivoire ancien sur socle bois, héritage colonial, 62 cm. Envoi possible.",
                        "fr", "6500.00", "EUR", "collection_anciens33", ["éléphant d'Afrique"], 12, "Mérignac",
                        facts("part", 2, "antique")),
            DemoListing("https://www.leboncoin.fr/ad/decoration/2470045511#photos", "Netsuké éléphant",
                        "Netsuké japonais en ivoire, signé, petit éclat. Contact par téléphone uniquement.",
                        "fr", "450", "EUR", "bibelots_sud_ouest", ["Elephas maximus"], 3, "Pessac",
                        facts("derivative", 1)),
            DemoListing("https://www.leboncoin.fr/ad/antiquites/2471002233", "Bracelet ancien matière blanche",
                        "Bracelet jonc ancien, matière blanche veinée, lourd. Vendu sans papiers.",
                        "fr", "320", "EUR", "collection_anciens33", ["Loxodonta africana"], 2, "Bordeaux",
                        facts("derivative", 1)),
            DemoListing("https://www.leboncoin.fr/ad/antiquites/2471554321", "Chapelet os sculpté XIXe",
                        "Chapelet de perles sculptées en vieil os ou ivoire, provenance succession.",
                        "fr", "280", "EUR", "bibelots_sud_ouest", ["Loxodonta africana"], 4, "Talence",
                        facts("derivative", 1, "antique")),
            DemoListing("https://www.leboncoin.fr/ad/collection/2472209876", "Défense sculptée scène de chasse",
                        "Défense sculptée 40 cm, scène de chasse africaine, socle ébène. Certificat intra-UE "
                        "FR2403311234-K fourni. Prix à débattre.",
                        "fr", "2900", "EUR", "collection_anciens33", ["Loxodonta africana"], 6, "Arcachon",
                        # the certificate number belongs to another specimen: checked with the CITES authority
                        facts("derivative", 1, "eu_certificate", "FR2403311234-K"), verdict="false"),
            DemoListing("https://www.leboncoin.fr/ad/collection/2473301122", "Statuette Guanyin ivoire",
                        "Statuette Guanyin ancienne en ivoire, 25 cm, quelques fêles. Envoi soigné.",
                        "fr", "1500", "EUR", "bibelots_sud_ouest", ["Elephas maximus"], 1, "Libourne",
                        facts("derivative", 1)),
        ],
        identifiers=[(EntityKind.PHONE, "06 12 34 56 78", EntityRole.SELLER),
                     (EntityKind.EMAIL, "Collection.Anciens33@gmail.com", EntityRole.SELLER),
                     (EntityKind.PAYMENT_ACCOUNT, "FR76 3000 6000 0112 3456 7890 189", EntityRole.PAYEE)],
        reports=[("Le même numéro apparaît dans deux annonces de vendeurs différents : probable revendeur "
                  "unique utilisant plusieurs comptes.", "B", "2")],
        marked_reports=[
            ("Source humaine : le vendeur stocke une quarantaine de pièces dans un garde-meubles de Mérignac et "
             "attend un acheteur asiatique en décembre.", "B", "2", HandlingCode.H2, ""),
            ("Informateur rémunéré : le bracelet provient d'une succession à Libourne ; ne pas produire en justice "
             "sans l'accord de l'OFB.", "C", "3", HandlingCode.H1, ""),
        ],
    ),
    DemoCase(
        agency="fr-oclaesp", officer="inv.oclaesp",
        title="Écailles de pangolin — réseau de revente via messageries",
        summary="Écailles de pangolin proposées comme « remède traditionnel », prise de contact sur Facebook "
                "Marketplace puis messagerie chiffrée ; envois par colis depuis l'Afrique de l'Ouest.",
        jurisdictions=["FR"], species=["Manis tricuspis", "Manis gigantea"], crime_area=CrimeArea.BORDER,
        classification=Classification.CONFIDENTIAL, handling_code=HandlingCode.H2,
        modus_operandi="Annonce appât décrivant des « écailles médicinales », prix au kilo, paiement en "
                       "cryptomonnaie, colis déclarés comme produits cosmétiques.",
        listings=[
            DemoListing("https://www.facebook.com/marketplace/item/889912345671234/?ref=search&fbclid=IwAR0x",
                        "Écailles naturelles médecine traditionnelle", "Écailles de pangolin séchées, qualité "
                        "premium, vente au kilo, livraison discrète partout en Europe. Contact WhatsApp.",
                        "fr", "900", "EUR", "remedes.naturels.afrique", ["pangolin à écailles tricuspides"], 20,
                        facts=facts("part")),
        ],
        identifiers=[(EntityKind.PHONE, "+225 07 07 12 34 56", EntityRole.SELLER),
                     (EntityKind.CRYPTO_WALLET, "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", EntityRole.PAYEE),
                     (EntityKind.SHIPPING_REFERENCE, "CP 123 456 789 CI", EntityRole.COURIER)],
        reports=[("Source humaine : le portefeuille a reçu 14 paiements en trois mois, montants cohérents avec "
                  "des ventes au kilo.", "B", "3"),
                 ("Recoupement douane : colis de 2 kg déclaré « cosmétiques » saisi à Roissy.", "A", "1")],
        opened_at=datetime.datetime(2025, 4, 14, 9, 30, tzinfo=datetime.UTC),
    ),
    DemoCase(
        agency="es-seprona", officer="inv.seprona",
        title="Loros vivos sin documentación CITES en Wallapop",
        summary="Venta de yacos y guacamayos jóvenes sin anilla ni certificado CITES, anunciados como "
                "«criados a mano», entrega en mano en Madrid y Toledo.",
        jurisdictions=["ES"], species=["Psittacus erithacus", "Ara ararauna"], crime_area=CrimeArea.ONLINE_TRADE,
        classification=Classification.RESTRICTED, handling_code=HandlingCode.H0,
        modus_operandi="Anuncios en la categoría de mascotas con fotos de crías, sin número de anilla, "
                       "pago por Bizum.",
        listings=[
            DemoListing("https://es.wallapop.com/item/yaco-cria-a-mano-912345678?utm_campaign=app",
                        "Yaco cría a mano muy manso", "Vendo yaco gris de 4 meses criado a mano, come solo, "
                        "sin papeles. Entrega en mano en Madrid.", "es", "950", "EUR", "aves_exoticas_mad",
                        ["loro gris africano"], 25, "Madrid", facts("live", 1)),
            DemoListing("https://es.wallapop.com/item/guacamayo-azul-amarillo-913456789",
                        "Guacamayo azul y amarillo", "Guacamayo ararauna joven, sociable, con jaula grande. "
                        "Sin anilla.", "es", "2200", "EUR", "aves_exoticas_mad", ["Ara ararauna"], 9, "Toledo",
                        facts("live", 1)),
            DemoListing("https://es.wallapop.com/item/pareja-yacos-914567890", "Pareja de yacos reproductores",
                        "Pareja de yacos adultos probados, ideal cría. Sin documentación.", "es", "2600", "EUR",
                        "criadero_loros_centro", ["Psittacus erithacus"], 7, "Getafe", facts("live", 2)),
            DemoListing("https://es.wallapop.com/item/yaco-hablador-915678901", "Yaco hablador 2 años",
                        "Yaco de dos años, habla mucho, se vende por mudanza. Sin papeles.", "es", "1100", "EUR",
                        "aves_exoticas_mad", ["loro gris africano"], 5, "Madrid", facts("live", 1)),
            DemoListing("https://es.wallapop.com/item/guacamayo-cria-916789012", "Cría de guacamayo a mano",
                        "Cría de guacamayo azul y amarillo a papilla, entrega en junio. Con CITES ES-MAD-2025-00871.",
                        "es", "1800", "EUR", "criadero_loros_centro", ["Ara ararauna"], 3, "Aranjuez",
                        facts("live", 1, "cites_permit", "ES-MAD-2025-00871")),
            DemoListing("https://es.wallapop.com/item/loro-gris-jaula-917890123", "Loro gris con jaula",
                        "Loro gris africano con jaula y accesorios, muy cariñoso. Nacido en criadero, anilla cerrada "
                        "ES-AV-2023-0412.", "es", "900", "EUR", "aves_exoticas_mad", ["Psittacus erithacus"], 2,
                        "Alcalá de Henares", facts("live", 1, "captive_bred", "anilla ES-AV-2023-0412"),
                        verdict="genuine"),
            DemoListing("https://es.wallapop.com/item/yacos-bebes-918901234", "Yacos bebés",
                        "Yacos bebés disponibles, reserva con señal por Bizum.", "es", "850", "EUR",
                        "criadero_loros_centro", ["yaco"], 1, "Leganés", facts("live")),
        ],
        identifiers=[(EntityKind.PHONE, "612 345 678", EntityRole.SELLER),
                     (EntityKind.PAYMENT_ACCOUNT, "ES91 2100 0418 4502 0005 1332", EntityRole.PAYEE),
                     # the French number of the OFB ivory case: recording it gives SEPRONA a hit
                     (EntityKind.PHONE, "+33 6 12 34 56 78", EntityRole.SUPPLIER)],
        reports=[("El vendedor publica crías cada seis semanas: posible cría ilegal o blanqueo de aves "
                  "capturadas en el medio natural.", "C", "3")],
    ),
    DemoCase(
        agency="fr-dgddi", officer="inv.douane",
        title="Reptiles vivants en colis express — plateforme de fret de Roissy",
        summary="Colis déclarés « jouets » contenant des pythons royaux et des caméléons, commandés via des "
                "annonces Facebook et expédiés depuis le Togo ; trois saisies en deux mois.",
        jurisdictions=["FR"], species=["Python regius", "Chamaeleo calyptratus"], crime_area=CrimeArea.BORDER,
        classification=Classification.CONFIDENTIAL, handling_code=HandlingCode.H1,
        modus_operandi="Fausses déclarations en douane, expéditeurs changeants, même numéro de contact.",
        listings=[
            DemoListing("https://www.facebook.com/marketplace/item/660012345678901/?mibextid=abc&fbclid=IwAR1",
                        "Bébés pythons royaux livraison Europe", "Pythons regius nés en captivité (sic), "
                        "livraison express dans toute l'Europe sous 72 h, paiement Western Union.",
                        "fr", "120", "EUR", "exotic.reptiles.lome", ["Python regius"], 30, facts=facts("live")),
        ],
        identifiers=[(EntityKind.SHIPPING_REFERENCE, "EX 998 877 665 TG", EntityRole.COURIER),
                     (EntityKind.PHONE, "+228 90 12 34 56", EntityRole.SELLER)],
        reports=[("Saisie du 12 : 14 pythons dans un colis de 3 kg déclaré « jouets en peluche ».", "A", "1")],
    ),
    DemoCase(
        agency="be-police", officer="inv.bepol",
        title="Tortues et pythons sur Facebook Marketplace — Bruxelles",
        summary="Tortues étoilées de l'Inde et pythons royaux proposés sans documents, rencontres sur parking.",
        jurisdictions=["BE"], species=["Geochelone elegans", "Python regius"], crime_area=CrimeArea.ONLINE_TRADE,
        classification=Classification.RESTRICTED, handling_code=HandlingCode.H0,
        modus_operandi="Annonces retirées et republiées chaque semaine sous de nouveaux comptes.",
        listings=[
            DemoListing("https://m.facebook.com/marketplace/item/771234567890123/", "Tortue étoilée bébé",
                        "Bébés tortues étoilées nés chez moi, 5 cm, très beaux motifs. Pas d'envoi.",
                        "fr", "350", "EUR", "reptiles.bxl.2026", ["tortue étoilée de l'Inde"], 15, "Anderlecht",
                        facts("live")),
            DemoListing("https://www.facebook.com/marketplace/item/771234567899999/", "Python royal pastel",
                        "Python regius pastel femelle 2 ans avec terrarium complet, née en captivité, puce "
                        "967000009876543.", "fr", "180", "EUR", "reptiles.bxl.2026", ["Python regius"], 5,
                        "Schaerbeek", facts("live", 1, "captive_bred", "puce 967000009876543")),
        ],
        identifiers=[(EntityKind.PHONE, "+32 470 12 34 56", EntityRole.SELLER)],
        reports=[("Signalement d'un « cyber spotter » IFAW : mêmes photos utilisées par trois comptes.", "B", "2")],
    ),
]


def load_cases(now: datetime.datetime | None = None) -> int:
    """Record the demo cases that are not there yet; returns how many cases the demo agencies hold."""
    now = now or timezone.now()
    _watchlists()
    for demo in CASES:
        officer = Officer.objects.get(username=demo.officer)
        if Case.objects.filter(owner_agency=officer.agency, title=demo.title).exists():
            continue
        viewer = viewer_for(officer)
        species_ids = list(Species.objects.filter(scientific_name__in=demo.species).values_list("pk", flat=True))
        case = actions.create_case(viewer, actions.CaseInput(
            title=demo.title, summary=demo.summary, jurisdictions=demo.jurisdictions, crime_area=demo.crime_area,
            classification=demo.classification, handling_code=demo.handling_code,
            modus_operandi=demo.modus_operandi, lead_officer_id=officer.pk, species_ids=species_ids,
            status="active",
        ), now=demo.opened_at or now)
        for item in demo.listings:
            listing, _ = actions.add_listing(viewer, case, actions.ListingInput(
                url=item.url, title=item.title, text=item.text, language=item.language, price=item.price,
                currency=item.currency, seller=item.seller, species_names=item.species,
                seen_at=now - datetime.timedelta(days=item.days_ago), claimed_location=item.location,
                **item.facts,
            ))
            if item.verdict:
                actions.update_listing(viewer, listing, {"legality_verified": item.verdict})
        for kind, value, role in demo.identifiers:
            actions.link_entity(viewer, case, actions.ClaimInput(kind=kind, value=value, role=role,
                                                                 source_reliability="B",
                                                                 information_credibility="2"))
        marked = [(*report, HandlingCode.H0, "") for report in demo.reports] + demo.marked_reports
        for text, source, information, code, conditions in marked:
            actions.add_report(viewer, case, actions.ReportInput(
                text=text, source_evaluation=source, information_assessment=information,
                grading_system=GradingSystem.EUROPOL_4X4, handling_code=code, handling_conditions=conditions))
        first_listing = case.listings.order_by("id").first()
        attach_evidence(viewer, case, SimpleUploadedFile("capture.png", screenshot(case.reference)),
                        capture_method=CaptureMethod.SCREENSHOT, captured_at=now - datetime.timedelta(days=1),
                        description="Capture d'écran de l'annonce au moment du constat.", listing=first_listing)
    return Case.objects.count()


WATCHLISTS = {  # agency officer: (name, [(term, kind, language)])
    "inv.ofb": ("Ivoire — termes codés", [("vieil os", "code_word", "fr"), ("matière blanche", "code_word", "fr"),
                                          ("#ivoire", "hashtag", "fr"), ("défense sculptée", "common_name", "fr")]),
    "inv.seprona": ("Loros sin papeles", [("yaco", "common_name", "es"), ("sin papeles", "code_word", "es"),
                                          ("sin anilla", "code_word", "es")]),
}


def _watchlists() -> None:
    """Keyword watchlists, created before the listings so the worker raises their alerts as listings arrive."""
    for username, (name, terms) in WATCHLISTS.items():
        officer = Officer.objects.get(username=username)
        if Watchlist.objects.filter(owner_agency=officer.agency, name=name).exists():
            continue
        viewer = viewer_for(officer)
        watchlist = actions.create_watchlist(viewer, name)
        for term, kind, language in terms:
            actions.add_watch_term(viewer, watchlist, term, kind, language)


def screenshot(text: str) -> bytes:
    """A small, valid PNG standing in for a capture (a grey image; its bytes differ per case)."""
    width, height = 64, 16
    shade = sum(text.encode()) % 200 + 30
    raw = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
