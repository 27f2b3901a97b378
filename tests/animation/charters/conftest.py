"""Fixtures of the charter tests: colleagues without passwords, groups, signed-in clients."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from esn.accounts.models import User, UserSession
from esn.core.clock import utcnow
from esn.web.context import SESSION_COOKIE, session_signer

SignInAs = Callable[[User], Awaitable[httpx.AsyncClient]]
CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


@pytest.fixture
async def sign_in_as(app: Starlette) -> AsyncIterator[SignInAs]:
    """Clients signed in as given people without a password: a session row and its cookie
    (tests/accounts and the login-wall test cover the login form itself)."""
    clients: list[httpx.AsyncClient] = []

    async def sign_in(user: User) -> httpx.AsyncClient:
        token = secrets.token_urlsafe(32)
        async with app.state.session_factory() as session:
            session.add(
                UserSession(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=user.id,
                    expires_at=utcnow() + timedelta(days=1),
                )
            )
            await session.commit()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        client.cookies.set(SESSION_COOKIE, session_signer(app.state.settings).sign(token).decode())
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        await client.aclose()


async def page_token(client: httpx.AsyncClient, path: str = "/settings") -> str:
    """The CSRF token a page gives this client."""
    response = await client.get(path)
    match = CSRF_META.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field`` on a form page."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)
