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

#: The listing facts an indicator of a listing carries as top-level properties (STIX 2.1 section 7.3.2): what the
#: advert offers, the legality the seller claims and what an officer found, and the kind of its platform.
LISTING_FACTS = ("x_wildnet_specimen_type", "x_wildnet_specimen_count", "x_wildnet_claimed_legality",
                 "x_wildnet_legality_reference", "x_wildnet_legality_verified", "x_wildnet_platform_kind")
LISTING_FACTS_SCHEMA = (
    '{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "x-wildnet-listing-facts", '
    '"type": "object", "properties": {'
    '"x_wildnet_specimen_type": {"enum": ["live", "part", "derivative"]}, '
    '"x_wildnet_specimen_count": {"type": "integer", "minimum": 1}, '
    '"x_wildnet_claimed_legality": {"enum": ["cites_permit", "eu_certificate", "captive_bred", "antique"]}, '
    '"x_wildnet_legality_reference": {"type": "string"}, '
    '"x_wildnet_legality_verified": {"enum": ["not_checked", "genuine", "false"]}, '
    '"x_wildnet_platform_kind": {"enum": ["marketplace", "social_network", "classified_ads", "auction", '
    '"messaging"]}}}')
LISTING_FACTS_EXTENSION = stix2.ExtensionDefinition(
    id=stix_id("extension-definition", "x-wildnet-listing-facts"), created=EPOCH, modified=EPOCH,
    created_by_ref=PLATFORM.id, name="x-wildnet-listing-facts",
    description="What an online listing offers (live animal, part or derivative, and how many), the legality its "
                "seller claims with the permit, certificate, ring or microchip numbers quoted, an officer's verdict "
                "on that claim, and the kind of platform it is on.",
    schema=LISTING_FACTS_SCHEMA, version="1.0", extension_types=["toplevel-property-extension"],
    extension_properties=list(LISTING_FACTS))

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
