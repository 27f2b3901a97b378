"""``esn seed --scale``: fill an empty database with a synthetic company, fast."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from esn.accounts.models import Role
from esn.accounts.service import hash_password
from esn.settings import PROJECT_ROOT
from esn_tools.scale.company import PASSWORD, Company, Row, StampFunction
from esn_tools.scale.content import Chunk, Conversation
from esn_tools.scale.parallel import ChildChunks
from esn_tools.scale.sinks import (
    PostgresSink,
    Sink,
    SqliteSink,
    WriterThread,
    asyncpg_dsn,
    postgres_stamp,
    sqlite_path,
    sqlite_stamp,
)
from esn_tools.scale.sizes import SCALES, Scale, scale_named

BATCH = 5_000
POSTS_PER_CHUNK = 2_000
# Commit (SQLite) about every this many posts, so the WAL stays small.
POSTS_PER_CHECKPOINT = 50_000
# From this size on, a second process generates the conversation (parallel.py).
PARALLEL_FROM_POSTS = 100_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("id", "email", "password_hash", "role", "is_active", "locale", "timezone",
             "created_at"),
    "profile": ("user_id", "handle", "display_name", "search_name", "title", "department",
                "site", "manager_id", "bio", "how_i_can_help", "looking_for", "languages",
                "photo_name", "updated_at"),
    "skill": ("id", "user_id", "name", "key"),
    "group": ("id", "slug", "name", "search_name", "description", "visibility", "created_by",
              "created_at", "member_count"),
    "group_tag": ("id", "group_id", "tag"),
    "membership": ("id", "group_id", "user_id", "role", "created_at"),
    "activity": ("id", "actor_id", "verb", "object_type", "object_id", "target_type",
                 "target_id", "source", "created_at"),
    "follow": ("id", "follower_id", "followee_id", "created_at"),
    "topic_follow": ("id", "user_id", "tag", "created_at"),
    "post": ("id", "source", "group_id", "author_id", "body", "html", "created_at", "edited_at",
             "comment_count", "reaction_count", "like_count", "celebrate_count",
             "insightful_count", "support_count", "attachment_count", "topic_tags",
             "dedupe_key"),
    "post_topic": ("id", "post_id", "tag", "created_at"),
    "comment": ("id", "post_id", "parent_id", "author_id", "body", "html", "created_at",
                "edited_at"),
    "mention": ("id", "post_id", "comment_id", "user_id"),
    "reaction": ("id", "post_id", "user_id", "kind", "created_at"),
}  # fmt: skip

# What the progress bars follow, and the table whose rows each one counts.
PROGRESS_TABLES = {
    "user": "people",
    "group": "groups",
    "membership": "memberships",
    "follow": "follows",
    "post": "posts",
    "comment": "comments",
    "reaction": "reactions",
}


class ScaleRefused(Exception):
    """The database cannot be seeded at this scale; the message says why."""


class DatabaseNotEmpty(ScaleRefused):
    """The database already has accounts, groups or posts: nothing was written."""


@dataclass(frozen=True)
class ScaleSummary:
    """What a scale seed wrote, how long it took, and who to sign in as.

    ``idle_emails`` are active employees who follow nobody, are in no group
    and follow no topic; ``busiest_email`` follows the most people and groups.
    Everyone's password is ``password``.
    """

    scale: str
    dialect: str
    rows: dict[str, int]
    seconds: float
    now: datetime
    password: str
    idle_emails: tuple[str, ...]
    busiest_email: str
    admin_emails: tuple[str, ...]
    phases: dict[str, float] = field(default_factory=dict)


def seed_scale(
    database_url: str,
    scale: str,
    *,
    quiet: bool = False,
    now: datetime | None = None,
    console: Console | None = None,
    parallel: bool | None = None,
) -> ScaleSummary:
    """Fill the empty database at ``database_url`` with the company of ``scale``.

    Runs the migrations first. Raises ScaleRefused (nothing written) for an
    unknown scale, scale L on SQLite, or a database that already has accounts,
    groups or posts. ``now`` fixes the end of the two years of conversation
    (default: the current time); contents do not depend on it. ``parallel``
    generates posts in a second process (default: from scale S up); the rows
    are the same either way. Safe to call from async code: the work then runs
    in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _seed(database_url, scale, quiet=quiet, now=now, console=console, parallel=parallel)
    # Alembic and asyncpg start event loops of their own: not inside this one.
    outcome: list[ScaleSummary] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(
                _seed(database_url, scale, quiet=quiet, now=now, console=console, parallel=parallel)
            )
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="seed-scale")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


