"""GraphQL enums of the shared markings (``access.markings``), defined once for every app's schema."""

import graphene

from access.markings import CitesAppendix, Classification, CrimeArea, HandlingCode, Purpose

ClassificationEnum = graphene.Enum.from_enum(Classification, description="Protective marking levels.")
HandlingCodeEnum = graphene.Enum.from_enum(HandlingCode, description="Dissemination conditions (H0–H3).")
PurposeEnum = graphene.Enum.from_enum(Purpose)
CrimeAreaEnum = graphene.Enum.from_enum(CrimeArea)
CitesAppendixEnum = graphene.Enum.from_enum(CitesAppendix)
