"""The live-delivery part of `esn bench`, against a real esn server in a subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic import command

from esn.database import create_engine, create_session_factory
from esn.people.service import NewPerson, create_person
from esn_tools.bench.live import measure_live_delivery, server_rss_mb, server_worker_pids
from esn_tools.bench.types import BenchSession
from tests.conftest import (
    CSRF_META,
    PASSWORD,
    _free_port,
    alembic_config,
    run_in_thread,
    scratch_postgres_database,
)

PEOPLE = ["Ada Reader", "Bo Reader"]


@dataclass
class Server:
    """One running ``esn serve`` and the people it knows."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    people: dict[str, int]


@pytest.fixture(scope="module")
def server_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the server (PostgreSQL when ESN_TEST_DATABASE_URL is set)."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if base_url:
        with scratch_postgres_database(base_url, "benchlive") as url:
            run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('benchlive') / 'esn.sqlite3'}"
    run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
    yield url


def add_people(database_url: str, names: list[str]) -> dict[str, int]:
    """Create people with the test password; their ids by email."""
    people: dict[str, int] = {}

    async def create() -> None:
        engine = create_engine(database_url)
        async with create_session_factory(engine)() as db:
            for name in names:
                email = f"{name.split()[0].lower()}@example.com"
                user, _profile = await create_person(
                    db, NewPerson(email=email, name=name, password=PASSWORD)
                )
                assert user.id is not None
                people[email] = user.id
        await engine.dispose()

    run_in_thread(lambda: asyncio.run(create()))
    return people


@pytest.fixture(scope="module")
def server(server_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``esn serve`` (one worker, uvicorn's defaults otherwise) on a free port."""
    people = add_people(server_database, PEOPLE)
    port = _free_port()
    var_dir = tmp_path_factory.mktemp("benchlive-var")
    env = {
        **os.environ,
        "ESN_DATABASE_URL": server_database,
        "ESN_VAR_DIR": str(var_dir),
        "ESN_SECRET_KEY": "bench-live-test-secret-key-long-enough",
        "ESN_HOST": "127.0.0.1",
        "ESN_PORT": str(port),
    }
    log = var_dir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "esn.cli", "serve"],
            env=env,
            stdout=output,
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
                raise RuntimeError(f"esn did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, process, log, people)
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench_session(server: Server, email: str) -> BenchSession:
    """Sign in through the login form and keep what a browser would: cookies and token."""
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        page = browser.get("/login")
        token = CSRF_META.search(page.text)
        assert token
        response = browser.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert response.status_code == 303, response.text
        home = browser.get("/")
        token = CSRF_META.search(home.text)
        assert token
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        return BenchSession(user_id=server.people[email], cookie=cookie, csrf_token=token.group(1))


def test_every_post_reaches_every_socket(server: Server) -> None:
    sessions = [bench_session(server, email) for email in server.people]

    figures = measure_live_delivery(
        server.url,
        sessions,
        sessions[0],
        sockets=20,
        posts=3,
        server_pid=server.process.pid,
        timeout=10,
        post_interval=0.05,
    )

    assert figures.connected == 20
    assert figures.expected == 60
    assert figures.received == 60
    assert figures.lost == 0
    assert 0 < figures.p50_ms <= figures.p99_ms <= figures.max_ms
    assert len(figures.rss_idle_mb) == 1
    assert figures.rss_idle_mb[0] > 0
    assert len(figures.rss_with_sockets_mb) == 1
    assert figures.rss_with_sockets_mb[0] > 0
    # The harness closed its sockets and the server is still serving.
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    assert server.process.poll() is None, server.log.read_text()


def test_sockets_refused_are_counted_not_raised(server: Server) -> None:
    signed_in = bench_session(server, "bo@example.com")
    stranger = BenchSession(user_id=0, cookie="esn_session=forged", csrf_token="")

    figures = measure_live_delivery(
        server.url,
        [signed_in, stranger],
        signed_in,
        sockets=4,
        posts=1,
        server_pid=server.process.pid,
        timeout=10,
    )

    assert figures.connected == 2
    assert figures.expected == 2
    assert figures.lost == 0


# A supervisor shaped like uvicorn's with --workers 2: two children started by
# multiprocessing's spawn, beside its resource tracker. It stops when stdin closes.
SUPERVISOR = """
import multiprocessing, sys, time
if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=time.sleep, args=(60,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    print(" ".join(str(worker.pid) for worker in workers), flush=True)
    sys.stdin.read()
    for worker in workers:
        worker.terminate()
        worker.join()
"""


def test_workers_are_the_supervisors_children_not_its_helpers() -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert supervisor.stdout is not None
        started = sorted(int(pid) for pid in supervisor.stdout.readline().split())

        assert server_worker_pids(supervisor.pid) == started
        assert all(size > 0 for size in server_rss_mb(supervisor.pid))
        assert server_worker_pids(started[0]) == [started[0]]
    finally:
        assert supervisor.stdin is not None
        supervisor.stdin.close()
        supervisor.wait(timeout=10)
