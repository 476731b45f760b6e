from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox (side effects)"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers the core topics)
