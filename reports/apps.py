from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Spotters' reports"

    def ready(self) -> None:
        from console import labels

        from . import rules  # noqa: F401  (registers the reports' visibility and action rules)
        from .models import NotActionableReason, ReportStatus

        labels.register("report_status", ReportStatus)
        labels.register("report_reason", NotActionableReason)
