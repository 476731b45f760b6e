"""A software authenticator for the server's tests: a passkey on a P-256 key, answering WebAuthn options as a
browser and its authenticator would (attestation "none", user present and verified). Chromium's virtual
authenticator does the same in the browser tests; here the server's ceremonies are tested without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One credential, created by :meth:`create`, used by :meth:`get`; its signature counter goes up each time."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.user_handle = b""
        self.count = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """The browser's answer to ``navigator.credentials.create`` with these options, as JSON."""
        self.user_handle = base64.urlsafe_b64decode(options["user"]["id"] + "==")
        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                                -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose_key
        authenticator_data = (hashlib.sha256(options["rp"]["id"].encode()).digest()
                              + bytes([USER_PRESENT | USER_VERIFIED | ATTESTED]) + struct.pack(">I", self.count)
                              + attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "clientExtensionResults": {"credProps": {"rk": True}},
                "response": {"clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"])),
                             "attestationObject": b64url(attestation), "transports": ["internal"]}}

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """The browser's answer to ``navigator.credentials.get`` with these options, as JSON."""
        self.count += 1
        authenticator_data = (hashlib.sha256(options["rpId"].encode()).digest()
                              + bytes([USER_PRESENT | USER_VERIFIED]) + struct.pack(">I", self.count))
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(authenticator_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(authenticator_data),
                             "signature": b64url(signature), "userHandle": b64url(self.user_handle)}}
