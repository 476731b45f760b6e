from .evidence import CaptureMethod, CustodyAction, CustodyEvent, Evidence
from .intel import (
    GRADES,
    Case,
    CaseEntity,
    CaseSequence,
    CaseStatus,
    Entity,
    EntityKind,
    EntityRole,
    GradingSystem,
    IntelReport,
    Listing,
    ListingStatus,
    Priority,
    SuggestedSpecies,
    TermKind,
    WatchAlert,
    Watchlist,
    WatchTerm,
)
from .species import Species, SpeciesGroup, SpeciesName, SpeciesRank

__all__ = [
    "GRADES",
    "CaptureMethod", "Case", "CaseEntity", "CaseSequence", "CaseStatus", "CustodyAction", "CustodyEvent", "Entity",
    "EntityKind", "EntityRole", "Evidence", "GradingSystem", "IntelReport", "Listing", "ListingStatus", "Priority",
    "Species", "SpeciesGroup", "SpeciesName", "SpeciesRank", "SuggestedSpecies", "TermKind", "WatchAlert", "WatchTerm",
    "Watchlist",
]
