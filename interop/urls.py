"""The interoperability endpoints, under /interop/ (STIX bundles, MISP events). TAXII has its own root."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
