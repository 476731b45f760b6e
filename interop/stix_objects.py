"""WildNet's custom STIX 2.1 observables and the extension definitions that declare them.

STIX 2.1 has no observable for a phone number, a payment account, a crypto wallet or a parcel reference. A
custom object is allowed only when an ``extension-definition`` (section 7.3) declares it, so each type below is
registered with ``stix2`` under its extension, and the definitions travel in every bundle that uses them.
Their ids derive from their names (``interop.markings.stix_id``): a receiver sees the same extension whatever
bundle brought it. Like STIX's own observables, their ids are UUIDv5 over their value, so the same phone
number exported by two agencies is one object.
"""

from __future__ import annotations

from typing import Any

import stix2
from stix2.properties import StringProperty

from .markings import EPOCH, PLATFORM, stix_id

#: The definition of every WildNet observable, as the JSON Schema STIX 2.1 allows in place of a URL: each has
#: one property, its normalised value.
SCHEMA = ('{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "%s", "type": "object", '
          '"properties": {"value": {"type": "string"}}, "required": ["value"]}')


def _definition(stix_type: str, description: str) -> stix2.ExtensionDefinition:
    return stix2.ExtensionDefinition(
        id=stix_id("extension-definition", stix_type), created=EPOCH, modified=EPOCH, created_by_ref=PLATFORM.id,
        name=stix_type, description=description, schema=SCHEMA % stix_type, version="1.0",
        extension_types=["new-sco"])


PHONE_EXTENSION = _definition("x-wildnet-phone", "A telephone number in E.164 form (+33612345678).")
PAYMENT_EXTENSION = _definition("x-wildnet-payment-account",
                                "A payment account or handle (IBAN, PayPal address, mobile-money number).")
CRYPTO_EXTENSION = _definition("x-wildnet-cryptocurrency-wallet", "A cryptocurrency wallet address.")
SHIPPING_EXTENSION = _definition("x-wildnet-shipping-reference", "A parcel or shipping tracking reference.")

_VALUE = [("value", StringProperty(required=True))]


@stix2.v21.CustomObservable("x-wildnet-phone", _VALUE, id_contrib_props=["value"],
                            extension_name=PHONE_EXTENSION.id)
class Phone:
    """A phone number (E.164)."""


@stix2.v21.CustomObservable("x-wildnet-payment-account", _VALUE, id_contrib_props=["value"],
                            extension_name=PAYMENT_EXTENSION.id)
class PaymentAccount:
    """A payment account, as normalised by WildNet."""


@stix2.v21.CustomObservable("x-wildnet-cryptocurrency-wallet", _VALUE, id_contrib_props=["value"],
                            extension_name=CRYPTO_EXTENSION.id)
class CryptocurrencyWallet:
    """A cryptocurrency wallet address (the STIX extension for wallets is not in ``stix2``)."""


@stix2.v21.CustomObservable("x-wildnet-shipping-reference", _VALUE, id_contrib_props=["value"],
                            extension_name=SHIPPING_EXTENSION.id)
class ShippingReference:
    """A parcel or shipping reference."""


#: Entity kind → (observable class, its extension definition).
CUSTOM_OBSERVABLES: dict[str, tuple[Any, stix2.ExtensionDefinition]] = {
    "phone": (Phone, PHONE_EXTENSION),
    "payment_account": (PaymentAccount, PAYMENT_EXTENSION),
    "crypto_wallet": (CryptocurrencyWallet, CRYPTO_EXTENSION),
    "shipping_reference": (ShippingReference, SHIPPING_EXTENSION),
}
