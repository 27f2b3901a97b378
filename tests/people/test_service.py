"""The people service: rules that hold whatever page calls it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from esn.accounts.models import Role, User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.people import service as people
from esn.people.models import Follow, Profile
from esn.realtime.hub import Hub
from tests.conftest import MakePerson


@contextmanager
def counted_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def actor(db: AsyncSession, user: User) -> User:
    """The account as this session sees it (services get the signed-in user this way)."""
    found = await db.get(User, user.id)
    assert found is not None
    return found


def changes(**fields: Any) -> people.ProfileChanges:
    """A profile edit with a valid name unless given."""
    fields.setdefault("display_name", "Alice Martin")
    return people.ProfileChanges(**fields)


# --- editing ----------------------------------------------------------------


async def test_update_keeps_the_search_name_in_step(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path
) -> None:
    user, profile = await colleague("Alice Martin")
    saved = await people.update_profile(
        db,
        await actor(db, user),
        profile.handle,
        changes(display_name="Élise Brontë"),
        media_dir=tmp_path,
        max_photo_bytes=1000,
    )
    assert saved.display_name == "Élise Brontë"
    assert saved.search_name == "elise bronte"


async def test_only_the_owner_or_an_admin_may_update(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path
) -> None:
    _owner, profile = await colleague("Alice Martin")
    other, _ = await colleague("Mallory Voisin")
    admin, _ = await colleague("Ada Admin", role=Role.ADMIN.value)
    with pytest.raises(Forbidden):
        await people.update_profile(
            db,
            await actor(db, other),
            profile.handle,
            changes(title="Hacked"),
            media_dir=tmp_path,
            max_photo_bytes=1000,
        )
    with pytest.raises(Forbidden):
        await people.editable_profile(db, await actor(db, other), profile.handle)
    saved = await people.update_profile(
        db,
        await actor(db, admin),
        profile.handle,
        changes(title="Architect"),
        media_dir=tmp_path,
        max_photo_bytes=1000,
    )
    assert saved.title == "Architect"


async def test_a_manager_loop_is_refused_at_any_depth(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path
) -> None:
    top, top_profile = await colleague("Claire Directrice")
    middle, _ = await colleague("Victor Adjoint", manager_id=top.id)
    bottom, _ = await colleague("Denis Dev", manager_id=middle.id)
    assert await people.creates_cycle(db, top.id or 0, bottom.id or 0)
    assert not await people.creates_cycle(db, bottom.id or 0, top.id or 0)
    with pytest.raises(InvalidInput) as refused:
        await people.update_profile(
            db,
            await actor(db, top),
            top_profile.handle,
            changes(display_name="Claire Directrice", manager=bottom.email),
            media_dir=tmp_path,
            max_photo_bytes=1000,
        )
    assert set(refused.value.errors) == {"manager"}


async def test_a_loop_already_in_imported_data_does_not_hang_the_check(
    db: AsyncSession, colleague: MakePerson
) -> None:
    first, _ = await colleague("Anne Boucle")
    second, _ = await colleague("Bruno Boucle", manager_id=first.id)
    newcomer, _ = await colleague("Chloé Nouvelle")
    await db.execute(
        update(Profile).where(Profile.user_id == first.id).values(manager_id=second.id)
    )
    await db.commit()
    assert await people.creates_cycle(db, newcomer.id or 0, first.id or 0)


# --- following ----------------------------------------------------------------


async def test_follow_is_idempotent_and_counted(db: AsyncSession, colleague: MakePerson) -> None:
    alice, _ = await colleague("Alice Martin")
    _bruno, bruno_profile = await colleague("Bruno Marchal")
    me = await actor(db, alice)
    await people.follow_person(db, me, bruno_profile.handle)
    state = await people.follow_person(db, me, bruno_profile.handle)
    assert state.following
    assert state.follower_count == 1
    assert await people.is_following(db, me, bruno_profile.handle)
    rows = (await db.execute(select(Follow))).all()
    assert len(rows) == 1

    await people.unfollow_person(db, me, bruno_profile.handle)
    state = await people.unfollow_person(db, me, bruno_profile.handle)
    assert not state.following
    assert state.follower_count == 0


async def test_nobody_follows_themselves_or_a_stranger(
    db: AsyncSession, colleague: MakePerson
) -> None:
    alice, alice_profile = await colleague("Alice Martin")
    gone, gone_profile = await colleague("Gaston Parti")
    await db.execute(update(User).where(User.id == gone.id).values(is_active=False))
    await db.commit()
    me = await actor(db, alice)
    with pytest.raises(Forbidden):
        await people.follow_person(db, me, alice_profile.handle)
    with pytest.raises(NotFound):
        await people.follow_person(db, me, "nobody")
    with pytest.raises(NotFound):
        await people.follow_person(db, me, gone_profile.handle)


# --- the directory ------------------------------------------------------------


async def test_every_search_word_must_match_name_title_or_skill(
    db: AsyncSession, colleague: MakePerson
) -> None:
    viewer, _ = await colleague("Alice Martin")
    await colleague("Hélène Dupont", skills=("Design thinking",))
    await colleague("Hélène Faure", title="Lawyer")
    page = await people.search_directory(
        db, await actor(db, viewer), people.DirectoryQuery(q="helene design")
    )
    assert [p.display_name for p in page.people] == ["Hélène Dupont"]


def test_like_patterns_take_wildcards_literally() -> None:
    assert people.like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bnVsbA", "WzEsMl0", "WyJhIiwgInhcdTAwMDAiXQ", "WyJhIl0"]
)
def test_unreadable_cursors_are_ignored(cursor: str) -> None:
    assert people.decode_cursor(cursor) is None


def test_cursors_round_trip() -> None:
    assert people.decode_cursor(people.encode_cursor("hélène dupont", 42)) == (
        "hélène dupont",
        42,
    )


async def test_directory_costs_the_same_number_of_queries_for_more_people(
    app: Any, db: AsyncSession, colleague: MakePerson
) -> None:
    viewer, _ = await colleague("Alice Martin")
    me = await actor(db, viewer)
    await people.search_directory(db, me, people.DirectoryQuery())
    with counted_queries(app.state.engine) as few:
        await people.search_directory(db, me, people.DirectoryQuery())
    for number in range(6):
        await colleague(f"Person {number}", skills=("A", "B"), department=f"D{number}")
    with counted_queries(app.state.engine) as many:
        page = await people.search_directory(db, me, people.DirectoryQuery())
    assert len(page.people) == 7
    assert len(many) == len(few)


# --- the org chart ------------------------------------------------------------


async def test_org_chart_counts_reports_without_a_query_each(
    app: Any, db: AsyncSession, colleague: MakePerson
) -> None:
    boss, boss_profile = await colleague("Léa Cheffe")
    me = await actor(db, boss)
    first, _ = await colleague("Report 0", manager_id=boss.id)
    await colleague("Intern 0", manager_id=first.id)
    with counted_queries(app.state.engine) as few:
        await people.org_chart(db, me, boss_profile.handle)
    for number in range(1, 5):
        report, _ = await colleague(f"Report {number}", manager_id=boss.id)
        for intern in range(number):
            await colleague(f"Intern {number}.{intern}", manager_id=report.id)
    with counted_queries(app.state.engine) as many:
        chart = await people.org_chart(db, me, boss_profile.handle)
    assert [entry.report_count for entry in chart.reports] == [1, 1, 2, 3, 4]
    assert len(many) == len(few)


async def test_org_chart_survives_a_loop_in_imported_data(
    db: AsyncSession, colleague: MakePerson
) -> None:
    first, first_profile = await colleague("Anne Boucle")
    second, _ = await colleague("Bruno Boucle", manager_id=first.id)
    await db.execute(
        update(Profile).where(Profile.user_id == first.id).values(manager_id=second.id)
    )
    await db.commit()
    chart = await people.org_chart(db, await actor(db, first), first_profile.handle)
    assert [p.display_name for p in chart.chain] == ["Bruno Boucle"]
    assert [e.profile.display_name for e in chart.reports] == ["Bruno Boucle"]


async def test_a_very_deep_chain_is_cut(db: AsyncSession, colleague: MakePerson) -> None:
    manager_id = None
    for level in range(people.MAX_CHAIN + 5):
        user, profile = await colleague(f"Level {level:02d}", manager_id=manager_id)
        manager_id = user.id
    chart = await people.org_chart(db, await actor(db, user), profile.handle)
    assert len(chart.chain) == people.MAX_CHAIN
    assert chart.chain_cut
    assert chart.chain[-1].display_name == f"Level {people.MAX_CHAIN + 3:02d}"


async def test_people_who_left_are_skipped_in_the_chain_and_reports(
    db: AsyncSession, colleague: MakePerson
) -> None:
    top, _ = await colleague("Claire Directrice")
    gone, _ = await colleague("Gaston Parti", manager_id=top.id)
    viewer, viewer_profile = await colleague("Denis Dev", manager_id=gone.id)
    left, _ = await colleague("Ivan Ancien", manager_id=viewer.id)
    await colleague("Julie Présente", manager_id=viewer.id)
    await db.execute(
        update(User).where(col(User.id).in_([gone.id, left.id])).values(is_active=False)
    )
    await db.commit()
    chart = await people.org_chart(db, await actor(db, viewer), viewer_profile.handle)
    assert [p.display_name for p in chart.chain] == ["Claire Directrice"]
    assert [e.profile.display_name for e in chart.reports] == ["Julie Présente"]


async def test_the_person_followed_is_notified_once(
    db: AsyncSession, colleague: MakePerson, hub: Hub
) -> None:
    from esn.notifications.models import Notification

    alice, _ = await colleague("Alice Martin")
    bruno, bruno_profile = await colleague("Bruno Marchal")
    me = await actor(db, alice)
    bell = hub.subscribe()
    bell.add(f"user:{bruno.id}")
    await people.follow_person(db, me, bruno_profile.handle)
    await people.follow_person(db, me, bruno_profile.handle)
    notes = (await db.execute(select(Notification))).scalars().all()
    assert [(n.user_id, n.kind, n.actor_id) for n in notes] == [
        (bruno.id, "new_follower", alice.id)
    ]
    assert bell.queue.qsize() == 1
