"""What the stream's templates receive: posts, comments and activity as one reader sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from esn.core.clock import as_utc
from esn.groups.models import Group
from esn.people.models import Profile
from esn.stream.models import Activity, Attachment, Comment, Post, PostRevision, ReactionKind

REACTION_KINDS = [kind.value for kind in ReactionKind]


@dataclass
class CommentView:
    """A comment with its author and, for a top-level comment, its replies.

    A comment hidden by a moderator is ``redacted`` for everyone but its author
    and the post's moderators: ``comment`` is then a detached copy without its
    text, and the template shows a placeholder.
    """

    comment: Comment
    author: Profile
    replies: list[CommentView] = field(default_factory=list)
    can_reply: bool = False
    can_report: bool = False
    can_moderate: bool = False
    redacted: bool = False
    # The reader's role in the post's group (None outside it), read with the
    # post: pages hand it on to their panels instead of reading it again.
    group_role: str | None = None


@dataclass
class PostView:
    """A post as one reader sees it: author, attachments, topics, counts, reactions.

    ``reaction_counts`` has every kind (zero included); ``my_reactions`` the kinds
    the reader chose. ``comments`` holds the first comments (a stream) or the
    whole conversation (``/posts/{id}``, then ``full`` is True).
    """

    post: Post
    author: Profile
    attachments: list[Attachment] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    my_reactions: set[str] = field(default_factory=set)
    reaction_counts: dict[str, int] = field(default_factory=dict)
    comments: list[CommentView] = field(default_factory=list)
    group: Group | None = None
    can_interact: bool = False
    can_edit: bool = False
    can_delete: bool = False
    full: bool = False
    # Moderation: the reader may report it (not its author), may hide or
    # restore it; ``redacted`` when it is hidden and the reader sees only the
    # placeholder (``post`` is then a detached copy without text or topics,
    # and attachments and comments are left out).
    can_report: bool = False
    can_moderate: bool = False
    redacted: bool = False
    # The reader's role in the post's group (None outside it), read with the
    # post: pages hand it on to their panels instead of reading it again.
    group_role: str | None = None

    @property
    def hidden(self) -> bool:
        """Hidden by a moderator (the author and moderators still see it, with why)."""
        return self.post.hidden_at is not None

    @property
    def shown_comments(self) -> int:
        """How many comments (replies included) this view holds."""
        return sum(1 + len(view.replies) for view in self.comments)

    @property
    def reaction_kinds(self) -> list[tuple[str, int, bool]]:
        """(kind, count, mine) for each reaction kind, in a fixed order."""
        return [
            (kind, self.reaction_counts.get(kind, 0), kind in self.my_reactions)
            for kind in REACTION_KINDS
        ]


@dataclass
class ActivityView:
    """An event of the activity log, ready to show in a stream."""

    activity: Activity
    actor: Profile | None
    group: Group | None = None

    @property
    def created_at(self) -> datetime:
        """When it happened (streams merge events and posts by time)."""
        return self.activity.created_at


@dataclass
class StreamPage:
    """One page of a stream, newest first, and the cursor of the next page.

    ``items`` are the posts; ``activities`` the activity-log events merged in
    (home stream only). Templates iterate ``entries``, both in time order.
    ``sources`` are the streams a live page listens to for new posts.
    """

    items: list[PostView]
    next_cursor: str | None
    activities: list[ActivityView] = field(default_factory=list)
    # The sources whose new posts belong at the top of this stream (live updates).
    sources: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[PostView | ActivityView]:
        """Posts and events together, newest first (posts first at equal times)."""
        merged: list[tuple[tuple[datetime, int, int], PostView | ActivityView]] = [
            ((as_utc(view.post.created_at), 1, view.post.id or 0), view) for view in self.items
        ]
        merged += [
            ((as_utc(view.created_at), 0, view.activity.id or 0), view) for view in self.activities
        ]
        merged.sort(key=lambda pair: pair[0], reverse=True)
        return [view for _key, view in merged]


@dataclass
class HomePage:
    """The home page: who I am, where I may post, and my home stream."""

    display_name: str
    handle: str
    destinations: list[tuple[str, str]]
    stream: StreamPage


@dataclass
class TopicPage:
    """A #topic's stream and whether the reader follows it."""

    tag: str
    following: bool
    stream: StreamPage


@dataclass
class TopicState:
    """Whether the reader follows a #topic."""

    tag: str
    following: bool


@dataclass
class RevisionView:
    """An earlier text of a post, who replaced it and when."""

    revision: PostRevision
    editor: Profile | None


@dataclass
class PostHistory:
    """A post and its earlier texts, newest first."""

    post: PostView
    revisions: list[RevisionView]
