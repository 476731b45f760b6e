"""Search outside GraphQL: the intelligence export."""

from django.urls import path

from .views import export_csv

urlpatterns = [
    path("export.csv", export_csv, name="search-export-csv"),
]
