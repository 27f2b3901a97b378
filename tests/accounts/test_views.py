"""Logging in and out through the browser-facing pages."""

from __future__ import annotations

import dataclasses

import httpx
from starlette.applications import Starlette

from esn.app import create_app
from esn.settings import Settings
from tests.conftest import PASSWORD, MakePerson, Outbox, csrf_token, log_in


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


async def test_repeated_failures_answer_429_with_retry_after(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    for _attempt in range(5):
        assert (await log_in(client, user.email, "wrong")).status_code == 400
    response = await log_in(client, user.email)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many attempts" in response.text


async def test_empty_login_form_explains_each_field(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client)
    response = await client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


async def test_password_reset_through_the_pages(
    settings: Settings, make_person: MakePerson, smtp_server: Outbox
) -> None:
    app = create_app(dataclasses.replace(settings, smtp_url=smtp_server.url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            user, _profile = await make_person()
            token = await csrf_token(client)
            sent = await client.post(
                "/password-reset", data={"email": user.email, "csrf_token": token}
            )
            assert "on its way" in sent.text
            [message] = await smtp_server.received(1)
            link = message.get_content().split("http://testserver")[1].split()[0]
            form = await client.get(link)
            assert form.status_code == 200
            mismatch = await client.post(
                link,
                data={
                    "password": "new passphrase",
                    "password_confirm": "other",
                    "csrf_token": token,
                },
            )
            assert "The two passwords differ." in mismatch.text
            done = await client.post(
                link,
                data={
                    "password": "new passphrase",
                    "password_confirm": "new passphrase",
                    "csrf_token": token,
                },
            )
            assert done.status_code == 303
            assert (await client.get(link)).status_code == 404
            assert (await log_in(client, user.email, "new passphrase")).status_code == 303


async def test_unknown_reset_link_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/password-reset/not-a-real-token")
    assert response.status_code == 404
    assert "expired or was already used" in response.text


async def test_password_change_signs_out_other_browsers(
    app: Starlette, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as laptop,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone,
    ):
        await log_in(laptop, user.email)
        await log_in(phone, user.email)
        token = await csrf_token(laptop, "/settings")
        response = await laptop.post(
            "/settings/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
                "new_password_confirm": "a brand new passphrase",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303
        assert (await laptop.get("/settings")).status_code == 200
        assert (await phone.get("/settings")).status_code == 303


async def test_language_follows_browser_then_choice(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    french = await client.get("/login", headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text
    assert "Mot de passe" in french.text
    user, _profile = await make_person()
    await log_in(client, user.email)
    token = await csrf_token(client, "/settings")
    await client.post("/language", data={"locale": "fr", "next": "/settings", "csrf_token": token})
    client.cookies.delete("esn_lang")
    page = await client.get("/settings", headers={"accept-language": "en"})
    assert '<html lang="fr">' in page.text
    assert "Paramètres" in page.text
