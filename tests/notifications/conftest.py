"""Fixtures of the notifications tests: posts and notifications made for real."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.groups.models import Group, Membership
from esn.notifications import service as notifications
from esn.notifications.models import Notification
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import Post

Colleague = Callable[..., Awaitable[tuple[User, Profile]]]
PostIn = Callable[[User, str, str], Awaitable[Post]]
Notify = Callable[..., Awaitable[Notification]]


@pytest.fixture
def post_in(app: Starlette) -> PostIn:
    """Post through the stream service."""

    async def post(actor: User, source: str, body: str) -> Post:
        async with app.state.session_factory() as db:
            return await stream.create_post(
                db, actor, source, body, media_dir=app.state.settings.media_dir
            )

    return post


@pytest.fixture
def notify(app: Starlette) -> Notify:
    """Record one notification with the service, as other domains do, and return it."""

    async def record(kind: str, recipient: User, **about: object) -> Notification:
        assert recipient.id is not None
        async with app.state.session_factory() as db:
            notification = await notifications.notify(db, kind, recipient.id, **about)  # type: ignore[arg-type]
            await db.commit()
        assert notification is not None, "the recipient turned this kind off"
        return notification

    return record


async def add_member(app: Starlette, group: Group, user: User) -> None:
    """Put ``user`` in ``group`` directly."""
    async with app.state.session_factory() as db:
        db.add(Membership(group_id=group.id, user_id=user.id))
        await db.commit()
