"""Tables of the notifications domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class NotificationKind(enum.StrEnum):
    """What a notification is about."""

    MENTIONED = "mentioned"
    REPLY = "reply"
    REACTION = "reaction"
    NEW_FOLLOWER = "new_follower"
    JOIN_REQUEST = "join_request"
    REQUEST_ACCEPTED = "request_accepted"
    INVITED = "invited"
    PROPOSAL_COPROPOSER = "proposal_coproposer"
    PROPOSAL_SUBMITTED = "proposal_submitted"
    PROPOSAL_APPROVED = "proposal_approved"
    PROPOSAL_DECLINED = "proposal_declined"
    PROPOSAL_CHANGES = "proposal_changes"
    PROPOSAL_BACKED = "proposal_backed"
    PROPOSAL_VOLUNTEER = "proposal_volunteer"
    PROPOSAL_CHECKIN_DUE = "proposal_checkin_due"
    PROPOSAL_RETRO_DUE = "proposal_retro_due"
    SPOTLIGHT_PROPOSED = "spotlight_proposed"
    SPOTLIGHT_ANSWERED = "spotlight_answered"
    CONTENT_HIDDEN = "content_hidden"
    CONTENT_RESTORED = "content_restored"


class Channel(enum.StrEnum):
    """Where a kind of notification goes."""

    IN_APP = "in_app"
    EMAIL = "email"
    OFF = "off"


class DigestFrequency(enum.StrEnum):
    """How often the email digest is sent."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class Notification(SQLModel, table=True):
    """Something that happened that one person should know about."""

    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="group.id", ondelete="CASCADE")
    proposal_id: int | None = Field(
        default=None, foreign_key="proposal.id", index=True, ondelete="CASCADE"
    )
    spotlight_id: int | None = Field(default=None, foreign_key="spotlight.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = Field(default=None, index=True)
    emailed_at: datetime | None = None


class NotificationSetting(SQLModel, table=True):
    """A person's channel for one kind (absent: in-app)."""

    __tablename__ = "notification_setting"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    channel: str = Field(default=Channel.IN_APP.value, max_length=16)


class DigestPreference(SQLModel, table=True):
    """How often a person wants the digest, and when it was last sent."""

    __tablename__ = "digest_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    frequency: str = Field(default=DigestFrequency.WEEKLY.value, max_length=16)
    last_sent_at: datetime | None = None
