"""What the stream tells open pages once a write is committed (ids only)."""

from __future__ import annotations

from dataclasses import dataclass

from esn.core.channels import post_channel, source_channel
from esn.core.events import LiveEvent


@dataclass(frozen=True)
class PostCreated(LiveEvent):
    """A new post in the stream ``source``."""

    type = "post.created"
    post_id: int
    source: str

    @property
    def channel(self) -> str:
        return source_channel(self.source)

    def payload(self) -> dict[str, object]:
        # The channel already names the source.
        return {"type": self.type, "post_id": self.post_id}


@dataclass(frozen=True)
class PostChanged(LiveEvent):
    """Something about one post changed; ``type`` says what."""

    post_id: int

    @property
    def channel(self) -> str:
        return post_channel(self.post_id)


@dataclass(frozen=True)
class PostUpdated(PostChanged):
    """Its text changed, or it was hidden or restored."""

    type = "post.updated"


@dataclass(frozen=True)
class PostDeleted(PostChanged):
    """It is gone."""

    type = "post.deleted"


@dataclass(frozen=True)
class ReactionChanged(PostChanged):
    """Its reaction counts changed."""

    type = "reaction.changed"


@dataclass(frozen=True)
class CommentCreated(PostChanged):
    """A comment was added to its conversation."""

    type = "comment.created"
    comment_id: int


@dataclass(frozen=True)
class CommentDeleted(PostChanged):
    """A comment left its conversation."""

    type = "comment.deleted"
    comment_id: int
