"""Browser tests: a real esn server in a subprocess, driven by Debian's Chromium."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from esn.database import create_engine, create_session_factory
from esn.people.service import NewPerson, create_person
from tests.conftest import (
    PASSWORD,
    _free_port,
    alembic_config,
    run_in_thread,
    scratch_postgres_database,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


class LiveServer:
    """A running esn: its URL and the database it serves."""

    def __init__(self, url: str, database_url: str) -> None:
        self.url = url
        self.database_url = database_url

    def add_person(self, email: str, name: str, **fields: object) -> None:
        """Create a person with the test password directly in the served database."""

        async def create() -> None:
            engine = create_engine(self.database_url)
            async with create_session_factory(engine)() as db:
                await create_person(
                    db,
                    NewPerson(email=email, name=name, password=PASSWORD, **fields),  # type: ignore[arg-type]
                )
            await engine.dispose()

        run_in_thread(lambda: asyncio.run(create()))


@pytest.fixture(scope="session")
def server_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for the live server, migrated to head."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if base_url:
        with scratch_postgres_database(base_url, "browser") as url:
            run_in_thread(
                lambda: __import__("alembic.command").command.upgrade(alembic_config(url), "head")
            )
            yield url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('live') / 'esn.sqlite3'}"
        from alembic import command

        run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
        yield url


@pytest.fixture(scope="session")
def live_server(
    server_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """esn served by uvicorn on a free local port for the whole browser session."""
    port = _free_port()
    var_dir: Path = tmp_path_factory.mktemp("live-var")
    env = {
        **os.environ,
        "ESN_DATABASE_URL": server_database_url,
        "ESN_VAR_DIR": str(var_dir),
        "ESN_SECRET_KEY": "browser-tests-secret-key",
        "ESN_HOST": "127.0.0.1",
        "ESN_PORT": str(port),
    }
    log_path = var_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "esn.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws-per-message-deflate",
                "false",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"esn did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield LiveServer(url, server_database_url)
    finally:
        process.terminate()
        process.wait(timeout=10)


# Module scope, not session: sync Playwright keeps an event loop running in
# this thread while it is open, which the async tests after it cannot share.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield instance
    instance.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for one test."""
    ctx = browser.new_context(locale="en-GB")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in that profile."""
    return context.new_page()


def sign_in(page: Page, server: LiveServer, email: str) -> None:
    """Log in through the login form as a person would."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/")
