"""`esn seed --scale`: a synthetic company whose every figure adds up and that the app can use.

The XS company is seeded once for the module into the test database (SQLite
or PostgreSQL); the checks read it with SQL. The module empties the database
before and after, so other tests find it as the app fixture leaves it.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from esn.app import create_app
from esn.cli import app as cli
from esn.database import create_engine
from esn.groups.models import Visibility
from esn.models import metadata
from esn.people.service import fold
from esn.settings import Settings
from esn.stream import markdown
from esn.stream.models import ReactionKind
from esn_tools.scale import PASSWORD, SCALES, ScaleRefused, ScaleSummary, seed_scale
from esn_tools.scale.sinks import sqlite_path
from tests.conftest import log_in

XS = SCALES["XS"]
FIXED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

Query = Callable[..., Awaitable[list[Any]]]


def _empty(database_url: str) -> None:
    """Delete every row, as the app fixture does, but quickly."""
    path = sqlite_path(database_url)
    if path is None:
        asyncio.run(_truncate(database_url))
        return
    # Deleting with foreign keys on would look up every comment's replies,
    # mentions and notifications one by one: seconds for nothing here.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        for table in reversed(metadata.sorted_tables):
            connection.execute(f'DELETE FROM "{table.name}"')  # noqa: S608
        connection.commit()


async def _truncate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(database_url: str) -> Iterator[ScaleSummary]:
    """The XS company in the (emptied) test database, for the whole module."""
    _empty(database_url)
    summary = seed_scale(database_url, "XS", quiet=True)
    yield summary
    _empty(database_url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, without the app (whose fixture would empty it)."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def query(engine: AsyncEngine, seeded: ScaleSummary) -> Query:
    """Run one SQL statement on the seeded database; its rows."""

    async def run(sql: str, **params: Any) -> list[Any]:
        async with engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).all())

    return run


async def scalar(query: Query, sql: str, **params: Any) -> Any:
    """The single value ``sql`` returns."""
    return (await query(sql, **params))[0][0]


TABLES = (
    "user", "profile", "skill", "group", "group_tag", "membership", "activity", "follow",
    "topic_follow", "post", "post_topic", "comment", "mention", "reaction",
)  # fmt: skip


async def test_row_counts_are_the_scale_s_figures(query: Query, seeded: ScaleSummary) -> None:
    counts = {
        table: await scalar(query, f'SELECT count(*) FROM "{table}"')  # noqa: S608
        for table in TABLES
    }

    assert counts["user"] == counts["profile"] == XS.people == 120
    assert counts["group"] == XS.groups == 8
    assert counts["post"] == XS.posts == 3_000
    assert counts["comment"] == XS.comments == 9_000
    assert counts["reaction"] == XS.reactions == 9_000
    assert counts == seeded.rows
    assert counts["follow"] > 10 * XS.people
    assert counts["mention"] > 0 and counts["post_topic"] > 0 and counts["skill"] > 0


async def test_every_count_kept_on_a_post_matches_its_rows(query: Query) -> None:
    kinds = [kind.value for kind in ReactionKind]
    per_kind = ", ".join(
        f"sum(CASE WHEN kind = '{kind}' THEN 1 ELSE 0 END) AS {kind}" for kind in kinds
    )
    wrong = await query(
        f"""
        SELECT p.id FROM post p
        LEFT JOIN (SELECT post_id, count(*) AS n FROM comment GROUP BY post_id) c
            ON c.post_id = p.id
        LEFT JOIN (SELECT post_id, count(*) AS n, {per_kind} FROM reaction GROUP BY post_id) r
            ON r.post_id = p.id
        WHERE p.comment_count != coalesce(c.n, 0)
           OR p.reaction_count != coalesce(r.n, 0)
           OR p.like_count != coalesce(r.like, 0)
           OR p.celebrate_count != coalesce(r.celebrate, 0)
           OR p.insightful_count != coalesce(r.insightful, 0)
           OR p.support_count != coalesce(r.support, 0)
           OR p.attachment_count != 0
        """  # noqa: S608 - the reaction kinds, no input
    )
    assert wrong == []
    assert await scalar(query, "SELECT count(*) FROM post WHERE comment_count > 0") > 1_000
    for kind in kinds:
        assert await scalar(query, f"SELECT sum({kind}_count) FROM post") > 0  # noqa: S608
    duplicates = await query(
        "SELECT post_id, user_id, kind FROM reaction GROUP BY post_id, user_id, kind"
        " HAVING count(*) > 1"
    )
    assert duplicates == []
    assert await scalar(query, "SELECT count(*) FROM group_tag") > 0
    members = await query(
        "SELECT g.member_count, (SELECT count(*) FROM membership m WHERE m.group_id = g.id)"
        ' FROM "group" g'
    )
    assert all(kept == real for kept, real in members)


async def test_topic_tags_are_the_post_s_topic_rows(query: Query) -> None:
    topics: dict[int, list[str]] = defaultdict(list)
    for post_id, tag in await query("SELECT post_id, tag FROM post_topic ORDER BY post_id, tag"):
        topics[post_id].append(tag)
    posts = await query("SELECT id, topic_tags FROM post")

    assert {post_id: tags for post_id, tags in posts if tags} == {
        post_id: " ".join(tags) for post_id, tags in topics.items()
    }
    late = await query(
        "SELECT count(*) FROM post_topic t JOIN post p ON p.id = t.post_id"
        " WHERE t.created_at != p.created_at"
    )
    assert late == [(0,)]


@pytest.mark.usefixtures("route_map")
async def test_html_is_what_the_renderer_makes_of_the_text(query: Query) -> None:
    handles = dict(await query("SELECT handle, user_id FROM profile"))
    post_mentions: dict[int, set[int]] = defaultdict(set)
    for post_id, user_id in await query(
        "SELECT post_id, user_id FROM mention WHERE comment_id IS NULL"
    ):
        post_mentions[post_id].add(user_id)
    posts = await query("SELECT id, body, html FROM post ORDER BY id")
    comments = await query("SELECT body, html FROM comment ORDER BY id")
    mentioned = 0

    for post_id, body, html in posts:
        parsed = markdown.parse(body)
        assert markdown.render(parsed, set(parsed.handles)) == html
        assert {handles[handle] for handle in parsed.handles} == post_mentions[post_id]
        mentioned += bool(parsed.handles)
    for body, html in comments:
        parsed = markdown.parse(body)
        assert markdown.render(parsed, set(parsed.handles)) == html
    assert mentioned > 100
    assert sum("<ul>" in html for _id, _body, html in posts) > 50
    assert sum("<strong>" in html for _id, _body, html in posts) > 50


async def test_posts_go_to_groups_profiles_and_about_5_percent_to_everyone(
    query: Query,
) -> None:
    sources = Counter(
        "company" if source == "company" else source.split(":")[0]
        for (source,) in await query("SELECT source FROM post")
    )

    assert 0.04 <= sources["company"] / XS.posts <= 0.06
    assert sources["group"] > sources["user"] > 0
    mismatched = await query(
        "SELECT id FROM post WHERE (source = 'company' AND group_id IS NOT NULL)"
        " OR (source LIKE 'user:%' AND source != 'user:' || author_id)"
        " OR (source LIKE 'group:%' AND source != 'group:' || group_id)"
    )
    assert mismatched == []
    outsiders = await query(
        """
        SELECT p.id FROM post p WHERE p.group_id IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM membership m WHERE m.group_id = p.group_id AND m.user_id = p.author_id)
        UNION ALL
        SELECT c.id FROM comment c JOIN post p ON p.id = c.post_id
        WHERE p.group_id IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM membership m WHERE m.group_id = p.group_id AND m.user_id = c.author_id)
        UNION ALL
        SELECT r.id FROM reaction r JOIN post p ON p.id = r.post_id
        WHERE p.group_id IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM membership m WHERE m.group_id = p.group_id AND m.user_id = r.user_id)
        """
    )
    assert outsiders == [], "only members post, comment and react in a group"


async def test_a_few_people_write_most_posts(query: Query) -> None:
    per_author = sorted(
        (count for _author, count in await query(
            "SELECT author_id, count(*) FROM post GROUP BY author_id"
        )),
        reverse=True,
    )  # fmt: skip
    top_tenth = sum(per_author[: XS.people // 10])

    assert top_tenth >= 0.3 * XS.posts
    assert per_author[0] >= 10 * per_author[len(per_author) // 2]


async def test_replies_answer_a_comment_of_the_same_post_one_level_deep(query: Query) -> None:
    replies = await query(
        "SELECT r.post_id, parent.post_id, parent.parent_id, r.created_at >= parent.created_at"
        " FROM comment r JOIN comment parent ON parent.id = r.parent_id"
    )

    assert len(replies) > 0.1 * XS.comments
    assert all(post == parent_post for post, parent_post, _grand, _later in replies)
    assert all(grandparent is None for _post, _parent_post, grandparent, _later in replies)
    assert all(later for *_rest, later in replies)
    early = await query(
        "SELECT count(*) FROM comment c JOIN post p ON p.id = c.post_id"
        " WHERE c.created_at < p.created_at"
    )
    assert early == [(0,)]


async def test_groups_of_every_visibility_with_one_owner_each(query: Query) -> None:
    groups = await query('SELECT id, name, search_name, visibility, created_by FROM "group"')
    owners = await query("SELECT group_id, user_id FROM membership WHERE role = 'owner'")
    roles = {role for (role,) in await query("SELECT DISTINCT role FROM membership")}

    assert {visibility for *_rest, visibility, _by in groups} == {v.value for v in Visibility}
    assert sorted(owners) == sorted((group_id, by) for group_id, *_rest, by in groups)
    assert all(search == fold(name) for _id, name, search, *_rest in groups)
    assert roles == {"owner", "animator", "member"}


async def test_people_who_follow_nothing_exist(query: Query, seeded: ScaleSummary) -> None:
    idle = await query(
        """
        SELECT u.email FROM "user" u
        WHERE u.is_active AND u.role = 'employee'
          AND NOT EXISTS (SELECT 1 FROM follow f WHERE f.follower_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM topic_follow t WHERE t.user_id = u.id)
        """
    )

    assert len(idle) >= 3
    assert set(seeded.idle_emails) == {email for (email,) in idle}


async def test_the_busiest_person_follows_the_most(query: Query, seeded: ScaleSummary) -> None:
    ranking = await query(
        """
        SELECT u.email,
               (SELECT count(*) FROM follow f WHERE f.follower_id = u.id),
               (SELECT count(*) FROM membership m WHERE m.user_id = u.id)
        FROM "user" u
        """
    )
    email, follows, groups = max(ranking, key=lambda row: row[1] + row[2])

    assert email == seeded.busiest_email
    assert (follows, groups) == (XS.busiest_follows, XS.busiest_groups)
    assert await scalar(query, "SELECT count(*) FROM topic_follow") > 0


async def test_an_org_chart_in_departments_with_search_names(query: Query) -> None:
    people = await query(
        "SELECT user_id, manager_id, department, display_name, search_name, site FROM profile"
    )
    manager_of = {person: manager for person, manager, *_rest in people}
    roots = [person for person, manager in manager_of.items() if manager is None]

    assert len(roots) == 1
    for person in manager_of:
        seen = {person}
        while (person := manager_of[person]) is not None:
            assert person not in seen
            seen.add(person)
    heads = {department for _p, manager, department, *_rest in people if manager == roots[0]}
    assert len(heads) == XS.departments == len({department for _p, _m, department, *_ in people})
    assert all(search == fold(name) for *_rest, name, search, _site in people)
    assert len({site for *_rest, site in people}) >= 4
    roles = Counter(role for (role,) in await query('SELECT role FROM "user"'))
    assert roles["admin"] == 2 and roles["animator"] >= 2


def test_a_database_with_accounts_is_refused(seeded: ScaleSummary, database_url: str) -> None:
    with pytest.raises(ScaleRefused, match="already has 120 accounts"):
        seed_scale(database_url, "XS", quiet=True)


def test_scale_l_needs_postgresql(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite3"

    with pytest.raises(ScaleRefused, match="needs PostgreSQL"):
        seed_scale(f"sqlite+aiosqlite:///{path}", "L", quiet=True)
    with pytest.raises(ScaleRefused, match="Unknown scale"):
        seed_scale(f"sqlite+aiosqlite:///{path}", "XXL", quiet=True)
    assert not path.exists()


# What people wrote and did, without the times (they end at the moment of seeding).
CONTENT = {
    "profile": "user_id, handle, display_name, search_name, title, department, site, manager_id,"
    " bio, how_i_can_help, looking_for, languages",
    "group": "id, slug, name, search_name, description, visibility, created_by, member_count",
    "group_tag": "id, group_id, tag",
    "membership": "id, group_id, user_id, role",
    "follow": "id, follower_id, followee_id",
    "topic_follow": "id, user_id, tag",
    "post": "id, source, group_id, author_id, body, html, comment_count, reaction_count,"
    " like_count, celebrate_count, insightful_count, support_count, topic_tags",
    "post_topic": "id, post_id, tag",
    "comment": "id, post_id, parent_id, author_id, body, html",
    "mention": "id, post_id, comment_id, user_id",
    "reaction": "id, post_id, user_id, kind",
}


def _time_span(path: Path) -> tuple[str, str]:
    """The first post's and the last post's timestamps, as stored."""
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT created_at FROM post ORDER BY id").fetchall()
    stamps = sorted(row[0] for row in rows)
    return stamps[0], stamps[-1]


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with closing(sqlite3.connect(path)) as connection:
        for table, columns in CONTENT.items():
            rows = connection.execute(f'SELECT {columns} FROM "{table}" ORDER BY 1')  # noqa: S608
            for row in rows:
                digest.update(repr(row).encode())
    return digest.hexdigest()


def test_the_same_scale_gives_the_same_company_whenever_and_however_seeded(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    later = FIXED_NOW + timedelta(days=3, hours=5, minutes=7, microseconds=11)

    seed_scale(f"sqlite+aiosqlite:///{first}", "xs", quiet=True, now=FIXED_NOW)
    # Large scales generate posts in a second process: the rows must not change.
    seed_scale(f"sqlite+aiosqlite:///{second}", "XS", quiet=True, now=later, parallel=True)

    assert _fingerprint(first) == _fingerprint(second)
    assert _time_span(first)[0].startswith("2024-03-0")
    assert _time_span(first)[1] < "2026-03-01 12:00:00"


def test_the_command_seeds_and_names_who_to_sign_in_as(tmp_path: Path) -> None:
    env = {
        "ESN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'esn.sqlite3'}",
        "ESN_VAR_DIR": str(tmp_path / "var"),
        "ESN_SECRET_KEY": "cli-test-secret-key-long-enough-to-sign",
    }

    result = CliRunner().invoke(cli, ["seed", "--scale", "xs"], env=env)
    again = CliRunner().invoke(cli, ["seed", "--scale", "XS"], env=env)

    assert result.exit_code == 0, result.output
    assert "3,000 posts" in result.output and PASSWORD in result.output
    assert again.exit_code == 1 and "already has 120 accounts" in again.output


async def test_a_seeded_person_signs_in_and_reads_home_and_a_group(
    seeded: ScaleSummary, settings: Settings, query: Query
) -> None:
    email = seeded.busiest_email
    slug = await scalar(
        query,
        'SELECT g.slug FROM "group" g JOIN membership m ON m.group_id = g.id'
        " JOIN \"user\" u ON u.id = m.user_id WHERE u.email = :email AND g.visibility = 'secret'",
        email=email,
    )
    handle = await scalar(query, "SELECT handle FROM profile WHERE user_id = 2")
    application = create_app(settings)  # not the app fixture: it would empty the database
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await log_in(client, email, PASSWORD)).status_code == 303
            home = await client.get("/")
            group = await client.get(f"/groups/{slug}")
            directory = await client.get("/people", params={"q": fold(handle.split("-")[0])})
            profile = await client.get(f"/people/{handle}")

    assert home.status_code == 200
    assert home.text.count('class="post"') >= 10
    assert group.status_code == 200 and 'class="post"' in group.text
    assert directory.status_code == 200 and f"/people/{handle}" in directory.text
    assert profile.status_code == 200
