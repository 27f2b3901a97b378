"""The moderation queue: open reports grouped by item, and the log of moderation steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import ContentReport, ModerationAction, ReportState
from esn.animation.moderation.service.access import can_open_queue
from esn.animation.moderation.service.reporting import excerpt
from esn.core.errors import Forbidden, NotFound
from esn.groups.models import Group
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import Comment, Post

# The queue shows this many reported items (oldest report first), each with
# up to MAX_REASONS of its reports; the log the latest MAX_LOG actions.
MAX_QUEUE_ITEMS = 50
MAX_REASONS = 10
MAX_LOG = 30


@dataclass
class ReasonView:
    """One report's reason, who gave it and when (for moderators only)."""

    reason: str
    reporter: str | None
    created_at: datetime


@dataclass
class QueueItem:
    """A reported post or comment with its open reports."""

    post: Post
    comment: Comment | None
    author: Profile | None
    group: Group | None
    count: int
    first_reported_at: datetime
    reasons: list[ReasonView] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        item = self.comment if self.comment is not None else self.post
        return item.hidden_at is not None

    @property
    def excerpt(self) -> str:
        return excerpt(self.comment.body if self.comment is not None else self.post.body)


@dataclass
class LogEntry:
    """One moderation step: who did what, to what, and why."""

    action: ModerationAction
    actor: Profile | None
    group: Group | None


@dataclass
class ModerationQueue:
    """The open reports a moderator may handle, and what was done recently."""

    items: list[QueueItem]
    log: list[LogEntry]
    group: Group | None = None
    company_wide: bool = False
    more: bool = False


async def _group_filter(db: AsyncSession, actor: User, slug: str | None) -> Group | None:
    if not slug:
        return None
    group = (
        await db.execute(select(Group).where(col(Group.slug) == slug[:80]))
    ).scalar_one_or_none()
    role = await stream.group_role(db, actor, group.id) if group is not None else None
    if group is None or not policy.can_see_group(
        actor, group.visibility, is_member=role is not None
    ):
        raise NotFound
    return group


async def moderation_queue(
    db: AsyncSession, actor: User, group_slug: str | None = None
) -> ModerationQueue:
    """Open reports ``actor`` may handle, grouped by item, oldest first (bounded),
    with their reasons; and the latest moderation steps in the same scope.

    ``group_slug`` narrows both to one group. Forbidden for anyone who
    moderates nothing.
    """
    if not await can_open_queue(db, actor):
        raise Forbidden
    group = await _group_filter(db, actor, group_slug)
    scope = [policy.moderated_posts_clause(actor)]
    if group is not None:
        scope.append(col(Post.group_id) == group.id)
    first = func.min(col(ContentReport.created_at)).label("first")
    grouped = (
        await db.execute(
            select(
                col(ContentReport.post_id),
                col(ContentReport.comment_id),
                func.count(col(ContentReport.id)),
                first,
            )
            .join(Post, col(Post.id) == col(ContentReport.post_id))
            .where(col(ContentReport.state) == ReportState.OPEN.value, *scope)
            .group_by(col(ContentReport.post_id), col(ContentReport.comment_id))
            .order_by(first, col(ContentReport.post_id), col(ContentReport.comment_id))
            .limit(MAX_QUEUE_ITEMS + 1)
        )
    ).all()
    more = len(grouped) > MAX_QUEUE_ITEMS
    grouped = grouped[:MAX_QUEUE_ITEMS]
    items = await queue_items(db, [(row[0], row[1], row[2], row[3]) for row in grouped])
    log = await log_entries(db, scope, MAX_LOG)
    return ModerationQueue(
        items=items,
        log=log,
        group=group,
        company_wide=policy.can_animate_company(actor),
        more=more,
    )


