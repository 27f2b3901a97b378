"""CSRF, Origin checks, cookies and security headers, for every route."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from esn.accounts.models import User
from esn.app import create_app
from esn.settings import Settings
from tests.conftest import MakePerson, csrf_token, log_in


def _post_paths(app: Starlette) -> list[str]:
    """Every URL that accepts POST, with placeholders filled in."""
    paths: list[str] = []

    def walk(routes: list, prefix: str) -> None:  # type: ignore[type-arg]
        for route in routes:
            if isinstance(route, Mount) and route.routes:
                walk(list(route.routes), prefix + route.path)
            elif isinstance(route, Route) and route.methods and "POST" in route.methods:
                path = prefix + route.path
                for name in route.param_convertors:
                    path = path.replace("{" + name + "}", "1").replace("{" + name + ":int}", "1")
                paths.append(path)

    walk(list(app.routes), "")
    return paths


async def test_every_post_route_refuses_a_missing_csrf_token(
    app: Starlette, signed_in: tuple[httpx.AsyncClient, User, object]
) -> None:
    client, _user, _profile = signed_in
    paths = _post_paths(app)
    assert "/logout" in paths and "/login" in paths
    for path in paths:
        response = await client.post(path, data={"name": "x"})
        assert response.status_code == 403, path


async def test_logout_without_token_keeps_the_session(
    signed_in: tuple[httpx.AsyncClient, User, object],
) -> None:
    client, _user, _profile = signed_in
    assert (await client.post("/logout")).status_code == 403
    assert (await client.get("/settings")).status_code == 200


async def test_post_from_another_origin_is_refused_even_with_a_token(
    signed_in: tuple[httpx.AsyncClient, User, object],
) -> None:
    client, _user, _profile = signed_in
    token = await csrf_token(client, "/settings")
    response = await client.post(
        "/language",
        data={"csrf_token": token, "locale": "fr", "next": "/"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert 'lang="en"' in (await client.get("/settings")).text


async def test_htmx_header_token_is_accepted_and_a_wrong_one_refused(
    signed_in: tuple[httpx.AsyncClient, User, object],
) -> None:
    client, _user, _profile = signed_in
    token = await csrf_token(client, "/settings")
    wrong = await client.post(
        "/language", data={"locale": "fr"}, headers={"x-csrf-token": "0" * 64}
    )
    assert wrong.status_code == 403
    right = await client.post(
        "/language",
        data={"locale": "fr"},
        headers={"x-csrf-token": token, "origin": "http://testserver"},
    )
    assert right.status_code == 303


async def test_security_headers_on_pages(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text  # no inline script anywhere


async def test_session_cookie_flags(client: httpx.AsyncClient, make_person: MakePerson) -> None:
    user, _profile = await make_person()
    response = await log_in(client, user.email)
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("esn_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


async def test_cookies_are_secure_behind_https(settings: Settings, make_person: MakePerson) -> None:
    secure_app = create_app(dataclasses.replace(settings, base_url="https://esn.example"))
    async with secure_app.router.lifespan_context(secure_app):
        transport = httpx.ASGITransport(app=secure_app)
        async with httpx.AsyncClient(transport=transport, base_url="https://esn.example") as client:
            user, _profile = await make_person()
            response = await log_in(client, user.email)
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)


async def test_login_issues_a_new_session_each_time(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    await log_in(client, user.email)
    first = client.cookies.get("esn_session")
    await log_in(client, user.email)
    assert client.cookies.get("esn_session") != first


async def test_forged_session_cookie_is_ignored(client: httpx.AsyncClient) -> None:
    client.cookies.set("esn_session", "forged.value")
    response = await client.get("/settings")
    assert response.status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
async def test_login_never_redirects_off_site(
    client: httpx.AsyncClient, make_person: MakePerson, target: str
) -> None:
    user, _profile = await make_person()
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.headers["location"] == "/"


async def test_get_requests_change_nothing(
    db: AsyncSession, signed_in: tuple[httpx.AsyncClient, User, object]
) -> None:
    client, user, _profile = signed_in
    for path in ["/logout", "/language?locale=fr", "/settings/password"]:
        await client.get(path)
    refreshed = (await db.execute(select(User).where(User.id == user.id))).scalar_one()
    assert refreshed.locale is None
    assert (await client.get("/settings")).status_code == 200


async def test_oversized_body_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client)
    huge = "x" * (17 * 1024 * 1024)
    response = await client.post("/login", data={"email": huge, "csrf_token": token})
    assert response.status_code == 413
