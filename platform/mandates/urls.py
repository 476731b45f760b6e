"""Mandate pages of the console."""

from django.urls import path

from .pages.views import mandate_detail, mandate_grant, mandate_list

urlpatterns = [
    path("", mandate_list, name="mandate-list"),
    path("new/", mandate_grant, name="mandate-grant"),
    path("<int:pk>/", mandate_detail, name="mandate-detail"),
]