async def seed_scale_async(
    database_url: str, scale: str, *, quiet: bool = True, now: datetime | None = None
) -> ScaleSummary:
    """seed_scale without blocking the event loop (for the benchmark and tests)."""
    return await asyncio.to_thread(seed_scale, database_url, scale, quiet=quiet, now=now)


def _chosen_scale(database_url: str, name: str) -> Scale:
    try:
        scale = scale_named(name)
    except KeyError:
        raise ScaleRefused(f"Unknown scale {name!r}: choose one of {', '.join(SCALES)}.") from None
    if scale.postgres_only and sqlite_path(database_url) is not None:
        raise ScaleRefused(
            f"Scale {scale.name} ({scale.posts:,} posts) needs PostgreSQL;"
            " SQLite takes XS, S and M."
        )
    if sqlite_path(database_url) in {"", ":memory:"}:
        raise ScaleRefused("Seed a database file, not an in-memory SQLite database.")
    if sqlite_path(database_url) is None and not database_url.startswith("postgresql"):
        raise ScaleRefused("esn seeds SQLite and PostgreSQL databases only.")
    return scale


def _seed(
    database_url: str,
    name: str,
    *,
    quiet: bool,
    now: datetime | None,
    console: Console | None,
    parallel: bool | None,
) -> ScaleSummary:
    scale = _chosen_scale(database_url, name)
    started = time.perf_counter()
    phases: dict[str, float] = {}
    _refuse_filled_database(database_url)
    _migrate(database_url)
    _refuse_filled_database(database_url)
    phases["migrate"] = time.perf_counter() - started
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    now_us = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    path = sqlite_path(database_url)
    stamp: StampFunction = sqlite_stamp if path is not None else postgres_stamp
    dialect = "sqlite" if path is not None else "postgresql"
    say = Console(quiet=True) if quiet else (console or Console(stderr=True))
    in_child = scale.posts >= PARALLEL_FROM_POSTS if parallel is None else parallel
    mark = time.perf_counter()
    with ExitStack() as stack:
        with say.status(f"Planning the {scale.name} company…"):
            chunks: Iterable[Chunk]
            if in_child:
                # Started first: it plans the conversation while this process
                # writes people and groups.
                child = ChildChunks(scale.name, now_us, dialect, POSTS_PER_CHUNK)
                stack.callback(child.close)
                chunks = child
            company = Company(scale, now_us)
            if not in_child:
                chunks = Conversation(company, stamp).chunks(POSTS_PER_CHUNK)
            # argon2 is slow on purpose: one hash serves everyone.
            password_hash = hash_password(PASSWORD)
        phases["plan"] = time.perf_counter() - mark
        summary = _load(
            database_url, scale, company, chunks, password_hash, stamp, say, quiet, phases
        )
    return ScaleSummary(
        scale=scale.name,
        dialect=dialect,
        rows=summary,
        seconds=time.perf_counter() - started,
        now=moment,
        password=PASSWORD,
        idle_emails=tuple(person.email for person in company.people if person.idle),
        busiest_email=company.person(company.busiest_id).email,
        admin_emails=tuple(p.email for p in company.people if p.role == Role.ADMIN.value),
        phases=phases,
    )


