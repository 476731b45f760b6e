"""The interoperability endpoints, under /interop/ (STIX bundles). TAXII has its own root, /taxii2/."""

from django.urls import path

from .views import case_bundle_view, search_bundle_view

urlpatterns = [
    path("stix/cases/<str:reference>.json", case_bundle_view, name="stix-case"),
    path("stix/search.json", search_bundle_view, name="stix-search"),
]
