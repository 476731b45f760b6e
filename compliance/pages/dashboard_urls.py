"""The national coordinator's compliance dashboard and the notices behind its figures."""

from django.urls import path

from .dashboard import compliance_dashboard, compliance_notices

urlpatterns = [
    path("", compliance_dashboard, name="compliance-dashboard"),
    path("notices/", compliance_notices, name="compliance-dashboard-notices"),
]
