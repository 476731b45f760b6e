"""Personal data in the free text of a statement of reasons, which the DSA Transparency Database publishes.

DSA Art. 24(5): the statements a platform submits "shall not contain personal data". A platform's own reason for a
decision often quotes the advert ("call 06 12 34 56 78", "DM @parrot_seller"), so before that text can become a
statement's ``decision_facts`` it is checked here: the platform is told what it must remove (a typed error it
can act on), and WildNet's own texts (an agency's statement of reasons) are masked instead, since the agency is
not there to be asked. Three kinds are found, the ones adverts carry: telephone numbers (libphonenumber, valid
numbers only, in international form or national form of the countries concerned), e-mail addresses and
social-media handles (``@name``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
MASK = "[…]"


@dataclass(frozen=True)
class Found:
    kind: str  # phone, email, handle
    start: int
    end: int


def find(text: str, regions: Iterable[str] = ()) -> list[Found]:
    """Every piece of personal data in ``text``, in order, overlaps resolved in favour of the first found."""
    spans = [Found("email", m.start(), m.end()) for m in EMAIL.finditer(text)]
    spans += [Found("handle", m.start(), m.end()) for m in HANDLE.finditer(text)]
    for region in dict.fromkeys([*regions, None]):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            spans.append(Found("phone", match.start, match.end))
    kept: list[Found] = []
    for span in sorted(spans, key=lambda found: (found.start, -found.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def mask(text: str, regions: Iterable[str] = ()) -> str:
    """``text`` with each piece of personal data replaced by ``[…]``."""
    for span in reversed(find(text, regions)):
        text = text[:span.start] + MASK + text[span.end:]
    return text
