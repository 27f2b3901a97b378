"""Two real esn processes on one database and one Redis: a post made through one
reaches a websocket opened on the other."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets
from alembic import command

from esn.database import create_engine, create_session_factory
from esn.people.service import NewPerson, create_person
from tests.conftest import (
    CSRF_META,
    PASSWORD,
    _free_port,
    alembic_config,
    run_in_thread,
    scratch_postgres_database,
)


@dataclass
class Server:
    """One running ``esn serve``."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for both processes (PostgreSQL when ESN_TEST_DATABASE_URL is set)."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if base_url:
        with scratch_postgres_database(base_url, "twoproc") as url:
            run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('twoproc') / 'esn.sqlite3'}"
    run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
    yield url


def start_server(database_url: str, broadcast_url: str, var_dir: Path) -> Server:
    """``esn serve`` (the production command) on a free port, waiting until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "ESN_DATABASE_URL": database_url,
        "ESN_BROADCAST_URL": broadcast_url,
        "ESN_VAR_DIR": str(var_dir),
        "ESN_SECRET_KEY": "two-process-test-secret-key-shared-by-both",
        "ESN_HOST": "127.0.0.1",
        "ESN_PORT": str(port),
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    log = var_dir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "esn.cli", "serve"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"esn did not start:\n{log.read_text()}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def servers(
    shared_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Processes A and B, sharing the database and a Redis channel prefix of their own."""
    broadcast = f"{redis_url}?channel_prefix=esn-twoproc-{secrets.token_hex(6)}:"
    root = tmp_path_factory.mktemp("twoproc-var")
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(start_server(shared_database, broadcast, root / name))
        yield started[0], started[1]
    finally:
        for server in started:
            server.process.terminate()
            server.process.wait(timeout=10)


def add_person(database_url: str, email: str, name: str) -> None:
    """Create a person with the test password in the shared database."""

    async def create() -> None:
        engine = create_engine(database_url)
        async with create_session_factory(engine)() as db:
            await create_person(db, NewPerson(email=email, name=name, password=PASSWORD))
        await engine.dispose()

    run_in_thread(lambda: asyncio.run(create()))


async def signed_in(server: Server, email: str) -> httpx.AsyncClient:
    """A browser signed in on ``server`` through its login form."""
    client = httpx.AsyncClient(base_url=server.url)
    page = await client.get("/login")
    token = CSRF_META.search(page.text)
    assert token
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text
    return client


def cookies(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def test_post_made_on_one_process_reaches_a_socket_on_the_other(
    servers: tuple[Server, Server], shared_database: str
) -> None:
    a, b = servers
    marker = f"Across processes {secrets.token_hex(4)}"
    add_person(shared_database, "writer@example.com", "Wanda Writer")
    add_person(shared_database, "reader@example.com", "Ravi Reader")
    writer = await signed_in(a, "writer@example.com")
    reader = await signed_in(b, "reader@example.com")
    try:
        async with websockets.connect(
            f"{b.ws_url}/ws?sources=company",
            origin=websockets.Origin(b.url),
            additional_headers={"Cookie": cookies(reader)},
            open_timeout=10,
        ) as socket:
            # esn serve turns off per-message compression for websockets.
            assert socket.response is not None
            assert "Sec-WebSocket-Extensions" not in socket.response.headers
            # B sends the bell's count once the socket listens.
            first = await asyncio.wait_for(socket.recv(), 5)
            assert 'hx-target="#bell-count"' in str(first)

            page = await writer.get("/")
            token = CSRF_META.search(page.text)
            assert token
            response = await writer.post(
                "/posts",
                data={"source": "company", "body": marker, "csrf_token": token.group(1)},
            )
            assert response.status_code == 303, response.text

            frame = await asyncio.wait_for(socket.recv(), 5)
            assert isinstance(frame, str)
            assert marker in frame
            assert "Wanda Writer" in frame
            assert re.search(r'<article id="post-\d+"', frame)
    finally:
        await writer.aclose()
        await reader.aclose()
        for server in servers:
            assert server.process.poll() is None, server.log.read_text()
