from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers and API tokens"

    def ready(self) -> None:
        from . import rules, throttle  # noqa: F401  (register the access rules; count failed sign-ins)
