from .species import Species, SpeciesGroup, SpeciesName, SpeciesRank

__all__ = ["Species", "SpeciesGroup", "SpeciesName", "SpeciesRank"]
