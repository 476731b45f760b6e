from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = "Mandates"

    def ready(self) -> None:
        from access.markings import CitesAppendix
        from console import labels

        from . import rules  # noqa: F401  (registers this app's access rules)
        from .models import MandateStatus

        labels.register("mandate_status", MandateStatus)
        labels.register("cites_appendix", CitesAppendix)
        # The state an officer reads: the stored status, or expired / not yet valid from the window.
        labels.define("mandate_state", {"ACTIVE": _("Active"), "SUSPENDED": _("Suspended"), "REVOKED": _("Revoked"),
                                        "EXPIRED": _("Expired"), "PENDING": _("Not yet valid")})
