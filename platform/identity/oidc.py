"""The OpenID Connect protocol, done by authlib: discovery, PKCE, state and nonce, the code exchange, and the ID
token checked against the provider's published keys (JWKS).

What WildNet adds to the library's checks: the discovered issuer and the ID token's ``iss`` must both equal the
issuer the agency configured (discovery alone would trust whatever the document says), the audience must be our
client id, and an e-mail in the token must be of one of the agency's domains. Every failure is a
:class:`SignInRefused` with a short reason code for the audit log; the officer is told none of it.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.http import HttpRequest, HttpResponse
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

from .models import IdentityProvider

#: Seconds of clock difference tolerated between WildNet and a provider on exp, iat and nbf.
LEEWAY_SECONDS = 60
#: Seconds WildNet waits for a provider (discovery, keys, code exchange).
TIMEOUT_SECONDS = 10
SCOPE = "openid email"


class SignInRefused(Exception):
    """The provider's answer cannot be trusted; ``reason`` is for the audit log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def client_for(provider: IdentityProvider) -> DjangoOAuth2App:
    """A client for this provider alone (its state is kept in the session under the provider's own name)."""
    registry = OAuth()
    return registry.register(
        name=f"agency-{provider.pk}", client_id=provider.client_id, client_secret=provider.client_secret,
        server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS})


def _metadata(provider: IdentityProvider, client: DjangoOAuth2App) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise SignInRefused("provider_unreachable") from error
    if metadata.get("issuer") != provider.issuer:  # OpenID Connect Discovery 1.0, 4.3
        raise SignInRefused("issuer")
    return metadata


def authorization_redirect(request: HttpRequest, provider: IdentityProvider, redirect_uri: str) -> HttpResponse:
    """Send the browser to the provider's authorization endpoint; state, nonce and PKCE verifier stay in the
    session until the callback uses them once."""
    client = client_for(provider)
    _metadata(provider, client)
    return client.authorize_redirect(request, redirect_uri)


def _claims_options(provider: IdentityProvider) -> dict[str, Any]:
    return {"iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True}}


def _refusal(error: Exception) -> SignInRefused:
    if isinstance(error, MismatchingStateError):
        return SignInRefused("state")  # no flow of this session: a replayed or forged callback
    if isinstance(error, ExpiredTokenError):
        return SignInRefused("expired")
    if isinstance(error, ClaimError):
        return SignInRefused(f"claim_{error.claim}")
    if isinstance(error, BadSignatureError):
        return SignInRefused("signature")
    if isinstance(error, JoseError):
        return SignInRefused("token")
    if isinstance(error, OAuthError):
        return SignInRefused("provider_error")  # e.g. a code already used: invalid_grant
    if isinstance(error, requests.RequestException):
        return SignInRefused("provider_unreachable")
    return SignInRefused("token")


def _checked(provider: IdentityProvider, claims: dict[str, Any]) -> dict[str, Any]:
    email = claims.get("email")
    if email is not None and not (isinstance(email, str) and provider.allows_email(email)):
        raise SignInRefused("email_domain")
    return dict(claims)


def complete(request: HttpRequest, provider: IdentityProvider) -> dict[str, Any]:
    """The callback: the state must be this session's (used once), the code is exchanged for tokens, and the ID
    token's signature, issuer, audience, times and nonce are checked. Returns its claims."""
    client = client_for(provider)
    _metadata(provider, client)
    try:
        token = client.authorize_access_token(
            request, claims_options=_claims_options(provider), leeway=LEEWAY_SECONDS)
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        raise _refusal(error) from error
    claims = token.get("userinfo")
    if not claims:  # no ID token: an OAuth answer, not an OpenID Connect sign-in
        raise SignInRefused("no_id_token")
    return _checked(provider, claims)


def validate_id_token(provider: IdentityProvider, id_token: str, nonce: str,
                      access_token: str | None = None) -> dict[str, Any]:
    """Check an ID token as the callback does (signature by the provider's keys, issuer, audience, times, nonce,
    e-mail domain) and return its claims."""
    client = client_for(provider)
    _metadata(provider, client)
    token = {"id_token": id_token, **({"access_token": access_token} if access_token else {})}
    try:
        claims = client.parse_id_token(token, nonce=nonce, claims_options=_claims_options(provider),
                                       leeway=LEEWAY_SECONDS)
    except (JoseError, requests.RequestException, ValueError, KeyError) as error:
        raise _refusal(error) from error
    return _checked(provider, claims)
