"""The authentication backend a single sign-on session is bound to.

It authenticates nothing by itself (``identity.actions.sign_in`` decides, from a checked ID token, then calls
``login`` naming this backend), so a password is never checked here: the throttled password backend stays the
only way a password signs in. It only reloads the session's officer on each request, as long as they are active.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from officers import sessions
from officers.models import Officer

PATH = "identity.backends.SingleSignOnBackend"


class SingleSignOnBackend(BaseBackend):
    def get_user(self, user_id: Any) -> Officer | None:
        officer = sessions.officer(user_id)
        return officer if officer is not None and officer.is_active else None
