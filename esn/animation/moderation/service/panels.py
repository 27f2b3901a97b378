"""What moderation adds to other pages: a group's open reports, a post's moderation panel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import ContentReport, ReportState
from esn.animation.moderation.service.access import may_moderate
from esn.animation.moderation.service.queue import (
    MAX_QUEUE_ITEMS,
    LogEntry,
    QueueItem,
    log_entries,
    queue_items,
)
from esn.stream.models import Post

MAX_POST_HISTORY = 50


async def open_report_count(db: AsyncSession, actor: User, group_id: int | None) -> int:
    """Open reports ``actor`` may handle (in one group, or everywhere with None)."""
    if not policy.is_staff(actor):
        return 0
    conditions = [
        col(ContentReport.state) == ReportState.OPEN.value,
        policy.moderated_posts_clause(actor),
    ]
    if group_id is not None:
        conditions.append(col(Post.group_id) == group_id)
    found = await db.execute(
        select(func.count(col(ContentReport.id)))
        .join(Post, col(Post.id) == col(ContentReport.post_id))
        .where(*conditions)
    )
    return int(found.scalar_one())


@dataclass
class PostModeration:
    """Under a post, for its moderators: its state, open reports (the post's and
    its comments'), and the history of moderation steps on it."""

    post: Post
    items: list[QueueItem]
    history: list[LogEntry]


async def post_moderation(
    db: AsyncSession, actor: User, post: Post, group_role: str | None
) -> PostModeration | None:
    """For the post's moderators, its open reports (the post's and its comments')
    and its moderation history; None for anyone else.

    ``post`` is one ``actor`` may read, as their post page loaded it, and
    ``group_role`` their role in its group: neither is read again here.
    Readers report from the card's menu, so only moderators get a panel.
    """
    if not may_moderate(actor, post, group_role):
        return None
    assert post.id is not None
    grouped = (
        await db.execute(
            select(
                col(ContentReport.post_id),
                col(ContentReport.comment_id),
                func.count(col(ContentReport.id)),
                func.min(col(ContentReport.created_at)),
            )
            .where(
                col(ContentReport.post_id) == post.id,
                col(ContentReport.state) == ReportState.OPEN.value,
            )
            .group_by(col(ContentReport.post_id), col(ContentReport.comment_id))
            .order_by(func.min(col(ContentReport.created_at)))
            .limit(MAX_QUEUE_ITEMS)
        )
    ).all()
    items = await queue_items(db, [(row[0], row[1], row[2], row[3]) for row in grouped], known=post)
    history = await log_entries(db, [col(Post.id) == post.id], MAX_POST_HISTORY)
    return PostModeration(post=post, items=items, history=history)
