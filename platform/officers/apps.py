from django.apps import AppConfig


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = "Officers and API tokens"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from console import labels

        from . import rules, second_factor, throttle  # noqa: F401  (access rules; sign-in's signal receivers)
        from .models import TokenScope

        labels.register("token_scope", TokenScope)
        labels.define("token_state", {"ACTIVE": _("Active"), "EXPIRED": _("Expired"), "REVOKED": _("Revoked"),
                                      "OFFICER_DISABLED": _("Officer disabled")})
