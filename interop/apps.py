from django.apps import AppConfig


class InteropConfig(AppConfig):
    """STIX 2.1, TAXII 2.1 and MISP: intelligence out and in, always through the access policy."""

    name = "interop"
    verbose_name = "Interoperability"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the visibility of import runs)
