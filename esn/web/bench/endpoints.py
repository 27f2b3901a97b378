"""Endpoints that exist only on a benchmark server (ESN_BENCH=1).

``/_bench/trivial`` and ``/_bench/plaintext`` are the ceilings the real pages
are compared with; ``/_bench/session`` signs a load generator in as anyone,
which is why it answers loopback clients only and is never routed otherwise.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from esn.accounts import service as accounts
from esn.accounts.models import User
from esn.core.errors import Forbidden, NotFound
from esn.web.context import SESSION_COOKIE, session_signer
from esn.web.csrf import CSRF_COOKIE, csrf_token_for, new_csrf_secret
from esn.web.db import db_session
from esn.web.templating import render

# A proxy in front of the server would make every client look local.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _is_loopback_client(request: Request) -> bool:
    if request.client is None:
        return False
    if any(name in request.headers for name in _FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


async def trivial(request: Request) -> Response:
    """A tiny page rendered from a template: the ceiling of every real page."""
    return render(request, "bench/trivial.html")


async def plaintext(request: Request) -> Response:
    """Plain text, no template: the ceiling of the whole stack."""
    return PlainTextResponse("ok")


async def session(request: Request) -> Response:
    """Open a real session for the active account ``user_id``.

    Answers what a load generator sends: the whole Cookie header (signed
    session cookie and CSRF cookie) and the token for X-CSRF-Token.
    """
    if not _is_loopback_client(request):
        raise Forbidden
    raw_id = request.query_params.get("user_id", "")
    if not raw_id.isdigit():
        return JSONResponse({"error": "user_id must be a number"}, status_code=400)
    settings = request.app.state.settings
    async with db_session(request) as db:
        user = await db.get(User, int(raw_id))
        if user is None or not user.is_active:
            raise NotFound
        token = await accounts.open_session_without_password(
            db, settings, user, user_agent="esn bench"
        )
    signed = session_signer(settings).sign(token).decode()
    csrf_secret = new_csrf_secret()
    return JSONResponse(
        {
            "user_id": user.id,
            "cookie": f"{SESSION_COOKIE}={signed}; {CSRF_COOKIE}={csrf_secret}",
            "csrf_token": csrf_token_for(settings.secret_key, csrf_secret),
        }
    )


def bench_routes() -> list[BaseRoute]:
    """The /_bench URLs; app.py adds them only when settings.bench is on."""
    return [
        Route("/_bench/trivial", trivial, name="bench_trivial"),
        Route("/_bench/plaintext", plaintext, name="bench_plaintext"),
        Route("/_bench/session", session, methods=["GET", "POST"], name="bench_session"),
    ]
