"""The benchmark-only endpoints: present only with ESN_BENCH=1, sessions for loopback only."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from esn.app import create_app
from esn.settings import Settings
from tests.conftest import MakePerson, _empty_tables

BENCH_PATHS = ["/_bench/trivial", "/_bench/plaintext", "/_bench/session?user_id=1"]


@pytest.fixture
async def bench_app(settings: Settings) -> AsyncIterator[Starlette]:
    """The application as `esn bench` starts it (ESN_BENCH=1), on an emptied database."""
    application = create_app(dataclasses.replace(settings, bench=True))
    async with application.router.lifespan_context(application):
        await _empty_tables(application)
        yield application


def _client(app: Starlette, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def test_settings_read_esn_bench() -> None:
    env = {"ESN_SECRET_KEY": "k" * 40, "ESN_VAR_DIR": "/tmp/unused"}
    assert Settings.from_env(env).bench is False
    assert Settings.from_env({**env, "ESN_BENCH": "1"}).bench is True


@pytest.mark.parametrize("path", BENCH_PATHS)
async def test_bench_paths_do_not_exist_without_esn_bench(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "x-query-count" not in response.headers


async def test_ceilings_answer(bench_app: Starlette) -> None:
    async with _client(bench_app) as http:
        page = await http.get("/_bench/trivial")
        text = await http.get("/_bench/plaintext")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'name="csrf-token"' in page.text
    assert text.status_code == 200
    assert text.text == "ok"


async def test_session_signs_a_load_generator_in(
    bench_app: Starlette, make_person: MakePerson
) -> None:
    user, profile = await make_person("Bench Person")
    async with _client(bench_app) as http:
        answer = await http.get(f"/_bench/session?user_id={user.id}")
        assert answer.status_code == 200
        session = answer.json()
        assert session["user_id"] == user.id
        headers = {"cookie": session["cookie"]}
        home = await http.get("/", headers=headers)
        assert profile.display_name in home.text
        # A write with the token and our own Origin goes through like the composer's.
        created = await http.post(
            "/posts",
            data={"source": "company", "body": "Written by the bench", "next": "/"},
            headers={
                **headers,
                "x-csrf-token": session["csrf_token"],
                "origin": "http://testserver",
            },
        )
    assert created.status_code == 303
    async with _client(bench_app) as http:
        home = await http.get("/", headers=headers)
    assert "Written by the bench" in home.text


async def test_session_is_refused_to_other_machines(
    bench_app: Starlette, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    async with _client(bench_app, address="192.0.2.7") as http:
        remote = await http.get(f"/_bench/session?user_id={user.id}")
    async with _client(bench_app) as http:
        proxied = await http.get(
            f"/_bench/session?user_id={user.id}", headers={"x-forwarded-for": "192.0.2.7"}
        )
    assert remote.status_code == 403
    assert proxied.status_code == 403
    assert "cookie" not in remote.text


async def test_session_needs_an_active_account(
    bench_app: Starlette, make_person: MakePerson
) -> None:
    async with _client(bench_app) as http:
        missing = await http.get("/_bench/session?user_id=999999")
        garbled = await http.get("/_bench/session?user_id=abc")
    assert missing.status_code == 404
    assert garbled.status_code == 400


async def test_every_response_counts_its_sql_statements(
    bench_app: Starlette, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    async with _client(bench_app) as http:
        session = (await http.get(f"/_bench/session?user_id={user.id}")).json()
        home = await http.get("/", headers={"cookie": session["cookie"]})
        plain = await http.get("/_bench/plaintext")
    assert home.status_code == 200
    assert int(home.headers["x-query-count"]) > 0
    assert plain.headers["x-query-count"] == "0"
