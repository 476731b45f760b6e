"""Normalising what officers and importers record, so the same thing matches across cases and agencies.

Each function returns the matching key or raises :class:`InvalidIdentifier` with a reason an officer can act
on. They are pure (no database), so the importer can run them on 50,000 lines without a query per line.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import EntityKind


class InvalidIdentifier(ValueError):
    """The value cannot be normalised; ``str(error)`` says why."""


#: Query parameters that identify a click or a campaign, not the advert.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "igsh",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "si", "mkt_tok", "spm", "scm",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(raw: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters (utm_*, fbclid…)."""
    value = raw.strip()
    if not value:
        raise InvalidIdentifier(_("The URL is empty."))
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidIdentifier(_("Only http and https URLs can be recorded."))
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii").lower().rstrip(".")
        port = parts.port
    except (UnicodeError, ValueError):
        raise InvalidIdentifier(_("The URL's host or port is not valid.")) from None
    if not host or ("." not in host and host != "localhost"):
        raise InvalidIdentifier(_("The URL has no valid host."))
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMETERS]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def url_host(normalised_url: str) -> str:
    return urlsplit(normalised_url).hostname or ""


def platform_domain_for(host: str, domains: dict[str, int]) -> int | None:
    """The platform id whose domain is ``host`` or a parent of it (``es.wallapop.com`` → ``wallapop.com``)."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        platform = domains.get(".".join(labels[i:]))
        if platform is not None:
            return platform
    return None


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 (``+33612345678``). A number in national format (``06 12 34 56 78``) is read in ``region`` (ISO
    3166-1), the country of whoever typed it.

    ``00`` before a country code is read as ``+``: it is how most of the world dials abroad, and people type it
    so (``0033 6 12 34 56 78``) even where the region dials abroad otherwise or when no region is known. It is
    tried only when the number does not read as one of ``region``'s, so a region whose own international prefix
    starts with ``00`` (Australia's ``0011``) keeps it.
    """
    number = _parsed_phone(raw, region.upper() if region else None)
    if (number is None or not phonenumbers.is_valid_number(number)) and raw.strip().startswith("00"):
        number = _parsed_phone("+" + raw.strip()[2:], None) or number
    if number is None:
        raise InvalidIdentifier(_("Not a phone number (add the country prefix, e.g. +33)."))
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(_("This phone number does not exist in its country's numbering plan."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed_phone(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def normalise_email(raw: str) -> str:
    value = raw.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidIdentifier(_("Not an e-mail address.")) from None
    local, _at, domain = value.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


_SPACES = re.compile(r"[\s\-]+")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def normalise_handle(raw: str) -> str:
    value = raw.strip().lstrip("@").strip()
    if not value or any(c.isspace() for c in value):
        raise InvalidIdentifier(_("An account handle is one word, e.g. @seller_123."))
    return value.casefold()


def normalise_payment(raw: str) -> str:
    compact = _SPACES.sub("", raw.strip()).upper()
    if _IBAN.match(compact):
        return compact
    if "@" in raw:
        return normalise_email(raw)
    if not compact:
        raise InvalidIdentifier(_("The payment account is empty."))
    return compact


def normalise_wallet(raw: str) -> str:
    value = raw.strip()
    if not value or any(c.isspace() for c in value):
        raise InvalidIdentifier(_("A wallet address has no spaces."))
    # Bech32 (bc1…) and hex (0x…) addresses are case-insensitive; base58 addresses are not.
    if value.lower().startswith(("bc1", "tb1", "0x", "ltc1")):
        return value.lower()
    return value


def normalise_text_key(raw: str) -> str:
    """Names of people and organisations: accents folded, case folded, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    value = " ".join(folded.casefold().split())
    if not value:
        raise InvalidIdentifier(_("The name is empty."))
    return value


def normalise_entity(kind: str, raw: str, region: str | None = None, platform_code: str | None = None) -> str:
    """The matching key of an identifier of ``kind``. Online accounts are keyed by platform and handle."""
    if kind == EntityKind.PHONE:
        return normalise_phone(raw, region)
    if kind == EntityKind.EMAIL:
        return normalise_email(raw)
    if kind == EntityKind.ONLINE_ACCOUNT:
        handle = normalise_handle(raw)
        return f"{platform_code}:{handle}" if platform_code else handle
    if kind == EntityKind.PAYMENT_ACCOUNT:
        return normalise_payment(raw)
    if kind == EntityKind.CRYPTO_WALLET:
        return normalise_wallet(raw)
    if kind == EntityKind.SHIPPING_REFERENCE:
        value = _SPACES.sub("", raw).upper()
        if not value:
            raise InvalidIdentifier(_("The shipping reference is empty."))
        return value
    if kind in (EntityKind.PERSON, EntityKind.ORGANISATION):
        return normalise_text_key(raw)
    raise InvalidIdentifier(_("Unknown identifier kind %(kind)s.") % {"kind": repr(kind)})


def valid_currency(code: str) -> str:
    value = code.strip().upper()
    if pycountry.currencies.get(alpha_3=value) is None:
        raise InvalidIdentifier(_("%(code)s is not an ISO 4217 currency code.") % {"code": repr(code)})
    return value


def valid_country(code: str) -> str:
    value = code.strip().upper()
    if pycountry.countries.get(alpha_2=value) is None:
        raise InvalidIdentifier(_("%(code)s is not an ISO 3166-1 alpha-2 country code.") % {"code": repr(code)})
    return value
