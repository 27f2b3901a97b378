"""Database engine, SQLite pragmas and sessions that send their events after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Every table known before the first query: rows point at other domains'
# tables (a notification at a spotlight), and SQLAlchemy resolves those
# foreign keys by name when it first flushes, whichever command runs.
import esn.models  # noqa: F401
from esn.core.events import ROUTER, EventRouter, take_pending


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes an
    # acknowledged write survive a power cut, which NORMAL does not promise.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class EventSession(AsyncSession):
    """A session whose commit sends the events services recorded on it.

    Events go out only once the rows they speak of are committed, through the
    router the session factory was given; a rollback or a session closed
    without committing drops them. Without a router (seeding, one-off
    commands that nobody watches) they are dropped too.
    """

    async def commit(self) -> None:
        """Commit, then send what was recorded (an outlet's failure never undoes the write)."""
        await super().commit()
        events = take_pending(self)
        router = self.info.get(ROUTER)
        if events and isinstance(router, EventRouter):
            await router.send(events)

    async def rollback(self) -> None:
        """Roll back and forget the events of the work undone."""
        take_pending(self)
        await super().rollback()

    async def close(self) -> None:
        """Close; what was never committed is never announced."""
        take_pending(self)
        await super().close()


SessionFactory = async_sessionmaker[AsyncSession]


def create_session_factory(
    engine: AsyncEngine, router: EventRouter | None = None
) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (templates read them) and
    send their recorded events through ``router`` after each commit."""
    return async_sessionmaker(
        engine,
        class_=EventSession,
        expire_on_commit=False,
        info={ROUTER: router} if router is not None else None,
    )
