"""Moderation: reporting, the queue, hiding and restoring with reasons.

Any reader of a post or comment except its author reports it with a reason
(one open report per person per item). Moderators (policy.can_moderate_content:
company animators and administrators for what they may read, a group's owners
and animators for its content) see the open reports in a queue, hide the item
with a reason, restore it, or dismiss its reports. Every step is a
ModerationAction with who and why; the author is told, never who reported.

Transitions follow esn.lifecycle.REPORT and CONTENT_VISIBILITY and are written
with conditional UPDATEs (``WHERE hidden_at IS NULL``, ``WHERE state = 'open'``):
of two moderators acting at once, the second is told it was already handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import ContentReport, ModerationAction, ReportState
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.lifecycle import CONTENT_VISIBILITY, REPORT, LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.events import PostUpdated
from esn.stream.models import Comment, Post

# The queue shows this many reported items (oldest report first), each with
# up to MAX_REASONS of its reports; the log the latest MAX_LOG actions.
MAX_QUEUE_ITEMS = 50
MAX_REASONS = 10
MAX_LOG = 30
MAX_POST_HISTORY = 50
EXCERPT = 200
MODERATOR_ROLES = ("owner", "animator")


class AlreadyHandled(Exception):
    """Another moderator (or an earlier click) already made this move."""


# --- who moderates what ----------------------------------------------------------------


async def can_open_queue(db: AsyncSession, actor: User) -> bool:
    """Company animators and administrators, and anyone who animates a group."""
    if policy.can_animate_company(actor):
        return True
    if not policy.is_staff(actor):
        return False
    found = await db.execute(policy.animated_group_ids(actor).limit(1))
    return found.first() is not None


async def _item(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> tuple[Post, Comment | None]:
    """A readable post and, when asked, one of its comments (NotFound otherwise)."""
    post = await stream.readable_post(db, actor, post_id)
    if comment_id is None:
        return post, None
    comment = await db.get(Comment, comment_id)
    if comment is None or comment.post_id != post.id:
        raise NotFound
    return post, comment


async def _may_moderate(db: AsyncSession, actor: User, post: Post) -> bool:
    role = await stream.group_role(db, actor, post.group_id)
    return policy.can_moderate_content(
        actor, group_id=post.group_id, group_role=role, can_read=True
    )


# --- reporting -------------------------------------------------------------------------


@dataclass
class ReportTarget:
    """What a person is about to report, and whether they already did."""

    post: Post
    comment: Comment | None
    author: Profile
    already_reported: bool

    @property
    def excerpt(self) -> str:
        """The start of the reported text (the reporter may read it)."""
        body = self.comment.body if self.comment is not None else self.post.body
        return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + "…"


async def _open_report_of(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> int | None:
    comment_match = (
        col(ContentReport.comment_id).is_(None)
        if comment_id is None
        else col(ContentReport.comment_id) == comment_id
    )
    found = await db.execute(
        select(col(ContentReport.id))
        .where(
            col(ContentReport.post_id) == post_id,
            comment_match,
            col(ContentReport.reporter_id) == actor.id,
            col(ContentReport.state) == ReportState.OPEN.value,
        )
        .limit(1)
    )
    return found.scalar_one_or_none()


async def report_target(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None = None
) -> ReportTarget:
    """The post or comment ``actor`` wants to report.

    NotFound when they may not read it (or it is hidden from them); Forbidden
    for its author, who cannot report their own words.
    """
    post, comment = await _item(db, actor, post_id, comment_id)
    author_id = comment.author_id if comment is not None else post.author_id
    if not policy.can_report_content(actor, can_read=True, author_id=author_id):
        raise Forbidden
    if post.hidden_at is not None or (comment is not None and comment.hidden_at is not None):
        # Already hidden: readers see only a placeholder, there is nothing
        # left to report (moderators have the Restore control instead).
        raise NotFound
    author = await db.get(Profile, author_id)
    if author is None:
        raise NotFound
    already = await _open_report_of(db, actor, post_id, comment_id) is not None
    return ReportTarget(post=post, comment=comment, author=author, already_reported=already)


async def report_content(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None, reason: str
) -> ContentReport:
    """Report a post (or one of its comments) with a reason.

    One open report per person per item: a second one is refused with a
    message. Nobody is notified now; the moderators find it in their queue.
    """
    target = await report_target(db, actor, post_id, comment_id)
    if target.already_reported:
        raise InvalidInput(
            {"__all__": _("You already reported this. A moderator will look at it.")}
        )
    report = ContentReport(
        post_id=post_id, comment_id=comment_id, reporter_id=actor.id, reason=reason
    )
    db.add(report)
    await db.commit()
    return report


# --- hiding, restoring, dismissing -------------------------------------------------------


@dataclass(frozen=True)
class ModerationDone:
    """What a moderation step changed: where to go back to."""

    post_id: int
    comment_id: int | None
    action: str


async def _moderated_item(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> tuple[Post, Comment | None]:
    post, comment = await _item(db, actor, post_id, comment_id)
    if not await _may_moderate(db, actor, post):
        raise Forbidden
    return post, comment


def _reports_of(post_id: int, comment_id: int | None) -> Any:
    """SQL condition: reports about exactly this item (the post alone, or one comment)."""
    if comment_id is None:
        return and_(col(ContentReport.post_id) == post_id, col(ContentReport.comment_id).is_(None))
    return and_(col(ContentReport.post_id) == post_id, col(ContentReport.comment_id) == comment_id)


def _state_of(item: Post | Comment) -> str:
    return "hidden" if item.hidden_at is not None else "visible"


async def _first_open_report(db: AsyncSession, post_id: int, comment_id: int | None) -> int | None:
    found = await db.execute(
        select(func.min(col(ContentReport.id))).where(
            _reports_of(post_id, comment_id), col(ContentReport.state) == ReportState.OPEN.value
        )
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else None


async def _close_reports(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None, action: str
) -> int:
    """Move the item's open reports along REPORT's ``action`` edge; how many moved."""
    target = REPORT.next_state(ReportState.OPEN.value, action)
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(ContentReport)
            .where(_reports_of(post_id, comment_id), col(ContentReport.state) == REPORT.initial)
            .values(state=target, handled_by=actor.id, handled_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount or 0)


async def _set_hidden(
    db: AsyncSession, item: Post | Comment, actor: User, reason: str, *, hide: bool
) -> bool:
    """Hide or restore with a conditional UPDATE; False when someone was first."""
    model: Any = type(item)
    action = "hide" if hide else "restore"
    try:
        CONTENT_VISIBILITY.next_state(_state_of(item), action)
    except LifecycleError:
        return False
    condition = col(model.hidden_at).is_(None) if hide else col(model.hidden_at).is_not(None)
    values: dict[str, Any] = (
        {"hidden_at": utcnow(), "hidden_by": actor.id, "hidden_reason": reason}
        if hide
        else {"hidden_at": None, "hidden_by": None, "hidden_reason": ""}
    )
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(model)
            .where(col(model.id) == item.id, condition)
            .values(values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    # The row changed behind the session's back: keep the loaded object in step
    # (without marking it dirty) for whoever reads it next in this session.
    for name, value in values.items():
        set_committed_value(item, name, value)
    return True


async def _change_visibility(
    db: AsyncSession,
    actor: User,
    post_id: int,
    comment_id: int | None,
    reason: str,
    *,
    hide: bool,
) -> ModerationDone:
    post, comment = await _moderated_item(db, actor, post_id, comment_id)
    item: Post | Comment = comment if comment is not None else post
    action = "hide" if hide else "restore"
    report_id = await _first_open_report(db, post_id, comment_id) if hide else None
    if not await _set_hidden(db, item, actor, reason, hide=hide):
        await db.rollback()
        raise AlreadyHandled
    if hide:
        # Hiding settles every open report on the item.
        await _close_reports(db, actor, post_id, comment_id, "hide")
    db.add(
        ModerationAction(
            actor_id=actor.id,
            action=action,
            post_id=post_id,
            comment_id=comment_id,
            report_id=report_id,
            reason=reason,
        )
    )
    kind = NotificationKind.CONTENT_HIDDEN if hide else NotificationKind.CONTENT_RESTORED
    await notifications.notify(
        db,
        kind.value,
        item.author_id,
        actor_id=actor.id,
        post_id=post_id,
        comment_id=comment_id,
        group_id=post.group_id,
    )
    if comment is None:
        # Open pages swap the card's body: the placeholder (or the text again)
        # for each reader, as esn.stream decides.
        record(db, PostUpdated(post_id))
    await db.commit()
    return ModerationDone(post_id=post_id, comment_id=comment_id, action=action)


async def hide_content(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None, reason: str
) -> ModerationDone:
    """Hide a post or comment with a reason (required); its open reports are
    actioned and its author is notified. AlreadyHandled if it is hidden already."""
    if not reason.strip():
        raise InvalidInput({"reason": _("Say why: the author will read it.")})
    return await _change_visibility(db, actor, post_id, comment_id, reason, hide=True)


async def restore_content(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None, reason: str
) -> ModerationDone:
    """Show a hidden post or comment again (the reason is optional but recorded);
    its author is notified. AlreadyHandled if it is not hidden."""
    return await _change_visibility(db, actor, post_id, comment_id, reason, hide=False)


async def dismiss_reports(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None, reason: str
) -> ModerationDone:
    """Close the open reports of a post or comment without hiding it.

    AlreadyHandled when none is open any more. The reporters are not told.
    """
    await _moderated_item(db, actor, post_id, comment_id)
    report_id = await _first_open_report(db, post_id, comment_id)
    if report_id is None or not await _close_reports(db, actor, post_id, comment_id, "dismiss"):
        await db.rollback()
        raise AlreadyHandled
    db.add(
        ModerationAction(
            actor_id=actor.id,
            action="dismiss",
            post_id=post_id,
            comment_id=comment_id,
            report_id=report_id,
            reason=reason,
        )
    )
    await db.commit()
    return ModerationDone(post_id=post_id, comment_id=comment_id, action="dismiss")


async def action_target(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> ReportTarget:
    """The item a moderator is about to hide, restore or dismiss (for the form page)."""
    post, comment = await _moderated_item(db, actor, post_id, comment_id)
    author_id = comment.author_id if comment is not None else post.author_id
    author = await db.get(Profile, author_id)
    if author is None:
        raise NotFound
    return ReportTarget(post=post, comment=comment, author=author, already_reported=False)


# --- the queue ---------------------------------------------------------------------------


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
        body = self.comment.body if self.comment is not None else self.post.body
        return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + "…"


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
    items = await _queue_items(db, [(row[0], row[1], row[2], row[3]) for row in grouped])
    log = await _log(db, scope, MAX_LOG)
    return ModerationQueue(
        items=items,
        log=log,
        group=group,
        company_wide=policy.can_animate_company(actor),
        more=more,
    )


async def _queue_items(
    db: AsyncSession, grouped: list[tuple[int, int | None, int, datetime]]
) -> list[QueueItem]:
    """Posts, comments, authors, groups and reasons of the queue's items: one
    query per kind of thing, whatever the number of items."""
    if not grouped:
        return []
    post_ids = sorted({post_id for post_id, _c, _n, _f in grouped})
    comment_ids = sorted({comment_id for _p, comment_id, _n, _f in grouped if comment_id})
    posts = {
        post.id: (post, group)
        for post, group in (
            await db.execute(
                select(Post, Group)
                .outerjoin(Group, col(Group.id) == col(Post.group_id))
                .where(col(Post.id).in_(post_ids))
            )
        ).all()
    }
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


async def _log(db: AsyncSession, scope: list[Any], limit: int) -> list[LogEntry]:
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


# --- page hooks ---------------------------------------------------------------------------


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


async def post_moderation(db: AsyncSession, actor: User, post_id: int) -> Any:
    """Whether ``actor`` may report the post and, for its moderators, its open
    reports and moderation history; None when there is nothing to show.

    Readers report from the card's menu, so only moderators get a panel.
    """
    try:
        post = await stream.readable_post(db, actor, post_id)
    except NotFound:
        return None
    if not await _may_moderate(db, actor, post):
        return None
    grouped = (
        await db.execute(
            select(
                col(ContentReport.post_id),
                col(ContentReport.comment_id),
                func.count(col(ContentReport.id)),
                func.min(col(ContentReport.created_at)),
            )
            .where(
                col(ContentReport.post_id) == post_id,
                col(ContentReport.state) == ReportState.OPEN.value,
            )
            .group_by(col(ContentReport.post_id), col(ContentReport.comment_id))
            .order_by(func.min(col(ContentReport.created_at)))
            .limit(MAX_QUEUE_ITEMS)
        )
    ).all()
    items = await _queue_items(db, [(row[0], row[1], row[2], row[3]) for row in grouped])
    history = await _log(db, [col(Post.id) == post_id], MAX_POST_HISTORY)
    return PostModeration(post=post, items=items, history=history)
