"""Fixtures of the live-update tests: Redis, and websockets to the app in process."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.types import Message

from esn.accounts.models import User
from tests.conftest import log_in

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ORIGIN = "http://testserver"
FRAME_TIMEOUT = 5.0


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the tests use (ESN_TEST_REDIS_URL); the test fails, never skips, without it."""
    url = os.environ.get("ESN_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis at {url} is unreachable ({exc}); start redis-server or set ESN_TEST_REDIS_URL"
        )
    finally:
        client.close()
    return url


@pytest.fixture
def channel_prefix() -> str:
    """A prefix of its own, so concurrent test runs on one Redis never hear each other."""
    return f"esn-test-{secrets.token_hex(6)}:"


class Closed(Exception):
    """The server closed the socket; ``code`` says why."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Socket:
    """A websocket to the app, driven through ASGI in this event loop.

    Like httpx's ASGITransport for HTTP: the real application, middleware and
    hub run; only the network is left out.
    """

    def __init__(self, app: Starlette, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        parts = urlsplit(path)
        self.scope: dict[str, Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "headers": [(b"host", b"testserver"), *headers],
            "subprotocols": [],
            "state": {},
        }
        self.app = app
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.accepted = False

    async def _receive(self) -> Message:
        return await self.to_app.get()

    async def _send(self, message: Message) -> None:
        await self.from_app.put(message)

    async def connect(self) -> None:
        """Open the socket; raises Closed when the server refuses the handshake."""
        await self.to_app.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        message = await asyncio.wait_for(self.from_app.get(), FRAME_TIMEOUT)
        if message["type"] == "websocket.close":
            raise Closed(message.get("code", 1000))
        assert message["type"] == "websocket.accept", message
        self.accepted = True

    async def receive_text(self, within: float = FRAME_TIMEOUT) -> str:
        """The next frame within ``within`` seconds; raises Closed if the server closes."""
        message = await asyncio.wait_for(self.from_app.get(), within)
        if message["type"] == "websocket.close":
            raise Closed(message.get("code", 1000))
        assert message["type"] == "websocket.send", message
        return str(message["text"])

    async def send_json_text(self, text: str) -> None:
        """What htmx's hx-ws:send sends: one text frame."""
        await self.to_app.put({"type": "websocket.receive", "text": text})

    async def close(self) -> None:
        """Leave like a browser tab does, and wait for the server side to finish."""
        await self.to_app.put({"type": "websocket.disconnect", "code": 1001})
        if self.task is not None:
            await asyncio.wait_for(self.task, FRAME_TIMEOUT)


OpenSocket = Callable[..., Awaitable[Socket]]


async def until(condition: Callable[[], bool], within: float = FRAME_TIMEOUT) -> None:
    """Wait for ``condition`` to hold (the server works concurrently), or fail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.01)


def cookie_header(client: httpx.AsyncClient) -> bytes:
    """The Cookie header a browser with ``client``'s cookies would send."""
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items()).encode()


@pytest.fixture
async def open_socket(app: Starlette) -> AsyncIterator[OpenSocket]:
    """Open /ws for a client's cookies; every socket is closed after the test."""
    sockets: list[Socket] = []

    async def open_(
        client: httpx.AsyncClient | None,
        path: str = "/ws",
        *,
        origin: str | None = ORIGIN,
        user: User | None = None,
    ) -> Socket:
        headers: list[tuple[bytes, bytes]] = []
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if client is not None:
            headers.append((b"cookie", cookie_header(client)))
        socket = Socket(app, path, headers)
        sockets.append(socket)
        await socket.connect()
        if user is not None:
            # Once subscribed, the endpoint sends the bell's count first.
            first = await socket.receive_text()
            assert 'hx-target="#bell-count"' in first, first
        return socket

    yield open_
    for socket in sockets:
        if socket.task is not None and not socket.task.done():
            await socket.close()


SignIn = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def sign_in(app: Starlette) -> AsyncIterator[SignIn]:
    """A separate browser (HTTP client with its own cookies) signed in as a person."""
    clients: list[httpx.AsyncClient] = []

    async def open_(user: User) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url=ORIGIN)
        clients.append(client)
        response = await log_in(client, user.email)
        assert response.status_code == 303, response.text
        return client

    yield open_
    for client in clients:
        await client.aclose()
