"""Markings shared by every layer: classification levels, handling codes, purposes, crime areas.

These are plain enumerations with no model imports, so officers, mandates, cases and sharing all use the same
vocabulary without depending on each other.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    """Protective marking of an item, and the highest marking an officer or a mandate may read."""

    UNCLASSIFIED = 0, _("Unclassified")
    RESTRICTED = 1, _("Restricted")
    CONFIDENTIAL = 2, _("Confidential")
    SECRET = 3, _("Secret")


class HandlingCode(models.TextChoices):
    """Europol's handling codes, set by the provider of an item (a case, a claim, an intelligence report).

    H0: may be used in judicial proceedings.
    H1: not to be used in judicial proceedings without the provider's permission — the item is shown everywhere
        (pages, API, exports, STIX, CSV) marked "not for judicial use".
    H2: not to be disseminated without the provider's permission — a share of an H2 case needs the owning
        agency's supervisor's approval, and an H2 item inside a case that is not H2 stays hidden from each
        recipient until the owning agency releases it for that share.
    H3: other restrictions, written on the item and shown to every recipient.

    Keeping intelligence among law enforcement, prosecutors and regulators is not a handling code: it is the
    separate ``law_enforcement_only`` restriction of cases and items.
    """

    H0 = "H0", _("H0 — may be used in judicial proceedings")
    H1 = "H1", _("H1 — not for judicial use without the provider's permission")
    H2 = "H2", _("H2 — not to be disseminated without the provider's permission")
    H3 = "H3", _("H3 — other restrictions, stated")


#: The codes whose item text says "not for judicial use".
NOT_FOR_JUDICIAL_USE = frozenset({HandlingCode.H1})


def not_for_judicial_use(*codes: str) -> bool:
    """Whether an item marked with any of ``codes`` (its own and its case's) may not go before a court unasked."""
    return any(code in NOT_FOR_JUDICIAL_USE for code in codes)


def handling_text(code: str, conditions: str = "", case: tuple[str, str] | None = None) -> str:
    """An item's handling as one line that travels with it into files (CSV, reports): the code, "not for
    judicial use" for H1, H3's conditions in full, then its case's when they differ (an item adds to its case's
    marking). English, as the codes themselves: a file read by other systems is not localised."""

    def one(code: str, conditions: str) -> str:
        if code == HandlingCode.H1:
            return "H1 (not for judicial use)"
        if code == HandlingCode.H3 and conditions:
            return f"H3: {conditions}"
        return str(code)

    text = one(code, conditions)
    if case is not None and case != (code, conditions):
        text += f"; case {one(*case)}"
    return text


class Purpose(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation")
    PROSECUTION = "prosecution", _("Prosecution")
    ANALYSIS = "analysis", _("Analysis")
    REGULATION = "regulation", _("Regulation")
    PLATFORM_COMPLIANCE = "platform_compliance", _("Platform compliance")


class CrimeArea(models.TextChoices):
    ONLINE_TRADE = "online_trade", _("Online trade")
    BORDER = "border", _("Border and customs")
    FINANCIAL_FLOWS = "financial_flows", _("Financial flows")
    POACHING = "poaching", _("Poaching and supply")
    CORRUPTION = "corruption", _("Corruption")


class CitesAppendix(models.TextChoices):
    I = "I", _("Appendix I")  # noqa: E741
    II = "II", _("Appendix II")
    III = "III", _("Appendix III")
    NONE = "NC", _("Not listed")
