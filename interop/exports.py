"""The STIX exports as the API serves them: a case or a search, read through the policy and audited as reads.

Shared by the GraphQL field (``interop.schema_stix``) and the REST views (``interop.views``), so that both
answer and record exactly the same thing. Auditing reuses the two paths that already exist: the case export
notes what it read on the request (``api.reads``, flushed by the GraphQL view or by the REST view before its
first byte: one ``intel.read`` event per owning agency, with the declared purpose), and the search export is
recorded by ``search.views.record_export``, as the CSV export is.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import QueryDict

from access.policy import Viewer
from api import reads
from search.views import gather, parse_export, record_export

from .stix_export import case_bundle, note_reads, search_bundle

#: The media type of a STIX 2.1 document.
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def export_case(request: Any, viewer: Viewer, reference: str, *, flush: bool) -> dict[str, Any]:
    """The bundle of case ``reference`` as JSON, its reads noted (and flushed when ``flush``).

    Raises ``NotFound`` alike for a missing and a hidden case, before anything is noted.
    """
    bundle, content = case_bundle(viewer, reference, request.build_absolute_uri("/"))
    note_reads(request, [content])
    if flush:
        reads.flush(request)
    return json.loads(bundle.serialize())


def export_search(request: Any, viewer: Viewer, params: QueryDict) -> dict[str, Any]:
    """The bundle of what the search ``params`` (the CSV export's parameters) finds, audited as that export.

    Raises ``ActionError`` (``INVALID``, naming the parameter) for bad parameters, before anything is searched.
    """
    query = parse_export(params)
    rows, truncated = gather(viewer, query, settings.EXPORT_MAX_ROWS)
    record_export(request, viewer, query, rows, truncated)
    return json.loads(search_bundle(viewer, rows, request.build_absolute_uri("/")).serialize())
