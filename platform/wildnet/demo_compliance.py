"""Demo takedown notices: every state for both demo marketplaces (leboncoin, Wallapop), with realistic times.

Notices are issued and answered through the real actions (so the history, audit and outbox are as in
production) and their timestamps are then set to a believable past: sent days ago, acknowledged within hours,
removed within a day, one overdue and escalated, one rejected with reasons, one re-listing. Idempotent: a
notice is keyed by its listing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from access.policy import Viewer, viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Listing
from compliance import actions
from compliance.models import NoticeItem, PlatformProfile, Priority, SlaPolicy, TakedownNotice
from officers.models import Officer

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)

SLA = {  # priority: (acknowledge within, act within)
    "pf-leboncoin": {Priority.URGENT: (2 * H, 24 * H), Priority.HIGH: (8 * H, 48 * H),
                     Priority.NORMAL: (24 * H, 72 * H), Priority.LOW: (48 * H, 7 * D)},
    "pf-wallapop": {Priority.URGENT: (4 * H, 24 * H), Priority.HIGH: (12 * H, 48 * H),
                    Priority.NORMAL: (24 * H, 96 * H), Priority.LOW: (72 * H, 10 * D)},
    "pf-facebook": {Priority.URGENT: (1 * H, 12 * H), Priority.HIGH: (6 * H, 24 * H),
                    Priority.NORMAL: (24 * H, 72 * H), Priority.LOW: (48 * H, 7 * D)},
}
CONTACTS = {
    "pf-leboncoin": [{"name": "Trust & Safety", "email": "trust-safety@demo.leboncoin.invalid", "role": "notices"}],
    "pf-wallapop": [{"name": "Equipo de Confianza", "email": "confianza@demo.wallapop.invalid", "role": "notices"}],
    "pf-facebook": [{"name": "Law Enforcement Response", "email": "ler@demo.meta.invalid", "role": "notices"}],
}
LANGUAGES = {"pf-leboncoin": ["fr"], "pf-wallapop": ["es", "ca"], "pf-facebook": ["en", "fr", "es"]}


@dataclass
class DemoNotice:
    listing_url_part: str
    issuer: str
    responder: str
    sent_days_ago: float
    law: str
    article: str
    priority: str
    state: str  # draft, sent, acknowledged, removed, rejected, overdue, restricted


L_LAW, L_ART = "Code de l'environnement", "L415-3 ; arrêté du 16 août 2016"
W_LAW, W_ART = "Ley 42/2007 del Patrimonio Natural y de la Biodiversidad", "art. 80.1"
NOTICES = [
    # leboncoin (FR, OFB): one notice in every state
    DemoNotice("2456781234", "inv.ofb", "pf.leboncoin", 20, L_LAW, L_ART, Priority.HIGH, "removed"),
    DemoNotice("2461100987", "inv.ofb", "pf.leboncoin", 6, L_LAW, L_ART, Priority.NORMAL, "rejected"),
    DemoNotice("2470045511", "inv.ofb", "pf.leboncoin", 0.1, L_LAW, L_ART, Priority.NORMAL, "sent"),
    DemoNotice("2471002233", "inv.ofb", "pf.leboncoin", 0, L_LAW, L_ART, Priority.NORMAL, "draft"),
    DemoNotice("2471554321", "inv.ofb", "pf.leboncoin", 1, L_LAW, L_ART, Priority.NORMAL, "acknowledged"),
    DemoNotice("2472209876", "inv.ofb", "pf.leboncoin", 5, L_LAW, L_ART, Priority.HIGH, "overdue"),
    DemoNotice("2473301122", "inv.ofb", "pf.leboncoin", 12, L_LAW, L_ART, Priority.HIGH, "escalated"),
    # Wallapop (ES, SEPRONA)
    DemoNotice("yaco-cria-a-mano", "inv.seprona", "pf.wallapop", 9, W_LAW, W_ART, Priority.URGENT, "removed"),
    DemoNotice("guacamayo-azul", "inv.seprona", "pf.wallapop", 8, W_LAW, W_ART, Priority.URGENT, "escalated"),
    DemoNotice("pareja-yacos", "inv.seprona", "pf.wallapop", 7, W_LAW, W_ART, Priority.HIGH, "rejected"),
    DemoNotice("yaco-hablador", "inv.seprona", "pf.wallapop", 4, W_LAW, W_ART, Priority.HIGH, "overdue"),
    DemoNotice("guacamayo-cria", "inv.seprona", "pf.wallapop", 1.5, W_LAW, W_ART, Priority.NORMAL, "acknowledged"),
    DemoNotice("loro-gris-jaula", "inv.seprona", "pf.wallapop", 0.2, W_LAW, W_ART, Priority.NORMAL, "sent"),
    DemoNotice("yacos-bebes", "inv.seprona", "pf.wallapop", 0, W_LAW, W_ART, Priority.NORMAL, "draft"),
]


REASONS = {  # the platform's own words: removal, rejection
    "pf.leboncoin": ("Annonce contraire à nos règles sur les animaux protégés.",
                     "L'annonce présente un objet antérieur à 1947 avec un certificat intra-UE ; nous ne pouvons "
                     "pas le retirer sur cette base."),
    "pf.wallapop": ("Anuncio contrario a nuestras normas sobre animales protegidos.",
                    "El vendedor aportó un certificado CITES de cría en cautividad; remitimos el caso a la autoridad."),
}


def _viewer(username: str) -> Viewer:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


def load_platform_terms() -> None:
    for code, table in SLA.items():
        platform = Agency.objects.get(code=code)
        PlatformProfile.objects.update_or_create(agency=platform, defaults={
            "languages": LANGUAGES[code], "contacts": CONTACTS[code]})
        for priority, (ack, act) in table.items():
            SlaPolicy.objects.update_or_create(platform=platform, priority=priority,
                                               defaults={"acknowledge_within": ack, "act_within": act})


def load_notices(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    load_platform_terms()
    for demo in NOTICES:
        listing = Listing.objects.filter(url__contains=demo.listing_url_part).select_related("case").first()
        if listing is None or NoticeItem.objects.filter(listing=listing).exists():
            continue
        issuer = _viewer(demo.issuer)
        notice = actions.issue_notice(issuer, listing.case, [listing], actions.NoticeInput(
            legal_basis_law=demo.law, legal_basis_article=demo.article,
            statement_of_reasons="Offre de vente en ligne d'un spécimen d'espèce inscrite à l'annexe I de la CITES "
                                 "(règlement (CE) n° 338/97, annexe A) sans document justifiant sa détention légale.",
            requested_actions=["remove", "preserve_data"] if listing.evidence.exists() else ["remove"],
            territorial_scope=list(listing.case.jurisdictions), priority=demo.priority,
            redress="Recours devant le tribunal administratif dans un délai de deux mois.",
        ), send=demo.state != "draft")
        if demo.state in {"sent", "draft"}:
            continue
        sent = now - datetime.timedelta(days=demo.sent_days_ago)
        acknowledge_within, act_within = actions.sla_for(notice.platform, notice.priority)
        TakedownNotice.objects.filter(pk=notice.pk).update(
            created_at=sent - H, sent_at=sent, acknowledge_due_at=sent + acknowledge_within,
            action_due_at=sent + act_within)
        notice.refresh_from_db()
        if demo.state in {"overdue", "escalated"}:
            # never answered: the deadline job has reminded (and, past the grace period, escalated)
            action_due = sent + act_within
            TakedownNotice.objects.filter(pk=notice.pk).update(
                reminded_at=action_due + H, escalated_at=action_due + 12 * H if demo.state == "escalated" else None)
            continue
        platform = _viewer(demo.responder)
        actions.acknowledge_notice(platform, notice)
        TakedownNotice.objects.filter(pk=notice.pk).update(acknowledged_at=sent + 3 * H)
        if demo.state == "acknowledged":
            continue
        item = notice.items.get()
        removed, rejected = REASONS[demo.responder]
        if demo.state == "removed":
            outcome = actions.OutcomeInput(outcome="removed", effective_at=sent + 20 * H, reason=removed)
        else:
            outcome = actions.OutcomeInput(outcome="rejected", reason=rejected)
        actions.report_outcome(platform, notice, item, outcome)
        NoticeItem.objects.filter(pk=item.pk).update(reported_at=sent + 21 * H)
        if demo.state == "removed":
            actions.verify_item(issuer, item, verified=True, note="Annonce vérifiée hors ligne.")
    _relisting(now)
    return TakedownNotice.objects.count()


def _relisting(now: datetime.datetime) -> None:
    """The seller whose ivory statuette leboncoin removed posts a new advert a few days later."""
    removed = Listing.objects.filter(url__contains="2456781234").select_related("case").first()
    if removed is None or Listing.objects.filter(url__contains="2481234567").exists():
        return
    case_actions.add_listing(_viewer("inv.ofb"), removed.case, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/antiquites/2481234567?utm_source=share", title="Statuette os ancien",
        text="Statuette en vieil os, matière blanche, patine. Remise en main propre.", language="fr",
        price="1650", currency="EUR", seller="collection_anciens33", seen_at=now - D))