def _load(
    database_url: str,
    scale: Scale,
    company: Company,
    chunks: Iterable[Chunk],
    password_hash: str,
    stamp: StampFunction,
    say: Console,
    quiet: bool,
    phases: dict[str, float],
) -> dict[str, int]:
    """Write everything with progress bars; the rows written per table."""
    path = sqlite_path(database_url)
    memberships = sum(len(group.members) for group in company.groups)
    follows = sum(len(person.follows) for person in company.people)
    totals = {
        "people": scale.people,
        "groups": scale.groups,
        "memberships": memberships,
        "follows": follows,
        "posts": scale.posts,
        "comments": scale.comments,
        "reactions": scale.reactions,
    }
    with ExitStack() as stack:
        progress = stack.enter_context(_progress(say, quiet))
        tasks = {label: progress.add_task(label, total=total) for label, total in totals.items()}

        def advance(table: str, count: int) -> None:
            label = PROGRESS_TABLES.get(table)
            if label is not None:
                progress.advance(tasks[label], count)

        def make_sink() -> Sink:
            if path is not None:
                return SqliteSink(path, list(COLUMNS))
            return PostgresSink(database_url, list(COLUMNS))

        writer = WriterThread(make_sink, advance)
        try:
            mark = time.perf_counter()
            _write_structure(writer, company, stamp, password_hash)
            phases["people, groups, follows"] = time.perf_counter() - mark
            mark = time.perf_counter()
            _write_conversation(writer, chunks)
            phases["conversation"] = time.perf_counter() - mark
            mark = time.perf_counter()
            writer.finish()
            phases["commit and analyze"] = time.perf_counter() - mark
        except BaseException:
            writer.abort()
            raise
    return {table: writer.rows.get(table, 0) for table in COLUMNS}


def _progress(console: Console, quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
    )


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _write(writer: WriterThread, table: str, rows: Iterable[Row]) -> None:
    for batch in _batches(rows):
        writer.write(table, COLUMNS[table], batch)


def _write_structure(
    writer: WriterThread, company: Company, stamp: StampFunction, password_hash: str
) -> None:
    _write(writer, "user", company.user_rows(stamp, password_hash))
    _write(writer, "profile", company.profile_rows(stamp))
    _write(writer, "skill", company.skill_rows())
    _write(writer, "group", company.group_rows(stamp))
    _write(writer, "group_tag", company.group_tag_rows())
    _write(writer, "membership", company.membership_rows(stamp))
    _write(writer, "activity", company.activity_rows(stamp))
    _write(writer, "follow", company.follow_rows(stamp))
    _write(writer, "topic_follow", company.topic_follow_rows(stamp))
    writer.checkpoint()


def _write_conversation(writer: WriterThread, chunks: Iterable[Chunk]) -> None:
    since_checkpoint = 0
    for chunk in chunks:
        # Parents before children: posts, then what points at them.
        writer.write("post", COLUMNS["post"], chunk.posts)
        writer.write("post_topic", COLUMNS["post_topic"], chunk.topics)
        writer.write("comment", COLUMNS["comment"], chunk.comments)
        writer.write("mention", COLUMNS["mention"], chunk.mentions)
        writer.write("reaction", COLUMNS["reaction"], chunk.reactions)
        since_checkpoint += len(chunk.posts)
        if since_checkpoint >= POSTS_PER_CHECKPOINT:
            writer.checkpoint()
            since_checkpoint = 0


# --- before writing --------------------------------------------------------------

FILLED_CHECK = (("user", "accounts"), ("group", "groups"), ("post", "posts"))


def _refuse_filled_database(database_url: str) -> None:
    """ScaleRefused if any account, group or post exists (missing tables are empty)."""
    counts = _row_counts(database_url, [table for table, _label in FILLED_CHECK])
    for table, label in FILLED_CHECK:
        if counts.get(table):
            raise DatabaseNotEmpty(
                f"The database already has {counts[table]:,} {label}: "
                "esn seed --scale fills an empty database only."
            )


def _row_counts(database_url: str, tables: Sequence[str]) -> dict[str, int]:
    path = sqlite_path(database_url)
    if path is not None:
        import sqlite3
        from contextlib import closing
        from pathlib import Path

        if not Path(path).exists():
            return {}
        with closing(sqlite3.connect(path)) as connection:
            present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            return {
                # Table names come from FILLED_CHECK, never from outside.
                table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
                for table in tables
                if table in present
            }
    return asyncio.run(_postgres_row_counts(database_url, tables))


async def _postgres_row_counts(database_url: str, tables: Sequence[str]) -> dict[str, int]:
    connection: Any = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        counts: dict[str, int] = {}
        for table in tables:
            present = await connection.fetchval("SELECT to_regclass($1)", f'public."{table}"')
            if present is not None:
                sql = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - a name from FILLED_CHECK
                counts[table] = int(await connection.fetchval(sql))
        return counts
    finally:
        await connection.close()


def _migrate(database_url: str) -> None:
    """alembic upgrade head, as ``esn migrate`` does (nothing to do when up to date)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
