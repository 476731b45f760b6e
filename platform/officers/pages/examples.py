"""The API calls a platform's systems make, shown on the integration page as ``curl`` commands.

Each call's query is a ``.graphql`` file of ``api_examples/``; tests validate every one against the schema and
run them, in order, with a platform officer's token, so the page cannot show a call the API would refuse.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from graphql import parse, print_ast

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FOLDER = Path(__file__).resolve().parent / "api_examples"
#: What the page shows in place of an id the caller takes from an earlier answer.
NOTICE_ID, ITEM_ID = "<id of a notice>", "<id of one of its items>"


@dataclass(frozen=True)
class Example:
    title: StrOrPromise
    document: str
    variables: dict[str, Any]

    @property
    def query(self) -> str:
        """The document on one line, without its comments: what the request's JSON carries."""
        return " ".join(print_ast(parse(_text(self.document))).split())

    def curl(self, endpoint: str) -> str:
        """The command, with the token read from ``$WILDNET_TOKEN`` rather than written into a shell history."""
        body = json.dumps({"query": self.query, "variables": self.variables}, ensure_ascii=False)
        return "\n".join([f"curl {shlex.quote(endpoint)} \\",
                          '  -H "Authorization: Bearer $WILDNET_TOKEN" \\',
                          "  -H 'Content-Type: application/json' \\",
                          f"  --data {shlex.quote(body)}"])


PLATFORM = (
    Example(_("List the notices addressed to your platform that wait for your acknowledgement"),
            "1_list_notices", {"after": None}),
    Example(_("Acknowledge a notice"), "2_acknowledge", {"id": NOTICE_ID}),
    Example(_("Report what you did about one of its items, with the statement of reasons"), "3_report_outcome",
            {"input": {"noticeId": NOTICE_ID, "itemId": ITEM_ID, "outcome": "REMOVED",
                       "decisionGround": "ILLEGAL_CONTENT", "category": "ANIMAL_WELFARE",
                       "territorialScope": ["FR"], "automatedDetection": False,
                       "automatedDecision": "AUTOMATED_DECISION_NOT_AUTOMATED"}}),
)


def commands(role: str, endpoint: str) -> list[tuple[StrOrPromise, str]]:
    """The calls shown to an officer of ``role`` (a GraphQL ``Role`` name), titled: a platform's, or none."""
    return [(example.title, example.curl(endpoint)) for example in PLATFORM] if role == "PLATFORM_OFFICER" else []


@cache
def _text(name: str) -> str:
    return (FOLDER / f"{name}.graphql").read_text(encoding="utf-8")
