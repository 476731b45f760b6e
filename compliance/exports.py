"""Compliance exports: the figures as CSV, and acted items as DSA Transparency Database statements of reasons.

The statements follow the Transparency Database API (``POST /api/v1/statements`` takes ``{"statements": [...]}``):
its attribute names and values, its YYYY-MM-DD dates, its text limits, and its rule that a statement
records a restriction — so only items the platform acted on (removed, restricted, account suspended) become
statements; rejections and "not found" restrict nothing and are counted in the figures instead. What WildNet
cannot know is stated, not invented:

* ``puid`` is ``wildnet-item-<item id>``: unique, and within the allowed characters (letters, digits, ``-``);
* ``content_date`` is the day the notice was sent, the latest day the content is known to have been online
  (the upload date is the platform's to give, and when the investigation first saw the listing is not);
* ``content_type`` is a product when the listing offered something at a price, text otherwise;
* ``territorial_scope`` lists EU/EEA country codes only (the database accepts no others), "EU" expanded;
* ``source_type`` is ``SOURCE_TRUSTED_FLAGGER`` when the notice acts on a trusted flagger's report
  (``TakedownNotice.trusted_flagger``) or the platform recognises agencies as trusted flaggers (DSA Art. 22,
  ``PlatformProfile.trusted_flagger_channel``), else ``SOURCE_TYPE_OTHER_NOTIFICATION``: an authority's order
  (Art. 9) is neither an Art. 16 notice nor the platform's own initiative.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from api.csvout import safe_text

from .metrics import PlatformMetrics
from .models import ACTED, DecisionGround, NoticeItem, PlatformProfile, StatementCategory, TakedownNotice

EU_COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
EEA_COUNTRIES = frozenset(EU_COUNTRIES) | {"IS", "LI", "NO"}

# --- figures as CSV ---------------------------------------------------------------------------------------

_FIGURES = [
    # column, value of a PlatformMetrics
    ("notices_sent", lambda m: m.notices_sent),
    ("acknowledged", lambda m: m.acknowledged),
    ("acknowledgement_rate", lambda m: _rate(m.acknowledgement_rate)),
    ("median_time_to_acknowledge_s", lambda m: _seconds(m.median_time_to_acknowledge)),
    ("p90_time_to_acknowledge_s", lambda m: _seconds(m.p90_time_to_acknowledge)),
    ("items", lambda m: m.items),
    ("acted", lambda m: m.acted),
    ("median_time_to_action_s", lambda m: _seconds(m.median_time_to_action)),
    ("p90_time_to_action_s", lambda m: _seconds(m.p90_time_to_action)),
    ("acted_within_sla", lambda m: m.acted_within_sla),
    ("within_sla_share_of_acted", lambda m: _rate(m.within_sla_share_of_acted)),
    ("within_sla_share_of_items", lambda m: _rate(m.within_sla_share_of_items)),
    ("removal_rate", lambda m: _rate(m.removal_rate)),
    ("rejected", lambda m: m.rejected),
    ("rejection_reasons", lambda m: safe_text(json.dumps(dict(m.rejection_reasons), ensure_ascii=False))),
    ("relisted", lambda m: m.relisted),
    ("relisting_rate", lambda m: _rate(m.relisting_rate)),
    ("open_overdue", lambda m: m.open_overdue),
    ("trusted_flagger_notices", lambda m: m.trusted_flagger_notices),
    ("trusted_flagger_items", lambda m: m.trusted_flagger_items),
    ("trusted_flagger_acted", lambda m: m.trusted_flagger_acted),
    ("trusted_flagger_acted_within_sla", lambda m: m.trusted_flagger_acted_within_sla),
    ("trusted_flagger_within_sla_share", lambda m: _rate(m.trusted_flagger_within_sla_share)),
    ("trusted_flagger_removal_rate", lambda m: _rate(m.trusted_flagger_removal_rate)),
]


def metrics_table(metrics: Iterable[PlatformMetrics], start: datetime.date, end: datetime.date,
                  by_country: bool) -> Iterator[list[Any]]:
    """The header, then one row per group: rates to four decimals, durations in whole seconds (nearest-rank),
    empty cells where there is no data, rejection reasons as a JSON object of counts."""
    yield ["platform", "platform_name", *(["country"] if by_country else []), "period_start", "period_end",
           *(name for name, _ in _FIGURES)]
    for m in metrics:
        yield [m.platform_code, safe_text(m.platform_name), *([m.country] if by_country else []), start.isoformat(),
               end.isoformat(), *(value(m) for _, value in _FIGURES)]


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _seconds(value: datetime.timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds():.0f}"


# --- statements of reasons --------------------------------------------------------------------------------


def statement_items(notices: QuerySet[TakedownNotice], start: datetime.datetime,
                    end: datetime.datetime) -> QuerySet[NoticeItem]:
    """Items of ``notices`` that the platform acted on, with the action taking effect in ``[start, end)``."""
    trusted = PlatformProfile.objects.filter(agency=OuterRef("notice__platform_id"), trusted_flagger_channel=True)
    return (NoticeItem.objects.filter(notice__in=notices.values("pk"), outcome__in=ACTED,
                                      effective_at__gte=start, effective_at__lt=end)
            .select_related("notice__issuing_agency")
            .annotate(agencies_trusted=Exists(trusted), listing_price=F("listing__price"))
            .order_by("effective_at", "pk"))


def statement(item: NoticeItem) -> dict[str, Any]:
    """One statement of reasons in the Transparency Database's attributes (``item`` from ``statement_items``)."""
    notice = item.notice
    assert notice.sent_at is not None and item.effective_at is not None
    decision: dict[str, Any] = {}
    if item.decision_visibility:
        decision["decision_visibility"] = [item.decision_visibility]
    if item.decision_account:
        decision["decision_account"] = item.decision_account
    ground = item.decision_ground or DecisionGround.ILLEGAL_CONTENT
    legal_ground = f"{notice.legal_basis_law}, {notice.legal_basis_article}"
    if ground == DecisionGround.ILLEGAL_CONTENT:
        grounds = {"illegal_content_legal_ground": _clip(legal_ground, 500),
                   "illegal_content_explanation": _clip(notice.statement_of_reasons, 2000)}
    else:
        grounds = {"incompatible_content_ground": _clip(item.reason or "The platform's terms and conditions", 500),
                   "incompatible_content_explanation": _clip(item.reason or notice.statement_of_reasons, 2000),
                   "incompatible_content_illegal": "Yes"}
    facts = item.reason or (f"Acted on takedown notice {notice.reference} from {notice.issuing_agency.name} "
                            f"({legal_ground}): {notice.statement_of_reasons}")
    return {
        **decision,
        "decision_ground": ground,
        **grounds,
        "content_type": ["CONTENT_TYPE_PRODUCT" if getattr(item, "listing_price", None) is not None
                         else "CONTENT_TYPE_TEXT"],
        "category": item.category or StatementCategory.ANIMAL_WELFARE,
        "territorial_scope": _territories(item.territorial_scope or notice.territorial_scope),
        "content_date": notice.sent_at.date().isoformat(),
        "application_date": item.effective_at.date().isoformat(),
        "decision_facts": _clip(facts, 5000),
        "source_type": "SOURCE_TRUSTED_FLAGGER"
        if notice.trusted_flagger_id is not None or getattr(item, "agencies_trusted", False)
        else "SOURCE_TYPE_OTHER_NOTIFICATION",
        "source_identity": _clip(notice.issuing_agency.name, 500),
        "automated_detection": "Yes" if item.automated_detection else "No",
        "automated_decision": item.automated_decision or "AUTOMATED_DECISION_NOT_AUTOMATED",
        "url": item.url,
        "puid": f"wildnet-item-{item.pk}",
    }


def _territories(codes: list[str]) -> list[str]:
    expanded = {country for code in codes for country in (EU_COUNTRIES if code == "EU" else (code,))}
    return sorted(expanded & EEA_COUNTRIES)


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"
