"""Compliance outside GraphQL: the exports."""

from django.urls import path

from .views import metrics_csv, statements_json

urlpatterns = [
    path("metrics.csv", metrics_csv, name="compliance-metrics-csv"),
    path("statements.json", statements_json, name="compliance-statements-json"),
]