async def _posts(
    db: AsyncSession, post_ids: list[int], known: Post | None
) -> dict[int | None, tuple[Post, Group | None]]:
    """The items' posts with their groups; ``known``, already loaded, is not read again."""
    if known is not None and post_ids == [known.id]:
        # The session that loaded the post loaded its group too: get() finds it there.
        group = await db.get(Group, known.group_id) if known.group_id is not None else None
        return {known.id: (known, group)}
    rows = await db.execute(
        select(Post, Group)
        .outerjoin(Group, col(Group.id) == col(Post.group_id))
        .where(col(Post.id).in_(post_ids))
    )
    return {post.id: (post, group) for post, group in rows.all()}


async def queue_items(
    db: AsyncSession,
    grouped: list[tuple[int, int | None, int, datetime]],
    *,
    known: Post | None = None,
) -> list[QueueItem]:
    """Posts, comments, authors, groups and reasons of the queue's items: one
    query per kind of thing, whatever the number of items.

    ``grouped`` holds (post id, comment id, open reports, first reported at);
    ``known`` is a post the caller already loaded (a post page's own post).
    """
    if not grouped:
        return []
    post_ids = sorted({post_id for post_id, _c, _n, _f in grouped})
    comment_ids = sorted({comment_id for _p, comment_id, _n, _f in grouped if comment_id})
    posts = await _posts(db, post_ids, known)
    comments: dict[int | None, Comment] = {}
    if comment_ids:
        for found in (
            await db.execute(select(Comment).where(col(Comment.id).in_(comment_ids)))
        ).scalars():
            comments[found.id] = found
    author_ids = {post.author_id for post, _g in posts.values()}
    author_ids |= {comment.author_id for comment in comments.values()}
    authors = {
        profile.user_id: profile
        for profile in (
            await db.execute(select(Profile).where(col(Profile.user_id).in_(author_ids)))
        ).scalars()
    }
    # The reasons, newest first within each item, at most MAX_REASONS each.
    ranked = (
        select(
            col(ContentReport.id).label("report_id"),
            func.row_number()
            .over(
                partition_by=(col(ContentReport.post_id), col(ContentReport.comment_id)),
                order_by=(col(ContentReport.created_at).desc(), col(ContentReport.id).desc()),
            )
            .label("position"),
        )
        .where(
            col(ContentReport.post_id).in_(post_ids),
            col(ContentReport.state) == ReportState.OPEN.value,
        )
        .subquery()
    )
    reasons: dict[tuple[int, int | None], list[ReasonView]] = {}
    for report, reporter in (
        await db.execute(
            select(ContentReport, col(Profile.display_name))
            .join(ranked, ranked.c.report_id == col(ContentReport.id))
            .outerjoin(Profile, col(Profile.user_id) == col(ContentReport.reporter_id))
            .where(ranked.c.position <= MAX_REASONS)
            .order_by(col(ContentReport.created_at), col(ContentReport.id))
        )
    ).all():
        reasons.setdefault((report.post_id, report.comment_id), []).append(
            ReasonView(reason=report.reason, reporter=reporter, created_at=report.created_at)
        )
    items = []
    for post_id, comment_id, count, first in grouped:
        if post_id not in posts:
            continue
        post, group = posts[post_id]
        comment = comments.get(comment_id) if comment_id else None
        if comment_id and comment is None:
            continue
        author_id = comment.author_id if comment is not None else post.author_id
        items.append(
            QueueItem(
                post=post,
                comment=comment,
                author=authors.get(author_id),
                group=group,
                count=int(count),
                first_reported_at=first,
                reasons=reasons.get((post_id, comment_id), []),
            )
        )
    return items


async def log_entries(db: AsyncSession, scope: list[Any], limit: int) -> list[LogEntry]:
    """The latest moderation steps on posts in ``scope``, newest first."""
    rows = (
        await db.execute(
            select(ModerationAction, Profile, Group)
            .join(Post, col(Post.id) == col(ModerationAction.post_id))
            .outerjoin(Profile, col(Profile.user_id) == col(ModerationAction.actor_id))
            .outerjoin(Group, col(Group.id) == col(Post.group_id))
            .where(*scope)
            .order_by(col(ModerationAction.created_at).desc(), col(ModerationAction.id).desc())
            .limit(limit)
        )
    ).all()
    return [LogEntry(action=row[0], actor=row[1], group=row[2]) for row in rows]
