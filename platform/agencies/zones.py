"""Time zones: an agency reads times in its country's principal zone unless it chose another.

The principal zone of a country is the first one the IANA database's ``zone.tab`` lists for it (Europe/Paris for
France, Europe/Madrid for Spain, America/New_York for the United States): the zone of its capital or most
populous region. The table is read from the same tz database ``zoneinfo`` uses, so the two never disagree.
"""

from __future__ import annotations

import functools
import zoneinfo
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FALLBACK = "UTC"


@functools.cache
def _principal_zones() -> dict[str, str]:
    zones: dict[str, str] = {}
    for root in zoneinfo.TZPATH:
        table = Path(root) / "zone.tab"
        if not table.is_file():
            continue
        for line in table.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            country, _coordinates, zone, *_comment = line.split("\t")
            zones.setdefault(country, zone)
        break
    return zones


def country_zone(country: str) -> str:
    """The principal time zone of an ISO 3166-1 alpha-2 country; UTC for one the tz database does not list."""
    return _principal_zones().get(country.upper(), FALLBACK)


@functools.cache
def zone_names() -> list[str]:
    """Every zone an officer may choose, sorted: the canonical names, without the legacy aliases."""
    return sorted(name for name in zoneinfo.available_timezones()
                  if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")))


def validate_time_zone(value: str) -> None:
    if value and value != FALLBACK and value not in zone_names():
        raise ValidationError(_("%(value)s is not a time zone, such as Europe/Paris."), params={"value": value})
