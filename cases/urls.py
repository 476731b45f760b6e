"""Case intelligence outside GraphQL: the evidence download."""

from django.urls import path

from .views import download_evidence

urlpatterns = [
    path("evidence/<int:evidence_id>/download", download_evidence, name="evidence-download"),
]
