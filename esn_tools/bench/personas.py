"""Who the benchmark acts as and what it reads, picked by SQL from the data.

Three people whose home pages cost differently (the typical follower, the one
who follows the most, the one who follows nothing) and one of each page kind:
the largest open group, a colleague the typical person follows, the most used
topic, the company post with the longest conversation.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.database import create_engine, create_session_factory
from esn.groups.models import Group, Membership, Visibility
from esn.notifications.models import Notification
from esn.people.models import Follow, Profile
from esn.stream.models import COMPANY_SOURCE, Comment, Post, PostTopic, Reaction, TopicFollow

SOCKET_PEOPLE = 50


@dataclass(frozen=True)
class Persona:
    """A person the load generator acts as, with what makes their home page cost."""

    user_id: int
    follows: int
    memberships: int


@dataclass(frozen=True)
class Targets:
    """The people and pages of one benchmark, and the size of the data."""

    typical: Persona
    many: Persona
    nothing: Persona | None
    group_slug: str | None
    profile_handle: str | None
    topic_tag: str | None
    post_id: int | None
    socket_user_ids: list[int]
    counts: dict[str, int]
    database_version: str
    notes: list[str] = field(default_factory=list)

    def personas(self) -> dict[str, Persona]:
        """The home-page personas that exist in this data, by name."""
        found = {"typical": self.typical, "many": self.many}
        if self.nothing is not None:
            found["nothing"] = self.nothing
        return found


_active = col(User.is_active).is_(True)


async def _count(db: AsyncSession, model: type, *where: ColumnElement[bool]) -> int:
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)
    return int((await db.execute(statement)).scalar_one())


async def dataset_counts(db: AsyncSession) -> dict[str, int]:
    """How much data the benchmark runs on."""
    return {
        "users": await _count(db, User),
        "active_users": await _count(db, User, _active),
        "groups": await _count(db, Group),
        "memberships": await _count(db, Membership),
        "follows": await _count(db, Follow),
        "topic_follows": await _count(db, TopicFollow),
        "posts": await _count(db, Post),
        "comments": await _count(db, Comment),
        "reactions": await _count(db, Reaction),
        "notifications": await _count(db, Notification),
    }


async def _counts_by_user(db: AsyncSession, user_column: Any) -> dict[int, int]:
    statement = (
        select(user_column, func.count())
        .join(User, col(User.id) == user_column)
        .where(_active)
        .group_by(user_column)
    )
    return {int(user_id): int(number) for user_id, number in await db.execute(statement)}


async def _database_version(db: AsyncSession) -> str:
    if db.get_bind().dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return str((await db.execute(text("SELECT version()"))).scalar_one())


async def pick_targets(db: AsyncSession, socket_people: int = SOCKET_PEOPLE) -> Targets:
    """Choose the personas and pages; raises LookupError when nobody follows anyone."""
    notes: list[str] = []
    follows = await _counts_by_user(db, col(Follow.follower_id))
    memberships = await _counts_by_user(db, col(Membership.user_id))
    if not follows:
        raise LookupError("nobody follows anybody: seed a dataset with follows first")

    def persona(user_id: int) -> Persona:
        return Persona(user_id, follows.get(user_id, 0), memberships.get(user_id, 0))

    # The median of the follow counts, ties broken by id so reruns pick the same person.
    by_follows = sorted(follows, key=lambda user_id: (follows[user_id], user_id))
    typical = persona(by_follows[len(by_follows) // 2])
    busiest = max(
        set(follows) | set(memberships),
        key=lambda user_id: (follows.get(user_id, 0) + memberships.get(user_id, 0), -user_id),
    )
    many = persona(busiest)

    lonely_id = (
        await db.execute(
            select(col(User.id))
            .where(
                _active,
                ~exists().where(col(Follow.follower_id) == col(User.id)),
                ~exists().where(col(Membership.user_id) == col(User.id)),
                ~exists().where(col(TopicFollow.user_id) == col(User.id)),
            )
            .order_by(col(User.id))
            .limit(1)
        )
    ).scalar_one_or_none()
    nothing = persona(int(lonely_id)) if lonely_id is not None else None
    if nothing is None:
        notes.append("nobody follows nothing: the 'nothing' persona is left out")

    group_slug = (
        await db.execute(
            select(col(Group.slug))
            .where(col(Group.visibility) == Visibility.OPEN.value)
            .order_by(col(Group.member_count).desc(), col(Group.id))
            .limit(1)
        )
    ).scalar_one_or_none()
    profile_handle = (
        await db.execute(
            select(col(Profile.handle))
            .join(Follow, col(Follow.followee_id) == col(Profile.user_id))
            .join(User, col(User.id) == col(Profile.user_id))
            .where(col(Follow.follower_id) == typical.user_id, _active)
            .order_by(col(Profile.user_id))
            .limit(1)
        )
    ).scalar_one_or_none()
    uses = func.count()
    topic_tag = (
        await db.execute(
            select(col(PostTopic.tag))
            .group_by(col(PostTopic.tag))
            .order_by(uses.desc(), col(PostTopic.tag))
            .limit(1)
        )
    ).scalar_one_or_none()
    post_id = (
        await db.execute(
            select(col(Post.id))
            .where(col(Post.source) == COMPANY_SOURCE)
            .order_by(col(Post.comment_count).desc(), col(Post.id))
            .limit(1)
        )
    ).scalar_one_or_none()
    for name, value in (
        ("open group", group_slug),
        ("followee of the typical person", profile_handle),
        ("topic", topic_tag),
        ("company post", post_id),
    ):
        if value is None:
            notes.append(f"no {name} in the data: its page is left out")

    # Different people for the live sockets, spread over the whole company.
    rows = await db.execute(select(col(User.id)).where(_active).order_by(col(User.id)))
    active_ids = [int(user_id) for user_id in rows.scalars() if user_id is not None]
    step = max(1, len(active_ids) // socket_people)
    socket_user_ids = active_ids[::step][:socket_people]

    return Targets(
        typical=typical,
        many=many,
        nothing=nothing,
        group_slug=group_slug,
        profile_handle=profile_handle,
        topic_tag=topic_tag,
        post_id=post_id,
        socket_user_ids=socket_user_ids,
        counts=await dataset_counts(db),
        database_version=await _database_version(db),
        notes=notes,
    )


async def load_targets(database_url: str, socket_people: int = SOCKET_PEOPLE) -> Targets:
    """Open the database, pick the targets, close it."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as db:
            return await pick_targets(db, socket_people)
    finally:
        await engine.dispose()


async def count_users(database_url: str) -> int:
    """How many accounts exist (0: the benchmark seeds the database)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as db:
            return await _count(db, User)
    finally:
        await engine.dispose()
