"""Sharing pages of the console."""

from django.urls import path

from .pages.views import share_case, sharing_page

urlpatterns = [
    path("", sharing_page, name="sharing-page"),
    path("cases/<str:reference>/share/", share_case, name="share-case"),
]
