"""Species: the taxa that cases, listings and watchlists refer to, with their CITES listing and names.

A taxon row holds what the CITES checklist (Species+) says about it: taxonomy from kingdom to genus, the current
listing and its annotation, the Species+ taxon id that later imports match on. Every other name by which
officers and sellers refer to it (common names in the CITES languages, trade names, synonyms) is a
``SpeciesName`` row, so the matcher reads one table of names whatever their kind.

The species tables have no foreign key to the core apps: the taxonomy is reference data shared by every agency.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.species.normalise import normalise_name


class SpeciesRank(models.TextChoices):
    """Taxonomic ranks, including the intermediate and botanical ones that the CITES checklist uses."""

    KINGDOM = "kingdom", _("Kingdom")
    PHYLUM = "phylum", _("Phylum")
    CLASS = "class", _("Class")
    ORDER = "order", _("Order")
    FAMILY = "family", _("Family")
    SUBFAMILY = "subfamily", _("Subfamily")
    GENUS = "genus", _("Genus")
    SPECIES = "species", _("Species")
    SUBSPECIES = "subspecies", _("Subspecies")
    VARIETY = "variety", _("Variety")


class SpeciesGroup(models.TextChoices):
    """The groups of species that the seed documents single out as most trafficked online.

    Officers filter and report by these groups rather than by taxonomy ("ivory", "parrots"), so each taxon
    carries one, derived from its taxonomy by ``for_taxonomy`` when an import does not say otherwise.
    """

    ELEPHANTS = "elephants", _("Elephants")
    RHINOCEROSES = "rhinoceroses", _("Rhinoceroses")
    BIG_CATS = "big_cats", _("Big cats and other wild cats")
    PRIMATES = "primates", _("Primates")
    PANGOLINS = "pangolins", _("Pangolins")
    PARROTS = "parrots", _("Parrots")
    BIRDS_OF_PREY = "birds_of_prey", _("Birds of prey")
    CROCODILIANS = "crocodilians", _("Crocodilians")
    SNAKES = "snakes", _("Snakes")
    TORTOISES_TURTLES = "tortoises_turtles", _("Tortoises and marine turtles")
    AMPHIBIANS = "amphibians", _("Amphibians")
    OTHER = "other", _("Other")

    @classmethod
    def for_taxonomy(cls, *, class_name: str = "", order_name: str = "", family: str = "") -> SpeciesGroup:
        """The group of a taxon from its class, order and family (any case), ``OTHER`` when none fits.

        Family is tested first because the checklist places some families under orders that changed name
        between references (Accipitridae under Falconiformes or Accipitriformes); either spelling works.
        """
        family, order_name, class_name = family.lower(), order_name.lower(), class_name.lower()
        by_family = _GROUP_BY_FAMILY.get(family)
        if by_family is not None:
            return by_family
        by_order = _GROUP_BY_ORDER.get(order_name)
        if by_order is not None:
            return by_order
        if class_name == "amphibia":
            return cls.AMPHIBIANS
        return cls.OTHER


_GROUP_BY_FAMILY = {
    "elephantidae": SpeciesGroup.ELEPHANTS,
    "rhinocerotidae": SpeciesGroup.RHINOCEROSES,
    "felidae": SpeciesGroup.BIG_CATS,
    "manidae": SpeciesGroup.PANGOLINS,
    **dict.fromkeys(
        ["psittacidae", "cacatuidae", "psittaculidae", "loriidae", "strigopidae", "nestoridae"],
        SpeciesGroup.PARROTS,
    ),
    **dict.fromkeys(
        ["accipitridae", "falconidae", "pandionidae", "sagittariidae", "cathartidae", "strigidae", "tytonidae"],
        SpeciesGroup.BIRDS_OF_PREY,
    ),
}
_GROUP_BY_ORDER = {
    "primates": SpeciesGroup.PRIMATES,
    "pholidota": SpeciesGroup.PANGOLINS,
    "psittaciformes": SpeciesGroup.PARROTS,
    "falconiformes": SpeciesGroup.BIRDS_OF_PREY,
    "accipitriformes": SpeciesGroup.BIRDS_OF_PREY,
    "strigiformes": SpeciesGroup.BIRDS_OF_PREY,
    "cathartiformes": SpeciesGroup.BIRDS_OF_PREY,
    "crocodylia": SpeciesGroup.CROCODILIANS,
    "serpentes": SpeciesGroup.SNAKES,
    "testudines": SpeciesGroup.TORTOISES_TURTLES,
    "anura": SpeciesGroup.AMPHIBIANS,
    "caudata": SpeciesGroup.AMPHIBIANS,
    "gymnophiona": SpeciesGroup.AMPHIBIANS,
}

CITES_APPENDICES = ("I", "II", "III")


class SpeciesQuerySet(models.QuerySet["Species"]):
    def in_appendix(self, appendix: str) -> SpeciesQuerySet:
        """Taxa listed (wholly or for some populations) in ``appendix`` ("I", "II" or "III").

        Filters on the listing text rather than the ``cites_appendices`` JSON array because SQLite, the
        embedded default database, does not support ``contains`` on JSON fields; the listing is always
        stored in its canonical ``I/II/III/NC`` form, so the pattern is exact on both databases.
        """
        if appendix not in CITES_APPENDICES:
            raise ValueError(f"Unknown CITES appendix {appendix!r}; expected one of {CITES_APPENDICES}")
        return self.filter(cites_listing__regex=rf"(^|/){appendix}(/|$)")


class Species(models.Model):
    """A taxon of the CITES checklist (a species, subspecies, genus, family or order listed as a whole)."""

    scientific_name = models.CharField(
        max_length=255, unique=True, help_text=_("Accepted name without author, e.g. Loxodonta africana.")
    )
    normalised_name = models.CharField(max_length=255, db_index=True, editable=False)
    rank = models.CharField(max_length=16, choices=SpeciesRank.choices, default=SpeciesRank.SPECIES)
    kingdom = models.CharField(max_length=64, blank=True)
    phylum = models.CharField(max_length=64, blank=True)
    class_name = models.CharField(_("class"), max_length=64, blank=True)
    order_name = models.CharField(_("order"), max_length=64, blank=True)
    family = models.CharField(max_length=64, blank=True)
    genus = models.CharField(max_length=64, blank=True)
    author = models.CharField(max_length=255, blank=True, help_text=_("Author and year, e.g. (Blumenbach, 1797)."))
    cites_listing = models.CharField(
        max_length=16,
        blank=True,
        db_index=True,
        help_text=_("As published: I, II, III or a split listing such as I/II; NC marks unlisted populations."),
    )
    cites_appendices = models.JSONField(
        default=list, blank=True, help_text=_('The appendices of the listing, e.g. ["I", "II"].')
    )
    annotation = models.TextField(blank=True, help_text=_("The listing's annotation (populations, parts)."))
    species_plus_id = models.PositiveIntegerField(
        _("Species+ taxon id"), unique=True, null=True, blank=True, help_text=_("TaxonId in Species+ exports.")
    )
    group = models.CharField(max_length=20, choices=SpeciesGroup.choices, default=SpeciesGroup.OTHER, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpeciesQuerySet.as_manager()

    class Meta:
        ordering = ["scientific_name"]
        verbose_name_plural = "species"
        constraints = [
            models.CheckConstraint(condition=~Q(scientific_name=""), name="species_scientific_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.scientific_name

    def save(self, *args: object, **kwargs: object) -> None:
        """Keep the derived match key in step with the name however the row is saved."""
        self.normalised_name = normalise_name(self.scientific_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SpeciesName(models.Model):
    """Another name of a taxon: a common name, a trade name or a scientific synonym.

    Synonyms carry the language ``la`` (scientific Latin) so every row has a language to filter on.
    """

    class Kind(models.TextChoices):
        COMMON = "common", _("Common name")
        TRADE = "trade", _("Trade name")
        SYNONYM = "synonym", _("Scientific synonym")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")
        SPANISH = "es", _("Spanish")
        LATIN = "la", _("Latin (scientific)")

    species = models.ForeignKey(Species, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=255)
    normalised_name = models.CharField(max_length=255, db_index=True, editable=False)
    language = models.CharField(max_length=2, choices=Language.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.COMMON)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["species_id", "kind", "language", "name"]
        constraints = [
            # One row per spelling: re-running an import adds nothing it already holds.
            models.UniqueConstraint(
                fields=["species", "kind", "language", "normalised_name"], name="species_name_unique_spelling"
            ),
            models.CheckConstraint(condition=~Q(normalised_name=""), name="species_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.kind})"

    def save(self, *args: object, **kwargs: object) -> None:
        """Keep the derived match key in step with the name however the row is saved."""
        self.normalised_name = normalise_name(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
