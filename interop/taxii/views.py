"""The TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5), read side.

* Authentication: an API token (``Authorization: Bearer wn_…``, or HTTP Basic with the token as the password,
  which is what TAXII clients configured with a user name and password send) or a signed-in session; anything
  else is a 401. The declared purpose (``X-WildNet-Purpose``) is honoured as by the API: shared collections
  show their cases only under a purpose their mandate allows.
* Every request asks the policy again: a collection that is gone (a share revoked or expired, a task force
  left) or that never was answers the same 404, and so does an object the caller may not see.
* Every poll (objects, an object, its versions, the manifest) is audited: the reads of other agencies'
  intelligence as ``intel.read`` events (``api.reads``, one per owning agency), and one ``taxii.poll`` event
  with the collection, the filters and how many objects left.
* Writes: the agency's own collection is writable by the officers the policy lets import (``interop.import``:
  analysts, investigators, supervisors, with a token that may write). Objects added to it (an envelope, POST)
  are imported as a STIX bundle would be (``interop.stix_import``): into the agency's case named by the
  envelope's one ``report`` object, else into that day's "TAXII import" case, all or nothing, idempotent by
  STIX id. The answer is a status resource (``/status/<id>/``, the import run), complete at once: a typed
  refusal names the object and writes nothing. Writes need an API token (a browser session cannot be made to
  post here from another site), and every other collection is read-only (403). Deleting is never offered:
  WildNet does not erase intelligence over TAXII.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from access import policy
from access.errors import ActionError, ErrorCode
from access.markings import Purpose
from access.policy import Viewer
from api import reads
from api.context import PURPOSE_HEADER, viewer_for_request
from api.origin import cross_site
from audit.actions import record
from audit.models import Outcome

from ..models import ImportRun
from ..stix_export import note_reads
from ..stix_import import import_bundle
from .catalogue import Collection, Entry, collections_for, entries, timestamp

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
#: The largest page; a client asking for more gets this many, as section 3.4 allows.
MAX_PAGE = 100
API_ROOT = "wildnet"

View = Callable[..., HttpResponse]


def taxii_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=TAXII_MEDIA_TYPE)
    response["Cache-Control"] = "private, no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error(status: int, title: str, description: str = "", **headers: str) -> HttpResponse:
    """A TAXII error message (section 3.6.1)."""
    body = {"title": title, "http_status": str(status), **({"description": description} if description else {})}
    return taxii_response(body, status, headers)


NOT_FOUND = ("Not found", "No such resource, or you may not see it.")


def _acceptable(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    if not accept:
        return True
    offered = [part.split(";")[0].strip() for part in accept.split(",")]
    return any(kind in ("*/*", "application/*", "application/taxii+json") for kind in offered)


def taxii_view(writes: tuple[str, ...] = (), refused: tuple[str, ...] = ()) -> Callable[[View], View]:
    """Authentication, methods, media types and the purpose header, the same for every TAXII endpoint.

    Every endpoint answers GET. ``writes``: the write methods the endpoint takes (POST objects), passed on to the
    view with an API token only; ``refused``: TAXII write methods WildNet never offers (DELETE an object), 403;
    any other method is 405.
    """

    def decorator(view: View) -> View:
        @login_not_required
        @csrf_exempt  # writes take an API token only, never a session's cookie (below)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            viewer = viewer_for_request(request)
            if not viewer.active:
                return error(401, "Unauthorized", "Send an API token: Authorization: Bearer wn_…",
                             **{"WWW-Authenticate": 'Bearer realm="wildnet"'})
            if request.method in refused:
                return error(403, "Forbidden", "WildNet never deletes intelligence over TAXII.")
            if request.method in writes and viewer.token_scopes is None:
                return error(403, "Forbidden", "Adding objects needs an API token (Authorization: Bearer wn_…).")
            if request.method not in ("GET", "HEAD", *writes):
                return error(405, "Method not allowed", Allow=", ".join(("GET", *writes, *refused)))
            if cross_site(request):
                return error(403, "Forbidden", "This request came from another site.")
            if not _acceptable(request):
                return error(406, "Not acceptable", f"This server answers {TAXII_MEDIA_TYPE}.")
            purpose = request.headers.get(PURPOSE_HEADER)
            if purpose is not None and purpose not in Purpose.values:
                return error(400, "Unknown purpose", f"Use one of {', '.join(Purpose.values)} in {PURPOSE_HEADER}.")
            return view(request, viewer, *args, **kwargs)

        return wrapped

    return decorator


@taxii_view()
def discovery(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    root = request.build_absolute_uri(f"/taxii2/{API_ROOT}/")
    return taxii_response({"title": "WildNet", "description": "Wildlife-crime intelligence you may see, as STIX 2.1.",
                           "default": root, "api_roots": [root]})


@taxii_view()
def api_root(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return taxii_response({"title": "WildNet intelligence", "versions": [TAXII_MEDIA_TYPE],
                           "max_content_length": settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0,
                           "description": "One collection for your agency's cases, one per share or task force "
                                          "your agency receives."})


@taxii_view()
def collections(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return taxii_response({"collections": [c.as_resource() for c in collections_for(viewer)]})


def _collection(viewer: Viewer, collection_id: str) -> Collection | None:
    return next((c for c in collections_for(viewer) if c.id == collection_id), None)


@taxii_view()
def collection(request: HttpRequest, viewer: Viewer, collection_id: str) -> HttpResponse:
    found = _collection(viewer, collection_id)
    return error(404, *NOT_FOUND) if found is None else taxii_response(found.as_resource())


# --- polling ------------------------------------------------------------------------------------------------


class BadFilter(ValueError):
    """A filter parameter the client must correct (400)."""


def _instant(value: str, name: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadFilter(f"{name} is a timestamp such as 2026-01-31T12:00:00.000Z.") from None
    if moment.tzinfo is None:
        raise BadFilter(f"{name} needs a time zone (Z).")
    return moment


def _filtered(request: HttpRequest, found: list[Entry], object_id: str | None = None) -> list[Entry]:
    """The entries the filters of section 3.4 keep: added_after, match[id], match[type], match[version],
    match[spec_version]. Each object has one version here (WildNet keeps the current state)."""
    params = request.GET
    after = params.get("added_after")
    if after:
        moment = _instant(after, "added_after")
        found = [e for e in found if e.date_added > moment]
    ids = {object_id} if object_id else {v for v in params.get("match[id]", "").split(",") if v}
    if ids:
        found = [e for e in found if e.id in ids]
    types = {v for v in params.get("match[type]", "").split(",") if v}
    if types:
        found = [e for e in found if e.obj["type"] in types]
    versions = {v for v in params.get("match[version]", "").split(",") if v} - {"first", "last", "all"}
    if versions:
        wanted = {_instant(v, "match[version]") for v in versions}
        found = [e for e in found if _instant(e.version, "version") in wanted]
    spec = {v for v in params.get("match[spec_version]", "").split(",") if v}
    if spec and "2.1" not in spec:
        found = []
    return found


def _page(request: HttpRequest, found: list[Entry]) -> tuple[list[Entry], str | None]:
    """One page from ``next`` (the date added and id of the last entry given: stable while objects arrive)."""
    try:
        limit = min(int(request.GET.get("limit", MAX_PAGE)), MAX_PAGE)
    except ValueError:
        raise BadFilter("limit is a positive number.") from None
    if limit < 1:
        raise BadFilter("limit is a positive number.")
    token = request.GET.get("next")
    if token:
        try:
            when, _, last_id = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
            after = (_instant(when, "next"), last_id)
        except (binascii.Error, UnicodeDecodeError, BadFilter):
            raise BadFilter("next is a value from a previous page.") from None
        found = [e for e in found if (e.date_added, e.id) > after]
    page = found[:limit]
    if len(found) <= limit:
        return page, None
    last = page[-1]
    return page, base64.urlsafe_b64encode(f"{timestamp(last.date_added)}|{last.id}".encode()).decode()


def _poll(request: HttpRequest, viewer: Viewer, collection_id: str, endpoint: str,
          shape: Callable[[list[Entry], str | None], dict[str, Any]], object_id: str | None = None,
          paged: bool = True) -> HttpResponse:
    """Read a collection's objects through the policy, filter and page them, audit the poll, answer."""
    found_collection = _collection(viewer, collection_id)
    if found_collection is None:
        return error(404, *NOT_FOUND)
    try:
        after = request.GET.get("added_after")
        found, contents = entries(viewer, found_collection, request.build_absolute_uri("/"),
                                  _instant(after, "added_after") if after else None)
        selected = _filtered(request, found, object_id)
        page, token = _page(request, selected) if paged else (selected, None)
    except BadFilter as problem:
        return error(400, "Bad filter", str(problem))
    if object_id is not None and not page:
        return error(404, *NOT_FOUND)
    read = {e.case_id for e in page if e.case_id is not None}
    note_reads(request, [c for c in contents if c.case.pk in read])
    with transaction.atomic():
        reads.flush(request)
        record("taxii.poll", actor=viewer.officer, purpose=viewer.purpose or "",
               details={"collection": collection_id, "endpoint": endpoint, "objects": len(page)},
               content={"filters": {k: v for k, v in request.GET.items()}})
    headers: dict[str, str] = {}
    if page:
        headers = {"X-TAXII-Date-Added-First": timestamp(page[0].date_added),
                   "X-TAXII-Date-Added-Last": timestamp(page[-1].date_added)}
    return taxii_response(shape(page, token), headers=headers)


