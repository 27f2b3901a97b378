"""The email digest: unread notifications and the most discussed posts of one's groups.

``esn digest`` runs ``send_digests``; run it every hour or so (cron, a systemd
timer): each person gets their digest once their daily or weekly turn comes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc
from esn.core.i18n import gettext as _
from esn.core.urls import path_for
from esn.groups.models import Group, Membership
from esn.mail import Mailer
from esn.notifications import service
from esn.notifications.models import DigestFrequency, DigestPreference
from esn.notifications.service import (
    Locale,
    NotificationRow,
    excerpt,
    local_time,
    recipient_locale,
)
from esn.people.models import Profile
from esn.settings import Settings
from esn.stream.models import Post

log = logging.getLogger("esn.notifications")

PERIODS = {
    DigestFrequency.DAILY.value: timedelta(days=1),
    DigestFrequency.WEEKLY.value: timedelta(days=7),
}
# A job started a little earlier than yesterday's still counts as a day later.
SLACK = timedelta(hours=1)
BATCH = 200
MAX_NOTIFICATIONS = 20
MAX_POSTS = 5


@dataclass(frozen=True)
class DiscussedPost:
    """A post of one of the person's groups, with where it was and who wrote it."""

    post: Post
    group_name: str
    author_name: str


@dataclass(frozen=True)
class Digest:
    """What one person's digest holds."""

    notifications: list[NotificationRow]
    posts: list[DiscussedPost]

    @property
    def empty(self) -> bool:
        return not self.notifications and not self.posts


async def most_discussed_posts(
    db: AsyncSession, user: User, since: datetime, limit: int = MAX_POSTS
) -> list[DiscussedPost]:
    """The posts of ``user``'s groups since ``since`` with the most comments, readable by them."""
    # Aliases: readable_posts_clause has its own subqueries on "group" and
    # "membership", which must not be correlated with these joins.
    shown_group = aliased(Group)
    mine = aliased(Membership)
    statement = (
        select(Post, col(shown_group.name), col(Profile.display_name))
        .join(shown_group, col(shown_group.id) == col(Post.group_id))
        .join(mine, and_(col(mine.group_id) == col(Post.group_id), col(mine.user_id) == user.id))
        .join(Profile, col(Profile.user_id) == col(Post.author_id))
        .where(
            col(Post.created_at) >= since,
            col(Post.comment_count) > 0,
            col(Post.hidden_at).is_(None),
            policy.readable_posts_clause(user),
        )
        .order_by(
            col(Post.comment_count).desc(), col(Post.reaction_count).desc(), col(Post.id).desc()
        )
        .limit(limit)
    )
    rows = (await db.execute(statement)).all()
    return [DiscussedPost(post=row[0], group_name=row[1], author_name=row[2]) for row in rows]


async def build_digest(db: AsyncSession, user: User, since: datetime) -> Digest:
    """``user``'s unread notifications and the most discussed posts of their groups."""
    page = await service.list_notifications(db, user, limit=MAX_NOTIFICATIONS, unread_only=True)
    return Digest(notifications=page.rows, posts=await most_discussed_posts(db, user, since))


def digest_text(digest: Digest, user: User, settings: Settings, now: datetime) -> str:
    """The plain-text body, in the current language."""
    lines = [_("What happened on esn, as of %(when)s.") % {"when": local_time(now, user)}, ""]
    if digest.notifications:
        lines += [_("Unread notifications"), ""]
        for row in digest.notifications:
            lines.append(f"- {row.text}: {settings.base_url}{row.link}")
        lines.append("")
    if digest.posts:
        lines += [_("Most discussed in your groups"), ""]
        for item in digest.posts:
            heading = _("%(author)s in %(group)s, %(count)d comments") % {
                "author": item.author_name,
                "group": item.group_name,
                "count": item.post.comment_count,
            }
            post_link = path_for("posts:post", post_id=item.post.id)
            lines.append(f"- {heading}: {settings.base_url}{post_link}")
            lines.append(f"  {excerpt(item.post.body, 160)}")
        lines.append("")
    lines.append(
        _("Change how often you get this digest: %(link)s")
        % {"link": settings.base_url + path_for("notification_settings")}
    )
    return "\n".join(lines)


def _due(preference: DigestPreference | None, now: datetime) -> timedelta | None:
    """The period of a person whose digest is due now, else None."""
    frequency = preference.frequency if preference else DigestFrequency.WEEKLY.value
    period = PERIODS.get(frequency)
    if period is None:
        return None
    last = preference.last_sent_at if preference else None
    if last is not None and as_utc(last) > now - period + SLACK:
        return None
    return period


async def send_digests(db: AsyncSession, mailer: Mailer, settings: Settings, now: datetime) -> int:
    """Email every active person whose daily or weekly digest is due; returns how many went.

    A person with nothing to read gets no email but their turn is recorded; a
    mail that fails is logged and retried on the next run.
    """
    sent = 0
    after_id = 0
    while True:
        rows = (
            await db.execute(
                select(User, DigestPreference)
                .outerjoin(DigestPreference, col(DigestPreference.user_id) == col(User.id))
                .where(col(User.is_active), col(User.id) > after_id)
                .order_by(col(User.id))
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return sent
        for user, preference in rows:
            assert user.id is not None
            after_id = user.id
            period = _due(preference, now)
            if period is None:
                continue
            digest = await build_digest(db, user, now - period)
            if not digest.empty:
                try:
                    with Locale(recipient_locale(user, settings)):
                        await mailer.send(
                            user.email,
                            _("Your esn digest"),
                            digest_text(digest, user, settings, now),
                        )
                except Exception:
                    log.exception("could not send the digest to user %s", user.id)
                    continue
                sent += 1
            if preference is None:
                frequency = DigestFrequency.WEEKLY.value
                db.add(DigestPreference(user_id=user.id, frequency=frequency, last_sent_at=now))
            else:
                preference.last_sent_at = now
        await db.commit()
