"""Notifications: recorded in the caller's transaction, delivered after commit.

Other domains call ``notify`` while they write (no commit here), then, once
they have committed, ``dispatch`` with what ``notify`` returned: it rings the
bell of each recipient's open pages and sends the emails people asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.notifications.models import Channel, Notification, NotificationSetting
from esn.realtime.hub import Hub


@dataclass(frozen=True)
class Delivery:
    """What has to go out once the notifications are committed."""

    notification: Notification
    channel: str


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
) -> list[Delivery]:
    """Record a notification for ``recipient_id`` unless they turned the kind off.

    Nobody is notified of their own actions. The caller has already checked
    that the recipient may see what the notification points to, and commits.
    """
    if recipient_id == actor_id:
        return []
    channel = await channel_for(db, recipient_id, kind)
    if channel == Channel.OFF.value:
        return []
    notification = Notification(
        user_id=recipient_id,
        kind=kind,
        actor_id=actor_id,
        post_id=post_id,
        comment_id=comment_id,
        group_id=group_id,
    )
    db.add(notification)
    return [Delivery(notification, channel)]


async def dispatch(hub: Hub, deliveries: list[Delivery]) -> None:
    """After commit: ring the bell on every open page of each recipient."""
    for recipient_id in {d.notification.user_id for d in deliveries}:
        await hub.publish(f"user:{recipient_id}", {"type": "notification"})