def _envelope(page: list[Entry], token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"more": token is not None}
    if token is not None:
        body["next"] = token
    if page:
        body["objects"] = [e.obj for e in page]
    return body


def _manifest(page: list[Entry], token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"more": token is not None}
    if token is not None:
        body["next"] = token
    if page:
        body["objects"] = [{"id": e.id, "date_added": timestamp(e.date_added), "version": e.version,
                            "media_type": "application/stix+json;version=2.1"} for e in page]
    return body


def _versions(page: list[Entry], token: str | None) -> dict[str, Any]:
    return {"more": False, "versions": [e.version for e in page]}


@taxii_view(writes=("POST",))
def objects(request: HttpRequest, viewer: Viewer, collection_id: str) -> HttpResponse:
    if request.method == "POST":
        return _add_objects(request, viewer, collection_id)
    return _poll(request, viewer, collection_id, "objects", _envelope)


def _add_objects(request: HttpRequest, viewer: Viewer, collection_id: str) -> HttpResponse:
    """Import an envelope posted to the agency's collection; the status resource of the import, or the TAXII
    error of the first thing refused (nothing written)."""
    requested_at = datetime.datetime.now(datetime.UTC)
    found = _collection(viewer, collection_id)
    if found is None:
        return error(404, *NOT_FOUND)
    if not found.writable:
        return error(403, "Forbidden", "You may not add objects to this collection.")
    if request.content_type != "application/taxii+json":
        return error(415, "Unsupported media type", f"Send an envelope as {TAXII_MEDIA_TYPE}.")
    try:
        body = request.body
    except RequestDataTooBig:  # the API root's max_content_length, as TAXII asks a server to refuse it (413)
        return error(413, "Too large", f"An envelope is at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return error(400, "Bad envelope", "The body is not JSON.")
    objects_ = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objects_, list) or not objects_:
        return error(400, "Bad envelope", "An envelope is a JSON object with a non-empty list \"objects\".")
    reports = [o for o in objects_ if isinstance(o, dict) and o.get("type") == "report" and o.get("name")]
    title = str(reports[0]["name"])[:200] if len(reports) == 1 else f"TAXII import {requested_at:%Y-%m-%d}"
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects_}
    try:
        with transaction.atomic():
            run = import_bundle(viewer, bundle, case_title=title)
    except ActionError as refusal:
        record("taxii.add", actor=viewer.officer, outcome=Outcome.FAILED,
               details={"collection": collection_id, "code": refusal.code.value, "objects": len(objects_)})
        return error(422 if refusal.code != ErrorCode.PERMISSION_DENIED else 403, "Not imported",
                     f"{refusal.code.value}: {refusal.message}")
    return taxii_response(status_resource(run, requested_at), status=202)


