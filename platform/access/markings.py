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
    """Dissemination conditions set by the originator (Europol-style H0–H3).

    H0: may be shared with any recipient whose mandate covers the item.
    H1: not to be released outside law-enforcement, prosecution and regulatory agencies (no NGO, no platform).
    H2: not to be disseminated further without the originator's permission: a share needs a supervisor's approval.
    H3: other restrictions, written on the item and shown to every recipient.
    """

    H0 = "H0", _("H0 — no restriction beyond the mandate")
    H1 = "H1", _("H1 — law enforcement and regulators only")
    H2 = "H2", _("H2 — originator's permission needed")
    H3 = "H3", _("H3 — conditions apply")


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
