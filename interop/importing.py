"""Writing what a STIX bundle or a MISP event says into a case: the part both standards share.

A reader (``stix_import``, ``misp``) turns the source into a :class:`Plan`, validating everything and raising
a typed :class:`ActionError` naming the object at fault before anything is written. :func:`execute` then writes
the plan in one transaction, only through ``cases.actions`` (the policy is asked for every write), and
remembers each object by its external id (:class:`ImportedObject`), so that importing the same objects again
changes nothing and a newer version updates what the older one became.

Handling codes never widen: a new case takes the strictest code of what it receives, and an existing case
refuses (``HANDLING_FORBIDS``) an object marked stricter than itself — the policy decides who may read a case
by the case's code, so an H2 object in an H1 case would reach readers H2 keeps it from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode
from access.markings import HandlingCode
from access.policy import Viewer
from agencies.models import Agency, AgencyType
from audit.actions import record
from cases import actions
from cases.models import Case, CaseEntity, IntelReport, Listing

from .markings import ORDER, strictest
from .models import ImportedKind, ImportedObject, ImportRun

#: What an object marked with nothing WildNet can read becomes: the platform's default for new intelligence.
DEFAULT_HANDLING = HandlingCode.H1


def invalid(external_id: str, message: str, code: ErrorCode = ErrorCode.INVALID) -> ActionError:
    """The typed error of a bad object: the message starts with the object's id, the field is the input."""
    return ActionError(code, f"{external_id}: {message}", "bundle")


@dataclass
class Item:
    """One source object and what it becomes: a listing, claims on an entity, or a report (or a note)."""

    external_id: str
    source_type: str
    version: str
    handling: str
    kind: str
    listing: actions.ListingInput | None = None
    claims: list[actions.ClaimInput] = field(default_factory=list)
    report: actions.ReportInput | None = None


@dataclass
class Plan:
    """Everything an import will write, validated; and what it sets aside, with the reason."""

    standard: str
    source_id: str
    items: list[Item] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    #: H3's conditions, when the source wrote them (else a sentence saying where the H3 came from).
    conditions: list[str] = field(default_factory=list)
    #: Species the source names for the case (a new case takes them: they narrow who it may be shared with).
    species_ids: list[int] = field(default_factory=list)

    def reject(self, external_id: str, source_type: str, reason: str) -> None:
        self.rejected.append({"id": external_id, "type": source_type, "reason": reason})

    def handling(self) -> str:
        """The code of a new case: the strictest of what it receives (H1, the default, when it receives nothing)."""
        return strictest(*(i.handling for i in self.items)) if self.items else DEFAULT_HANDLING


def platforms_by_name() -> dict[str, Agency]:
    """Online platforms by code (with and without ``pf-``), name and domain, lower case: a few dozen rows, read
    once per import, so that an account's platform is recognised however the source names it."""
    found: dict[str, Agency] = {}
    for platform in Agency.objects.filter(agency_type=AgencyType.ONLINE_PLATFORM, is_active=True):
        for key in (platform.code, platform.code.removeprefix("pf-"), platform.name, *(platform.domains or [])):
            found.setdefault(key.lower(), platform)
    return found


def check_importer(viewer: Viewer) -> None:
    """The policy's ``interop.import`` decision (roles that record intelligence, a token that may write)."""
    policy.check(viewer, "interop.import")


def target_case(viewer: Viewer, case_id: int | None, title: str | None) -> Case | None:
    """The existing case to import into, or None when a new one titled ``title`` is to be opened.

    ``case_id`` names a case of the importer's own agency they may see: any other (missing, hidden, or another
    agency's even when shared) answers ``NOT_FOUND`` alike. A title finds the agency's visible case of that
    title, so a feed imported again under the same title lands in the same case.
    """
    own = policy.visible(viewer, Case.objects.filter(owner_agency_id=viewer.agency_id))
    if case_id is not None:
        return policy.fetch(viewer, own, case_id, "case_id")
    if not (title or "").strip():
        raise ActionError(ErrorCode.REQUIRED, _("Name the case to import into, or the title of a new one."),
                          "case_title")
    return own.filter(title=title.strip()).order_by("created_at", "pk").first()  # type: ignore[union-attr]


