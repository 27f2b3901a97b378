"""Fixtures of the moderation tests: colleagues, groups, posts, signed-in clients."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.animation.models import ContentReport, ModerationAction
from esn.groups.models import Group, Membership
from esn.notifications.models import Notification
from esn.people.models import Profile
from esn.people.service import NewPerson, create_person
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Comment, Post
from tests.conftest import PASSWORD, MakePerson, log_in

MakeGroup = Callable[..., Awaitable[Group]]
MakePost = Callable[..., Awaitable[Post]]
Login = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
def person(app: Starlette) -> MakePerson:
    """Create a person who logs in (with the test password)."""
    counter = itertools.count(1)

    async def make(name: str | None = None, **fields: object) -> tuple[User, Profile]:
        number = next(counter)
        email = str(fields.pop("email", f"member{number}@example.com"))
        async with app.state.session_factory() as session:
            new = NewPerson(
                email=email,
                name=name or f"Member {number}",
                password=PASSWORD,
                **fields,  # type: ignore[arg-type]
            )
            return await create_person(session, new)

    return make


@pytest.fixture
def make_group(app: Starlette) -> MakeGroup:
    """Create a group with ``members``: (user, group role) pairs."""
    counter = itertools.count(1)

    async def make(
        visibility: str = "open", members: list[tuple[User, str]] | None = None
    ) -> Group:
        number = next(counter)
        async with app.state.session_factory() as session:
            group = Group(
                slug=f"group-{number}",
                name=f"Group {number}",
                search_name=f"group {number}",
                visibility=visibility,
                member_count=len(members or []),
            )
            session.add(group)
            await session.flush()
            assert group.id is not None
            for user, role in members or []:
                assert user.id is not None
                session.add(Membership(group_id=group.id, user_id=user.id, role=role))
            await session.commit()
            return group

    return make


@pytest.fixture
def make_post(app: Starlette, tmp_path: Path) -> MakePost:
    """Post ``body`` as ``author`` to ``source`` through the stream service."""

    async def make(author: User, body: str, source: str = COMPANY_SOURCE) -> Post:
        async with app.state.session_factory() as session:
            return await stream.create_post(
                session, author, source, body, media_dir=tmp_path / "media"
            )

    return make


@pytest.fixture
async def login(app: Starlette) -> AsyncIterator[Login]:
    """A new HTTP client signed in as ``user`` (created with the test password)."""
    clients: list[httpx.AsyncClient] = []

    async def sign_in(user: User) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        response = await log_in(client, user.email)
        assert response.status_code == 303
        return client

    yield sign_in
    for client in clients:
        await client.aclose()


class StatementCounter:
    """Counts the SQL statements the app's engine runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


@pytest.fixture
def statements(app: Starlette) -> Iterator[StatementCounter]:
    """A live count of SQL statements, reset by the test when it starts measuring."""
    counter = StatementCounter()
    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


async def reports_of(db: AsyncSession, post_id: int | None) -> list[ContentReport]:
    """The reports of a post (and its comments) as stored now, oldest first."""
    db.expire_all()
    found = await db.execute(
        select(ContentReport)
        .where(col(ContentReport.post_id) == post_id)
        .order_by(col(ContentReport.id))
    )
    return list(found.scalars())


async def actions_of(db: AsyncSession, post_id: int | None) -> list[ModerationAction]:
    """The moderation steps on a post as stored now, oldest first."""
    found = await db.execute(
        select(ModerationAction)
        .where(col(ModerationAction.post_id) == post_id)
        .order_by(col(ModerationAction.id))
    )
    return list(found.scalars())


async def stored(db: AsyncSession, model: type[Post] | type[Comment], item_id: int | None) -> Any:
    """A post or comment as stored now."""
    db.expire_all()
    return await db.get(model, item_id)


async def notifications_of(db: AsyncSession, user_id: int | None) -> list[tuple[str, int | None]]:
    """(kind, comment id) of each notification ``user_id`` received, oldest first."""
    found = await db.execute(
        select(col(Notification.kind), col(Notification.comment_id))
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id))
    )
    return [(kind, comment_id) for kind, comment_id in found.all()]
