"""The bell and the notifications page: one person's notifications, newest first.

Pages follow each other by keyset on (created_at, id); marking read rings
the person's other open pages once committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import NotFound
from esn.core.events import record
from esn.notifications.events import BellChanged
from esn.notifications.models import Notification
from esn.notifications.service.rows import NotificationRow, rows_query, visible_row

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
# Ids come from URLs; anything larger cannot exist and would overflow PostgreSQL.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class NotificationPage:
    """A page of notifications, newest first; ``next_before`` continues the list."""

    rows: list[NotificationRow]
    next_before: str | None
    unread: int


def encode_cursor(notification: Notification) -> str:
    """The opaque ``before`` value continuing the list after this notification."""
    moment = as_utc(notification.created_at)
    micros = int(moment.timestamp() * 1_000_000)
    return f"{micros}-{notification.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(created_at, id) from a cursor; None when absent or malformed."""
    if not cursor or len(cursor) > 40:
        return None
    micros, _sep, ident = cursor.partition("-")
    if not (micros.isdigit() and ident.isdigit()) or int(ident) > MAX_ID:
        return None
    try:
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment, int(ident)


async def list_notifications(
    db: AsyncSession,
    actor: User,
    before: str | None = None,
    limit: int = PAGE_SIZE,
    *,
    unread_only: bool = False,
) -> NotificationPage:
    """The actor's notifications, newest first, one keyset page, with the unread count."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    statement = rows_query(actor)
    position = decode_cursor(before)
    if position is not None:
        moment, ident = position
        statement = statement.where(
            or_(
                col(Notification.created_at) < moment,
                and_(col(Notification.created_at) == moment, col(Notification.id) < ident),
            )
        )
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    statement = statement.order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc()
    ).limit(limit + 1)
    result = (await db.execute(statement)).all()
    rows = [
        NotificationRow(
            notification=row[0],
            actor_name=row[1],
            actor_handle=row[2],
            group_name=row[3],
            group_slug=row[4],
            proposal_title=row[5],
        )
        for row in result[:limit]
    ]
    more = len(result) > limit
    next_before = encode_cursor(rows[-1].notification) if more and rows else None
    return NotificationPage(
        rows=rows, next_before=next_before, unread=await unread_count(db, actor)
    )


async def unread_count(db: AsyncSession, actor: User) -> int:
    """How many visible notifications the actor has not read: the bell's number."""
    result = await db.execute(
        select(func.count())
        .select_from(Notification)
        .where(
            col(Notification.user_id) == actor.id,
            col(Notification.read_at).is_(None),
            policy.visible_notifications_clause(actor),
        )
    )
    return int(result.scalar_one())


async def mark_read(db: AsyncSession, actor: User, notification_id: int) -> NotificationRow | None:
    """Mark one of the actor's notifications read and return it as now shown.

    Anyone else's notification answers NotFound; None when the actor may no
    longer see what it points to (it is marked read all the same).
    """
    if not 0 < notification_id <= MAX_ID:
        raise NotFound
    notification = await db.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.id:
        raise NotFound
    if notification.read_at is None:
        notification.read_at = utcnow()
    assert actor.id is not None
    # The bell of the person's other pages catches up, read just now or before.
    record(db, BellChanged(actor.id))
    await db.commit()
    return await visible_row(db, actor, notification_id)


async def mark_all_read(db: AsyncSession, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    result = await db.execute(
        update(Notification)
        .where(col(Notification.user_id) == actor.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    assert actor.id is not None
    record(db, BellChanged(actor.id))
    await db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
