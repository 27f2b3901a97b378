"""CSRF protection: a signed double-submit token plus an Origin check.

The browser holds a random value in an HttpOnly cookie; pages carry an HMAC of
it (hidden ``csrf_token`` field, or the ``X-CSRF-Token`` header that htmx sends).
Another site can make the browser send the cookie but can neither read it nor
compute the HMAC without the server's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

CSRF_COOKIE = "esn_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_csrf_secret() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def csrf_token_for(secret_key: str, cookie_value: str) -> str:
    """The token pages embed for this browser's CSRF cookie."""
    digest = hmac.new(secret_key.encode(), cookie_value.encode(), hashlib.sha256)
    return digest.hexdigest()


def csrf_token_matches(secret_key: str, cookie_value: str | None, token: str | None) -> bool:
    """True when ``token`` was issued for this browser's cookie."""
    if not cookie_value or not token:
        return False
    return hmac.compare_digest(csrf_token_for(secret_key, cookie_value), token)


def origin_allowed(origin: str | None, referer: str | None, allowed: set[str]) -> bool:
    """Accept a state-changing request only from our own origin.

    Browsers send Origin on every POST; Referer is the fallback for old ones.
    A request with neither (a script, a test client) still needs the token.
    """
    if origin and origin != "null":
        return origin.rstrip("/") in allowed
    if origin == "null":
        return False
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in allowed
    return True
