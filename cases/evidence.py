"""Evidence files: attaching them to a case, their chain of custody, handing them out and checking them.

A file is evidence only if its integrity can be shown later, so the hash is taken from the very bytes the
storage writes (one streaming pass, never the client's word), the content type is read from those bytes, and
every later access, transfer and integrity check appends a custody event. Refusals and bad input are raised
before anything is stored; a failure after the file is stored deletes it again, so there is never a file
without its row or a row without its file.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import unicodedata
from typing import Any

import puremagic
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode, NotFound
from access.policy import Viewer
from audit.actions import record

from .models import CaptureMethod, Case, CustodyAction, CustodyEvent, Evidence, Listing

logger = logging.getLogger(__name__)

#: What content-type detection looks at: enough for every signature that sits near the start of a file.
HEAD_BYTES = 64 * 1024
UNKNOWN_TYPE = "application/octet-stream"
#: Clocks of the capturing device and the server disagree a little; more than this is a wrong date.
CLOCK_SKEW = datetime.timedelta(minutes=5)
#: How old a file with no evidence row must be before the orphan sweep deletes it: far longer than any upload
#: takes between writing its file and committing its row, so a file being attached is never taken for an orphan.
ORPHAN_GRACE = datetime.timedelta(hours=24)
#: The folder of the storage that holds evidence files (``models.evidence.evidence_path``).
EVIDENCE_FOLDER = "evidence"
#: The custody actions an officer declares. Captures, accesses and integrity checks are recorded by the
#: system as they happen, so nobody can claim one that did not.
DECLARED_ACTIONS = frozenset({CustodyAction.TRANSFERRED, CustodyAction.SEALED, CustodyAction.EXPORTED})


class DigestingFile(File):
    """The upload as the storage sees it: every byte the storage reads also feeds the hash and the counter.

    A local folder reads ``chunks()``, object storage ``read()``; both are covered, and seeking back to the
    start begins the count again, so the hash is of exactly what was written, read once.
    """

    def __init__(self, upload: File[bytes]) -> None:
        super().__init__(upload, name=upload.name)
        self.upload = upload
        self._restart()

    def _restart(self) -> None:
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        self.head = b""
        self.in_order = True

    def _feed(self, data: bytes) -> None:
        self.digest.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[:HEAD_BYTES - len(self.head)]
        self.bytes_read += len(data)

    def chunks(self, chunk_size: int | None = None) -> Any:
        self._restart()
        for chunk in self.upload.chunks(chunk_size):
            self._feed(chunk)
            yield chunk

    def read(self, size: int = -1) -> bytes:
        data = self.upload.read(size)
        self._feed(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.upload.seek(offset, whence)
        position = self.upload.tell()
        if position == 0:
            self._restart()
        elif position != self.bytes_read:
            self.in_order = False
        return position


def detect_content_type(head: bytes) -> str:
    """The MIME type the bytes show; the client's claim and the file name are never consulted."""
    try:
        return puremagic.from_string(head, mime=True) or UNKNOWN_TYPE
    except (puremagic.PureError, ValueError):
        return UNKNOWN_TYPE


