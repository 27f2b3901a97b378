"""Recording a notification in the caller's transaction; it is delivered after commit.

Other domains call ``notify`` while they write (no commit here); it records
the events that, once the caller commits, ring the bell of the recipient's
open pages and queue the email they asked for (see esn.delivery).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.core.events import record
from esn.notifications.events import BellChanged, NotificationEmail
from esn.notifications.models import Channel, Notification, NotificationSetting


async def channel_for(db: AsyncSession, user_id: int, kind: str) -> str:
    """The channel ``user_id`` chose for ``kind`` (in-app when never set)."""
    result = await db.execute(
        select(col(NotificationSetting.channel)).where(
            col(NotificationSetting.user_id) == user_id, col(NotificationSetting.kind) == kind
        )
    )
    return result.scalar_one_or_none() or Channel.IN_APP.value


async def notify(
    db: AsyncSession,
    kind: str,
    recipient_id: int,
    *,
    actor_id: int | None = None,
    post_id: int | None = None,
    comment_id: int | None = None,
    group_id: int | None = None,
    proposal_id: int | None = None,
    spotlight_id: int | None = None,
) -> Notification | None:
    """Record a notification for ``recipient_id`` unless they turned the kind off.

    Nobody is notified of their own actions. The caller has already checked
    that the recipient may see what the notification points to, and commits:
    the bell rings and the email leaves only then.
    """
    if recipient_id == actor_id:
        return None
    channel = await channel_for(db, recipient_id, kind)
    if channel == Channel.OFF.value:
        return None
    notification = Notification(
        user_id=recipient_id,
        kind=kind,
        actor_id=actor_id,
        post_id=post_id,
        comment_id=comment_id,
        group_id=group_id,
        proposal_id=proposal_id,
        spotlight_id=spotlight_id,
    )
    db.add(notification)
    record(db, BellChanged(recipient_id))
    if channel == Channel.EMAIL.value:
        # The email is sent by id, after commit: the row needs its id now.
        await db.flush()
        assert notification.id is not None
        record(db, NotificationEmail(notification.id))
    return notification
