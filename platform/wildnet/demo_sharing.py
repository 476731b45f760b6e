"""Demo sharing: an active share, a redacted one, an expired one, a revoked one, a pending access request and
a hit (recorded when the demo SEPRONA case links a French phone number the OFB holds).

Idempotent: each share is keyed by case and recipient, the request by case and requester.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from access.policy import Viewer, viewer_for
from agencies.models import Agency
from cases.models import Case
from officers.models import Officer
from sharing import actions
from sharing.models import AccessRequest, Share, ShareStatus


def _viewer(username: str) -> Viewer:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


def _share(case: Case, recipient: str, by: str, **options: Any) -> Share:
    agency = Agency.objects.get(code=recipient)
    existing = Share.objects.filter(case=case, recipient_agency=agency).first()
    if existing is not None:
        return existing
    data = actions.ShareInput(justification=f"Demo: coordination with {agency.name}.", recipient_agency=agency,
                              **options)
    return actions.share_case(_viewer(by), case, data)


def load_sharing() -> dict[str, int]:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    _share(ivory, "fr-oclaesp", "inv.ofb", can_contribute=True)
    _share(pangolin, "fr-dgddi", "sup.oclaesp", redact_personal_data=True, redact_sources=True)
    expired = _share(ivory, "fr-dgddi", "inv.ofb",
                     expires_at=timezone.now() + datetime.timedelta(days=1))
    Share.objects.filter(pk=expired.pk, expires_at__gt=timezone.now()).update(
        expires_at=timezone.now() - datetime.timedelta(days=3))
    revoked = _share(ivory, "fr-pnr", "inv.ofb")
    if revoked.status != ShareStatus.REVOKED:
        actions.revoke_share(_viewer("sup.ofb"), revoked, "Prosecution declined; the file goes back to the OFB.")
    seprona = Officer.objects.get(username="inv.seprona")
    if not AccessRequest.objects.filter(case=ivory, requester=seprona).exists():
        actions.request_access(_viewer("inv.seprona"), reference=ivory.reference,
                               purpose="investigation",
                               justification="Same phone number as the supplier in our parrot case (hit).")
    return {"shares": Share.objects.count(), "access requests": AccessRequest.objects.count()}
