from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        # After cases (INSTALLED_APPS order): widens "case.visible" and "case.contribute" with shares.
        from console import labels

        from . import access_log, handlers, rules  # noqa: F401
        from .models import RedactedGroup

        labels.register("redacted_group", RedactedGroup)
