"""The TAXII collections a viewer has, and the STIX objects in one, decided by the policy at each request.

=========================  ==========================================================================  ===========
collection                 holds                                                                         id from
=========================  ==========================================================================  ===========
Our agency's cases         the viewer's agency's cases within their clearance                            agency
Shared with us: <ref>      one per live share to the viewer's agency: its case, if the policy shows it   share
Task force: <name>         one per task force the agency is a member of now: the cases shared with it    task force
                           that the policy shows
Takedown notices to <p>    for a platform's officers: the notices sent to their platform, each a         platform
                           ``report`` on the URLs of its items (``StixBuilder.notice``)
=========================  ==========================================================================  ===========

Collection ids are UUIDv5 in WildNet's namespace, so they do not change between polls. A collection exists
only while its share is live (a revoked or expired share's collection is gone at the next request), and its
objects only while the policy shows their case: under the declared purpose, with the share's redactions. Each
object's ``date_added`` is the later of when its row was written and when its case entered the collection (the
share's date), so a client polling with ``added_after`` receives a case shared today even if it is older.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q

from access import policy
from access.policy import Viewer
from agencies.models import TaskForceMembership
from cases.models import CaseEntity, Evidence, IntelReport, Listing
from cases.rules import reads_intelligence
from compliance.models import NoticeItem, TakedownNotice
from compliance.rules import is_platform_officer
from sharing.models import Share
from sharing.rules import active_shares

from ..markings import EPOCH, NAMESPACE
from ..stix_export import CaseContent, StixBuilder, case_queryset, load_contents

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


@dataclasses.dataclass(frozen=True)
class Collection:
    """One TAXII collection: what it is called and which cases entered it when."""

    id: str
    title: str
    description: str
    case_ids: frozenset[int] | None  # None: the agency's own cases, whichever they are
    entered: dict[int, datetime.datetime] = dataclasses.field(default_factory=dict)
    notices: bool = False  # a platform's notices instead of cases
    #: The agency's own collection, for an officer the policy lets import: objects posted to it are imported.
    writable: bool = False

    def as_resource(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "can_read": True,
                "can_write": self.writable, "media_types": [STIX_MEDIA_TYPE]}


def collection_id(*parts: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in ("taxii-collection", *parts))))


def collections_for(viewer: Viewer) -> list[Collection]:
    """The viewer's collections now, in one query (the live shares reaching their agency)."""
    if not viewer.active:
        return []
    assert viewer.officer is not None
    agency = viewer.officer.agency
    if is_platform_officer(viewer):
        return [Collection(collection_id("notices", agency.pk), f"Takedown notices to {agency.name}",
                           "The takedown notices sent to your platform, with the URLs to act on.", frozenset(),
                           notices=True)]
    if not reads_intelligence(viewer):
        return []
    found = [Collection(collection_id("agency", agency.pk), f"{agency.name}: our cases",
                        "The cases of our agency that you may see; objects you add are imported into one.", None,
                        writable=policy.allowed(viewer, "interop.import"))]
    memberships = TaskForceMembership.objects.current(viewer.at).filter(agency_id=agency.pk)
    shares = (policy.visible(viewer, Share.objects.filter(
        active_shares(viewer) & (Q(recipient_agency_id=agency.pk)
                                 | Q(recipient_task_force_id__in=memberships.values("task_force_id")))))
        .select_related("case", "recipient_task_force").order_by("pk"))
    by_task_force: dict[int, list[Share]] = defaultdict(list)
    for share in shares:
        if share.recipient_task_force_id is not None:
            by_task_force[share.recipient_task_force_id].append(share)
            continue
        found.append(Collection(
            collection_id("share", share.pk), f"Shared with us: {share.case.reference}",
            f"Case {share.case.reference}, shared by its owner for: {share.justification}",
            frozenset({share.case_id}), {share.case_id: share.approved_at or share.created_at}))
    for task_force_id, received in sorted(by_task_force.items()):
        task_force = received[0].recipient_task_force
        assert task_force is not None
        entered: dict[int, datetime.datetime] = {}
        for share in received:
            at = share.approved_at or share.created_at
            entered[share.case_id] = min(at, entered.get(share.case_id, at))
        found.append(Collection(collection_id("task-force", task_force_id), f"Task force: {task_force.name}",
                                "The cases shared with the task force, while our agency is a member.",
                                frozenset(entered), entered))
    return found


