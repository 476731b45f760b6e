"""The analysts' triage pages, under /triage/."""

from django.urls import path

from .pages.triage import triage_queue, triage_report

urlpatterns = [
    path("", triage_queue, name="triage-queue"),
    path("<int:number>/", triage_report, name="triage-report"),
]
