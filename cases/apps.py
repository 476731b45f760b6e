from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Case intelligence"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the access rules of case intelligence)
