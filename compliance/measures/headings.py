"""The headings of the CITES document (its sections and subsections) in English, French and Spanish, and the
choice of a text in the reader's language.

The headings are the document's own words, like the measures' titles: data restated from the source in three
languages, not interface strings, so they live beside the catalogue rather than in the gettext catalogues. The
French is the seed's (the CITES document in French); the English and Spanish render the same headings in the
words the catalogue's measure titles use.
"""

from __future__ import annotations

from django.utils.translation import get_language

#: The languages the catalogue is written in; a reader of any other language gets English.
LANGUAGES = ("en", "fr", "es")

SECTIONS: dict[str, dict[str, str]] = {
    "1": {"en": "Best practices", "fr": "Meilleures pratiques", "es": "Mejores prácticas"},
    "2": {"en": "Legislation and methods", "fr": "Législation et méthodes", "es": "Legislación y métodos"},
    "iccwc": {"en": "Information from the ICCWC partners", "fr": "Informations communiquées par les partenaires "
              "de l'ICCWC", "es": "Información comunicada por los asociados del ICCWC"},
}

SUBSECTIONS: dict[str, dict[str, str]] = {
    "1a": {"en": "Best practices and model national measures to combat wildlife crime linked to the Internet",
           "fr": "Meilleures pratiques et mesures nationales types pour lutter contre la criminalité liée aux "
                 "espèces sauvages sur Internet",
           "es": "Mejores prácticas y medidas nacionales modelo para combatir los delitos contra la vida silvestre "
                 "relacionados con Internet"},
    "1b": {"en": "Model best practices for regulating online marketplaces and social media platforms",
           "fr": "Meilleures pratiques types concernant la réglementation des marchés en ligne et des plateformes "
                 "de réseaux sociaux",
           "es": "Mejores prácticas modelo para la regulación de los mercados en línea y las plataformas de redes "
                 "sociales"},
    "2a": {"en": "National legislation and other national measures in place to combat wildlife crime linked to "
                 "the Internet",
           "fr": "Législation nationale et autres mesures nationales mises en place pour lutter contre la "
                 "criminalité liée aux espèces sauvages sur Internet",
           "es": "Legislación nacional y otras medidas nacionales establecidas para combatir los delitos contra la "
                 "vida silvestre relacionados con Internet"},
    "2b": {"en": "Methods that may help regulate legal online trade and combat wildlife crime linked to the "
                 "Internet",
           "fr": "Méthodes susceptibles d'aider à la réglementation du commerce légal en ligne et à la lutte contre "
                 "la criminalité liée aux espèces sauvages sur Internet",
           "es": "Métodos que pueden ayudar a regular el comercio legal en línea y a combatir los delitos contra la "
                 "vida silvestre relacionados con Internet"},
    "iccwc-1a": {"en": "Inter-agency task forces", "fr": "Équipes spéciales interinstitutions",
                 "es": "Equipos especiales interinstitucionales"},
    "iccwc-1b": {"en": "Data analysis, monitoring and use of technology",
                 "fr": "Analyse des données, surveillance et utilisation de technologies",
                 "es": "Análisis de datos, vigilancia y uso de tecnologías"},
    "iccwc-1c": {"en": "Cyber alerts", "fr": "Cyber alertes", "es": "Ciberalertas"},
    "iccwc-1d": {"en": "Global operations", "fr": "Opérations d'envergure mondiale",
                 "es": "Operaciones de alcance mundial"},
    "iccwc-2": {"en": "Tools, resources and support available", "fr": "Outils, ressources et aide disponibles",
                "es": "Herramientas, recursos y apoyo disponibles"},
}


def reader_language() -> str:
    """The active language (``fr`` for ``fr-be``) when the catalogue is written in it, else English."""
    language = (get_language() or "en").split("-", 1)[0].lower()
    return language if language in LANGUAGES else "en"


def in_language(texts: dict[str, str], language: str | None = None) -> str:
    """The text in ``language`` (default: the reader's), English when that translation is missing."""
    return texts.get(language or reader_language()) or texts.get("en", "")


def section_title(section: str, language: str | None = None) -> str:
    return in_language(SECTIONS.get(section, {}), language)


def subsection_title(subsection: str, language: str | None = None) -> str:
    return in_language(SUBSECTIONS.get(subsection, {}), language)
