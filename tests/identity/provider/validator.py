"""The provider's ID tokens carry the user's e-mail and, when the test says so, that several factors were used."""

from typing import Any

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below in every ID token

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {"email": request.user.email}
        if request.user.username in settings.CONFIG.get("mfa_users", []):
            claims["amr"] = ["pwd", "otp", "mfa"]
        return claims
