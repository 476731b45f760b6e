"""The national report for a period, as a CITES Management Authority could adapt it to answer a notification.

One dictionary (:func:`national_report`) is the report; the JSON export is that dictionary, the CSV export
one row per measure, the console's report page (``compliance/measures/pages``) its printable rendering. Titles
and headings come in the catalogue's three languages and, as ``title``, ``section_title`` and
``subsection_title``, in the language of the request. It holds the measures by status, each with its
evidence, the indicators computed from WildNet's records, and the change since the previous period's
signed-off assessment. Evidence, notes and indicators appear only for a reader of the assessed country
(``rules.sees_details``); a coordinator of another country gets the summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql_relay import to_global_id

from access.policy import Viewer
from api.csvout import safe_text

from . import headings, indicators
from .models import MeasureEvidence, MeasureStatus, MeasureStatusEntry, NationalAssessment
from .queries import previous_period
from .rules import sees_details

CSV_COLUMNS = ["code", "section", "subsection", "title_en", "title_fr", "title_es", "status", "reason",
               "responsible_agency", "last_reviewed_at", "reviewer", "evidence", "previous_status", "changed",
               "indicator", "indicator_value"]


def national_report(viewer: Viewer, assessment: NationalAssessment) -> dict[str, Any]:
    """The report of an assessment ``viewer`` may see (the caller fetched it through the policy)."""
    details = sees_details(viewer, assessment)
    entries = list(MeasureStatusEntry.objects.filter(assessment=assessment)
                   .select_related("measure", "responsible_agency", "reviewer").order_by("measure__order"))
    evidence: dict[int, list[dict[str, Any]]] = {}
    if details:
        for item in MeasureEvidence.objects.filter(entry__assessment=assessment).order_by("added_at", "id"):
            evidence.setdefault(item.entry_id, []).append(_evidence(item))
    previous = previous_period(viewer, assessment)
    before = dict(MeasureStatusEntry.objects.filter(assessment=previous).values_list("measure__code", "status")
                  ) if previous else {}
    computed = (indicators.compute(assessment.country, assessment.period_start, assessment.period_end)
                if details else {})
    measures = [_measure(entry, evidence.get(entry.pk, []), before, details, computed, previous is not None)
                for entry in entries]
    counts = {status: 0 for status in MeasureStatus.values}
    for measure in measures:
        counts[measure["status"]] += 1
    return {
        "country": assessment.country,
        "period": {"label": assessment.period_label, "start": assessment.period_start.isoformat(),
                   "end": assessment.period_end.isoformat()},
        "catalogue": {"version": assessment.catalogue.version, "title": assessment.catalogue.title},
        "assessment": {
            "id": to_global_id("NationalAssessment", assessment.pk), "revision": assessment.revision,
            "status": assessment.status, "created_at": assessment.created_at.isoformat(),
            "signed_off_at": assessment.signed_off_at.isoformat() if assessment.signed_off_at else None,
            "signed_off_by": assessment.signed_off_by.get_full_name() if assessment.signed_off_by else None,
        },
        "details": details,
        "by_status": {status: {"count": counts[status],
                               "measures": [m["code"] for m in measures if m["status"] == status]}
                      for status in MeasureStatus.values},
        "measures": measures,
        "indicators": list(computed.values()) if details else None,
        "change_since_previous": {
            "previous": None if previous is None else {
                "period": previous.period_label, "revision": previous.revision,
                "signed_off_at": previous.signed_off_at.isoformat() if previous.signed_off_at else None},
            "changes": [{"code": m["code"], "from": m["previous_status"], "to": m["status"]}
                        for m in measures if m["changed"]],
        },
    }


def _measure(entry: MeasureStatusEntry, evidence: list[dict[str, Any]], before: dict[str, str], details: bool,
             computed: dict[str, Any], has_previous: bool) -> dict[str, Any]:
    measure = entry.measure
    previous_status = before.get(measure.code)
    return {
        "code": measure.code, "section": measure.section, "section_title": headings.section_title(measure.section),
        "subsection": measure.subsection, "subsection_title": headings.subsection_title(measure.subsection),
        "title": headings.in_language({"en": measure.title_en, "fr": measure.title_fr, "es": measure.title_es}),
        "title_en": measure.title_en, "title_fr": measure.title_fr, "title_es": measure.title_es,
        "status": entry.status, "reason": entry.reason,
        "responsible_agency": entry.responsible_agency.code if entry.responsible_agency else None,
        "responsible_agency_name": entry.responsible_agency.name if entry.responsible_agency else None,
        "last_reviewed_at": entry.last_reviewed_at.isoformat() if entry.last_reviewed_at else None,
        "reviewer": entry.reviewer.get_full_name() if entry.reviewer else None,
        "notes": entry.notes if details else None,
        "evidence": evidence if details else None,
        "indicator": measure.indicator,
        "indicator_value": computed[measure.indicator]["value"] if measure.indicator in computed else None,
        "previous_status": previous_status,
        "changed": has_previous and previous_status != entry.status,
    }


def _evidence(item: MeasureEvidence) -> dict[str, Any]:
    return {"kind": item.kind, "url": item.url or None, "text": item.text or None,
            "file": item.file_name, "added_at": item.added_at.isoformat()}


def csv_rows(report: dict[str, Any]) -> Iterator[list[str]]:
    """The header, then one row per measure; free text cannot start a spreadsheet formula."""
    yield CSV_COLUMNS
    for measure in report["measures"]:
        evidence = "; ".join(f"{e['kind']}: {e['url'] or e['file'] or e['text']}" for e in measure["evidence"] or [])
        value = measure["indicator_value"]
        yield [safe_text(_cell(measure, column, evidence, value)) for column in CSV_COLUMNS]


def _cell(measure: dict[str, Any], column: str, evidence: str, value: Any) -> str:
    if column == "evidence":
        return evidence
    if column == "indicator_value":
        return "" if value is None else _compact(value)
    if column == "changed":
        return "yes" if measure["changed"] else "no"
    found = measure.get(column)
    return "" if found is None else str(found)


def _compact(value: dict[str, Any]) -> str:
    """The indicator's scalar figures as ``name=value`` pairs (lists are in the JSON report)."""
    return "; ".join(f"{k}={v}" for k, v in value.items() if not isinstance(v, list | dict) and v is not None)
