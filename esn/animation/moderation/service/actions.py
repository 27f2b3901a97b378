"""Hiding and restoring a post or comment, dismissing its reports: each with a reason.

Transitions follow esn.lifecycle.REPORT and CONTENT_VISIBILITY and are written
with conditional UPDATEs (``WHERE state = 'open'`` here, ``WHERE hidden_at IS
NULL`` in esn.stream's ``set_hidden``, which owns the post and comment rows):
of two moderators acting at once, the second is told it was already handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.models import ContentReport, ModerationAction, ReportState
from esn.animation.moderation.service.access import may_moderate, readable_item
from esn.animation.moderation.service.reporting import ReportTarget
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.lifecycle import REPORT
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import Comment, Post


class AlreadyHandled(Exception):
    """Another moderator (or an earlier click) already made this move."""


@dataclass(frozen=True)
class ModerationDone:
    """What a moderation step changed: where to go back to."""

    post_id: int
    comment_id: int | None
    action: str


async def _moderated_item(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> tuple[Post, Comment | None]:
    post, comment = await readable_item(db, actor, post_id, comment_id)
    if not may_moderate(actor, post, await stream.group_role(db, actor, post.group_id)):
        raise Forbidden
    return post, comment


def _reports_of(post_id: int, comment_id: int | None) -> Any:
    """SQL condition: reports about exactly this item (the post alone, or one comment)."""
    if comment_id is None:
        return and_(col(ContentReport.post_id) == post_id, col(ContentReport.comment_id).is_(None))
    return and_(col(ContentReport.post_id) == post_id, col(ContentReport.comment_id) == comment_id)


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
    # esn.stream owns the post and comment rows: it hides or restores them (and
    # tells open pages once committed); moderation keeps the reports and the log.
    if not await stream.set_hidden(db, actor, post_id, comment_id, reason, hide=hide):
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
