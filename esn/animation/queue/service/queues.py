"""The queues as animators open them: the whole company's, or one group's part."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.animation.queue.service.items import WorkQueue
from esn.animation.queue.service.lists import (
    quiet_groups,
    silent_newcomers,
    stale_charters,
    unanswered_posts,
    waiting_requests,
)
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from esn.groups import service as groups
from esn.groups.models import Group


async def company_queue(db: AsyncSession, actor: User, *, now: datetime | None = None) -> WorkQueue:
    """The whole company's queue, for company animators and administrators (404 otherwise)."""
    if not policy.can_animate_company(actor):
        raise NotFound
    now = now or utcnow()
    return WorkQueue(
        lists=[
            await unanswered_posts(db, actor, now=now),
            await silent_newcomers(db, actor, now=now),
            await quiet_groups(db, actor, now=now),
            await waiting_requests(db, actor, now=now),
            await stale_charters(db, actor, now=now),
        ]
    )


async def _animated_group(db: AsyncSession, actor: User, slug: str) -> Group:
    """The group at ``slug`` if ``actor`` animates it; NotFound otherwise."""
    group, role = await groups.group_and_role(db, actor, slug)
    if not policy.can_animate_group(actor, role):
        raise NotFound
    return group


async def group_queue(
    db: AsyncSession, actor: User, slug: str, *, now: datetime | None = None
) -> WorkQueue:
    """One group's part of the queue, for its owners and animators (and company animators)."""
    group = await _animated_group(db, actor, slug)
    assert group.id is not None
    now = now or utcnow()
    return WorkQueue(
        lists=[
            await unanswered_posts(db, actor, group_id=group.id, now=now),
            await quiet_groups(db, actor, group_id=group.id, now=now),
            await waiting_requests(db, actor, group_id=group.id, now=now),
            await stale_charters(db, actor, group_id=group.id, now=now),
        ],
        group=group,
    )
