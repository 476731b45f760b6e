from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Case intelligence"

    def ready(self) -> None:
        from console import labels

        from . import rules  # noqa: F401  (registers the access rules of case intelligence)
        from .models import CaseStatus, EntityKind, EntityRole, ListingStatus, Priority

        for kind, choices in (("case_status", CaseStatus), ("priority", Priority), ("listing_status", ListingStatus),
                              ("entity_kind", EntityKind), ("entity_role", EntityRole)):
            labels.register(kind, choices)
