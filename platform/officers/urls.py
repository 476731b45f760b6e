"""The administration pages: an agency's officers, and the integration page (API tokens)."""

from django.urls import path

from .pages.views import integration, officer_create, officer_detail, officer_list, token_revoke

urlpatterns = [
    path("officers/", officer_list, name="officer-list"),
    path("officers/new/", officer_create, name="officer-create"),
    path("officers/<str:officer_id>/", officer_detail, name="officer-detail"),
    path("integration/", integration, name="integration-page"),
    path("integration/tokens/<str:token_id>/revoke/", token_revoke, name="token-revoke"),
]
