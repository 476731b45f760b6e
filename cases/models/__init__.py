from .evidence import CaptureMethod, CustodyAction, CustodyEvent, Evidence
from .intel import (
    GRADES,
    REFERENCED_CLAIMS,
    Case,
    CaseEntity,
    CaseSequence,
    CaseStatus,
    ClaimedLegality,
    Entity,
    EntityKind,
    EntityRole,
    GradingSystem,
    IntelReport,
    LegalityVerification,
    Listing,
    ListingStatus,
    Priority,
    SpecimenType,
    SuggestedSpecies,
    TermKind,
    WatchAlert,
    Watchlist,
    WatchTerm,
)
from .species import Species, SpeciesGroup, SpeciesName, SpeciesRank

__all__ = [
    "GRADES", "REFERENCED_CLAIMS",
    "CaptureMethod", "Case", "CaseEntity", "CaseSequence", "CaseStatus", "ClaimedLegality", "CustodyAction",
    "CustodyEvent", "Entity", "EntityKind", "EntityRole", "Evidence", "GradingSystem", "IntelReport",
    "LegalityVerification", "Listing", "ListingStatus", "Priority", "Species", "SpeciesGroup", "SpeciesName",
    "SpeciesRank", "SpecimenType", "SuggestedSpecies", "TermKind", "WatchAlert", "WatchTerm", "Watchlist",
]
