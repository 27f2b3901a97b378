"""Notifications: recorded in the caller's transaction, delivered after commit.

Other domains call ``notify`` while they write (no commit here); it records
the events that, once the caller commits, ring the bell of the recipient's
open pages and queue the email they asked for (see esn.delivery).

Reading goes through ``policy.visible_notifications_clause``: a notification
about a post or group the person may no longer see is not listed, counted,
emailed or put in a digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import NotFound
from esn.core.events import record
from esn.core.i18n import get_locale, set_locale
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.mail import Mailer
from esn.notifications.events import BellChanged, NotificationEmail
from esn.notifications.models import (
    Channel,
    DigestFrequency,
    DigestPreference,
    Notification,
    NotificationKind,
    NotificationSetting,
)
from esn.people.models import Profile
from esn.proposals.models import Proposal
from esn.settings import Settings
from esn.stream.models import Comment, Post

log = logging.getLogger("esn.notifications")

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
EXCERPT_LENGTH = 280
# Ids come from URLs; anything larger cannot exist and would overflow PostgreSQL.
MAX_ID = 2**31 - 1

KINDS = [kind.value for kind in NotificationKind]
CHANNELS = [channel.value for channel in Channel]
FREQUENCIES = [frequency.value for frequency in DigestFrequency]


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


# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationRow:
    """One notification as its recipient sees it: who did what, and where to look."""

    notification: Notification
    actor_name: str | None
    actor_handle: str | None
    group_name: str | None
    group_slug: str | None
    proposal_title: str | None = None

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None

    @property
    def text(self) -> str:
        """What happened, in the current language."""
        names = {
            "actor": self.actor_name or _("Someone"),
            "group": self.group_name or _("a group"),
            "proposal": self.proposal_title or _("a proposal"),
        }
        messages = {
            NotificationKind.MENTIONED.value: _("%(actor)s mentioned you"),
            NotificationKind.REPLY.value: _("%(actor)s replied to you"),
            NotificationKind.REACTION.value: _("%(actor)s reacted to your post"),
            NotificationKind.NEW_FOLLOWER.value: _("%(actor)s started following you"),
            NotificationKind.JOIN_REQUEST.value: _("%(actor)s asks to join %(group)s"),
            NotificationKind.REQUEST_ACCEPTED.value: _(
                "%(actor)s accepted your request to join %(group)s"
            ),
            NotificationKind.INVITED.value: _("%(actor)s invited you to join %(group)s"),
            NotificationKind.PROPOSAL_COPROPOSER.value: _(
                "%(actor)s asks you to co-propose “%(proposal)s”"
            ),
            NotificationKind.PROPOSAL_SUBMITTED.value: _(
                "%(actor)s submitted “%(proposal)s” for your approval"
            ),
            NotificationKind.PROPOSAL_APPROVED.value: _("%(actor)s approved “%(proposal)s”"),
            NotificationKind.PROPOSAL_DECLINED.value: _("%(actor)s declined “%(proposal)s”"),
            NotificationKind.PROPOSAL_CHANGES.value: _(
                "%(actor)s asks for changes to “%(proposal)s”"
            ),
            NotificationKind.PROPOSAL_BACKED.value: _("%(actor)s backs “%(proposal)s”"),
            NotificationKind.PROPOSAL_VOLUNTEER.value: _(
                "%(actor)s volunteers to join “%(proposal)s”"
            ),
            NotificationKind.PROPOSAL_CHECKIN_DUE.value: _(
                "A week went by without a check-in on “%(proposal)s”"
            ),
            NotificationKind.PROPOSAL_RETRO_DUE.value: _(
                "“%(proposal)s” reached its end date: write its retrospective"
            ),
            NotificationKind.SPOTLIGHT_PROPOSED.value: _(
                "%(actor)s would like to put you in the spotlight: read and answer"
            ),
            NotificationKind.SPOTLIGHT_ANSWERED.value: _("%(actor)s answered your spotlight"),
            NotificationKind.CONTENT_HIDDEN.value: _("%(actor)s hid something you wrote: see why"),
            NotificationKind.CONTENT_RESTORED.value: _("%(actor)s restored something you wrote"),
        }
        return messages.get(self.notification.kind, _("%(actor)s did something")) % names

    @property
    def link(self) -> str:
        """The path of the thing the notification is about."""
        n = self.notification
        if n.spotlight_id is not None:
            return f"/animation/spotlights/{n.spotlight_id}"
        if n.proposal_id is not None:
            return f"/proposals/{n.proposal_id}"
        if n.post_id is not None:
            anchor = f"#comment-{n.comment_id}" if n.comment_id is not None else ""
            return f"/posts/{n.post_id}{anchor}"
        if self.group_slug is not None:
            tail = "/members" if n.kind == NotificationKind.JOIN_REQUEST.value else ""
            return f"/groups/{self.group_slug}{tail}"
        if self.actor_handle is not None:
            return f"/people/{self.actor_handle}"
        return "/notifications"


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


def _rows_query(actor: User) -> Any:
    """The recipient's visible notifications with the actor's and group's names."""
    # An alias: the visibility clause has its own subqueries on "group", which
    # must not be correlated with the group shown here.
    shown_group = aliased(Group)
    shown_proposal = aliased(Proposal)
    return (
        select(
            Notification,
            col(Profile.display_name),
            col(Profile.handle),
            col(shown_group.name),
            col(shown_group.slug),
            col(shown_proposal.title),
        )
        .outerjoin(Profile, col(Profile.user_id) == col(Notification.actor_id))
        .outerjoin(shown_group, col(shown_group.id) == col(Notification.group_id))
        .outerjoin(shown_proposal, col(shown_proposal.id) == col(Notification.proposal_id))
        .where(col(Notification.user_id) == actor.id, policy.visible_notifications_clause(actor))
    )


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
    statement = _rows_query(actor)
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


