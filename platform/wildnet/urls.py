from django.contrib import admin
from django.urls import include, path

from sharing.pages.access_log import access_log_page

from .graphql_view import WildnetGraphQLView
from .views import healthz

handler500 = "wildnet.views.server_error"

urlpatterns = [
    path("graphql/", WildnetGraphQLView.as_view(), name="graphql"),
    path("healthz", healthz, name="healthz"),
    path("cases/", include("cases.urls")),
    path("compliance/", include("compliance.urls")),
    path("measures/", include("compliance.measures.pages.urls")),
    path("notices/", include("compliance.pages.urls")),
    path("mandates/", include("mandates.urls")),
    path("access-log/", access_log_page, name="access-log-page"),
    path("", include("audit.pages.urls")),
    path("search/", include("search.urls")),
    path("sharing/", include("sharing.urls")),
    path("reports/", include("reports.urls")),
    path("triage/", include("reports.triage_urls")),
    path("interop/", include("interop.urls")),
    path("taxii2/", include("interop.taxii.urls")),
    path("compliance/dashboard/", include("compliance.pages.dashboard_urls")),
    path("admin/", admin.site.urls),
    path("", include("officers.urls")),
    path("", include("console.urls")),
]
