"""The spotter's pages: their reports and the report form."""

from django.urls import path

from .pages.figures import report_figures_page
from .pages.views import report_list, report_new

urlpatterns = [
    path("", report_list, name="report-list"),
    path("new/", report_new, name="report-new"),
    path("figures/", report_figures_page, name="report-figures"),
]
