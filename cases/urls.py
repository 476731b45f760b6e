"""Case pages of the console, and the evidence download."""

from django.urls import path

from .pages.editing import case_add, case_create, case_edit, listing_facts
from .pages.views import case_detail, case_graph, case_list, entity_graph
from .views import download_evidence

urlpatterns = [
    path("", case_list, name="case-list"),
    path("evidence/<int:evidence_id>/download", download_evidence, name="evidence-download"),
    path("new/", case_create, name="case-create"),
    path("entities/<str:entity_id>/graph/", entity_graph, name="entity-graph"),
    path("<str:reference>/graph/", case_graph, name="case-graph"),
    path("<str:reference>/", case_detail, name="case-detail"),
    path("<str:reference>/edit/", case_edit, name="case-edit"),
    path("<str:reference>/add/<str:what>/", case_add, name="case-add"),
    path("<str:reference>/listings/<str:listing_id>/facts/", listing_facts, name="listing-facts"),
]
