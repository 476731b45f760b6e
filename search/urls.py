"""The search app's console pages (search, alerts, watchlists, trends) and the intelligence export."""

from django.urls import path

from .pages.alerts import alert_handled, alert_list, watchlists_page
from .pages.trends import cyber_alert, trends_page
from .pages.views import search_page
from .views import export_csv

urlpatterns = [
    path("", search_page, name="search-page"),
    path("export.csv", export_csv, name="search-export-csv"),
    path("alerts/", alert_list, name="alert-list"),
    path("alerts/handled/", alert_handled, name="alert-handled"),
    path("watchlists/", watchlists_page, name="watchlist-list"),
    path("trends/", trends_page, name="trends-page"),
    path("trends/cyber-alert/", cyber_alert, name="cyber-alert"),
]
