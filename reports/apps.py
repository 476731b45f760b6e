from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Spotters' reports"

    def ready(self) -> None:
        from console import labels

        from . import indicators, rules  # noqa: F401  (register the reports' rules and their CITES indicator)
        from .models import NotActionableReason, ReportStatus

        labels.register("report_status", ReportStatus)
        labels.register("report_reason", NotActionableReason)
        labels.define("score_reason", {"appendix": _("CITES appendix of the species"),
                                       "duplicates": _("Reported by others too"),
                                       "track_record": _("Reporter's track record"),
                                       "watchlist": _("Matches your watchlists"),
                                       "known": _("Already in intelligence")})