def safe_name(name: str | None) -> str:
    """The client's file name as data to show and to offer on download: no folders, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return cleaned[:255] or "evidence"


def attach_evidence(viewer: Viewer, case: Case, upload: File[bytes], *, capture_method: str,
                    captured_at: datetime.datetime, description: str = "",
                    listing: Listing | None = None) -> Evidence:
    """Store ``upload`` as evidence of ``case`` (optionally of one of its listings) and open its custody chain.

    Everything that can be refused is checked before a byte is stored. The file is then written through the
    storage while it is hashed; the row, the first custody event and the audit event follow in one savepoint,
    and if any of that fails the stored file is deleted before the error propagates.
    """
    policy.check(viewer, "case.contribute", case)
    assert viewer.officer is not None
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ActionError(ErrorCode.FILE_TOO_LARGE,
                          _("The file is larger than %(bytes)s bytes.") % {"bytes": settings.EVIDENCE_MAX_BYTES},
                          "file")
    if upload.size == 0:
        raise ActionError(ErrorCode.INVALID, _("The file is empty."), "file")
    if capture_method not in CaptureMethod.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown capture method %(method)s.") % {"method": repr(capture_method)},
                          "capture_method")
    if timezone.is_naive(captured_at):
        raise ActionError(ErrorCode.INVALID, _("Give the capture time with its UTC offset."), "captured_at")
    if captured_at > timezone.now() + CLOCK_SKEW:
        raise ActionError(ErrorCode.INVALID, _("Evidence cannot be captured in the future."), "captured_at")
    if listing is not None and listing.case_id != case.pk:
        raise NotFound("listing_id", "listing")

    evidence = Evidence(case=case, listing=listing, original_name=safe_name(upload.name),
                        capture_method=capture_method, captured_by=viewer.officer, captured_at=captured_at,
                        description=description.strip())
    stream = DigestingFile(upload)
    store_file(evidence, stream)
    try:
        if not stream.in_order or stream.bytes_read != upload.size:
            raise OSError("The storage did not read the upload once and in order; its hash would be wrong.")
        evidence.sha256 = stream.digest.hexdigest()
        evidence.size = stream.bytes_read
        evidence.content_type = detect_content_type(stream.head)
        with transaction.atomic():
            evidence.save()
            CustodyEvent.objects.create(evidence=evidence, action=CustodyAction.CAPTURED, actor=viewer.officer,
                                        occurred_at=captured_at, sha256=evidence.sha256)
            record("evidence.attach", actor=viewer.officer, obj=evidence, object_agency_id=case.owner_agency_id,
                   details={"case": case.reference, "size": evidence.size}, content={"sha256": evidence.sha256})
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


def store_file(evidence: Any, stream: DigestingFile) -> None:
    """Write the file under its new random name, or raise ``STORAGE_UNAVAILABLE`` leaving nothing behind.

    ``evidence`` is an :class:`Evidence` or any row with a ``file`` field of random names and an
    ``original_name`` (a spotter's screenshot is stored the same way, outside the evidence folder).

    A storage that is full or read-only fails in the middle of the write, and Django's ``FileSystemStorage``
    leaves the part it wrote (an orphan file nobody would ever delete). The name is chosen here, before the
    write, so that the part can be removed: it is random (``evidence_path``), hence nobody else's file. If even
    the removal fails, the orphan sweep (``sweep_orphan_files``) deletes it later.
    """
    field, storage = evidence.file.field, evidence.file.storage
    name = field.generate_filename(evidence, evidence.original_name)
    try:
        evidence.file.name = storage.save(name, stream, max_length=field.max_length)
    except Exception as exc:
        logger.warning("evidence: the storage refused %s (%s: %s)", name, type(exc).__name__, exc)
        try:
            if storage.exists(name):
                storage.delete(name)
        except Exception:  # still failing: the sweep will remove the part once the storage is back
            logger.warning("evidence: could not remove the partial file %s; the orphan sweep will", name)
        raise ActionError(ErrorCode.STORAGE_UNAVAILABLE, _("The evidence storage cannot take the file now (full or "
                            "unavailable); nothing was stored. Try again later."), "file") from exc


def record_custody_event(viewer: Viewer, evidence: Evidence, action: str, *, from_holder: str = "",
                         to_holder: str = "", note: str = "") -> CustodyEvent:
    """Declare a transfer, a seal or an export of ``evidence``: a new link in its chain, never a change."""
    policy.check(viewer, "case.contribute", evidence.case)
    if action not in DECLARED_ACTIONS:
        raise ActionError(ErrorCode.INVALID, _("Only transfers, seals and exports are declared; the system records "
                            "captures, accesses and integrity checks itself."), "action")
    from_holder, to_holder = from_holder.strip(), to_holder.strip()
    for name, value in (("from_holder", from_holder), ("to_holder", to_holder)):
        if len(value) > 200:
            raise ActionError(ErrorCode.INVALID, _("A holder is at most 200 characters."), name)
    if action == CustodyAction.TRANSFERRED and not to_holder:
        raise ActionError(ErrorCode.REQUIRED, _("Say who received the evidence."), "to_holder")
    event = CustodyEvent.objects.create(evidence=evidence, action=action, actor=viewer.officer,
                                        from_holder=from_holder, to_holder=to_holder, note=note.strip())
    record("evidence.custody", actor=viewer.officer, obj=event, object_agency_id=evidence.case.owner_agency_id,
           details={"evidence": evidence.pk, "action": action})
    return event


def open_for_download(viewer: Viewer, evidence: Evidence) -> File[bytes]:
    """The stored file, opened for reading, once the access is in the custody chain and the audit log.

    ``evidence`` must come from ``policy.fetch`` for ``viewer``: this function records, it does not decide.
    """
    handle = evidence.file.storage.open(evidence.file.name or "", "rb")
    try:
        with transaction.atomic():
            CustodyEvent.objects.create(evidence=evidence, action=CustodyAction.ACCESSED, actor=viewer.officer)
            record("evidence.download", actor=viewer.officer, obj=evidence,
                   object_agency_id=evidence.case.owner_agency_id, purpose=viewer.purpose or "",
                   details={"case": evidence.case.reference}, content={"sha256": evidence.sha256})
    except Exception:
        handle.close()
        raise
    return handle


def verify(evidence: Evidence) -> bool:
    """Re-hash the stored file (streaming) and record the result in its custody chain, as the system.

    A missing file fails like a tampered one: either way the evidence can no longer be shown intact.
    """
    storage, name = evidence.file.storage, evidence.file.name or ""
    observed = ""
    if name and storage.exists(name):
        digest = hashlib.sha256()
        with storage.open(name, "rb") as handle:
            for chunk in handle.chunks():
                digest.update(chunk)
        observed = digest.hexdigest()
    intact = observed == evidence.sha256
    if intact:
        note = ""
    elif observed:
        note = "The stored file differs from the file captured."
    else:
        note = "The stored file is missing."
    CustodyEvent.objects.create(
        evidence=evidence, action=CustodyAction.VERIFIED if intact else CustodyAction.VERIFICATION_FAILED,
        sha256=observed, note=note)
    return intact


def orphan_files(grace: datetime.timedelta = ORPHAN_GRACE, now: datetime.datetime | None = None) -> list[str]:
    """Files of the evidence storage that no evidence row refers to, last written more than ``grace`` ago.

    They come from an upload whose process died between writing the file and committing its row, or whose
    partial file could not be removed when the storage failed. Listing goes through the storage API, so it works
    for any Django storage backend that can list folders.
    """
    storage = Evidence._meta.get_field("file").storage
    cutoff = (now or timezone.now()) - grace
    if not storage.exists(EVIDENCE_FOLDER):
        return []
    found: list[str] = []
    folders, files = storage.listdir(EVIDENCE_FOLDER)
    candidates = [f"{EVIDENCE_FOLDER}/{name}" for name in files]
    for folder in folders:
        candidates += [f"{EVIDENCE_FOLDER}/{folder}/{name}"
                       for name in storage.listdir(f"{EVIDENCE_FOLDER}/{folder}")[1]]
    old = [name for name in candidates if storage.get_modified_time(name) < cutoff]
    for start in range(0, len(old), 500):
        batch = old[start:start + 500]
        known = set(Evidence.objects.filter(file__in=batch).values_list("file", flat=True))
        found += [name for name in batch if name not in known]
    return sorted(found)


def sweep_orphan_files(grace: datetime.timedelta = ORPHAN_GRACE, now: datetime.datetime | None = None) -> list[str]:
    """Delete the ``orphan_files`` and audit each deletion; returns the names deleted.

    Each file is deleted inside the transaction of its audit event, so a deletion that fails leaves both the
    file and no event, and is retried at the next sweep.
    """
    storage = Evidence._meta.get_field("file").storage
    deleted: list[str] = []
    for name in orphan_files(grace, now):
        with transaction.atomic():
            record("evidence.orphan_deleted", actor_username="system", object_type="storage.file", object_id=name,
                   details={"name": name, "size": storage.size(name),
                            "modified_at": storage.get_modified_time(name).isoformat()})
            storage.delete(name)
        deleted.append(name)
    return deleted
