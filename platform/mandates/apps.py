from django.apps import AppConfig


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = "Mandates"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's access rules)
