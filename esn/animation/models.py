"""Tables of the animation domain.

Columns that belong to other domains' rows (a group's archive and merge
marks, a post's or comment's hidden state) live on those rows, in their own
models; this module holds what only animation reads and writes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class SpotlightState(enum.StrEnum):
    """Where a spotlight stands; see esn.lifecycle.SPOTLIGHT."""

    PROPOSED = "proposed"  # drafted by an animator, waiting for the member
    ACCEPTED = "accepted"  # the member agreed: it shows for its period
    DECLINED = "declined"  # the member said no: it never shows
    WITHDRAWN = "withdrawn"  # the animator took it back, or ended it early


class Spotlight(SQLModel, table=True):
    """A portrait of one member, shown to everyone once the member accepts it."""

    __table_args__ = (
        Index("ix_spotlight_state_period", "state", "starts_at", "ends_at"),
        Index("ix_spotlight_member", "member_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    drafted_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    works_on: str = Field(default="", max_length=2000)  # what I work on
    can_help_with: str = Field(default="", max_length=2000)  # how I can help
    looking_for: str = Field(default="", max_length=2000)  # what I am looking for
    why_now: str = Field(default="", max_length=1000)  # the animator's reason
    state: str = Field(default=SpotlightState.PROPOSED.value, max_length=16)
    starts_at: datetime
    ends_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    # Bumped by every edit and transition: a stale form is refused, not applied.
    version: int = Field(default=1)


class FeaturedPost(SQLModel, table=True):
    """A post put forward until it expires: company-wide, or pinned in its group.

    ``group_id`` set means pinned on that group's page; unset means featured
    at the top of everyone's home until they have seen it.
    """

    __tablename__ = "featured_post"
    __table_args__ = (Index("ix_featured_post_expires", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    group_id: int | None = Field(
        default=None, foreign_key="group.id", index=True, ondelete="CASCADE"
    )
    featured_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # Set when an animator takes it down before it expires.
    ended_at: datetime | None = None


class FeaturedPostSeen(SQLModel, table=True):
    """One person has seen (or dismissed) a featured post: it leaves their home."""

    __tablename__ = "featured_post_seen"
    __table_args__ = (UniqueConstraint("featured_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    featured_id: int = Field(foreign_key="featured_post.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    seen_at: datetime = Field(default_factory=utcnow)


class Charter(SQLModel, table=True):
    """One version of the rules of the game: the company's (no group) or a group's.

    Versions are never edited: a change is a new row with the next version.
    """

    __table_args__ = (Index("ix_charter_group_version", "group_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int | None = Field(default=None, foreign_key="group.id", ondelete="CASCADE")
    version: int
    body: str = Field(sa_type=Text)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    # An animator read it and kept it as it is; the work queue asks again a year later.
    reviewed_at: datetime | None = None


class CharterAcceptance(SQLModel, table=True):
    """A person accepted one charter version."""

    __tablename__ = "charter_acceptance"
    __table_args__ = (UniqueConstraint("charter_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    charter_id: int = Field(foreign_key="charter.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    accepted_at: datetime = Field(default_factory=utcnow)


class ReportState(enum.StrEnum):
    """Where a report stands; see esn.lifecycle.REPORT."""

    OPEN = "open"
    DISMISSED = "dismissed"  # looked at, nothing to do
    ACTIONED = "actioned"  # the content was hidden


class ContentReport(SQLModel, table=True):
    """A member reports a post, or a comment (``comment_id`` set) on it."""

    __tablename__ = "content_report"
    __table_args__ = (
        Index("ix_content_report_state_created", "state", "created_at"),
        Index("ix_content_report_post", "post_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    reporter_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: str = Field(max_length=1000)
    state: str = Field(default=ReportState.OPEN.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    handled_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    handled_at: datetime | None = None


class ModerationAction(SQLModel, table=True):
    """Every moderation step, with who and why: hide, restore, dismiss."""

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_post", "post_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=16)
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    report_id: int | None = Field(
        default=None, foreign_key="content_report.id", ondelete="SET NULL"
    )
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class QueueItemHandled(SQLModel, table=True):
    """An animator marked a work-queue item handled: it leaves the queue.

    ``kind`` names the queue ("unanswered_post", "silent_newcomer",
    "quiet_group", "waiting_request", "stale_charter"); ``object_id`` the
    post, person, group, join request or charter it is about.
    """

    __tablename__ = "queue_item_handled"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    object_id: int
    handled_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    handled_at: datetime = Field(default_factory=utcnow)


class ImpactOutcome(enum.StrEnum):
    """What a conversation led to, as an animator tags it."""

    GOT_HELP = "got_help"
    FIRST_CROSS_TEAM_CONTACT = "first_cross_team_contact"
    IDEA_ADOPTED = "idea_adopted"
    BECAME_PROPOSAL = "became_proposal"


class ImpactStory(SQLModel, table=True):
    """An animator tags a thread with what came of it."""

    __tablename__ = "impact_story"
    __table_args__ = (
        UniqueConstraint("post_id", "outcome"),
        Index("ix_impact_story_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    outcome: str = Field(max_length=32)
    note: str = Field(default="", max_length=1000)
    tagged_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
