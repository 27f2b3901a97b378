"""Tables of the people domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class Profile(SQLModel, table=True):
    """Who a person is at work. One per account, sharing its id."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    handle: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120, index=True)
    # Lower-cased, accent-free copy of the name: the directory searches it.
    search_name: str = Field(default="", max_length=120, index=True)
    title: str = Field(default="", max_length=120)
    department: str = Field(default="", max_length=120, index=True)
    site: str = Field(default="", max_length=120, index=True)
    manager_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    bio: str = Field(default="", max_length=4000)
    how_i_can_help: str = Field(default="", max_length=2000)
    looking_for: str = Field(default="", max_length=2000)
    languages: str = Field(default="", max_length=200)
    photo_name: str | None = Field(default=None, max_length=80)
    updated_at: datetime = Field(default_factory=utcnow)


class Skill(SQLModel, table=True):
    """One skill of one person; its normalised name is what filters match."""

    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=60)
    key: str = Field(max_length=60, index=True)


class Follow(SQLModel, table=True):
    """Follower reads followee's posts in their home stream."""

    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id"),
        Index("ix_follow_followee", "followee_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    follower_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    followee_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
