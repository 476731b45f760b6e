from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .graphql_view import WildnetGraphQLView
from .views import healthz

handler500 = "wildnet.views.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="graphql"), name="home"),
    path("graphql/", WildnetGraphQLView.as_view(), name="graphql"),
    path("healthz", healthz, name="healthz"),
    path("cases/", include("cases.urls")),
    path("compliance/", include("compliance.urls")),
    path("search/", include("search.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="admin/login.html",
                                                         next_page="graphql"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