# --- settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationSettings:
    """A person's channel for every kind and their digest frequency."""

    channels: dict[str, str]
    frequency: str


async def digest_frequency(db: AsyncSession, user_id: int) -> str:
    """How often ``user_id`` wants the digest (weekly when never chosen)."""
    preference = await db.get(DigestPreference, user_id)
    return preference.frequency if preference else DigestFrequency.WEEKLY.value


async def notification_settings(db: AsyncSession, actor: User) -> NotificationSettings:
    """The actor's settings, with in-app for every kind never set."""
    result = await db.execute(
        select(col(NotificationSetting.kind), col(NotificationSetting.channel)).where(
            col(NotificationSetting.user_id) == actor.id
        )
    )
    chosen = {kind: channel for kind, channel in result.all()}
    channels = {kind: chosen.get(kind, Channel.IN_APP.value) for kind in KINDS}
    assert actor.id is not None
    return NotificationSettings(channels=channels, frequency=await digest_frequency(db, actor.id))


async def save_notification_settings(
    db: AsyncSession, actor: User, channels: dict[str, str], frequency: str
) -> NotificationSettings:
    """Store the actor's channel per kind and digest frequency (all at once)."""
    if any(kind not in KINDS for kind in channels) or any(
        channel not in CHANNELS for channel in channels.values()
    ):
        raise ValueError("unknown notification kind or channel")
    if frequency not in FREQUENCIES:
        raise ValueError("unknown digest frequency")
    assert actor.id is not None
    existing = {
        setting.kind: setting
        for setting in (
            await db.execute(
                select(NotificationSetting).where(col(NotificationSetting.user_id) == actor.id)
            )
        ).scalars()
    }
    for kind, channel in channels.items():
        setting = existing.get(kind)
        if setting is None:
            db.add(NotificationSetting(user_id=actor.id, kind=kind, channel=channel))
        else:
            setting.channel = channel
    preference = await db.get(DigestPreference, actor.id)
    if preference is None:
        db.add(DigestPreference(user_id=actor.id, frequency=frequency))
    else:
        preference.frequency = frequency
    await db.commit()
    return await notification_settings(db, actor)


# --- email ---------------------------------------------------------------------------


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a post or comment for an email: one paragraph, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0] + "…"


class Locale:
    """Speak ``locale`` inside the block, then the previous language again."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.previous = get_locale()

    def __enter__(self) -> None:
        self.previous = get_locale()
        set_locale(self.locale)

    def __exit__(self, *exc_info: object) -> None:
        set_locale(self.previous)


def recipient_locale(user: User, settings: Settings) -> str:
    """The language to write to ``user`` in."""
    return user.locale or settings.default_locale


def local_time(moment: datetime, user: User) -> str:
    """``moment`` in ``user``'s time zone, written in the current language."""
    try:
        zone = ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return format_datetime(as_utc(moment), "long", tzinfo=zone, locale=get_locale())


async def visible_row(db: AsyncSession, user: User, notification_id: int) -> NotificationRow | None:
    """One of ``user``'s notifications, if they may still see what it points to."""
    statement = _rows_query(user).where(col(Notification.id) == notification_id)
    row = (await db.execute(statement)).one_or_none()
    if row is None:
        return None
    return NotificationRow(row[0], row[1], row[2], row[3], row[4], row[5])


async def _quoted_text(db: AsyncSession, notification: Notification) -> str:
    """The comment or post the notification is about (already checked readable).

    Hidden content is quoted to its author only: everyone else reads the
    placeholder in the app, never the text by email.
    """
    recipient = notification.user_id
    post = await db.get(Post, notification.post_id) if notification.post_id is not None else None
    if post is not None and post.hidden_at is not None and post.author_id != recipient:
        return ""
    if notification.comment_id is not None:
        comment = await db.get(Comment, notification.comment_id)
        if comment is not None:
            if comment.hidden_at is not None and comment.author_id != recipient:
                return ""
            return excerpt(comment.body)
    return excerpt(post.body) if post is not None else ""


async def email_notification(
    db: AsyncSession, mailer: Mailer, settings: Settings, notification_id: int
) -> bool:
    """Email one notification to its recipient, in their language, with a link back.

    Checks again that the recipient may see what it points to; returns whether
    a message went out. Raises if the SMTP server refuses it.
    """
    notification = await db.get(Notification, notification_id)
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = await db.get(User, notification.user_id)
    if recipient is None or not policy.is_staff(recipient):
        return False
    row = await visible_row(db, recipient, notification_id)
    if row is None:
        return False
    quoted = await _quoted_text(db, notification)
    with Locale(recipient_locale(recipient, settings)):
        summary = row.text
        when = local_time(notification.created_at, recipient)
        lines = [summary + ".", _("When: %(when)s") % {"when": when}]
        if quoted:
            lines += ["", f"> {quoted}"]
        lines += [
            "",
            _("Open it in esn: %(link)s") % {"link": settings.base_url + row.link},
            "",
            _("You receive this email because you chose email for this kind of notification.")
            + " "
            + _("Change it here: %(link)s")
            % {"link": settings.base_url + "/settings/notifications"},
        ]
        subject = _("esn: %(summary)s") % {"summary": summary}
        await mailer.send(recipient.email, subject, "\n".join(lines))
    notification.emailed_at = utcnow()
    await db.commit()
    return True
