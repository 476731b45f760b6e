"""The search page of the console, and the intelligence export."""

from django.urls import path

from .pages.views import search_page
from .views import export_csv

urlpatterns = [
    path("", search_page, name="search-page"),
    path("export.csv", export_csv, name="search-export-csv"),
]
