"""Demo national assessments: France's 2025 assessment signed off, France's and Spain's 2026 assessments in draft.

Written through the real actions (so the audit log holds their history, as in production). Idempotent: an
assessment that exists for the country and period is left as it is.
"""

from __future__ import annotations

import datetime

from access.policy import Viewer, viewer_for
from agencies.models import Agency
from compliance.measures import actions
from compliance.measures.catalogue import load_catalogue
from compliance.measures.models import NationalAssessment
from officers.models import Officer

# measure code: (status, responsible agency, reason or notes, evidence as (kind, url or text))
FRANCE_2025: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {
    "BP-A-01": ("implemented", "fr-cites-ma", "Comité national CITES ; WildNet comme plateforme d'échange.",
                [("link", "https://www.ecologie.gouv.fr/politiques-publiques/cites")]),
    "BP-A-02": ("in_progress", "fr-ofb", "Cellule cybercriminalité espèces sauvages en cours de constitution.",
                [("note", "Note de cadrage OFB/OCLAESP signée en mars 2025.")]),
    "BP-A-04": ("implemented", "fr-ofb", "Veille hebdomadaire des annonces sur leboncoin et Facebook Marketplace.",
                [("note", "Protocole de veille en ligne OFB, version 2.")]),
    "BP-A-07": ("implemented", "fr-ofb", "Retraits via les ordres DSA art. 9 envoyés depuis WildNet.", []),
    "BP-A-12": ("planned", "fr-cites-ma", "Campagne grand public prévue avant l'été 2026.", []),
    "BP-B-03": ("in_progress", "fr-ofb", "Listes de mots clés en français, espagnol et argot du commerce d'ivoire.",
                []),
    "LM-A-01": ("implemented", "fr-cites-ma", "Code de l'environnement, art. L415-3 et arrêté du 16 août 2016.",
                [("link", "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000033035432")]),
    "LM-A-03": ("not_applicable", "fr-cites-ma",
                "Relève du droit de l'Union (règlement (CE) n° 338/97) et non d'une loi nationale.", []),
    "LM-B-01": ("implemented", "fr-oclaesp", "Participation à l'opération Thunder.", []),
    "LM-B-10": ("in_progress", "fr-oclaesp", "Laboratoire de criminalistique numérique partagé avec la douane.",
                []),
    "LM-B-11": ("implemented", "fr-ofb", "Délais de retrait suivis par plateforme dans WildNet.", []),
}
# France a year on: the cybercrime unit is set up, the awareness campaign under way, keyword lists in use
FRANCE_2026 = {
    **FRANCE_2025,
    "BP-A-02": ("implemented", "fr-oclaesp", "Cellule nationale cybercriminalité faune sauvage constituée.",
                [("note", "Arrêté de création de la cellule, janvier 2026.")]),
    "BP-A-12": ("in_progress", "fr-cites-ma", "Campagne grand public lancée en juin 2026.", []),
    "BP-B-03": ("implemented", "fr-ofb", "Listes de mots clés actives dans WildNet (ivoire, pangolin).", []),
}
SPAIN_2026: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {
    "BP-A-02": ("implemented", "es-seprona", "Unidad de ciberdelincuencia medioambiental del SEPRONA.", []),
    "BP-A-04": ("in_progress", "es-seprona", "Vigilancia de Wallapop en fase piloto.", []),
    "LM-A-05": ("planned", "es-miteco", "Revisión del Plan TIFIES prevista para 2026.",
                [("link", "https://www.miteco.gob.es/es/biodiversidad/temas/conservacion-de-especies/")]),
}


def _viewer(username: str) -> Viewer:
    return viewer_for(Officer.objects.get(username=username))


def _fill(viewer: Viewer, assessment: NationalAssessment,
          plan: dict[str, tuple[str, str, str, list[tuple[str, str]]]]) -> None:
    agencies = {a.code: a for a in Agency.objects.filter(code__in={agency for _, agency, _, _ in plan.values()})}
    for code, (status, agency, text, evidence) in plan.items():
        not_applicable = status == "not_applicable"
        actions.set_measure_status(viewer, assessment, actions.StatusChange(
            measure_code=code, status=status, responsible_agency=agencies[agency],
            reason=text if not_applicable else "", notes="" if not_applicable else text,
            evidence=[actions.EvidenceInput(kind=kind, url=value if kind == "link" else "",
                                            text=value if kind == "note" else "") for kind, value in evidence]))


def load_assessments() -> int:
    """Load the catalogue, then the three demo assessments; returns how many assessments exist."""
    load_catalogue()
    if not NationalAssessment.objects.filter(country="FR", period_start=datetime.date(2025, 1, 1)).exists():
        france = _viewer("coord.fr")
        assessment = actions.create_assessment(france, "FR", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
        _fill(france, assessment, FRANCE_2025)
        actions.sign_off(france, assessment)
    if not NationalAssessment.objects.filter(country="FR", period_start=datetime.date(2026, 1, 1)).exists():
        france = _viewer("coord.fr")
        assessment = actions.create_assessment(france, "FR", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        _fill(france, assessment, FRANCE_2026)
    if not NationalAssessment.objects.filter(country="ES", period_start=datetime.date(2026, 1, 1)).exists():
        spain = _viewer("coord.es")
        assessment = actions.create_assessment(spain, "ES", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        _fill(spain, assessment, SPAIN_2026)
    return NationalAssessment.objects.count()