def execute(viewer: Viewer, plan: Plan, case: Case | None, title: str | None) -> ImportRun:
    """Write ``plan`` into ``case`` (else into a new case titled ``title``) in one transaction; the run."""
    assert viewer.officer is not None
    with transaction.atomic():
        known = {o.external_id: o for o in ImportedObject.objects.filter(
            agency_id=viewer.agency_id, standard=plan.standard, external_id__in=[i.external_id for i in plan.items])}
        created_case = case is None
        if case is None:
            case = _new_case(viewer, plan, (title or "").strip())
        else:
            policy.check(viewer, "case.contribute", case)
            _within_handling(plan, case)
        run = ImportRun.objects.create(agency_id=viewer.agency_id, officer=viewer.officer, standard=plan.standard,
                                       case=case, case_created=created_case, source_id=plan.source_id[:200])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        accepted = []
        for item in plan.items:
            try:
                outcome = _write(viewer, run, case, item, known.get(item.external_id))
            except ActionError as error:
                raise invalid(item.external_id, error.message, error.code) from None
            counts[outcome] += 1
            accepted.append({"id": item.external_id, "version": item.version, "outcome": outcome})
        run.created, run.updated, run.unchanged = counts["created"], counts["updated"], counts["unchanged"]
        notes = [{"id": i.external_id, "type": i.source_type} for i in plan.items if i.kind == ImportedKind.NOTE]
        run.report = {"accepted": accepted, "kept_as_notes": notes, "rejected": plan.rejected}
        run.save(update_fields=["created", "updated", "unchanged", "report"])
        record(f"interop.import_{plan.standard}", actor=viewer.officer, obj=run, object_agency_id=case.owner_agency_id,
               details={"case": case.reference, **counts, "notes": len(run.report["kept_as_notes"]),
                        "rejected": len(plan.rejected)},
               content={"source": plan.source_id})
    return run


def stated_conditions(handling: str, uk_handling: str = "", stated: str = "") -> str:
    """The conditions an imported item must carry: those its source stated; for TLP:RED (H3) without any, TLP's
    own rule; for a UK 3x5x2 code C without any, that they were not given (so a reader asks before any use)."""
    if stated.strip():
        return stated.strip()
    if handling == HandlingCode.H3:
        return _("TLP:RED: for the eyes and ears of individual recipients only, no further.")
    if uk_handling == "C":
        return _("UK handling code C: the source's conditions did not come with the import; ask the "
                       "provider before any use.")
    return ""


def _new_case(viewer: Viewer, plan: Plan, title: str) -> Case:
    code = plan.handling()
    conditions = "\n".join(dict.fromkeys(plan.conditions)) if code == HandlingCode.H3 else ""
    return actions.create_case(viewer, actions.CaseInput(
        title=title, jurisdictions=[viewer.country], handling_code=code, handling_conditions=conditions,
        species_ids=sorted(set(plan.species_ids)),
        summary=_("Imported from %(standard)s %(source)s.") % {"standard": plan.standard.upper(),
                                                               "source": plan.source_id}))


def _within_handling(plan: Plan, case: Case) -> None:
    """Reports and claims carry their own handling code, which adds to the case's; a listing has none of its own,
    so one marked stricter than the case it would join is refused rather than loosened."""
    for item in plan.items:
        if item.kind == ImportedKind.LISTING and ORDER.index(item.handling) > ORDER.index(case.handling_code):
            raise invalid(item.external_id, _("marked %(code)s, stricter than the case's %(case)s: import it into "
                                              "a case at least as strict, or into a new case.")
                          % {"code": item.handling, "case": case.handling_code}, ErrorCode.HANDLING_FORBIDS)


def _write(viewer: Viewer, run: ImportRun, case: Case, item: Item, known: ImportedObject | None) -> str:
    """Create, update or leave one object; returns which it was."""
    if known is not None and (not item.version or item.version <= known.version):
        return "unchanged"
    target_case = known.case if known is not None else case
    if known is not None:
        target = known.target
        if target is None:  # what it became is gone (a case deleted): import it afresh into the case
            known.delete()
            return _write(viewer, run, case, item, None)
        _update(viewer, target_case, item, target)
        known.version, known.run, known.updated_at = item.version, run, timezone.now()
        known.save(update_fields=["version", "run", "updated_at"])
        return "updated"
    target = _create(viewer, case, item)
    ImportedObject.objects.create(
        agency_id=viewer.agency_id, standard=run.standard, external_id=item.external_id, version=item.version,
        case=case, kind=item.kind, target_type=ContentType.objects.get_for_model(type(target)), target_id=target.pk,
        run=run)
    return "created"


def _create(viewer: Viewer, case: Case, item: Item) -> models.Model:
    if item.listing is not None:
        listing, _new = actions.add_listing(viewer, case, item.listing)
        return listing
    if item.claims:
        claims = [actions.link_entity(viewer, case, claim) for claim in item.claims]
        return claims[0]
    assert item.report is not None
    return actions.add_report(viewer, case, item.report)


def _update(viewer: Viewer, case: Case, item: Item, target: Any) -> None:
    if isinstance(target, Listing) and item.listing is not None:
        actions.add_listing(viewer, case, item.listing)
    elif isinstance(target, CaseEntity) and item.claims:
        claim = item.claims[0]
        actions.update_claim(viewer, target, handling_code=claim.handling_code,
                             source_reliability=claim.source_reliability,
                             information_credibility=claim.information_credibility, note=claim.note)
    elif isinstance(target, IntelReport) and item.report is not None:
        actions.update_report(viewer, target, item.report)


def day_of(moment: datetime.datetime | None) -> datetime.date | None:
    """The UTC day of a source timestamp, never after today (a report cannot be dated in the future)."""
    if moment is None:
        return None
    return min(moment.astimezone(datetime.UTC).date(), timezone.localdate())


def version_of(moment: datetime.datetime | None) -> str:
    """A version that sorts as the time it stands for (microseconds, UTC), or "" for what has none."""
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
