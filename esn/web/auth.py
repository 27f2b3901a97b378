"""Who is asking: helpers views use to require a signed-in person."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request

from esn.accounts.models import User


class LoginRequired(Exception):
    """Raised by views for anonymous visitors; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def current_user(request: Request) -> User | None:
    """The signed-in, active person, or None."""
    user: User | None = request.state.user
    return user


def require_user(request: Request) -> User:
    """The signed-in person; anonymous visitors are sent to the login page."""
    user = current_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


def login_url(next_url: str) -> str:
    """The login page, coming back to ``next_url`` afterwards."""
    return "/login?next=" + quote(next_url, safe="")


def safe_next(next_url: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url if "\\" not in next_url else "/"
    return "/"


def require_admin(request: Request) -> User:
    """The signed-in administrator, or 403 for anyone else signed in."""
    from esn import policy

    user = require_user(request)
    if not policy.can_administer(user):
        raise HTTPException(403)
    return user
