"""Demo spotters' reports: IFAW's Wildlife Cyber Spotter (spotter.ifaw) with reports in several states.

Written through the real actions, so each report has its history and the spotter's e-mails are in the outbox.
One report names a listing already in intelligence and one repeats an earlier report's address: both are
accepted and look new to the spotter. Idempotent: a spotter who already has reports is left as they are.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from access.policy import viewer_for
from officers.models import Officer
from reports.actions import ReportInput, set_report_status, submit_report
from reports.models import SpotterReport

# (days ago, address, what was seen, species as typed, language, status, reason)
REPORTS = [
    (9, "https://es.wallapop.com/item/loro-gris-hablador-88123?utm_source=app", "Loro gris africano joven, "
     "«muy hablador», sin papeles, entrega en mano en Madrid.", "psitacus eritacus", "es", "not_actionable",
     "insufficient_information"),
    (6, "https://www.facebook.com/marketplace/item/7712093345", "Carapace de tortue vendue comme « déco "
     "exotique », photos d'écailles.", "tortue imbriquée", "fr", "under_review", ""),
    (3, "https://www.leboncoin.fr/ad/antiquites/2461100987", "Paire de défenses montées sur socle, « ivoire "
     "ancien », sans certificat.", "elefant", "fr", "received", ""),
    (2, "https://www.leboncoin.fr/ad/animaux/2479001122", "Jeune python royal « albinos » vendu sans "
     "document, envoi par colis.", "python regius", "fr", "received", ""),
    (1, "https://www.leboncoin.fr/ad/animaux/2479001122?utm_medium=share", "The same python advert, still "
     "online, now with a lower price.", "ball pyton", "en", "received", ""),
]


def load_reports(now: datetime.datetime | None = None) -> int:
    """Submit the demo reports as spotter.ifaw and move them on as the system administrator would."""
    now = now or timezone.now()
    spotter = Officer.objects.get(username="spotter.ifaw")
    if not SpotterReport.objects.filter(reporter=spotter).exists():
        viewer, operator = viewer_for(spotter), viewer_for(Officer.objects.get(username="sysadmin"))
        for days, url, description, species, language, status, reason in REPORTS:
            sent = now - datetime.timedelta(days=days)
            report = submit_report(viewer, ReportInput(url=url, description=description,
                                                       seen_at=sent - datetime.timedelta(hours=5),
                                                       species_suggested=species, language=language), now=sent)
            if status == "not_actionable":
                set_report_status(operator, report, "under_review", now=sent + datetime.timedelta(days=1))
            if status != "received":
                set_report_status(operator, report, status, reason, now=sent + datetime.timedelta(days=2))
    return SpotterReport.objects.count()
