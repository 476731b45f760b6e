"""Report routes, set up by system administrators in the Django admin: which agency triages whose reports.

A route decides who reads spotters' reports, so only system administrators see or change routes (as for single
sign-on), and every change is audited. A route applies to reports received after it is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.actions import record
from identity.admin import SystemAdministratorsOnly, actor_of

from .models import ReportRoute


@admin.register(ReportRoute)
class ReportRouteAdmin(SystemAdministratorsOnly):
    list_display = ["programme", "country", "agency"]
    list_filter = ["country"]

    def save_model(self, request: HttpRequest, obj: ReportRoute, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record("report.route", actor=actor_of(request), obj=obj,
               details={"programme": obj.programme_id, "country": obj.country, "agency": obj.agency_id})

    def delete_model(self, request: HttpRequest, obj: ReportRoute) -> None:
        details = {"programme": obj.programme_id, "country": obj.country, "agency": obj.agency_id, "deleted": True}
        super().delete_model(request, obj)
        record("report.route", actor=actor_of(request), details=details)
