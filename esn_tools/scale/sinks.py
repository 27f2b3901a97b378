"""Where the rows go: SQLite through stdlib sqlite3, PostgreSQL through asyncpg COPY.

A writer thread owns the connection, so generating the next batch in Python
overlaps with the database storing the previous one (sqlite3 releases the GIL
while SQLite works; PostgreSQL works in its own process).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import make_url

from esn_tools.scale.company import Row

# SQLite keeps UTC times as text without an offset.
_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Tables whose id comes from a sequence on PostgreSQL (profile shares the user's id).
SEQUENCED_TABLES = (
    "user", "skill", "group", "group_tag", "membership", "activity", "follow",
    "topic_follow", "post", "post_topic", "comment", "mention", "reaction",
)  # fmt: skip


def sqlite_path(database_url: str) -> str | None:
    """The file a sqlite URL names (None for another database)."""
    if not database_url.startswith("sqlite"):
        return None
    return database_url.split("///", 1)[-1]


def asyncpg_dsn(database_url: str) -> str:
    """postgresql+asyncpg://... as asyncpg itself takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


class Sink(Protocol):
    """A database being filled: rows in, then committed and analysed."""

    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        """Store ``rows`` (tuples in ``columns`` order) into ``table``."""

    def checkpoint(self) -> None:
        """A good moment to make what was written durable."""

    def finish(self) -> None:
        """Commit, refresh the planner's statistics, close."""

    def abandon(self) -> None:
        """Roll back what was not committed and close (after a failure)."""


HOUR_MICROSECONDS = 3_600_000_000
_hour_prefixes: dict[int, str] = {}


def sqlite_stamp(microseconds: int) -> str:
    """The text SQLAlchemy stores for a UTC datetime in SQLite ("2026-05-04 09:03:07.000123").

    Called for every row: the "YYYY-MM-DD HH:" part is cached per hour.
    """
    hour, within = divmod(microseconds, HOUR_MICROSECONDS)
    prefix = _hour_prefixes.get(hour)
    if prefix is None:
        moment = _NAIVE_EPOCH + timedelta(microseconds=hour * HOUR_MICROSECONDS)
        prefix = _hour_prefixes[hour] = moment.isoformat(" ", "hours") + ":"
    seconds, fraction = divmod(within, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    return f"{prefix}{minutes:02d}:{seconds:02d}.{fraction:06d}"


def postgres_stamp(microseconds: int) -> datetime:
    """An aware datetime for a timestamptz column."""
    return _EPOCH + timedelta(microseconds=microseconds)


class SqliteSink:
    """One transaction into the empty tables; their secondary indexes are built at the end.

    The load runs with a rollback journal rather than WAL: SQLite journals
    nothing for pages appended to the file, so filling an empty database
    writes each page once (WAL would write it twice) and still rolls back
    cleanly, index drops included, if anything fails. WAL is turned back on
    afterwards, as the app expects.
    """

    def __init__(self, path: str, tables: Sequence[str]) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            # Nothing was in the database: a crash mid-load loses nothing worth an fsync.
            "synchronous=OFF",
            "cache_size=-1000000",
            "temp_store=MEMORY",
            # Rows are consistent by construction and inserted parents first;
            # tests/test_seed_scale.py checks the references.
            "foreign_keys=OFF",
        ):
            self.connection.execute(f"PRAGMA {pragma}")
        # With another connection open this fails: the load stays in WAL, only slower.
        with contextlib.suppress(sqlite3.OperationalError):
            self.connection.execute("PRAGMA journal_mode=TRUNCATE")
        self.connection.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(tables))
        indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        sql = f"{indexes} AND tbl_name IN ({marks})"  # only placeholders are added
        self.indexes: list[tuple[str, str]] = list(self.connection.execute(sql, list(tables)))
        for name, _sql in self.indexes:
            self.connection.execute(f'DROP INDEX "{name}"')

    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        """executemany one batch."""
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        # Table and column names come from loader.COLUMNS, never from outside.
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
        self.connection.executemany(sql, rows)

    def checkpoint(self) -> None:
        """Nothing: the load is one transaction."""

    def finish(self) -> None:
        """Build the indexes, commit, back to WAL, ANALYZE on a sample."""
        try:
            for _name, sql in self.indexes:
                self.connection.execute(sql)
            self.connection.execute("COMMIT")
        except BaseException:
            self.abandon()
            raise
        try:
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA analysis_limit=2000")
            self.connection.execute("ANALYZE")
        finally:
            self.connection.close()

    def abandon(self) -> None:
        """Roll everything back (the dropped indexes come back too) and close."""
        try:
            self.connection.execute("ROLLBACK")
            self.connection.execute("PRAGMA journal_mode=WAL")
        finally:
            self.connection.close()


