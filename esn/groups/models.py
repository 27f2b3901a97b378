"""Tables of the groups domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class Visibility(enum.StrEnum):
    """Who sees a group and how one gets in."""

    OPEN = "open"  # listed; anyone reads and joins
    PRIVATE = "private"  # listed; content for members; join on request
    SECRET = "secret"  # noqa: S105 - not listed; by invitation only


class GroupRole(enum.StrEnum):
    """A member's role inside one group."""

    OWNER = "owner"
    ANIMATOR = "animator"
    MEMBER = "member"


class RequestKind(enum.StrEnum):
    """Who opened a GroupRequest: the person asking in, or a member inviting them."""

    REQUEST = "request"
    INVITATION = "invitation"


# The state a request or invitation waits in until decided: the initial state
# of esn.lifecycle.GROUP_REQUEST (a test keeps the two equal). The visibility
# rules read it, and policy may not import the lifecycle module.
PENDING = "pending"


class Group(SQLModel, table=True):
    """A transverse project group."""

    __tablename__ = "group"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=120)
    search_name: str = Field(default="", max_length=120, index=True)
    description: str = Field(default="", max_length=4000)
    visibility: str = Field(default=Visibility.OPEN.value, max_length=16, index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    member_count: int = Field(default=0)
    # Curation (esn.animation): an archived group is read-only and still
    # readable by whoever could read it; a merged group's address redirects
    # to the group it was merged into; a featured group leads the directory
    # until the date.
    archived_at: datetime | None = None
    archived_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    merged_into_id: int | None = Field(
        default=None, foreign_key="group.id", index=True, ondelete="SET NULL"
    )
    featured_until: datetime | None = None


class GroupTag(SQLModel, table=True):
    """A tag describing a group; the directory searches them."""

    __tablename__ = "group_tag"
    __table_args__ = (UniqueConstraint("group_id", "tag"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="group.id", index=True, ondelete="CASCADE")
    tag: str = Field(max_length=60, index=True)


class Membership(SQLModel, table=True):
    """A person in a group, with their role there."""

    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_membership_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="group.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    role: str = Field(default=GroupRole.MEMBER.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class GroupRequest(SQLModel, table=True):
    """A join request (from the person) or an invitation (from a member).

    Its ``state`` follows the graph in esn.lifecycle.GROUP_REQUEST.
    """

    __tablename__ = "group_request"
    __table_args__ = (
        Index("ix_group_request_group_state", "group_id", "state"),
        # One pending request and one pending invitation per person and group,
        # even when the same form is sent twice at the same instant.
        Index(
            "uq_group_request_pending",
            "group_id",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="group.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # a RequestKind
    state: str = Field(default=PENDING, max_length=16)
    invited_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decided_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
