"""Shared fixtures: a migrated database, the app, an HTTP client, people."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Router

from esn.accounts import service as accounts_service
from esn.accounts.models import User
from esn.app import create_app
from esn.core.urls import use_routes
from esn.groups import service as groups
from esn.groups.models import Group
from esn.models import metadata
from esn.people.models import Profile
from esn.people.service import NewPerson, create_person
from esn.realtime.hub import Hub
from esn.routes import build_routes
from esn.settings import PROJECT_ROOT, Settings
from esn.web.links import RoutePaths

PASSWORD = "correct horse battery staple"

# The same argon2id, at its lowest cost: the suite signs hundreds of people in
# and the production cost (tens of milliseconds and 64 MiB each) is the point
# of argon2, not something the tests check. The browser tests' server, a
# separate process, keeps the production cost.
accounts_service._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: the quick tests report first."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` that leaves logging alone."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def run_in_thread(function: Callable[[], None]) -> None:
    """Run blocking code that starts its own event loop (Alembic's env.py)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            function()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def _create_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextmanager
def scratch_postgres_database(base_url: str, label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside ``base_url``'s, dropped afterwards.

    Test runs never share tables, so two runs (or a run and a developer's
    server) on one PostgreSQL cannot disturb each other.
    """
    url = make_url(base_url)
    name = f"esn_{label}_{secrets.token_hex(4)}"
    admin_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    run_in_thread(lambda: asyncio.run(_create_database(admin_url, name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        run_in_thread(lambda: asyncio.run(_drop_database(admin_url, name)))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database, migrated to head: PostgreSQL when ESN_TEST_DATABASE_URL is set."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if not base_url:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
        yield url
        return
    with scratch_postgres_database(base_url, "test") as url:
        run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for one test: its own var/ folder, the shared test database; mail
    goes to the test's SMTP server when it uses one (``smtp_server``)."""
    smtp_url = ""
    if "smtp_server" in request.fixturenames:
        smtp_url = request.getfixturevalue("smtp_server").url
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-to-sign",
        var_dir=tmp_path / "var",
        base_url="http://testserver",
        smtp_url=smtp_url,
    )


async def _empty_tables(app: Starlette) -> None:
    async with app.state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The application with its lifespan running, on an emptied database."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await _empty_tables(application)
        yield application


@pytest.fixture
def route_map() -> None:
    """esn's named routes, registered for code that links without a request (no app needed)."""
    use_routes(RoutePaths(Router(routes=build_routes())))


@pytest.fixture
async def db(app: Starlette) -> AsyncIterator[AsyncSession]:
    """A database session on the app's engine."""
    async with app.state.session_factory() as session:
        yield session


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


MakePerson = Callable[..., Awaitable[tuple[User, Profile]]]


@pytest.fixture
def make_person(app: Starlette) -> MakePerson:
    """Create a person (account and profile) with the test password."""
    counter = iter(range(1, 10_000))

    async def make(name: str | None = None, **fields: object) -> tuple[User, Profile]:
        number = next(counter)
        name = name or f"Person {number}"
        email = str(fields.pop("email", f"person{number}@example.com"))
        async with app.state.session_factory() as session:
            return await create_person(
                session,
                NewPerson(email=email, name=name, password=PASSWORD, **fields),  # type: ignore[arg-type]
            )

    return make


@pytest.fixture
def colleague(app: Starlette) -> MakePerson:
    """Create a person who does not log in during the test (no password hashing)."""
    counter = itertools.count(1)

    async def make(name: str | None = None, **fields: object) -> tuple[User, Profile]:
        number = next(counter)
        email = str(fields.pop("email", f"colleague{number}@example.com"))
        async with app.state.session_factory() as session:
            return await create_person(
                session,
                NewPerson(email=email, name=name or f"Colleague {number}", **fields),  # type: ignore[arg-type]
            )

    return make


MakeGroup = Callable[..., Awaitable[Group]]


@pytest.fixture
def make_group(app: Starlette) -> MakeGroup:
    """Create a group through the groups service, owned by ``owner``.

    ``fields`` are the other NewGroup fields (slug, description, tags). A test
    folder that needs groups made otherwise (straight in the tables, with
    chosen members) defines its own ``make_group``, which takes precedence.
    """

    async def make(owner: User, name: str, visibility: str = "open", **fields: object) -> Group:
        async with app.state.session_factory() as session:
            new = groups.NewGroup(name=name, visibility=visibility, **fields)  # type: ignore[arg-type]
            return await groups.create_group(session, owner, new)

    return make


@pytest.fixture
def hub(app: Starlette) -> Hub:
    """The app's real pub/sub hub (in process)."""
    hub: Hub = app.state.hub
    return hub


CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


async def csrf_token(client: httpx.AsyncClient, path: str = "/password-reset") -> str:
    """The CSRF token a page gives this client (fetching the page sets the cookie)."""
    response = await client.get(path)
    match = CSRF_META.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log ``client`` in through the login form."""
    token = await csrf_token(client)
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
async def signed_in(
    client: httpx.AsyncClient, make_person: MakePerson
) -> tuple[httpx.AsyncClient, User, Profile]:
    """A client signed in as a fresh employee."""
    user, profile = await make_person("Alice Martin", department="Engineering")
    response = await log_in(client, user.email)
    assert response.status_code == 303
    return client, user, profile


@dataclass
class Outbox:
    """Messages a real in-process SMTP server received."""

    url: str
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until ``count`` messages arrived (the server runs in its own thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    async def received(self, count: int = 1, within: float = 5.0) -> list[EmailMessage]:
        """Like ``wait_for``, for tests whose app sends mail from a task on their own loop."""
        deadline = time.monotonic() + within
        # The server's thread appends to the list: there is no event to await.
        while len(self.messages) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        return self.messages


class _Collect:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=email_policy.default)
        assert isinstance(parsed, EmailMessage)
        self.outbox.messages.append(parsed)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Outbox]:
    """A real SMTP server (aiosmtpd) on a free local port, collecting what it receives."""
    port = _free_port()
    outbox = Outbox(url=f"smtp://127.0.0.1:{port}")
    controller = Controller(_Collect(outbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield outbox
    finally:
        controller.stop()
