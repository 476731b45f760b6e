from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Case intelligence"

    def ready(self) -> None:
        from access.markings import CrimeArea, HandlingCode
        from console import labels

        from . import rules  # noqa: F401  (registers the access rules of case intelligence)
        from .models import (
            CaptureMethod,
            CaseStatus,
            ClaimedLegality,
            EntityKind,
            EntityRole,
            LegalityVerification,
            ListingStatus,
            Priority,
            SpecimenType,
        )

        for kind, choices in (("case_status", CaseStatus), ("priority", Priority), ("listing_status", ListingStatus),
                              ("entity_kind", EntityKind), ("entity_role", EntityRole),
                              ("capture_method", CaptureMethod), ("crime_area", CrimeArea),
                              ("handling_code", HandlingCode), ("specimen_type", SpecimenType),
                              ("claimed_legality", ClaimedLegality), ("legality_verification", LegalityVerification)):
            labels.register(kind, choices)
