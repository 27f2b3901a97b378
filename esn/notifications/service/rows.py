"""One notification as its recipient sees it: who did what, where, and the link to it.

Reading goes through ``policy.visible_notifications_clause``: a notification
about a post or group the person may no longer see is not listed, counted,
emailed or put in a digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.i18n import gettext as _
from esn.core.urls import path_for
from esn.groups.models import Group
from esn.notifications.models import Notification, NotificationKind
from esn.people.models import Profile
from esn.proposals.models import Proposal


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
        """Not read yet: it counts on the bell."""
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
        """The path of the thing the notification is about (on the page and in mail)."""
        n = self.notification
        if n.spotlight_id is not None:
            return path_for("animation_spotlights_spotlight", spotlight_id=n.spotlight_id)
        if n.proposal_id is not None:
            return path_for("proposals:proposal", proposal_id=n.proposal_id)
        if n.post_id is not None:
            anchor = f"#comment-{n.comment_id}" if n.comment_id is not None else ""
            return path_for("posts:post", post_id=n.post_id) + anchor
        if self.group_slug is not None:
            joining = n.kind == NotificationKind.JOIN_REQUEST.value
            return path_for("groups:members" if joining else "groups:group", slug=self.group_slug)
        if self.actor_handle is not None:
            return path_for("people:profile", handle=self.actor_handle)
        return path_for("notifications_home")


def rows_query(actor: User) -> Any:
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


async def visible_row(db: AsyncSession, user: User, notification_id: int) -> NotificationRow | None:
    """One of ``user``'s notifications, if they may still see what it points to."""
    statement = rows_query(user).where(col(Notification.id) == notification_id)
    row = (await db.execute(statement)).one_or_none()
    if row is None:
        return None
    return NotificationRow(row[0], row[1], row[2], row[3], row[4], row[5])
