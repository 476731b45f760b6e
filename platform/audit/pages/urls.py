from django.urls import path

from .views import sign_in_events

urlpatterns = [
    path("sign-in-events/", sign_in_events, name="sign-in-events"),
]
