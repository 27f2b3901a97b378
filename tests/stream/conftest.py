"""Fixtures of the stream tests: people who do not log in, groups, a hub listener."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.groups.models import Group, Membership
from esn.realtime.hub import Subscription
from esn.stream.models import Post

MakeGroup = Callable[..., Awaitable[Group]]


@pytest.fixture
def make_group(app: Starlette) -> MakeGroup:
    """Create a group with ``members``: (user, group role) pairs."""
    counter = itertools.count(1)

    async def make(
        visibility: str = "open",
        members: list[tuple[User, str]] | None = None,
        name: str | None = None,
    ) -> Group:
        number = next(counter)
        async with app.state.session_factory() as session:
            group = Group(
                slug=f"group-{number}",
                name=name or f"Group {number}",
                search_name=(name or f"group {number}").lower(),
                visibility=visibility,
                member_count=len(members or {}),
            )
            session.add(group)
            await session.flush()
            assert group.id is not None
            for user, role in members or []:
                session.add(Membership(group_id=group.id, user_id=user.id, role=role))
            await session.commit()
            return group

    return make


async def stored_posts(db: AsyncSession) -> list[Post]:
    """Every post as stored now."""
    db.expire_all()
    return list((await db.execute(select(Post).order_by(Post.id))).scalars())  # type: ignore[arg-type]


class Listener:
    """Records what the hub publishes on some channels."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription

    def listen(self, channel: str) -> None:
        self.subscription.add(channel)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """Everything received so far."""
        received = []
        while not self.subscription.queue.empty():
            received.append(self.subscription.queue.get_nowait())
        return received


@pytest.fixture
async def listener(app: Starlette) -> AsyncIterator[Listener]:
    """A subscription on the app's real hub."""
    subscription = app.state.hub.subscribe()
    yield Listener(subscription)
    subscription.close()


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
