"""Migrations: empty database to head, down to base and up again, with data in it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from esn.database import create_engine
from esn.models import metadata
from tests.conftest import alembic_config, run_in_thread, scratch_postgres_database


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables: a scratch PostgreSQL one in CI, else a SQLite file."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if base_url:
        with scratch_postgres_database(base_url, "migrations") as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"


async def _table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _insert_sample_rows(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                'INSERT INTO "user" (email, password_hash, role, is_active, timezone, created_at)'
                " VALUES ('a@example.com', '', 'employee', true, 'UTC', CURRENT_TIMESTAMP)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO profile (user_id, handle, display_name, search_name, title,"
                " department, site, bio, how_i_can_help, looking_for, languages, updated_at)"
                " SELECT id, 'a', 'A', 'a', '', '', '', '', '', '', '', CURRENT_TIMESTAMP"
                ' FROM "user"'
            )
        )
    await engine.dispose()


def test_upgrade_downgrade_upgrade_with_data(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    run_in_thread(lambda: command.upgrade(config, "head"))
    assert asyncio.run(_table_names(empty_database_url)) == set(metadata.tables)
    asyncio.run(_insert_sample_rows(empty_database_url))
    run_in_thread(lambda: command.downgrade(config, "base"))
    assert asyncio.run(_table_names(empty_database_url)) == set()
    run_in_thread(lambda: command.upgrade(config, "head"))
    asyncio.run(_insert_sample_rows(empty_database_url))
    assert asyncio.run(_table_names(empty_database_url)) == set(metadata.tables)
