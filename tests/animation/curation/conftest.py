"""Fixtures and helpers of the curation tests: groups, posts, colleagues, days, stored rows."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.groups.models import Group, GroupTag, Membership
from esn.stream.models import COMPANY_SOURCE, Post, group_source
from tests.conftest import MakePerson

MakeGroup = Callable[..., Awaitable[Group]]
MakePost = Callable[..., Awaitable[Post]]


def in_days(days: int) -> date:
    """The day ``days`` from today (UTC)."""
    return utcnow().date() + timedelta(days=days)


async def fresh(db: AsyncSession, model: type, key: int | None) -> object:
    """The row of ``model`` with ``key`` as stored now."""
    db.expire_all()
    found = await db.get(model, key)
    assert found is not None
    return found


async def person(colleague: MakePerson, name: str, role: str = "employee") -> User:
    """A colleague called ``name`` with the account role ``role``."""
    user, _profile = await colleague(name, role=role)
    return user


@pytest.fixture
def make_group(app: Starlette) -> MakeGroup:
    """Create a group with ``members``: (user, group role) pairs, and ``tags``."""
    counter = itertools.count(1)

    async def make(
        visibility: str = "open",
        members: list[tuple[User, str]] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
    ) -> Group:
        number = next(counter)
        name = name or f"Group {number}"
        async with app.state.session_factory() as session:
            group = Group(
                slug=f"group-{number}",
                name=name,
                search_name=name.lower(),
                visibility=visibility,
                member_count=len(members or []),
            )
            session.add(group)
            await session.flush()
            assert group.id is not None
            for user, role in members or []:
                session.add(Membership(group_id=group.id, user_id=user.id, role=role))
            for tag in tags or []:
                session.add(GroupTag(group_id=group.id, tag=tag))
            await session.commit()
            return group

    return make


@pytest.fixture
def make_post(app: Starlette) -> MakePost:
    """Store a post by ``author`` in ``group`` (or the company stream)."""

    async def make(author: User, body: str = "Hello", group: Group | None = None) -> Post:
        assert author.id is not None
        async with app.state.session_factory() as session:
            post = Post(
                source=group_source(group.id) if group and group.id else COMPANY_SOURCE,
                group_id=group.id if group else None,
                author_id=author.id,
                body=body,
                html=f"<p>{body}</p>",
            )
            session.add(post)
            await session.commit()
            return post

    return make
