from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers and API tokens"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's access rules)
