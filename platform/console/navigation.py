"""What each role finds in the console's navigation.

Officers who read intelligence work on alerts, search, cases and shares; platform officers on their notice inbox;
coordinators on compliance, mandates and measures. An entry names a URL; entries whose URL no installed app
provides are left out, so the shell does not depend on the feature apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import AgencyType
from officers.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Entry:
    label: StrOrPromise
    url_name: str
    roles: frozenset[str]
    count: int | None = None
    #: Only for officers of these kinds of agency (an NGO's administrator coordinates its spotters); None: any.
    agency_types: frozenset[str] | None = None


INTELLIGENCE = frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR, Role.AGENCY_ADMIN,
                          Role.NATIONAL_COORDINATOR})
ENTRIES = (
    Entry(_("Home"), "home", frozenset(Role.values)),
    Entry(_("Search"), "search-page", INTELLIGENCE),
    Entry(pgettext_lazy("navigation", "Cases"), "case-list", INTELLIGENCE),
    Entry(_("Sharing"), "sharing-page", INTELLIGENCE),
    Entry(_("Alerts"), "alert-list", INTELLIGENCE),
    Entry(_("Trends"), "trends-page", INTELLIGENCE),
    Entry(_("Notices"), "notice-inbox", frozenset({Role.PLATFORM_OFFICER})),
    Entry(_("Compliance"), "compliance-dashboard", frozenset({Role.NATIONAL_COORDINATOR})),
    Entry(_("Mandates"), "mandate-list", frozenset({Role.NATIONAL_COORDINATOR})),
    Entry(_("Model measures"), "assessment-list", frozenset({Role.NATIONAL_COORDINATOR})),
    Entry(_("Access log"), "access-log-page", frozenset({Role.SUPERVISOR, Role.NATIONAL_COORDINATOR})),
    Entry(_("Sign-in events"), "sign-in-events", frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN})),
    Entry(_("Officers"), "officer-list", frozenset({Role.AGENCY_ADMIN})),
    Entry(_("Integration"), "integration-page", frozenset({Role.PLATFORM_OFFICER, Role.AGENCY_ADMIN})),
    Entry(_("Reports"), "report-list", frozenset({Role.TRUSTED_REPORTER, Role.AGENCY_ADMIN}),
          agency_types=frozenset({AgencyType.NGO})),
    Entry(_("Triage"), "triage-queue", frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR})),
    Entry(_("Report figures"), "report-figures", frozenset({Role.AGENCY_ADMIN, Role.SUPERVISOR,
                                                             Role.NATIONAL_COORDINATOR})),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool
    count: int | None


def navigation(request: HttpRequest, role_name: str, unhandled_alerts: int, agency_type: str = "") -> list[Link]:
    role, kind = role_name.lower(), agency_type.lower()
    entries = []
    for entry in ENTRIES:
        if role not in entry.roles or (entry.agency_types is not None and kind not in entry.agency_types):
            continue
        try:
            entries.append((entry, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    # Pages nest (the alerts at /search/alerts/ under the search at /search/): the current entry is the one with
    # the longest address the path starts with; home is current on its own address only.
    current = max((url for entry, url in entries
                   if (request.path == url if entry.url_name == "home" else request.path.startswith(url))),
                  key=len, default=None)
    return [Link(str(entry.label), url, url == current,
                 unhandled_alerts if entry.url_name == "alert-list" and unhandled_alerts else None)
            for entry, url in entries]
