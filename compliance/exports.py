"""Compliance exports: the figures as CSV, and acted items as DSA Transparency Database statements of reasons.

The statements follow the Transparency Database's own validation (its ``StatementStoreRequest`` and the bulk
endpoint's ``multi_rules``, read from the Commission's source): its attribute names and values, YYYY-MM-DD dates,
text limits, and bulk bodies of 1 to 100 statements (``POST /api/v1/statements`` takes ``{"statements": [...]}``).
A statement records a restriction, so only items the platform acted on (removed, restricted, account suspended)
become statements; rejections and "not found" restrict nothing and are counted in the figures instead. Nothing
the platform did not state is invented:

* ``puid`` is ``wildnet-item-<item id>``: unique, and within the allowed characters (letters, digits, ``-``, ``_``);
* ``content_date`` is the day the listing was first seen online (the upload date is the platform's to give; the
  first sighting is the earliest day the content is known to have been posted);
* ``content_type`` is a product when the listing offered something at a price, text otherwise;
* ``decision_visibility_other`` is the platform's own description of an "other" restriction, required by the
  database then and only then (the outcome input refuses one without it);
* a decision under the terms and conditions carries the platform's own reason as ground and explanation, and
  ``incompatible_content_illegal`` only when the platform said whether the content is also illegal;
* ``territorial_scope`` lists EU/EEA country codes only (the database accepts no others), "EU" expanded. A
  restriction applying only outside the EEA is not a decision the database records (the DSA covers services
  offered in the Union), so such an item is left out of the export and counted as ``outside_eea``, rather than
  sent with an empty scope that would claim a restriction nowhere;
* ``source_type`` is ``SOURCE_TRUSTED_FLAGGER`` only when the notice acts on a report of a notifier holding that
  status, awarded by a Digital Services Coordinator (``TakedownNotice.trusted_flagger``), else
  ``SOURCE_TYPE_OTHER_NOTIFICATION``: an authority's order (Art. 9) is neither an Art. 16 notice nor the
  platform's own initiative;
* ``decision_facts`` is the platform's reason (checked for personal data when it was reported, DSA Art. 24(5)),
  or, without one, the notice's reference, legal basis and statement of reasons with any personal data masked;
* no attribute the database does not know (it would silently drop it, or reject the body).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from api.csvout import safe_text

from . import personal_data
from .metrics import PlatformMetrics
from .models import ACTED, DecisionGround, DecisionVisibility, NoticeItem, StatementCategory, TakedownNotice

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
    return (NoticeItem.objects.filter(notice__in=notices.values("pk"), outcome__in=ACTED,
                                      effective_at__gte=start, effective_at__lt=end)
            .select_related("notice__issuing_agency", "notice__platform")
            .annotate(listing_price=F("listing__price"), first_seen_at=F("listing__first_seen_at"))
            .order_by("effective_at", "pk"))


#: The bulk endpoint takes 1 to 100 statements a request.
BULK_LIMIT = 100


@dataclass
class StatementExport:
    """The statements of a period, and how many acted items were left out and why."""

    statements: list[dict[str, Any]]
    left_out: dict[str, int]

    def bodies(self) -> list[dict[str, list[dict[str, Any]]]]:
        """The bulk request bodies, each valid on its own: none at all when there is no statement."""
        return [{"statements": self.statements[at:at + BULK_LIMIT]}
                for at in range(0, len(self.statements), BULK_LIMIT)]


def statements(items: Iterable[NoticeItem]) -> StatementExport:
    exported, left_out = [], {"outside_eea": 0, "no_platform_reason": 0}
    for item in items:
        if not _territories(item.territorial_scope or item.notice.territorial_scope):
            left_out["outside_eea"] += 1
        elif item.decision_ground == DecisionGround.INCOMPATIBLE_CONTENT and not item.reason.strip():
            left_out["no_platform_reason"] += 1  # reported before the reason was required: not to be invented
        else:
            exported.append(statement(item))
    return StatementExport(exported, left_out)


def statement(item: NoticeItem) -> dict[str, Any]:
    """One statement of reasons in the Transparency Database's attributes (``item`` from ``statement_items``)."""
    notice = item.notice
    assert notice.sent_at is not None and item.effective_at is not None
    decision: dict[str, Any] = {}
    if item.decision_visibility:
        decision["decision_visibility"] = [item.decision_visibility]
        if item.decision_visibility == DecisionVisibility.OTHER:
            decision["decision_visibility_other"] = _clip(item.decision_visibility_other, 500)
    if item.decision_account:
        decision["decision_account"] = item.decision_account
    ground = item.decision_ground or DecisionGround.ILLEGAL_CONTENT
    legal_ground = f"{notice.legal_basis_law}, {notice.legal_basis_article}"
    regions = [notice.platform.country, notice.issuing_agency.country]
    grounds: dict[str, str]
    if ground == DecisionGround.ILLEGAL_CONTENT:
        grounds = {"illegal_content_legal_ground": _clip(legal_ground, 500),
                   "illegal_content_explanation": _clip(personal_data.mask(notice.statement_of_reasons, regions), 2000)}
    else:
        grounds = {"incompatible_content_ground": _clip(item.reason, 500),
                   "incompatible_content_explanation": _clip(item.reason, 2000)}
        if item.incompatible_content_illegal is not None:
            grounds["incompatible_content_illegal"] = "Yes" if item.incompatible_content_illegal else "No"
    facts = item.reason or personal_data.mask(
        f"Acted on takedown notice {notice.reference} from {notice.issuing_agency.name} ({legal_ground}): "
        f"{notice.statement_of_reasons}", regions)
    first_seen = getattr(item, "first_seen_at", None) or item.listing.first_seen_at
    return {
        **decision,
        "decision_ground": ground,
        **grounds,
        "content_type": ["CONTENT_TYPE_PRODUCT" if getattr(item, "listing_price", None) is not None
                         else "CONTENT_TYPE_TEXT"],
        "category": item.category or StatementCategory.ANIMAL_WELFARE,
        "territorial_scope": _territories(item.territorial_scope or notice.territorial_scope),
        "content_date": first_seen.date().isoformat(),
        "application_date": item.effective_at.date().isoformat(),
        "decision_facts": _clip(facts, 5000),
        "source_type": "SOURCE_TRUSTED_FLAGGER" if notice.trusted_flagger_id is not None
        else "SOURCE_TYPE_OTHER_NOTIFICATION",
        "source_identity": _clip(notice.issuing_agency.name, 500),
        "automated_detection": "Yes" if item.automated_detection else "No",
        "automated_decision": item.automated_decision or "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": f"wildnet-item-{item.pk}",
    }


def _territories(codes: list[str]) -> list[str]:
    expanded = {country for code in codes for country in (EU_COUNTRIES if code == "EU" else (code,))}
    return sorted(expanded & EEA_COUNTRIES)


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"
