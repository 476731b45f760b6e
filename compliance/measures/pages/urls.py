"""The model-measure pages of the console, under ``/measures/``.

A period in an address is written as the API writes it, with ``..`` for ``/``: ``2025`` or
``2025-01-01..2025-06-30`` (inclusive days).
"""

from django.urls import path, register_converter

from . import views


class PeriodConverter:
    regex = r"[0-9]{4}(?:-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value.replace("/", "..")


register_converter(PeriodConverter, "period")

urlpatterns = [
    path("", views.assessment_list, name="assessment-list"),
    path("new/", views.assessment_create, name="assessment-create"),
    path("<str:country>/<period:period>/", views.assessment_detail, name="assessment-detail"),
    path("<str:country>/<period:period>/measures/<str:code>/", views.measure_edit, name="measure-edit"),
    path("<str:country>/<period:period>/sign-off/", views.assessment_sign_off, name="assessment-sign-off"),
    path("<str:country>/<period:period>/revise/", views.assessment_revise, name="assessment-revise"),
    path("<str:country>/<period:period>/report/", views.national_report, name="assessment-report"),
]
