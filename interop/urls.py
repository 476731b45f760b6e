"""The interoperability endpoints, under /interop/ (STIX bundles, MISP events). TAXII has its own root, /taxii2/."""

from django.urls import URLPattern, path

from .views import case_bundle_view, search_bundle_view
from .views_misp import misp_case_event

urlpatterns: list[URLPattern] = [
    path("stix/cases/<str:reference>.json", case_bundle_view, name="stix-case"),
    path("stix/search.json", search_bundle_view, name="stix-search"),
    path("misp/cases/<str:reference>.json", misp_case_event, name="interop-misp-case"),
]
