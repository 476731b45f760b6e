"""The platform officers' notice pages: the inbox (which also acknowledges), a notice, the outcome form of one
of its addresses (numbered from 1, in the notice's order)."""

from django.urls import path

from .views import notice_inbox, notice_page, outcome_form

urlpatterns = [
    path("", notice_inbox, name="notice-inbox"),
    path("<str:reference>/", notice_page, name="notice-page"),
    path("<str:reference>/items/<int:number>/", outcome_form, name="notice-outcome"),
]
