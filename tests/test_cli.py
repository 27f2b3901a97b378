"""The ``esn`` command, run for real against a temporary SQLite database."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from esn.accounts import service as accounts
from esn.cli import app
from esn.core.errors import InvalidInput
from esn.database import create_engine, create_session_factory
from esn.people.models import Profile
from esn.settings import PROJECT_ROOT, Settings

HEADER = "email,name,title,department,site,manager_email,role"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """ESN_* variables pointing at a fresh, migrated SQLite file."""
    variables = {
        "ESN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'esn.sqlite3'}",
        "ESN_VAR_DIR": str(tmp_path / "var"),
        "ESN_SECRET_KEY": "cli-test-secret-key-long-enough-to-sign",
    }
    result = run(variables, "migrate")
    assert result.exit_code == 0, result.output
    return variables


def run(env: dict[str, str], *args: str) -> Result:
    """Invoke ``esn`` with these arguments and environment."""
    return CliRunner().invoke(app, list(args), env=env)


def table_names(env: dict[str, str]) -> set[str]:
    """The tables of the SQLite database ``env`` points at."""
    path = env["ESN_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def user_count(env: dict[str, str]) -> int:
    """How many accounts the database holds."""
    path = env["ESN_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        return int(connection.execute('SELECT count(*) FROM "user"').fetchone()[0])


def can_log_in(env: dict[str, str], email: str, password: str) -> tuple[bool, Profile | None]:
    """Whether the accounts service accepts these credentials, and the person's profile."""
    settings = Settings.from_env(env)

    async def check() -> tuple[bool, Profile | None]:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as db:
                try:
                    result = await accounts.log_in(db, settings, email, password, address="cli")
                except InvalidInput:
                    return False, None
                return True, await db.get(Profile, result.user.id)
        finally:
            await engine.dispose()

    return asyncio.run(check())


def test_migrate_creates_the_schema_and_can_run_again(env: dict[str, str]) -> None:
    assert {"user", "profile", "skill", "follow", "alembic_version"} <= table_names(env)
    again = run(env, "migrate")
    assert again.exit_code == 0
    assert "up to date" in again.output


def test_create_user_then_log_in(env: dict[str, str]) -> None:
    boss = run(
        env,
        "create-user",
        "boss@example.com",
        "--name",
        "Hélène Boss",
        "--password",
        "long enough password",
        "--role",
        "admin",
    )
    result = run(
        env,
        "create-user",
        "Chloe@Example.com",
        "--name",
        "Chloé Dubois",
        "--password",
        "another long password",
        "--department",
        "Customer Service",
        "--title",
        "Support specialist",
        "--manager",
        "boss@example.com",
    )

    assert boss.exit_code == 0, boss.output
    assert result.exit_code == 0, result.output
    assert "chloe@example.com" in result.output
    ok, profile = can_log_in(env, "chloe@example.com", "another long password")
    assert ok
    assert profile is not None
    assert (profile.display_name, profile.department, profile.title) == (
        "Chloé Dubois",
        "Customer Service",
        "Support specialist",
    )
    assert profile.manager_id is not None
    assert not can_log_in(env, "chloe@example.com", "wrong password")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--name", "X", "--password", "long enough password"], "valid email"),
        (["a@example.com", "--name", "X", "--password", "short"], "at least 8"),
        (["a@example.com", "--name", " ", "--password", "long enough password"], "Enter a name"),
        (
            [
                "a@example.com",
                "--name",
                "X",
                "--password",
                "long enough password",
                "--manager",
                "ghost@example.com",
            ],
            "ghost@example.com",
        ),
    ],
    ids=["bad email", "short password", "empty name", "unknown manager"],
)
def test_create_user_refuses_bad_input_and_saves_nothing(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = run(env, "create-user", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert user_count(env) == 0


def test_create_user_refuses_a_taken_email(env: dict[str, str]) -> None:
    args = ["create-user", "a@example.com", "--name", "A", "--password", "long enough password"]
    assert run(env, *args).exit_code == 0

    again = run(env, *args)

    assert again.exit_code == 1
    assert "already uses this email" in again.output
    assert user_count(env) == 1


def test_import_people_good_file(env: dict[str, str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "\n".join(
            [
                HEADER,
                "sophie@example.com,Sophie Tremblay,Head of support,Customer Service,Montréal,,",
                "chloe@example.com,Chloé Dubois,Support,Customer Service,Nantes,"
                "sophie@example.com,",
            ]
        ),
        encoding="utf-8",
    )

    first = run(env, "import-people", str(people))
    second = run(env, "import-people", str(people))

    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged" in first.output
    assert second.exit_code == 0
    assert "0 created, 0 updated, 2 unchanged" in second.output
    assert user_count(env) == 2


def test_import_people_bad_file_lists_lines_and_saves_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "\n".join([HEADER, "ok@example.com,Ok,,,,,", "oops,Oops,,,,,", "x@example.com,X,,,,,chef"]),
        encoding="utf-8",
    )

    result = run(env, "import-people", str(people))

    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert "Enter a valid email address." in result.output
    assert "Unknown role chef" in result.output
    lines = [line for line in result.output.splitlines() if "Enter a valid email" in line]
    assert lines and lines[0].split()[1] == "3"
    assert user_count(env) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_health_checks(env: dict[str, str]) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "esn.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the server did not start"
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
