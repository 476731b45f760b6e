"""The demo's 2025: what the French agencies recorded the year before the rest of the demo, at fixed dates.

The rest of the demo happens in the days before it is loaded, so without this every demo row falls in the
current year and the signed-off 2025 assessment's indicators all say "no data". Here, at fixed dates of 2025
(the same on every load): the pangolin case was opened in April 2025; three more adverts were recorded on
Facebook Marketplace over the year, two of them notified to Meta and removed; its evidence was captured and
the case shared with customs in 2025; the keyword watchlists date from February 2025. The 2025 figures are
therefore real, and the current year keeps its own. Idempotent: the adverts are keyed by address.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from access.policy import Viewer, viewer_for
from cases import actions as case_actions
from cases.models import Case, Evidence, Listing, Watchlist
from cases.models.evidence import CustodyEvent
from compliance import actions
from compliance.models import NoticeItem, TakedownNotice
from officers.models import Officer
from sharing.models import Share

from .demo_cases import WATCHLISTS

UTC = datetime.UTC
H = datetime.timedelta(hours=1)

SHARED_WITH_CUSTOMS = datetime.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
WATCHLISTS_CREATED = datetime.datetime(2025, 2, 3, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class PastListing:
    url: str
    title: str
    text: str
    seller: str  # a new account each time, as such sellers do once an advert is removed
    recorded_at: datetime.datetime
    notified_at: datetime.datetime | None  # sent to the platform; removed 20 hours later


LISTINGS = [
    PastListing("https://www.facebook.com/marketplace/item/889912345600511/", "Écailles séchées 500 g",
                "Écailles naturelles de pangolin, 500 g, pour préparations traditionnelles. Envoi discret.",
                "ecailles.tradition",
                datetime.datetime(2025, 5, 6, 8, 40, tzinfo=UTC),
                datetime.datetime(2025, 5, 9, 9, 0, tzinfo=UTC)),
    PastListing("https://www.facebook.com/marketplace/item/889912345600718/", "Remède traditionnel — écailles",
                "Écailles broyées, remède traditionnel, prix au kilo, livraison en Europe.",
                "medecine.afrique.naturelle",
                datetime.datetime(2025, 7, 18, 16, 5, tzinfo=UTC),
                datetime.datetime(2025, 7, 21, 8, 30, tzinfo=UTC)),
    PastListing("https://www.facebook.com/marketplace/item/889912345601002/", "Écailles entières lot",
                "Lot d'écailles entières, qualité premium, contact par messagerie uniquement.", "nature.remedes.lot",
                datetime.datetime(2025, 10, 2, 11, 20, tzinfo=UTC), None),
]


def _viewer(username: str) -> Viewer:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


def load_history() -> int:
    """Date the pangolin case's story in 2025; returns how many of its adverts were recorded in 2025."""
    Watchlist.objects.filter(name__in=[name for name, _terms in WATCHLISTS.values()]).update(
        created_at=WATCHLISTS_CREATED)
    case = Case.objects.filter(owner_agency__code="fr-oclaesp", title__startswith="Écailles").first()
    if case is None:
        return 0
    opened = case.created_at  # demo_cases opens it at its date of 2025
    Listing.objects.filter(case=case, url__contains="889912345671234").update(created_at=opened,
                                                                             first_seen_at=opened)
    evidence = Evidence.objects.filter(case=case)
    evidence.update(created_at=opened + 2 * H, captured_at=opened + H)
    CustodyEvent.objects.filter(evidence__in=evidence).update(occurred_at=opened + 2 * H)
    Share.objects.filter(case=case, recipient_agency__code="fr-dgddi").update(created_at=SHARED_WITH_CUSTOMS)
    for past in LISTINGS:
        if not Listing.objects.filter(url=past.url).exists():
            _record(case, past)
    return Listing.objects.filter(case=case, created_at__year=2025).count()


def _record(case: Case, past: PastListing) -> None:
    listing, _new = case_actions.add_listing(_viewer("inv.oclaesp"), case, case_actions.ListingInput(
        url=past.url, title=past.title, text=past.text, language="fr", price="450", currency="EUR",
        seller=past.seller, species_names=["Manis tricuspis"], seen_at=past.recorded_at))
    Listing.objects.filter(pk=listing.pk).update(created_at=past.recorded_at, first_seen_at=past.recorded_at)
    if past.notified_at is None:
        return
    notice = actions.issue_notice(_viewer("inv.oclaesp"), case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
        statement_of_reasons="Offre de vente d'écailles de pangolin (CITES annexe I, règlement (CE) n° 338/97, "
                             "annexe A) sans document justifiant leur détention légale.",
        requested_actions=["remove"], territorial_scope=["FR"], priority="high",
        redress="Recours devant le tribunal administratif dans un délai de deux mois."))
    sent = past.notified_at
    acknowledge_within, act_within = actions.sla_for(notice.platform, notice.priority)
    TakedownNotice.objects.filter(pk=notice.pk).update(
        created_at=sent - H, sent_at=sent, acknowledge_due_at=sent + acknowledge_within,
        action_due_at=sent + act_within)
    notice.refresh_from_db()
    platform = _viewer("pf.facebook")
    actions.acknowledge_notice(platform, notice)
    TakedownNotice.objects.filter(pk=notice.pk).update(acknowledged_at=sent + 2 * H)
    item = notice.items.get()
    actions.report_outcome(platform, notice, item, actions.OutcomeInput(
        outcome="removed", effective_at=sent + 20 * H,
        reason="Content removed under our policy on endangered species."))
    NoticeItem.objects.filter(pk=item.pk).update(reported_at=sent + 21 * H)
