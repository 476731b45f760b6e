"""The intelligence export: what ``search`` finds, as CSV, for the analysts' "cyber alert" reports.

An export is a search whose results leave the platform, so it trusts nothing the search alone says:

* the parameters are the GraphQL ``search`` filters, parsed strictly: a bad value is a 400 with a typed error,
  and then nothing is searched, audited or written;
* the configured backend finds the hits page after page (it applies the policy itself), and each page's
  objects are loaded again through :func:`access.policy.visible`, one query per type per page, so an index
  lagging behind a revoked share or a deleted row exports nothing of it;
* refusal looks like absence: an anonymous caller gets the 404 of the evidence download, and an officer who
  may see nothing gets the header row alone, exactly what a search matching nothing gives;
* the export is audited before its first byte leaves, as a download is: reads of other agencies'
  intelligence through ``api.reads`` as GraphQL reads are (one event per owning agency), and one
  ``search.export`` event with the query, the filters and the row count. The rows are therefore gathered
  (at most ``EXPORT_MAX_ROWS``) before the response starts; only the CSV text is streamed;
* no cell can start a spreadsheet formula (CSV injection).
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from graphql_relay import to_global_id

from access import policy
from access.errors import ActionError, ErrorCode, NotFound
from access.markings import CitesAppendix, handling_text
from access.policy import Viewer
from agencies.models import Agency, PlatformKind
from api import reads
from api.context import viewer_for_request
from api.csvout import csv_lines, safe_text
from api.nodes import PolicyObjectType
from api.origin import same_site
from audit.actions import record
from cases.models import (
    Case,
    CaseStatus,
    ClaimedLegality,
    Entity,
    IntelReport,
    LegalityVerification,
    Listing,
    ListingStatus,
    Species,
    SpecimenType,
)
from cases.schema import CaseNode, EntityNode, IntelReportNode, ListingNode
from cases.signals import identifiers_seen

from .backends import get_backend
from .backends.base import DOCUMENT_TYPES, SearchFilters, SearchHit, SearchQuery
from .identifiers import identifier_entities
from .schema import MAX_FIRST

#: The GraphQL type of each document type: its name makes the global ids, its ``read_scope`` the audit.
NODES: dict[str, type[PolicyObjectType]] = {"case": CaseNode, "listing": ListingNode, "entity": EntityNode,
                                            "report": IntelReportNode}
COLUMNS = ("type", "id", "reference", "title", "url", "platform", "platform_kind", "species", "countries", "status",
           "specimen_type", "specimen_count", "claimed_legality", "legality_reference", "legality_verified",
           "handling", "date", "score")
PARAMETERS = ("q", "type", "platform", "country", "appendix", "status", "agency", "species", "from", "to",
              "specimen_type", "claimed_legality", "legality_verified", "platform_kind")
#: How the export's parameter names the listing whose specimen is not stated (an empty value is no filter).
UNKNOWN_SPECIMEN = "unknown"
#: The longest search text, so that the audit event records the query whole.
MAX_TEXT = 500
SEPARATOR = ";"

_CODE = re.compile(r"[-a-zA-Z0-9_]{1,32}")
_ID = re.compile(r"[0-9]{1,18}")  # a primary key, never larger than a 64-bit integer
_COUNTRY = re.compile(r"[A-Z]{2}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- parameters -------------------------------------------------------------------------------------------


def parse_export(params: QueryDict) -> SearchQuery:
    """The query string as the backends' query; ``INVALID`` naming the parameter at fault.

    Filters may be repeated (``type=case&type=listing``) and an empty value is no filter, as a web form sends
    it. An unknown parameter is refused rather than ignored: a misspelt filter would export too much.
    """
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        names = ", ".join(PARAMETERS)
        raise ActionError(ErrorCode.INVALID, _("Unknown parameter; use %(names)s.") % {"names": names}, unknown[0])
    for name, values in params.lists():
        if any("\x00" in value for value in values):  # PostgreSQL refuses it in a parameter: a fault, not a search
            raise ActionError(ErrorCode.INVALID, _("%(name)s cannot contain the NUL character.") % {"name": name}, name)
    text = params.get("q", "")
    if len(text) > MAX_TEXT:
        raise ActionError(ErrorCode.INVALID, _("Search at most %(n)d characters.") % {"n": MAX_TEXT}, "q")
    date_from, date_to = _day(params, "from"), _day(params, "to")
    if date_from is not None and date_to is not None and date_to <= date_from:
        raise ActionError(ErrorCode.INVALID, _("to (exclusive) must come after from."), "to")
    statuses = frozenset(CaseStatus.values) | frozenset(ListingStatus.values)
    filters = SearchFilters(
        types=_values(params, "type", str.lower, lambda v: v in DOCUMENT_TYPES,
                      _("case, listing, entity or report")),
        species_ids=frozenset(int(v) for v in _values(params, "species", str, _ID.fullmatch,
                                                         _("a species id (a number)"))),
        cites_appendices=_values(params, "appendix", str.upper, lambda v: v in CitesAppendix.values,
                                 _("I, II, III or NC")),
        platform_codes=_values(params, "platform", str, _CODE.fullmatch, _("a platform's code")),
        countries=_values(params, "country", str.upper, _COUNTRY.fullmatch, _("an ISO 3166 code, e.g. FR")),
        statuses=_values(params, "status", str.lower, lambda v: v in statuses, _("a case or listing status")),
        agency_codes=_values(params, "agency", str, _CODE.fullmatch, _("an agency's code")),
        date_from=date_from, date_to=date_to,
        specimen_types=frozenset(
            "" if value == UNKNOWN_SPECIMEN else value for value in _values(
                params, "specimen_type", str.lower, lambda v: v in {UNKNOWN_SPECIMEN, *SpecimenType.values} - {""},
                _("unknown, live, part or derivative"))),
        claimed_legalities=_values(params, "claimed_legality", str.lower, lambda v: v in ClaimedLegality.values,
                                   ", ".join(ClaimedLegality.values)),
        legality_verifications=_values(params, "legality_verified", str.lower,
                                       lambda v: v in LegalityVerification.values,
                                       ", ".join(LegalityVerification.values)),
        platform_kinds=_values(params, "platform_kind", str.lower, lambda v: v in PlatformKind.values,
                               ", ".join(PlatformKind.values)),
    )
    return SearchQuery(text=text, filters=filters, first=MAX_FIRST, facets=False, highlight=False, count=False)


def _values(params: QueryDict, name: str, clean: Callable[[str], str], valid: Callable[[str], Any],
            expected: str) -> frozenset[str]:
    values = frozenset(clean(v.strip()) for v in params.getlist(name) if v.strip())
    for value in sorted(values):
        if not valid(value):
            message = _("%(name)s is %(expected)s.") % {"name": name, "expected": expected}
            raise ActionError(ErrorCode.INVALID, message, name)
    return values


def _day(params: QueryDict, name: str) -> datetime.datetime | None:
    """The start (UTC) of the day a ``YYYY-MM-DD`` parameter names; ``to`` is exclusive, as in ``search``."""
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise ActionError(ErrorCode.INVALID, _("Give %(name)s as YYYY-MM-DD.") % {"name": name}, name) from None
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


# --- gathering --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExportRow:
    """One object to export, with the score the search gave it."""

    doc_type: str
    obj: Any
    score: float


def gather(viewer: Viewer, query: SearchQuery, limit: int) -> tuple[list[ExportRow], bool]:
    """The visible objects the search finds, in its order, at most ``limit``; and whether the cap cut it.

    A hit whose object the policy no longer shows (a share revoked since indexing, a deleted row) is skipped,
    not counted: the cap counts rows exported, and the walk goes on while visible rows may remain.
    """
    backend = get_backend()
    rows: list[ExportRow] = []
    page = query
    while True:
        result = backend.search(viewer, page)
        loaded = _load(viewer, result.hits)
        for hit in result.hits:
            obj = loaded[hit.type].get(hit.id)
            if obj is None:
                continue
            if len(rows) == limit:
                return rows, True
            rows.append(ExportRow(hit.type, obj, hit.score))
        if result.next_cursor is None:
            return rows, False
        page = dataclasses.replace(page, after=result.next_cursor)


def _load(viewer: Viewer, hits: list[SearchHit]) -> dict[str, dict[int, Any]]:
    ids: dict[str, list[int]] = defaultdict(list)
    for hit in hits:
        ids[hit.type].append(hit.id)
    return {doc_type: policy.visible(viewer, _queryset(viewer, doc_type).filter(pk__in=pks)).in_bulk()
            for doc_type, pks in ids.items()}


def _queryset(viewer: Viewer, doc_type: str) -> models.QuerySet[Any]:
    """The rows of ``doc_type`` with what their cells need, in a fixed number of queries whatever the page.

    Species and platforms are read through the policy too (they are reference data everyone signed in sees,
    but the decision is the policy's to make). Long texts no cell shows are not read at all.
    """
    species = policy.visible(viewer, Species.objects.only("pk", "scientific_name"))
    platforms = policy.visible(viewer, Agency.objects.only("pk", "code", "platform_kind"))
    if doc_type == "case":
        return Case.objects.defer("summary", "modus_operandi").prefetch_related(
            Prefetch("species", queryset=species), Prefetch("platforms", queryset=platforms))
    if doc_type == "listing":
        return (Listing.objects.select_related("case", "platform").defer("text", "case__summary",
                                                                         "case__modus_operandi")
                .prefetch_related(Prefetch("species", queryset=species)))
    if doc_type == "report":
        return (IntelReport.objects.select_related("case").defer("case__summary", "case__modus_operandi")
                .prefetch_related(Prefetch("case__species", queryset=species),
                                  Prefetch("case__platforms", queryset=platforms)))
    return Entity.objects.select_related("platform")


# --- auditing ---------------------------------------------------------------------------------------------


def record_export(request: HttpRequest, viewer: Viewer, query: SearchQuery, rows: list[ExportRow],
                  truncated: bool) -> None:
    """Audit the export in one transaction, before anything is sent.

    Each row is noted as GraphQL notes an object it completes (the type's ``read_scope`` and name), so the
    sharing app's recorder writes one ``intel.read`` event per owning agency; the agency's own intelligence
    and entities (which belong to no case) are not read events, as in GraphQL. Searching an identifier held
    in intelligence the officer cannot see records a hit for its holder, as ``search`` does.
    """
    for row in rows:
        node = NODES[row.doc_type]
        reads.note(request, node.read_scope(row.obj), node._meta.name, row.obj.pk)
    entity_ids = identifier_entities(viewer, query.text)
    with transaction.atomic():
        reads.flush(request)
        record("search.export", actor=viewer.officer, purpose=viewer.purpose or "",
               details={"rows": len(rows), "truncated": truncated},
               content={"query": query.text, "filters": _described(query.filters)})
        if entity_ids:
            identifiers_seen.send(sender=SearchQuery, viewer=viewer, entity_ids=entity_ids, trigger="search")


def _described(filters: SearchFilters) -> dict[str, Any]:
    described: dict[str, Any] = {}
    for name, value in ((f.name, getattr(filters, f.name)) for f in dataclasses.fields(filters)):
        if isinstance(value, frozenset) and value:
            described[name] = sorted(value)
        elif isinstance(value, datetime.datetime):
            described[name] = value.date().isoformat()
    return described


# --- the CSV ----------------------------------------------------------------------------------------------


def csv_cells(row: ExportRow) -> list[str]:
    """One row's cells in ``COLUMNS`` order, every one safe to open in a spreadsheet."""
    node = NODES[row.doc_type]
    fields = _FIELDS[row.doc_type](row.obj)
    fields.update(type=row.doc_type, id=to_global_id(node._meta.name, row.obj.pk), score=f"{row.score:.4f}")
    return [safe_cell(fields.get(column, "")) for column in COLUMNS]


def safe_cell(value: Any) -> str:
    """The cell as text (a moment in UTC ISO 8601), quoted when a spreadsheet would run it as a formula."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    return safe_text(str(value))


def _joined(values: Any) -> str:
    return SEPARATOR.join(sorted(values))


def _kinds(platforms: Any) -> str:
    return _joined({p.platform_kind for p in platforms if p.platform_kind})


def _case_fields(case: Case) -> dict[str, Any]:
    return {"reference": case.reference, "title": case.title,
            "platform": _joined(p.code for p in case.platforms.all()), "platform_kind": _kinds(case.platforms.all()),
            "species": _joined(s.scientific_name for s in case.species.all()),
            "countries": _joined(case.jurisdictions), "status": case.status,
            "handling": handling_text(case.handling_code, case.handling_conditions), "date": case.created_at}


def _listing_fields(listing: Listing) -> dict[str, Any]:
    case = listing.case
    return {"reference": case.reference, "title": listing.title, "url": listing.url,
            "platform": listing.platform.code if listing.platform else "",
            "platform_kind": listing.platform.platform_kind if listing.platform else "",
            "specimen_type": listing.specimen_type, "specimen_count": listing.specimen_count or "",
            "claimed_legality": listing.claimed_legality, "legality_reference": listing.legality_reference,
            "legality_verified": listing.legality_verified,
            "species": _joined(s.scientific_name for s in listing.species.all()),
            "countries": _joined(case.jurisdictions), "status": listing.status,
            "handling": handling_text(case.handling_code, case.handling_conditions), "date": listing.first_seen_at}


def _entity_fields(entity: Entity) -> dict[str, Any]:
    return {"title": entity.value, "platform": entity.platform.code if entity.platform else "",
            "platform_kind": entity.platform.platform_kind if entity.platform else "",
            "date": entity.created_at}


def _report_fields(report: IntelReport) -> dict[str, Any]:
    case = report.case
    return {"reference": case.reference, "title": report.text,
            "platform": _joined(p.code for p in case.platforms.all()), "platform_kind": _kinds(case.platforms.all()),
            "species": _joined(s.scientific_name for s in case.species.all()),
            "countries": _joined(case.jurisdictions),
            "handling": handling_text(report.handling_code, report.handling_conditions,
                                      (case.handling_code, case.handling_conditions)),
            "date": report.created_at}


_FIELDS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "case": _case_fields, "listing": _listing_fields, "entity": _entity_fields, "report": _report_fields}


def _lines(rows: list[ExportRow]) -> Iterator[str]:
    return csv_lines(itertools.chain([COLUMNS], (csv_cells(row) for row in rows)))


# --- the view ---------------------------------------------------------------------------------------------


def _error(error: ActionError, status: int) -> JsonResponse:
    extensions = {"code": error.code.value, **({"field": error.field} if error.field else {})}
    return JsonResponse({"errors": [{"message": error.message, "extensions": extensions}]}, status=status)


@login_not_required  # a program calls it with a token; it answers anonymous callers itself
@require_GET
@same_site
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """``GET /search/export.csv``: the search's visible results as CSV, for a session or a bearer token.

    The purpose of access is declared as for the API (``X-WildNet-Purpose`` or the session's). The response
    says how many rows it holds and whether ``EXPORT_MAX_ROWS`` cut it (``X-WildNet-Export-Rows``,
    ``X-WildNet-Export-Truncated``).
    """
    viewer = viewer_for_request(request)
    if not viewer.active:
        return _error(NotFound(None, "export"), 404)
    try:
        query = parse_export(request.GET)
    except ActionError as error:
        return _error(error, 400)
    rows, truncated = gather(viewer, query, settings.EXPORT_MAX_ROWS)
    record_export(request, viewer, query, rows, truncated)
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wildnet-search-{viewer.at:%Y%m%dT%H%M%SZ}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-WildNet-Export-Rows"] = str(len(rows))
    response["X-WildNet-Export-Truncated"] = "true" if truncated else "false"
    return response
