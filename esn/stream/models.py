"""Tables of the stream domain: posts, conversation, reactions, topics, activity."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class SourceKind(enum.StrEnum):
    """What a stream key names: the company stream, a group, or a person's profile."""

    COMPANY = "company"
    GROUP = "group"
    USER = "user"


COMPANY_SOURCE = SourceKind.COMPANY.value


def group_source(group_id: int) -> str:
    """The stream key of a group's posts."""
    return f"{SourceKind.GROUP.value}:{group_id}"


def profile_source(user_id: int) -> str:
    """The stream key of posts on a person's own profile."""
    return f"{SourceKind.USER.value}:{user_id}"


class ReactionKind(enum.StrEnum):
    """The small fixed set of reactions."""

    LIKE = "like"
    CELEBRATE = "celebrate"
    INSIGHTFUL = "insightful"
    SUPPORT = "support"


class Post(SQLModel, table=True):
    """A post in exactly one source: the company stream, a group, or a profile.

    ``source`` is "company", "group:<id>" or "user:<id>"; streams read it
    through the (source, created_at, id) index by an explicit list of sources.
    ``group_id`` repeats the group of a group post so visibility can join on it.
    """

    __table_args__ = (
        Index("ix_post_source_created", "source", "created_at", "id"),
        Index("ix_post_author_created", "author_id", "created_at", "id"),
        # The home stream walks all posts newest first and keeps those of its
        # sources: company posts alone make that a short walk for everyone.
        Index("ix_post_created", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    group_id: int | None = Field(
        default=None, foreign_key="group.id", index=True, ondelete="CASCADE"
    )
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    body: str = Field(max_length=20000)
    html: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    # Kept on the row so a stream page needs no counting query: every write
    # that adds or removes a comment, reaction or attachment updates them.
    comment_count: int = Field(default=0)
    reaction_count: int = Field(default=0)
    like_count: int = Field(default=0)
    celebrate_count: int = Field(default=0)
    insightful_count: int = Field(default=0)
    support_count: int = Field(default=0)
    attachment_count: int = Field(default=0)
    # The post's #topics, space-separated and sorted, for display; PostTopic
    # rows index the same tags for topic streams.
    topic_tags: str = Field(default="", sa_type=Text)
    # A hash of (author, body) with the minute it was sent: the same form
    # submitted twice in a second creates one post.
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True)
    # Moderation (esn.animation): hidden content shows its author that it is
    # hidden and why; everyone else sees a placeholder.
    hidden_at: datetime | None = None
    hidden_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    hidden_reason: str = Field(default="", max_length=1000)


def reaction_count_column(kind: str) -> str:
    """The Post column counting reactions of ``kind`` (one of ReactionKind)."""
    return f"{ReactionKind(kind).value}_count"


class PostRevision(SQLModel, table=True):
    """The text a post had before an edit."""

    __tablename__ = "post_revision"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    editor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(max_length=20000)
    created_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    """A comment on a post, or a reply to another comment (``parent_id``)."""

    __table_args__ = (Index("ix_comment_post_created", "post_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    body: str = Field(max_length=10000)
    html: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    # Moderation (esn.animation): hidden content shows its author that it is
    # hidden and why; everyone else sees a placeholder.
    hidden_at: datetime | None = None
    hidden_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    hidden_reason: str = Field(default="", max_length=1000)


class Reaction(SQLModel, table=True):
    """One person's reaction of one kind to a post (toggled)."""

    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A file attached to a post, stored under var/media with a generated name."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    uploader_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=80)
    thumbnail_name: str | None = Field(default=None, max_length=80)
    content_type: str = Field(max_length=100)
    size: int
    is_image: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class PostTopic(SQLModel, table=True):
    """A #topic a post mentions."""

    __tablename__ = "post_topic"
    __table_args__ = (
        UniqueConstraint("post_id", "tag"),
        Index("ix_post_topic_tag_created", "tag", "created_at", "post_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    tag: str = Field(max_length=60)
    # Copied from the post so a topic stream pages by keyset on this table alone.
    created_at: datetime = Field(default_factory=utcnow)


class TopicFollow(SQLModel, table=True):
    """A person follows a #topic."""

    __tablename__ = "topic_follow"
    __table_args__ = (UniqueConstraint("user_id", "tag"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    tag: str = Field(max_length=60, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Mention(SQLModel, table=True):
    """Someone @mentioned in a post or a comment who may read it."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")


class Activity(SQLModel, table=True):
    """One event in the activity log: actor, verb, object, target, time.

    Any domain appends through esn.stream.service.record_activity. ``source``
    places the event in a stream (same keys as Post.source) so the home page
    can show it to exactly the people who may see that stream.
    """

    __table_args__ = (Index("ix_activity_source_created", "source", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    verb: str = Field(max_length=40)
    object_type: str = Field(max_length=40)
    object_id: int
    target_type: str | None = Field(default=None, max_length=40)
    target_id: int | None = None
    source: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
