from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Spotters' reports"

    def ready(self) -> None:
        from console import labels

        from . import indicators, rules  # noqa: F401  (register the reports' rules and their CITES indicator)
        from .models import NotActionableReason, ReportStatus

        labels.register("report_status", ReportStatus)
        labels.register("report_reason", NotActionableReason)
