"""Human labels of the notice enums the platform's pages show (the DSA's names are for machines)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from console import labels

from ..models import (
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
    ItemOutcome,
    NoticeEventKind,
    Priority,
    RequestedAction,
    StatementCategory,
    Verification,
)


def register() -> None:
    labels.register("notice_priority", Priority)
    labels.register("requested_action", RequestedAction)
    labels.register("item_outcome", ItemOutcome)
    labels.register("decision_visibility", DecisionVisibility)
    labels.register("decision_account", DecisionAccount)
    labels.register("decision_ground", DecisionGround)
    labels.register("statement_category", StatementCategory)
    labels.register("verification", Verification)
    labels.register("notice_event", NoticeEventKind)
    labels.define("notice_state", {
        "DRAFT": _("Draft"), "SENT": _("To acknowledge"), "ACKNOWLEDGED": _("Acknowledged, outcomes due"),
        "OVERDUE": _("Overdue"), "ESCALATED": _("Overdue and escalated"), "CLOSED": _("Closed")})
    labels.define("automated_decision", {
        "AUTOMATED_DECISION_NOT_AUTOMATED": _("Not automated: a person decided"),
        "AUTOMATED_DECISION_PARTIALLY": _("Partially automated"),
        "AUTOMATED_DECISION_FULLY": _("Fully automated")})