# Indexes that back no constraint (primary keys and unique constraints stay).
_PLAIN_INDEXES = """
SELECT index.relname, pg_get_indexdef(index.oid)
FROM pg_index
JOIN pg_class index ON index.oid = pg_index.indexrelid
JOIN pg_class tab ON tab.oid = pg_index.indrelid
WHERE tab.relnamespace = current_schema()::regnamespace
  AND tab.relname = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE pg_constraint.conindid = index.oid)
"""


class PostgresSink:
    """COPY in one transaction into tables whose plain indexes are built at the end.

    Building an index once from sorted data is much cheaper than updating it
    for every row; DDL is transactional, so a failed load leaves the schema
    as it was. Sequences are moved past the ids used; ANALYZE at the end.
    """

    def __init__(self, database_url: str, tables: Sequence[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection: Any = self.loop.run_until_complete(
            asyncpg.connect(asyncpg_dsn(database_url))
        )
        # Foreign keys are checked row by row on COPY; the rows are consistent
        # by construction, so a superuser skips those triggers (others cannot).
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            self._run(self.connection.execute("SET session_replication_role = replica"))
        self._run(self.connection.execute("SET maintenance_work_mem = '512MB'"))
        self.transaction = self.connection.transaction()
        self._run(self.transaction.start())
        rows = self._run(self.connection.fetch(_PLAIN_INDEXES, list(tables)))
        self.indexes: list[tuple[str, str]] = [(row[0], row[1]) for row in rows]
        for name, _definition in self.indexes:
            self._run(self.connection.execute(f'DROP INDEX "{name}"'))

    def _run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        """COPY one batch (binary format)."""
        self._run(self.connection.copy_records_to_table(table, records=rows, columns=columns))

    def checkpoint(self) -> None:
        """Nothing: the whole load is one transaction, all or nothing."""

    def finish(self) -> None:
        """Build the indexes, move each id sequence past the largest id, commit, ANALYZE."""
        try:
            for _name, definition in self.indexes:
                self._run(self.connection.execute(definition))
            for table in SEQUENCED_TABLES:
                sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
                largest = "COALESCE(MAX(id), 1), MAX(id) IS NOT NULL"
                sql = f'SELECT setval({sequence}, {largest}) FROM "{table}"'  # noqa: S608
                self._run(self.connection.execute(sql))
            self._run(self.transaction.commit())
        except BaseException:
            self.abandon()
            raise
        try:
            self._run(self.connection.execute("ANALYZE"))
        finally:
            self._run(self.connection.close())
            self.loop.close()

    def abandon(self) -> None:
        """Roll back and close after a failure."""
        try:
            self._run(self.transaction.rollback())
        finally:
            self._run(self.connection.close())
            self.loop.close()


Progress = Callable[[str, int], None]


class WriterThread:
    """Feeds a sink from a bounded queue in its own thread.

    The sink is created inside the thread (sqlite3 connections and asyncio
    loops belong to the thread that made them). After an error the thread
    abandons the sink and keeps draining the queue so the caller never blocks;
    ``write`` and ``finish`` then raise the error in the caller's thread.
    """

    def __init__(self, make_sink: Callable[[], Sink], on_written: Progress) -> None:
        self.make_sink = make_sink
        self.on_written = on_written
        self.queue: queue.Queue[tuple[str, str, Sequence[str], list[Row]]] = queue.Queue(6)
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.thread = threading.Thread(target=self._work, name="seed-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        sink: Sink | None = None
        action = ""
        try:
            sink = self.make_sink()
            while self.error is None:
                action, table, columns, rows = self.queue.get()
                if self.error is not None:
                    break  # the caller gave up
                if action == "write":
                    sink.write(table, columns, rows)
                    self.on_written(table, len(rows))
                elif action == "checkpoint":
                    sink.checkpoint()
                else:
                    finishing, sink = sink, None
                    finishing.finish()
                    return
        except BaseException as exc:  # re-raised in the caller's thread
            if self.error is None:
                self.error = exc
        finally:
            if sink is not None:
                # The first error is the one to report.
                with contextlib.suppress(Exception):
                    sink.abandon()
        while action != "finish":
            action = self.queue.get()[0]

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        """Queue one batch (blocks while the writer is several batches behind)."""
        self._raise_if_failed()
        if rows:
            self.rows[table] = self.rows.get(table, 0) + len(rows)
            self.queue.put(("write", table, columns, rows))

    def checkpoint(self) -> None:
        """Queue a commit point."""
        self._raise_if_failed()
        self.queue.put(("checkpoint", "", (), []))

    def finish(self) -> None:
        """Wait for everything queued to be written and the sink to be finished."""
        self.queue.put(("finish", "", (), []))
        self.thread.join()
        self._raise_if_failed()

    def abort(self) -> None:
        """Give up after a failure in the caller: nothing more is written."""
        if self.error is None:
            self.error = RuntimeError("seeding was interrupted")
        self.queue.put(("finish", "", (), []))
        self.thread.join()