@dataclasses.dataclass(frozen=True)
class Entry:
    """A STIX object of a collection, with its TAXII date added and version."""

    obj: dict[str, Any]
    case_id: int | None
    date_added: datetime.datetime

    @property
    def id(self) -> str:
        return str(self.obj["id"])

    @property
    def version(self) -> str:
        return str(self.obj.get("modified") or self.obj.get("created") or timestamp(self.date_added))


def entries(viewer: Viewer, collection: Collection, base_url: str,
            added_after: datetime.datetime | None = None) -> tuple[list[Entry], list[CaseContent]]:
    """Every object of ``collection`` the viewer may see now, oldest first, and the cases they came from.

    A fixed number of queries whatever the collection holds (``load_contents``). With ``added_after`` (an
    incremental poll), only the cases that may hold an object added since are built: those that entered the
    collection since, or where a row was written since (``changed_since``). The objects of WildNet's fixed
    vocabulary (markings, extension definitions, identities) are dated by the first object that refers to them,
    so an incremental poll brings a marking together with the first object that needs it.
    """
    if collection.notices:
        return _notices(viewer, base_url), []
    cases = policy.visible(viewer, case_queryset(viewer))
    if collection.case_ids is None:
        cases = cases.filter(owner_agency_id=viewer.agency_id)
    else:
        cases = cases.filter(pk__in=collection.case_ids)
    if added_after is not None:
        entered = [pk for pk, at in collection.entered.items() if at > added_after]
        cases = cases.filter(changed_since(added_after) | Q(pk__in=entered))
    contents = load_contents(viewer, list(cases.order_by("pk")))
    builder = StixBuilder(base_url)
    for content in contents:
        builder.case(content)
    return _dated(builder, collection.entered), contents


def changed_since(moment: datetime.datetime) -> Q:
    """Cases with a row written after ``moment``: the only ones whose objects can be dated after it (the date of
    every object of a case is one of these columns, or the date its case entered the collection)."""
    since = {"case_id": OuterRef("pk"), "created_at__gt": moment}
    return (Q(updated_at__gt=moment) | Q(created_at__gt=moment)
            | Exists(Listing.objects.filter(Q(created_at__gt=moment) | Q(last_seen_at__gt=moment),
                                            case_id=OuterRef("pk")))
            | Exists(CaseEntity.objects.filter(**since)) | Exists(IntelReport.objects.filter(**since))
            | Exists(Evidence.objects.filter(**since)))


def _dated(builder: StixBuilder, entered: dict[int, datetime.datetime]) -> list[Entry]:
    """The builder's objects with their date added, oldest first (see ``entries``)."""
    items = builder.objects()
    serialised = {item.obj.id: _json(item.obj) for item in items}
    dated: dict[str, datetime.datetime] = {}
    for item in items:
        if item.at is not None:
            dated[item.obj.id] = max(item.at, entered.get(item.case_id, EPOCH) if item.case_id else EPOCH)
    for _ in range(2):  # objects → markings, identities, definitions → WildNet's identity
        for object_id, when in sorted(dated.items(), key=lambda pair: pair[1]):
            for ref in _references(serialised[object_id]):
                if ref in serialised and (ref not in dated or dated[ref] > when):
                    dated[ref] = when
    found = [Entry(serialised[item.obj.id], item.case_id, dated.get(item.obj.id, EPOCH)) for item in items]
    found.sort(key=lambda entry: (entry.date_added, entry.id))
    return found


def _notices(viewer: Viewer, base_url: str) -> list[Entry]:
    """The notices the policy shows a platform's officer (sent to their platform), in two queries."""
    builder = StixBuilder(base_url)
    notices = (policy.visible(viewer, TakedownNotice.objects.all()).select_related("issuing_agency")
               .prefetch_related(Prefetch("items", queryset=policy.visible(viewer, NoticeItem.objects.all())))
               .order_by("pk"))
    for notice in notices:
        builder.notice(notice)
    return _dated(builder, {})


def _json(obj: Any) -> dict[str, Any]:
    return json.loads(obj.serialize())


def _references(obj: dict[str, Any]) -> list[str]:
    refs = list(obj.get("object_marking_refs", []))
    if "created_by_ref" in obj:
        refs.append(obj["created_by_ref"])
    refs += [key for key in obj.get("extensions", {}) if key.startswith("extension-definition--")]
    return refs


def timestamp(value: datetime.datetime) -> str:
    """A TAXII timestamp, to the microsecond so that ``added_after`` of the last one received misses nothing."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
