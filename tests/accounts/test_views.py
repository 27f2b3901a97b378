"""Logging in and out through the browser-facing pages."""

from __future__ import annotations

import httpx

from tests.conftest import MakePerson, csrf_token, log_in


async def test_login_with_right_password_opens_home(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _profile = await make_person("Chloé Dubois")
    response = await log_in(client, user.email)
    assert response.status_code == 303
    home = await client.get("/")
    assert "Chloé Dubois" in home.text


async def test_wrong_password_and_unknown_email_answer_alike(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    wrong = await log_in(client, user.email, "not the password")
    unknown = await log_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong email or password." in wrong.text
    assert "Wrong email or password." in unknown.text
    assert f'value="{user.email}"' in wrong.text


async def test_cookie_replayed_after_logout_gets_nothing(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _profile = await make_person("Hugo Bernard")
    await log_in(client, user.email)
    stolen = client.cookies.get("esn_session")
    token = await csrf_token(client, "/settings")
    await client.post("/logout", data={"csrf_token": token})
    client.cookies.set("esn_session", stolen)
    response = await client.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
