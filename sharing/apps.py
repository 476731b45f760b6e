from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        # After cases (INSTALLED_APPS order): widens "case.visible" and "case.contribute" with shares.
        from console import labels

        from . import access_log, handlers, rules  # noqa: F401
        from .models import AccessRequestStatus, RedactedGroup, ShareObstacle, ShareStatus

        for kind, choices in (("redacted_group", RedactedGroup), ("share_status", ShareStatus),
                              ("share_obstacle", ShareObstacle), ("access_request_status", AccessRequestStatus)):
            labels.register(kind, choices)
