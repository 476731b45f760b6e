"""Demo spotters' reports: IFAW's Wildlife Cyber Spotter programme, with reports in every state.

Two spotters (spotter.ifaw, spotter2.ifaw) report; the programme's coordinator is coord.ifaw. Everything is
written through the real actions — submission, then triage by the analysts of the agency each report is routed to
— so each report has its history, the spotters' e-mails are in the outbox, and what triage made (a case, a notice
to Facebook with the platform's removal) exists as any other intelligence. IFAW sends its Facebook reports to
the OFB (a route); the others go to the wildlife authority, or failing one the police, of the platform's country.
One report names a listing already in intelligence and one repeats an earlier report's address: both are accepted
and look new to the spotter. Idempotent: a programme that already has reports is left as it is.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from access.policy import Viewer, viewer_for
from agencies.models import Agency
from compliance import actions as notice_actions
from officers.models import Officer
from reports import triage
from reports.actions import ReportInput, submit_report
from reports.models import ReportRoute, SpotterReport

TRUSTED_FLAGGER_REFERENCE = "IBPT-BIPT DSC/TF/2025-0007"

# (spotter, days ago, address, what was seen, species as typed, language, what triage does, by whom, hours later)
REPORTS = [
    ("spotter.ifaw", 20, "https://www.leboncoin.fr/ad/animaux/2401187654", "Ara hyacinthe adulte vendu « avec "
     "papiers à venir », photos de la cage, vendeur à Lyon.", "ara hyacinte", "fr", "investigation", "ana.ofb", 26),
    ("spotter2.ifaw", 12, "https://www.facebook.com/marketplace/item/7734410021", "Rhino horn bracelet beads "
     "offered as « antique », price on request by private message.", "rhinoceros", "en", "platform", "ana.ofb", 3),
    ("spotter.ifaw", 9, "https://es.wallapop.com/item/loro-gris-hablador-88123?utm_source=app", "Loro gris africano "
     "joven, «muy hablador», sin papeles, entrega en mano en Madrid.", "psitacus eritacus", "es", "not_actionable",
     "inv.seprona", 48),
    ("spotter.ifaw", 6, "https://www.facebook.com/marketplace/item/7712093345", "Carapace de tortue vendue comme "
     "« déco exotique », photos d'écailles.", "tortue imbriquée", "fr", "review", "ana.ofb", 20),
    ("spotter.ifaw", 3, "https://www.leboncoin.fr/ad/antiquites/2461100987", "Paire de défenses montées sur socle, "
     "« ivoire ancien », sans certificat.", "elefant", "fr", "", "", 0),
    ("spotter.ifaw", 2, "https://www.leboncoin.fr/ad/animaux/2479001122", "Jeune python royal « albinos » vendu "
     "sans document, envoi par colis.", "python regius", "fr", "", "", 0),
    ("spotter2.ifaw", 1, "https://www.leboncoin.fr/ad/animaux/2479001122?utm_medium=share", "The same python "
     "advert, still online, now with a lower price.", "ball pyton", "en", "", "", 0),
]


def load_reports(now: datetime.datetime | None = None) -> int:
    """Set up IFAW's programme (trusted-flagger status, a route) and its reports, triaged as analysts would."""
    now = now or timezone.now()
    ifaw = Agency.objects.get(code="ngo-ifaw")
    if SpotterReport.objects.filter(organisation=ifaw).exists():
        return SpotterReport.objects.count()
    Agency.objects.filter(pk=ifaw.pk).update(trusted_flagger_reference=TRUSTED_FLAGGER_REFERENCE)
    ReportRoute.objects.get_or_create(programme=ifaw, country="IE",
                                      defaults={"agency": Agency.objects.get(code="fr-ofb")})
    for username, days, url, description, species, language, outcome, analyst, hours in REPORTS:
        sent = now - datetime.timedelta(days=days)
        report = submit_report(viewer_for(Officer.objects.get(username=username)), ReportInput(
            url=url, description=description, seen_at=sent - datetime.timedelta(hours=5),
            species_suggested=species, language=language), now=sent)
        if outcome:
            _triage(viewer_for(Officer.objects.get(username=analyst), purpose="investigation"), report, outcome)
            _dated(report, sent + datetime.timedelta(hours=hours))
    return SpotterReport.objects.count()


def _dated(report: SpotterReport, at: datetime.datetime) -> None:
    """Date the triage as if it had happened ``at`` (the actions record the present), so that the figures' time
    to triage reads as a real programme's would."""
    report.history.exclude(status="received").update(changed_at=at)
    SpotterReport.objects.filter(pk=report.pk, triaged_at__isnull=False).update(triaged_at=at)


def _triage(viewer: Viewer, report: SpotterReport, outcome: str) -> None:
    triage.start_review(viewer, report)
    if outcome == "investigation":
        triage.pass_to_investigation(viewer, report, triage.CaseChoice(
            title="Ara hyacinthe — annonces leboncoin (signalement IFAW)"))
    elif outcome == "not_actionable":
        triage.not_actionable(viewer, report, "insufficient_information")
    elif outcome == "platform":
        notice = triage.send_to_platform(viewer, report, triage.CaseChoice(
            title="Corne de rhinocéros — Facebook Marketplace (signalement IFAW)"), notice_actions.NoticeInput(
            legal_basis_law="Règlement (CE) n° 338/97", legal_basis_article="art. 8",
            statement_of_reasons="Offre de vente de corne de rhinocéros (annexe A) sans document de légalité.",
            requested_actions=["remove"], territorial_scope=["EU"], priority="high"))
        platform = viewer_for(Officer.objects.get(username="pf.facebook"))
        notice_actions.acknowledge_notice(platform, notice)
        notice_actions.report_outcome(platform, notice, notice.items.get(), notice_actions.OutcomeInput(
            outcome="removed", effective_at=timezone.now(),
            reason="Removed under our policy on endangered species (trusted flagger notice)."))
