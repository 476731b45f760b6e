from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and task forces"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's access rules)
