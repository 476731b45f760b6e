"""The spotter's pages: their reports and the report form."""

from django.urls import path

from .pages.views import report_list, report_new

urlpatterns = [
    path("", report_list, name="report-list"),
    path("new/", report_new, name="report-new"),
]
