"""Compliance outside GraphQL: the exports and the national report of the model measures."""

from django.urls import path, re_path

from .measures.views import download_evidence, national_report
from .views import metrics_csv, statements_json

urlpatterns = [
    path("metrics.csv", metrics_csv, name="compliance-metrics-csv"),
    path("statements.json", statements_json, name="compliance-statements-json"),
    # period: YYYY, or YYYY-MM-DD..YYYY-MM-DD (inclusive)
    re_path(r"^national-report/(?P<country>[A-Za-z]{2})/"
            r"(?P<period>[0-9]{4}(?:-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})?)\.(?P<fmt>json|csv|html)$",
            national_report, name="compliance-national-report"),
    path("measure-evidence/<int:evidence_id>/download", download_evidence, name="measure-evidence-download"),
]