def status_resource(run: ImportRun, requested_at: datetime.datetime | None = None) -> dict[str, Any]:
    """An import run as a TAXII status (section 4.3.1): complete, with what was taken and what set aside."""
    accepted = run.report.get("accepted", [])
    rejected = run.report.get("rejected", [])
    return {"id": str(run.status_id), "status": "complete",
            "request_timestamp": timestamp(requested_at or run.created_at),
            "total_count": len(accepted) + len(rejected), "success_count": len(accepted),
            "successes": [{"id": a["id"], **({"version": a["version"]} if a.get("version") else {}),
                           "message": a["outcome"]} for a in accepted],
            "failure_count": len(rejected),
            "failures": [{"id": r["id"], "message": r["reason"]} for r in rejected],
            "pending_count": 0}


@taxii_view()
def status(request: HttpRequest, viewer: Viewer, status_id: str) -> HttpResponse:
    """An import's status, for the agency's officers who may see its case; the same 404 for anyone else."""
    try:
        key = uuid.UUID(status_id)
    except ValueError:
        return error(404, *NOT_FOUND)
    run = policy.visible(viewer, ImportRun.objects.filter(status_id=key)).first()
    return error(404, *NOT_FOUND) if run is None else taxii_response(status_resource(run))


@taxii_view(refused=("DELETE",))
def object_view(request: HttpRequest, viewer: Viewer, collection_id: str, object_id: str) -> HttpResponse:
    return _poll(request, viewer, collection_id, "object", _envelope, object_id=object_id)


@taxii_view()
def manifest(request: HttpRequest, viewer: Viewer, collection_id: str) -> HttpResponse:
    return _poll(request, viewer, collection_id, "manifest", _manifest)


@taxii_view()
def versions(request: HttpRequest, viewer: Viewer, collection_id: str, object_id: str) -> HttpResponse:
    return _poll(request, viewer, collection_id, "versions", _versions, object_id=object_id, paged=False)
