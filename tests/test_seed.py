"""The demo company: believable, consistent, fast, and added only once."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from typer.testing import CliRunner

from esn import seed
from esn.accounts.models import User
from esn.cli import app
from esn.errors import InvalidInput
from esn.people.models import Follow, Profile, Skill
from tests.conftest import log_in


async def profiles(db: AsyncSession) -> list[Profile]:
    """Every profile in the database."""
    return list((await db.execute(select(Profile))).scalars())


async def test_demo_company_has_forty_people_in_six_departments(db: AsyncSession) -> None:
    result = await seed.seed_demo(db)

    everyone = await profiles(db)
    assert result.people == len(everyone) == 40
    assert {p.department for p in everyone} == set(seed.DEPARTMENTS)
    assert len(seed.DEPARTMENTS) == 6
    assert {p.site for p in everyone} >= {"Paris", "Lyon", "Nantes", "Montréal"}
    assert any("é" in p.display_name for p in everyone)
    assert all(p.bio and p.how_i_can_help and p.looking_for and p.languages for p in everyone)
    locales = set((await db.execute(select(col(User.locale)))).scalars())
    assert locales == {"fr", "en"}


async def test_org_chart_has_one_root_and_no_loop(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    everyone = await profiles(db)
    manager_of = {p.user_id: p.manager_id for p in everyone}

    roots = [p for p in everyone if p.manager_id is None]
    assert [p.display_name for p in roots] == ["Hélène Marchand"]
    for person in everyone:
        seen = {person.user_id}
        boss = manager_of[person.user_id]
        while boss is not None:
            assert boss not in seen, f"{person.display_name} is in a loop"
            seen.add(boss)
            boss = manager_of[boss]
    # Each department has a head who reports to the CEO.
    heads = {p.department for p in everyone if p.manager_id == roots[0].user_id}
    assert heads == set(seed.DEPARTMENTS)


async def test_some_skills_cross_departments(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    rows = await db.execute(
        select(col(Skill.key), col(Profile.department)).join(
            Profile, col(Profile.user_id) == col(Skill.user_id)
        )
    )
    departments_of: dict[str, set[str]] = defaultdict(set)
    for key, department in rows:
        departments_of[key].add(department)

    shared = [key for key, departments in departments_of.items() if len(departments) >= 3]
    assert len(shared) >= 3
    assert len(departments_of) >= 30


async def test_notable_accounts_are_what_the_table_says(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    kinds = {account.kind: account.email for account in seed.notable_accounts()}
    users = {u.email: u for u in (await db.execute(select(User))).scalars()}

    assert users[kinds["administrator"]].role == "admin"
    assert users[kinds["animator"]].role == "animator"
    assert users[kinds["employee"]].role == "employee"
    manager_id = users[kinds["manager"]].id
    reports = (
        await db.execute(select(func.count()).where(col(Profile.manager_id) == manager_id))
    ).scalar_one()
    assert reports >= 2
    follows = (await db.execute(select(func.count()).select_from(Follow))).scalar_one()
    assert follows >= 40


async def test_demo_admin_logs_in_with_the_printed_password(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed.seed_demo(db)
    admin = next(a for a in seed.notable_accounts() if a.kind == "administrator")

    response = await log_in(client, admin.email, seed.DEMO_PASSWORD)

    assert response.status_code == 303
    assert (await client.get("/admin")).status_code == 200


async def test_seeding_twice_is_refused_without_if_empty(db: AsyncSession) -> None:
    await seed.seed_demo(db)

    with pytest.raises(InvalidInput):
        await seed.seed_demo(db)
    skipped = await seed.seed_demo(db, if_empty=True)

    assert skipped.skipped
    assert len(await profiles(db)) == 40


def _seed_with_cli(tmp_path: Path) -> tuple[list[str], str]:
    """Migrate a new SQLite file, seed it twice with --if-empty; (outputs, path)."""
    path = tmp_path / "demo.sqlite3"
    env = {
        "ESN_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "ESN_VAR_DIR": str(tmp_path / "var"),
        "ESN_SECRET_KEY": "seed-test-secret-key-long-enough-to-sign",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    outputs = []
    for _ in range(2):
        result = runner.invoke(app, ["seed", "--demo", "--if-empty"], env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    return outputs, str(path)


def test_cli_seed_if_empty_twice_adds_the_company_once(tmp_path: Path) -> None:
    (first, second), path = _seed_with_cli(tmp_path)

    with sqlite3.connect(path) as connection:
        count = connection.execute('SELECT count(*) FROM "user"').fetchone()[0]
    assert count == 40
    assert "40 people" in first
    assert "not added" in second
    for output in (first, second):
        assert seed.DEMO_PASSWORD in output
        for account in seed.notable_accounts():
            assert account.email in output


def test_seed_is_deterministic(tmp_path: Path) -> None:
    def follows(path: str) -> list[tuple[str, str]]:
        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                'SELECT a.email, b.email FROM follow JOIN "user" a ON a.id = follower_id '
                'JOIN "user" b ON b.id = followee_id ORDER BY 1, 2'
            )
            return list(rows)

    _outputs, one = _seed_with_cli(tmp_path / "one")
    _outputs, two = _seed_with_cli(tmp_path / "two")

    assert follows(one) == follows(two)


async def test_demo_network_is_alive(db: AsyncSession) -> None:
    """Groups of every visibility, conversations with replies, reactions,
    topics and mentions, and counts on the post rows that match the rows."""
    from sqlalchemy import func, select

    from esn.groups.models import Group
    from esn.stream.models import Comment, Mention, Post, PostTopic, Reaction

    result = await seed.seed_demo(db)
    assert result.groups >= 6 and result.posts >= 10
    visibilities = set((await db.execute(select(Group.visibility))).scalars())
    assert visibilities == {"open", "private", "secret"}
    assert (await db.execute(select(func.count()).select_from(PostTopic))).scalar_one() > 0
    assert (await db.execute(select(func.count()).select_from(Mention))).scalar_one() > 0
    replies = select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))  # type: ignore[union-attr]
    assert (await db.execute(replies)).scalar_one() > 0
    for post in (await db.execute(select(Post))).scalars():
        comments = select(func.count()).select_from(Comment).where(Comment.post_id == post.id)
        reactions = select(func.count()).select_from(Reaction).where(Reaction.post_id == post.id)
        assert post.comment_count == (await db.execute(comments)).scalar_one()
        assert post.reaction_count == (await db.execute(reactions)).scalar_one()
