from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from console import labels

        from . import rules, signals  # noqa: F401  (access rules; login success/failure events)
        from .models import Outcome

        labels.register("outcome", Outcome)

        labels.define("auth_action", {
            "auth.login": _("Sign-in"), "auth.logout": _("Sign-out"), "auth.locked_out": _("Locked out"),
            "auth.second_factor": _("Second factor"), "auth.second_factor.enrol": _("Second factor set up"),
            "auth.second_factor.remove": _("Second factor removed"),
            "auth.second_factor.reset": _("Second factor reset by an administrator"),
            "auth.second_factor.recovery_codes": _("New recovery codes"),
            "auth.reauthenticate": _("Password confirmed"), "auth.sign_out_everywhere": _("Signed out everywhere"),
            "auth.sso.login": _("Sign-in with the agency's account"),
            "auth.sso.link": _("Agency's account linked"), "auth.sso.unlink": _("Agency's account unlinked"),
            "auth.sso.provider": _("Agency's sign-in set up")})
