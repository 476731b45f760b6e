"""GraphQL enums of the shared markings (``access.markings``), defined once for every app's schema."""

import graphene

from access.markings import CitesAppendix, Classification, CrimeArea, HandlingCode, Purpose

ClassificationEnum = graphene.Enum.from_enum(Classification, description="Protective marking levels.")
#: What each code tells an API client, in the words of Europol's definitions (the SDL is English).
HANDLING_MEANINGS = {
    HandlingCode.H0: "May be used in judicial proceedings.",
    HandlingCode.H1: "Not to be used in judicial proceedings without the provider's permission.",
    HandlingCode.H2: "Not to be disseminated without the provider's permission.",
    HandlingCode.H3: "Other restrictions, stated in handlingConditions.",
}
HandlingCodeEnum = graphene.Enum.from_enum(
    HandlingCode, description=lambda member: "Europol handling codes, set by the item's provider." if member is None
    else HANDLING_MEANINGS[member])
PurposeEnum = graphene.Enum.from_enum(Purpose)
CrimeAreaEnum = graphene.Enum.from_enum(CrimeArea)
CitesAppendixEnum = graphene.Enum.from_enum(CitesAppendix)
