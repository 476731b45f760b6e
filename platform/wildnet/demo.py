"""The demo world that ``wildnet load_demo`` creates: a few countries, every kind of agency, every role.

Real public bodies are named so the demo reads like the field, but every officer, mandate and case in it is
invented. Loading is idempotent: each row is keyed by a natural key (agency code, username, legal reference)
and updated in place, so running the command twice leaves one copy of everything.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from access.markings import Classification as C
from agencies.models import Agency, AgencyType, PlatformKind, TaskForce, TaskForceKind, TaskForceMembership
from mandates.models import Mandate
from officers.models import Officer, Role

DEMO_PASSWORD = "wildnet-demo-2026"  # noqa: S105  (demo accounts only; load_demo refuses to run in production)

T = AgencyType
AGENCIES: list[tuple[str, str, str, str, list[str]]] = [
    # code, name, country, type, domains
    ("fr-ofb", "Office français de la biodiversité", "FR", T.WILDLIFE_AUTHORITY, []),
    ("fr-cites-ma", "Ministère de la Transition écologique — autorité CITES", "FR", T.CITES_MANAGEMENT_AUTHORITY, []),
    ("fr-oclaesp", "Office central de lutte contre les atteintes à l'environnement", "FR", T.POLICE, []),
    ("fr-dgddi", "Direction générale des douanes", "FR", T.CUSTOMS, []),
    ("fr-pnr", "Parquet — pôle régional environnement", "FR", T.PROSECUTION, []),
    ("fr-tracfin", "Tracfin", "FR", T.FINANCIAL_INTELLIGENCE, []),
    ("es-seprona", "Guardia Civil — SEPRONA", "ES", T.POLICE, []),
    ("es-aduanas", "Agencia Tributaria — Vigilancia Aduanera", "ES", T.CUSTOMS, []),
    ("es-miteco", "MITECO — autoridad administrativa CITES", "ES", T.CITES_MANAGEMENT_AUTHORITY, []),
    ("be-police", "Police fédérale — environnement", "BE", T.POLICE, []),
    ("be-cites", "SPF Santé publique — CITES", "BE", T.CITES_MANAGEMENT_AUTHORITY, []),
    ("int-interpol", "INTERPOL Environmental Security Programme", "FR", T.INTERNATIONAL_ORGANISATION, []),
    ("ngo-ifaw", "IFAW Europe", "BE", T.NGO, []),
    ("pf-leboncoin", "leboncoin", "FR", T.ONLINE_PLATFORM, ["leboncoin.fr"]),
    ("pf-wallapop", "Wallapop", "ES", T.ONLINE_PLATFORM, ["wallapop.com", "es.wallapop.com"]),
    ("pf-facebook", "Meta — Facebook Marketplace", "IE", T.ONLINE_PLATFORM, ["facebook.com", "m.facebook.com"]),
]
#: What kind of service each demo platform runs (leboncoin and Wallapop are classified-ads sites).
PLATFORM_KINDS = {"pf-leboncoin": PlatformKind.CLASSIFIED_ADS, "pf-wallapop": PlatformKind.CLASSIFIED_ADS,
                  "pf-facebook": PlatformKind.SOCIAL_NETWORK}

R = Role
OFFICERS: list[tuple[str, str, str, str, int]] = [
    # username, agency, role, full name, clearance
    ("coord.fr", "fr-cites-ma", R.NATIONAL_COORDINATOR, "Claire Moreau", C.SECRET),
    ("coord.es", "es-miteco", R.NATIONAL_COORDINATOR, "Javier Ortega", C.SECRET),
    ("coord.be", "be-cites", R.NATIONAL_COORDINATOR, "Anke Peeters", C.SECRET),
    ("admin.ofb", "fr-ofb", R.AGENCY_ADMIN, "Luc Girard", C.CONFIDENTIAL),
    ("sup.ofb", "fr-ofb", R.SUPERVISOR, "Nadia Benali", C.SECRET),
    ("inv.ofb", "fr-ofb", R.INVESTIGATOR, "Thomas Lefèvre", C.CONFIDENTIAL),
    ("ana.ofb", "fr-ofb", R.ANALYST, "Sophie Martin", C.RESTRICTED),
    ("inv.oclaesp", "fr-oclaesp", R.INVESTIGATOR, "Marc Dupont", C.SECRET),
    ("sup.oclaesp", "fr-oclaesp", R.SUPERVISOR, "Hélène Roux", C.SECRET),
    ("inv.douane", "fr-dgddi", R.INVESTIGATOR, "Karim Haddad", C.CONFIDENTIAL),
    ("proc.pnr", "fr-pnr", R.INVESTIGATOR, "Anne Lambert", C.CONFIDENTIAL),
    ("ana.tracfin", "fr-tracfin", R.ANALYST, "Paul Mercier", C.CONFIDENTIAL),
    ("inv.seprona", "es-seprona", R.INVESTIGATOR, "Lucía García", C.CONFIDENTIAL),
    ("sup.seprona", "es-seprona", R.SUPERVISOR, "Carlos Ruiz", C.SECRET),
    ("inv.aduanas", "es-aduanas", R.INVESTIGATOR, "Marta López", C.CONFIDENTIAL),
    ("inv.bepol", "be-police", R.INVESTIGATOR, "Pieter Janssens", C.CONFIDENTIAL),
    ("ana.interpol", "int-interpol", R.ANALYST, "Grace Otieno", C.CONFIDENTIAL),
    ("spotter.ifaw", "ngo-ifaw", R.TRUSTED_REPORTER, "Emma Wouters", C.UNCLASSIFIED),
    ("spotter2.ifaw", "ngo-ifaw", R.TRUSTED_REPORTER, "Lucas Fontaine", C.UNCLASSIFIED),
    ("coord.ifaw", "ngo-ifaw", R.AGENCY_ADMIN, "Tania Mertens", C.UNCLASSIFIED),
    ("pf.leboncoin", "pf-leboncoin", R.PLATFORM_OFFICER, "Julie Bernard", C.UNCLASSIFIED),
    ("pf.wallapop", "pf-wallapop", R.PLATFORM_OFFICER, "Sergio Navarro", C.UNCLASSIFIED),
    ("pf.facebook", "pf-facebook", R.PLATFORM_OFFICER, "Aoife Byrne", C.UNCLASSIFIED),
    ("sysadmin", "fr-cites-ma", R.SYSTEM_ADMIN, "Operations Team", C.UNCLASSIFIED),
]

ALL_APPENDICES = ["I", "II", "III", "NC"]
MANDATES: list[tuple[str, str, str, list[str], list[str], list[str], list[str], int, str]] = [
    # agency, reference, basis, jurisdictions, crime areas, appendices, purposes, max classification, granted by
    ("fr-ofb", "Code de l'environnement, art. L172-1", "Police de l'environnement : recherche et constatation "
     "des infractions relatives aux espèces protégées, y compris en ligne.", ["FR"],
     ["online_trade", "poaching"], ALL_APPENDICES, ["investigation", "analysis"], C.SECRET, "coord.fr"),
    ("fr-oclaesp", "Décret n° 2004-612, art. 2", "Office central : atteintes à l'environnement et à la santé "
     "publique, criminalité organisée.", ["FR"], ["online_trade", "border", "financial_flows"], ALL_APPENDICES,
     ["investigation", "analysis"], C.SECRET, "coord.fr"),
    ("fr-dgddi", "Code des douanes, art. 38 et 215", "Contrôle des mouvements transfrontaliers de spécimens "
     "CITES.", ["FR"], ["border", "online_trade"], ["I", "II", "III"], ["investigation"], C.CONFIDENTIAL,
     "coord.fr"),
    ("fr-pnr", "Code de procédure pénale, art. 706-2-3", "Pôle régional spécialisé en matière d'atteintes à "
     "l'environnement.", ["FR"], ["online_trade", "border", "poaching"], ALL_APPENDICES, ["prosecution"],
     C.CONFIDENTIAL, "coord.fr"),
    ("fr-tracfin", "Code monétaire et financier, art. L561-23", "Renseignement financier sur les flux liés "
     "au trafic d'espèces sauvages.", ["FR"], ["financial_flows"], ["I", "II"], ["analysis"], C.CONFIDENTIAL,
     "coord.fr"),
    ("es-seprona", "Ley 42/2007, art. 80; LO 2/1986", "Protección de la naturaleza: delitos contra la fauna, "
     "incluido el comercio en línea.", ["ES"], ["online_trade", "poaching"], ALL_APPENDICES,
     ["investigation", "analysis"], C.SECRET, "coord.es"),
    ("es-aduanas", "Ley Orgánica 12/1995 de represión del contrabando", "Contrabando de especímenes CITES.",
     ["ES"], ["border"], ["I", "II", "III"], ["investigation"], C.CONFIDENTIAL, "coord.es"),
    ("be-police", "Loi du 28 juillet 1981 (CITES), art. 6", "Recherche des infractions CITES, y compris en "
     "ligne.", ["BE"], ["online_trade", "border"], ALL_APPENDICES, ["investigation"], C.CONFIDENTIAL,
     "coord.be"),
    ("pf-leboncoin", "DSA art. 9 — ordres de retrait", "Réception et traitement des notifications de retrait.",
     ["FR"], ["online_trade"], ALL_APPENDICES, ["platform_compliance"], C.UNCLASSIFIED, "coord.fr"),
    ("pf-wallapop", "DSA art. 9 — órdenes de actuación", "Recepción y tramitación de avisos de retirada.",
     ["ES"], ["online_trade"], ALL_APPENDICES, ["platform_compliance"], C.UNCLASSIFIED, "coord.es"),
]


def load(now: datetime.datetime | None = None) -> dict[str, int]:
    """Create or update the demo world; returns how many rows of each kind it holds."""
    now = now or timezone.now()
    agencies: dict[str, Agency] = {}
    for code, name, country, agency_type, domains in AGENCIES:
        agencies[code], _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "country": country, "agency_type": agency_type,
                                 "domains": domains, "platform_kind": PLATFORM_KINDS.get(code, ""),
                                 "is_active": True},
        )
    Agency.objects.filter(code="fr-ofb").update(parent=None)
    officers: dict[str, Officer] = {}
    for username, agency_code, role, full_name, clearance in OFFICERS:
        first, _, last = full_name.partition(" ")
        officer, created = Officer.objects.update_or_create(
            username=username,
            defaults={"agency": agencies[agency_code], "role": role, "clearance": clearance,
                      "first_name": first, "last_name": last, "email": f"{username}@demo.wildnet.invalid",
                      "is_active": True, "is_staff": role == Role.SYSTEM_ADMIN,
                      "is_superuser": role == Role.SYSTEM_ADMIN},
        )
        if created:
            officer.set_password(DEMO_PASSWORD)
            officer.save(update_fields=["password"])
        officers[username] = officer
    start = (now - datetime.timedelta(days=365)).replace(microsecond=0)
    for code, reference, basis, jurisdictions, areas, appendices, purposes, level, grantor in MANDATES:
        Mandate.objects.update_or_create(
            agency=agencies[code], legal_reference=reference,
            defaults={"legal_basis": basis, "jurisdictions": jurisdictions, "crime_areas": areas,
                      "cites_appendices": appendices, "purposes": purposes, "max_classification": level,
                      "valid_from": start, "valid_until": start + datetime.timedelta(days=3 * 365),
                      "granted_by": officers[grantor]},
        )
    today = now.date()
    unit, _ = TaskForce.objects.update_or_create(
        name="Cellule nationale cybercriminalité faune sauvage (FR)",
        defaults={"kind": TaskForceKind.TASK_FORCE, "country": "FR", "starts_on": today.replace(year=today.year - 2),
                  "ends_on": None,
                  "description": "National multi-agency unit on wildlife crime linked to the Internet "
                                 "(CITES model measure: dedicated task forces)."},
    )
    operation, _ = TaskForce.objects.update_or_create(
        name="Operation Thunder (demo)",
        defaults={"kind": TaskForceKind.JOINT_OPERATION, "country": "",
                  "starts_on": today - datetime.timedelta(days=30), "ends_on": today + datetime.timedelta(days=60),
                  "description": "Joint operation against online trade in reptiles, birds and ivory."},
    )
    joined = today.replace(year=today.year - 2)
    for task_force, codes in [(unit, ["fr-ofb", "fr-oclaesp", "fr-dgddi", "fr-pnr", "fr-tracfin"]),
                              (operation, ["fr-oclaesp", "es-seprona", "be-police", "int-interpol"])]:
        since = max(joined, task_force.starts_on)
        for code in codes:
            TaskForceMembership.objects.get_or_create(task_force=task_force, agency=agencies[code],
                                                      joined_on=since)
    return {
        "agencies": Agency.objects.count(),
        "officers": Officer.objects.count(),
        "mandates": Mandate.objects.count(),
        "task forces": TaskForce.objects.count(),
    }
