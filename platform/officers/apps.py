from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers and API tokens"

    def ready(self) -> None:
        from . import rules, second_factor, throttle  # noqa: F401  (access rules; sign-in's signal receivers)
