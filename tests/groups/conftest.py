"""Helpers of the groups tests: what is stored now, what open sockets heard.

Groups are made by the shared ``make_group`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.groups.models import Group, GroupRequest, Membership
from esn.notifications.models import Notification
from esn.realtime.hub import Hub, Subscription


def listen(hub: Hub, *users: User) -> Subscription:
    """A subscription to the membership channels of ``users``, as their sockets would hold."""
    subscription = hub.subscribe()
    for user in users:
        subscription.add(f"membership:{user.id}")
    return subscription


def received(subscription: Subscription) -> list[tuple[str, dict[str, object]]]:
    """Everything published to the subscription so far."""
    events = []
    while not subscription.queue.empty():
        events.append(subscription.queue.get_nowait())
    return events


async def membership(db: AsyncSession, group_id: int | None, user_id: int | None) -> str | None:
    """The role ``user_id`` has in the group as stored now, or None."""
    db.expire_all()
    found = await db.execute(
        select(col(Membership.role)).where(
            col(Membership.group_id) == group_id, col(Membership.user_id) == user_id
        )
    )
    return found.scalar_one_or_none()


async def stored_group(db: AsyncSession, group_id: int | None) -> Group:
    """The group as stored now, not as this session remembers it."""
    db.expire_all()
    group = await db.get(Group, group_id)
    assert group is not None
    return group


async def requests_of(db: AsyncSession, group_id: int | None) -> list[GroupRequest]:
    """Every request and invitation of a group, oldest first, as stored now."""
    db.expire_all()
    found = await db.execute(
        select(GroupRequest)
        .where(col(GroupRequest.group_id) == group_id)
        .order_by(col(GroupRequest.id))
    )
    return list(found.scalars())


async def notifications_of(db: AsyncSession, user_id: int | None) -> list[tuple[str, int | None]]:
    """(kind, group id) of each notification ``user_id`` received, oldest first."""
    found = await db.execute(
        select(col(Notification.kind), col(Notification.group_id))
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id))
    )
    return [(kind, group_id) for kind, group_id in found.all()]


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field`` on a form page."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)
