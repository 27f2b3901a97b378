"""Marking a queue item handled: it leaves the queue (a lasting situation for a while)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Charter, QueueItemHandled
from esn.animation.queue.service.items import RECHECK_AFTER, RECHECKED_KINDS, QueueKind
from esn.core.clock import as_utc, utcnow
from esn.core.errors import NotFound
from esn.groups.models import Group, GroupRequest
from esn.stream import service as stream
from esn.stream.models import Post

# Ids come from forms and URLs; anything beyond a 32-bit key cannot exist (and
# PostgreSQL would refuse to compare it with an integer column).
MAX_ID = 2**31 - 1


async def _item_group(db: AsyncSession, actor: User, kind: QueueKind, object_id: int) -> int | None:
    """The group an item belongs to (None: the company's); NotFound if it is not
    there or ``actor`` may not know it."""
    found: int | None
    if kind is QueueKind.UNANSWERED_POST:
        row = (
            await db.execute(
                select(col(Post.group_id)).where(
                    col(Post.id) == object_id, policy.readable_posts_clause(actor)
                )
            )
        ).one_or_none()
        if row is None:
            raise NotFound
        return row[0]
    if kind is QueueKind.SILENT_NEWCOMER:
        if await db.get(User, object_id) is None:
            raise NotFound
        return None
    if kind is QueueKind.QUIET_GROUP:
        group = await db.get(Group, object_id)
        found = group.id if group else None
    elif kind is QueueKind.WAITING_REQUEST:
        request = await db.get(GroupRequest, object_id)
        found = request.group_id if request else None
    else:
        charter = await db.get(Charter, object_id)
        if charter is None:
            raise NotFound
        if charter.group_id is None:
            return None
        found = charter.group_id
    if found is None:
        raise NotFound
    return found


async def mark_handled(db: AsyncSession, actor: User, kind: str, object_id: int) -> None:
    """Take one item off the queue. Marking it twice changes nothing (a double
    submit is safe); a lasting situation marked long ago is marked again."""
    try:
        queue_kind = QueueKind(kind)
    except ValueError:
        raise NotFound from None
    if not policy.is_staff(actor) or not 0 < object_id <= MAX_ID:
        raise NotFound
    group_id = await _item_group(db, actor, queue_kind, object_id)
    if not policy.can_animate_company(actor):
        # Group animators handle their own groups' items only; the company's
        # items (newcomers, the company charter) are not theirs to see.
        role = await stream.group_role(db, actor, group_id) if group_id is not None else None
        if group_id is None or not policy.can_animate_group(actor, role):
            raise NotFound
    now = utcnow()
    existing = (
        await db.execute(
            select(QueueItemHandled).where(
                col(QueueItemHandled.kind) == queue_kind.value,
                col(QueueItemHandled.object_id) == object_id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        if queue_kind in RECHECKED_KINDS and as_utc(existing.handled_at) < now - RECHECK_AFTER:
            await db.execute(
                update(QueueItemHandled)
                .where(col(QueueItemHandled.id) == existing.id)
                .values(handled_at=now, handled_by=actor.id)
            )
            await db.commit()
        return
    db.add(
        QueueItemHandled(
            kind=queue_kind.value, object_id=object_id, handled_by=actor.id, handled_at=now
        )
    )
    try:
        await db.commit()
    except IntegrityError:
        # Two submits raced: the other one marked it, which is all we wanted.
        await db.rollback()
