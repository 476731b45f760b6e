"""TAXII 2.1 under /taxii2/: discovery, the one API root, its collections and their objects."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.discovery, name="taxii-discovery"),
    path(f"{views.API_ROOT}/", views.api_root, name="taxii-api-root"),
    path(f"{views.API_ROOT}/collections/", views.collections, name="taxii-collections"),
    path(f"{views.API_ROOT}/collections/<str:collection_id>/", views.collection, name="taxii-collection"),
    path(f"{views.API_ROOT}/collections/<str:collection_id>/objects/", views.objects, name="taxii-objects"),
    path(f"{views.API_ROOT}/collections/<str:collection_id>/objects/<str:object_id>/", views.object_view,
         name="taxii-object"),
    path(f"{views.API_ROOT}/collections/<str:collection_id>/objects/<str:object_id>/versions/", views.versions,
         name="taxii-versions"),
    path(f"{views.API_ROOT}/collections/<str:collection_id>/manifest/", views.manifest, name="taxii-manifest"),
    path(f"{views.API_ROOT}/status/<str:status_id>/", views.status, name="taxii-status"),
]
