"""The CITES model measures' indicator on citizens' reports, computed from spotters' reports.

Registered in the measures' indicator registry from here (imported by ``ReportsConfig.ready``), so that the
compliance app needs to know nothing of reports; the catalogue's check of indicator names runs when a catalogue is
loaded, after every app is ready.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from compliance.measures.indicators import Computed, indicator
from compliance.measures.periods import bounds

from .figures import TOGETHER, ReportFigures, of_country, report_figures
from .models import SpotterReport

NONE_RECEIVED = ReportFigures(programme_id=None, country=None, received=0, sent_to_platform=0,
                              passed_to_investigation=0, not_actionable=0, removals=0)


def _hours(duration: datetime.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


@indicator("citizen_reports", _("Citizens' reports of suspicious offers answered"))
def citizen_reports(country: str, start: datetime.date, end: datetime.date) -> Computed:
    figures = report_figures(SpotterReport.objects.filter(of_country(country)), *bounds(start, end), TOGETHER)
    total = figures[0] if figures else NONE_RECEIVED
    value = {
        "received": total.received, "triaged": total.triaged, "acted_on": total.acted_on,
        "not_actionable": total.not_actionable, "removals": total.removals, "acted_on_share": total.acted_on_share,
        "median_time_to_triage_hours": _hours(total.median_time_to_triage),
        "p90_time_to_triage_hours": _hours(total.p90_time_to_triage),
    }
    return (value,
            _("Reports of suspicious online offers sent by citizens through a spotter programme and received in the "
              "period, about the country's online platforms or routed to the country's agencies for triage: those "
              "triaged (acted on, i.e. sent to the platform or passed to an investigation, or found not actionable), "
              "acted on ÷ triaged, the reports whose takedown notice removed the listing, and the time from receipt "
              "to triage (nearest-rank median and 90th percentile, in hours)."),
            bool(figures))
