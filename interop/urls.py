"""The interoperability endpoints, under /interop/ (STIX bundles, MISP events). TAXII has its own root."""

from django.urls import URLPattern, path

from .views_misp import misp_case_event

urlpatterns: list[URLPattern] = [
    path("misp/cases/<str:reference>.json", misp_case_event, name="interop-misp-case"),
]
