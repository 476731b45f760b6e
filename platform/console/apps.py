from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The console's shell: sign-in, the layout and navigation, languages, and the document executor."""

    name = "console"
    verbose_name = "Console"

    def ready(self) -> None:
        from access.markings import Classification, Purpose
        from agencies.models import PlatformKind
        from officers.models import Role

        from . import labels, middleware  # noqa: F401  (middleware: the sign-in renews the session)

        labels.register("role", Role)
        labels.register("classification", Classification)
        labels.register("purpose", Purpose)
        labels.register("platform_kind", PlatformKind)
