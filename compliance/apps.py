from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Takedown notices and platform compliance"

    def ready(self) -> None:
        from . import handlers, rules  # noqa: F401  (access rules; re-listing detection)
        from .measures import rules as measure_rules  # noqa: F401  (access rules of national assessments)
        from .measures.pages import labels as measure_labels
        from .pages import labels

        labels.register()
        measure_labels.register()
