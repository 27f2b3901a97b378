"""Reporting a post or comment: any reader but its author, once per item, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import ContentReport, ReportState
from esn.animation.moderation.service.access import readable_item
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.people.models import Profile
from esn.stream.models import Comment, Post

EXCERPT = 200


def excerpt(body: str) -> str:
    """The start of a reported text, as moderators and reporters see it quoted."""
    return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + "…"


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
        return excerpt(self.comment.body if self.comment is not None else self.post.body)


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
    post, comment = await readable_item(db, actor, post_id, comment_id)
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
