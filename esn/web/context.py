"""Per-request context as a pure ASGI middleware: who is signed in, which
language to speak, and the CSRF token; state-changing requests from another
origin or with a bad CSRF header are refused here, before any view runs."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from esn.accounts import service as accounts
from esn.core.i18n import LOCALES, negotiate, set_locale
from esn.core.i18n import gettext as _
from esn.settings import Settings
from esn.web.csrf import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SAFE_METHODS,
    csrf_token_for,
    csrf_token_matches,
    new_csrf_secret,
    origin_allowed,
)
from esn.web.templating import serving

SESSION_COOKIE = "esn_session"
LANGUAGE_COOKIE = "esn_lang"


def session_signer(settings: Settings) -> Signer:
    """Signs the session cookie so a forged value is rejected before any lookup."""
    return Signer(settings.secret_key, salt="esn.session")


def cookie_header(settings: Settings, name: str, value: str, *, max_age: int | None = None) -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Secure behind https."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if settings.secure_cookies:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()


class RequestContextMiddleware:
    """Loads the signed-in user, the locale and the CSRF token into scope["state"]."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.signer = session_signer(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        state: dict[str, Any] = scope.setdefault("state", {})

        token = self._session_token(conn.cookies.get(SESSION_COOKIE))
        user = None
        if token:
            factory = conn.app.state.session_factory
            async with factory() as db:
                user = await accounts.user_for_session(db, token)
        state["user"] = user
        state["session_token"] = token if user else None

        locale = (
            (user.locale if user else None)
            or conn.cookies.get(LANGUAGE_COOKIE)
            or negotiate(conn.headers.get("accept-language", ""), self.settings.default_locale)
        )
        locale = locale if locale in LOCALES else self.settings.default_locale
        set_locale(locale)
        state["locale"] = locale

        csrf_secret = conn.cookies.get(CSRF_COOKIE)
        new_secret = None
        if not csrf_secret:
            csrf_secret = new_secret = new_csrf_secret()
        state["csrf_secret"] = csrf_secret
        state["csrf_token"] = csrf_token_for(self.settings.secret_key, csrf_secret)

        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            refusal = self._refusal(conn, csrf_secret if not new_secret else None)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            header_token = conn.headers.get(CSRF_HEADER)
            state["csrf_verified"] = bool(header_token)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_secret:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", cookie_header(self.settings, CSRF_COOKIE, new_secret))
            await send(message)

        # Links and dates in templates that see no request (macros imported
        # without context) are written for this connection.
        with serving(conn):
            await self.app(scope, receive, send_with_cookie if scope["type"] == "http" else send)

    def _session_token(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            return self.signer.unsign(raw).decode()
        except BadSignature:
            return None

    def _refusal(self, conn: HTTPConnection, csrf_secret: str | None) -> PlainTextResponse | None:
        allowed = {self.settings.base_origin, f"{conn.url.scheme}://{conn.url.netloc}"}
        if not origin_allowed(conn.headers.get("origin"), conn.headers.get("referer"), allowed):
            return PlainTextResponse(_("Cross-origin request refused."), status_code=403)
        header_token = conn.headers.get(CSRF_HEADER)
        if header_token and not csrf_token_matches(
            self.settings.secret_key, csrf_secret, header_token
        ):
            return PlainTextResponse(
                _("This form has expired. Reload the page and try again."), status_code=403
            )
        return None
