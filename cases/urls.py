"""Case pages of the console, and the evidence download."""

from django.urls import path

from .pages.views import case_detail, case_list
from .views import download_evidence

urlpatterns = [
    path("", case_list, name="case-list"),
    path("evidence/<int:evidence_id>/download", download_evidence, name="evidence-download"),
    path("<str:reference>/", case_detail, name="case-detail"),
]
