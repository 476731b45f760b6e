"""The access audit: every read of another agency's intelligence is an audit event.

Reads are collected by the GraphQL layer (``api.reads``) whatever the path and recorded here once per case
and request: who, which agency, which case and objects, under which mandates and purpose.
The owning agency's supervisors and the country's coordinators read them through ``auditEvents`` (the audit
rule shows events whose ``object_agency`` is theirs), hash-chained with the rest of the log.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.context import viewer_for_request
from api.reads import Reads, Writer, known_owners, register_recorder
from audit.actions import record
from cases.models import Case

from .rules import in_force_mandates

MAX_IDS = 50


@register_recorder
def record_foreign_reads(request: Any, reads: Reads) -> Writer | None:
    """One event per owning agency per request, listing the cases and objects read.

    Grouping keeps the cost of auditing a page of 100 shared cases at one insert per owning agency rather
    than one per case, while each owner still sees exactly what of theirs was read, by whom. A refused read
    is not recorded: the policy answers it as a miss without learning whether the object exists.
    """
    viewer = viewer_for_request(request)
    if not viewer.active:
        return None
    known = known_owners(request)
    if known.keys() >= reads.keys():  # every case read was completed itself: no need to ask the database
        owners = {case_id: owner for case_id, owner in known.items()
                  if case_id in reads and owner != viewer.agency_id}
    else:
        owners = dict(Case.objects.filter(pk__in=set(reads))
                      .exclude(owner_agency_id=viewer.agency_id).values_list("pk", "owner_agency_id"))
    if not owners:
        return None  # only the agency's own intelligence was read
    mandates = [m.pk for m in in_force_mandates(viewer) if viewer.purpose in m.purposes]
    grouped: dict[int, dict[str, dict[str, list[str]]]] = defaultdict(dict)
    for case_id, objects in sorted(reads.items()):
        if case_id in owners:
            grouped[owners[case_id]][str(case_id)] = {label: sorted(ids)[:MAX_IDS]
                                                      for label, ids in sorted(objects.items())}

    def write() -> None:
        for owner, cases in sorted(grouped.items()):
            record("intel.read", actor=viewer.officer, object_type="cases.case",
                   object_id=next(iter(cases)) if len(cases) == 1 else "", object_agency_id=owner,
                   mandate_id=mandates[0] if mandates else None, purpose=viewer.purpose or "",
                   details={"cases": dict(list(cases.items())[:MAX_IDS]), "mandates": mandates})

    return write
