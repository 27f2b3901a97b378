"""Emailing one notification to its recipient, in their language and time zone.

Sent after commit (esn.delivery), and only if the recipient may still see
what it points to.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc, utcnow
from esn.core.i18n import get_locale, set_locale
from esn.core.i18n import gettext as _
from esn.core.urls import path_for
from esn.mail import Mailer
from esn.notifications.models import Notification
from esn.notifications.service.rows import visible_row
from esn.settings import Settings
from esn.stream.models import Comment, Post

EXCERPT_LENGTH = 280


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
            % {"link": settings.base_url + path_for("notification_settings")},
        ]
        subject = _("esn: %(summary)s") % {"summary": summary}
        await mailer.send(recipient.email, subject, "\n".join(lines))
    notification.emailed_at = utcnow()
    await db.commit()
    return True
