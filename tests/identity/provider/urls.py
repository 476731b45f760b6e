from django.contrib.auth.views import LoginView
from django.urls import include, path
from oauth2_provider.views import ConnectDiscoveryInfoView

urlpatterns = [
    path("accounts/login/", LoginView.as_view(template_name="login.html")),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    # The same discovery document at another address: a WildNet configured with this address as issuer must
    # refuse the provider, which names itself otherwise.
    path("alias/.well-known/openid-configuration", ConnectDiscoveryInfoView.as_view()),
]
