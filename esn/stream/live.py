"""The stream's live events rendered for one reader: what an open page swaps in.

The websocket (esn.realtime) calls these with the ``Frame`` it received and
the reader; each re-checks what that reader may see through the stream
service (None, so no swap, for anything they may not read) and answers the
``Swap``s for htmx: a new post at the top of the page's stream, a comment at
the end of its conversation, counts replaced, an edited text swapped,
deleted things removed.

This module never imports esn.realtime: what it needs from the socket is
``StreamReader`` below (esn.core.live's reader and more), which the
transport's reader satisfies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.core.channels import post_channel, source_of
from esn.core.live import Frame, LiveReader, Renderer, Swap
from esn.stream import service
from esn.stream.events import (
    CommentCreated,
    CommentDeleted,
    PostCreated,
    PostDeleted,
    PostUpdated,
    ReactionChanged,
)

T = TypeVar("T")


class StreamReader(LiveReader, Protocol):
    """What rendering the stream for one socket's person may use, beyond any reader."""

    @property
    def user(self) -> User:
        """The person, as of the socket's last session check."""

    def role_in(self, group_id: int) -> str | None:
        """Their role in a group (None outside it), without a query."""

    async def shared(self, key: Hashable, load: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """What ``load`` reads, read once for every socket of the process."""

    def render_shared(self, key: tuple[Hashable, ...], render: Callable[[str], str]) -> str:
        """HTML rendered once per ``key`` (and language); ``render`` gets the CSRF token."""

    def follow_post(self, post_id: int) -> None:
        """The page now shows this post: listen to its conversation too."""


def _post_of(frame: Frame) -> int | None:
    """The post an event on a ``post:`` channel is about, if the channel is that post's."""
    post_id = frame.positive_id("post_id")
    if post_id is None or frame.channel != post_channel(post_id):
        return None
    return post_id


async def _post_view(frame: Frame, reader: StreamReader) -> service.PostView | None:
    """The post an event on its channel is about, as the reader sees it (None: not theirs)."""
    post_id = _post_of(frame)
    if post_id is None:
        return None
    async with reader.session() as db:
        return await service.post_view(db, reader.user, post_id, full=False)


def new_post_target(post_id: int) -> str:
    """The first page of the page's stream, unless it already shows the post.

    Streams render their first page as ``<div class="stream-page" id="…-items">``;
    the socket only hears of posts in the sources this page asked for.
    """
    return f'.stream-page[id$="-items"]:not(:has(#post-{post_id}))'


async def _shareable_post(db: AsyncSession, post_id: int) -> service.PostView | None:
    """A new post's card before its reader is known, or None when not to be pushed.

    A new post is never hidden; one hidden by the time it is read is not pushed
    at all: the card is shared by readers whose right to see hidden content
    differs (author, moderators).
    """
    shared = await service.shared_post_view(db, post_id)
    return None if shared is None or shared.hidden else shared


async def render_new_post(frame: Frame, reader: StreamReader) -> list[Swap]:
    """A new post in a stream the page shows: its card at the top."""
    source = source_of(frame.channel)
    post_id = frame.positive_id("post_id")
    if source is None or post_id is None:
        return []
    # Read and rendered once per process for all its sockets; whether this
    # person may read it is decided here, in memory.
    shared = await reader.shared(("stream.post", post_id), lambda db: _shareable_post(db, post_id))
    if shared is None or shared.post.source != source:
        return []
    group_id = shared.post.group_id
    role = reader.role_in(group_id) if group_id is not None else None
    view = service.view_for_reader(shared, reader.user, role)
    if view is None:
        return []
    reader.follow_post(post_id)
    html = reader.render_shared(
        ("stream.post", post_id, view.can_interact, view.can_edit, view.can_delete),
        lambda token: reader.render("stream/_post.html", post=view, csrf_token=token),
    )
    return [(new_post_target(post_id), "afterbegin", html)]


def _counts(view: service.PostView, reader: StreamReader) -> Swap:
    """A post's counts and reaction buttons (pressed as this reader pressed them)."""
    html = reader.render("stream/_counts.html", post=view)
    return (f"#post-{view.post.id}-counts", "outerHTML", html)


async def render_new_comment(frame: Frame, reader: StreamReader) -> list[Swap]:
    """A new comment: at the end of its thread, with the post's new counts."""
    post_id = _post_of(frame)
    comment_id = frame.positive_id("comment_id")
    if post_id is None or comment_id is None:
        return []
    async with reader.session() as db:
        comment = await service.comment_view(db, reader.user, comment_id)
        view = await service.post_view(db, reader.user, post_id, full=False) if comment else None
    if comment is None or view is None or comment.comment.post_id != post_id:
        return []
    parent = comment.comment.parent_id
    container = f"#replies-{parent}" if parent is not None else f"#comments-{post_id}"
    html = reader.render("stream/_comment.html", comment=comment)
    added = (f"{container}:not(:has(#comment-{comment_id}))", "beforeend", html)
    return [added, _counts(view, reader)]


async def render_counts(frame: Frame, reader: StreamReader) -> list[Swap]:
    """Reactions changed: the post's counts again."""
    view = await _post_view(frame, reader)
    return [_counts(view, reader)] if view is not None else []


async def render_edited_post(frame: Frame, reader: StreamReader) -> list[Swap]:
    """A post's text changed (or it was hidden or restored): its body as this reader sees it."""
    view = await _post_view(frame, reader)
    if view is None:
        return []
    # Only the text changes: the conversation the page shows stays as it is.
    # The stored HTML was sanitised by nh3 when the post was written.
    return [(f"#post-{view.post.id} .post-body", "innerHTML", view.post.html)]


async def render_deleted_post(frame: Frame, reader: StreamReader) -> list[Swap]:
    """A post is gone: its card goes (the channel was readable when it was followed)."""
    post_id = _post_of(frame)
    return [(f"#post-{post_id}", "delete", "")] if post_id is not None else []


async def render_deleted_comment(frame: Frame, reader: StreamReader) -> list[Swap]:
    """A comment left its conversation: it goes, and the post's counts change."""
    if _post_of(frame) is None:
        return []
    comment_id = frame.positive_id("comment_id")
    removed = [(f"#comment-{comment_id}", "delete", "")] if comment_id else []
    return removed + await render_counts(frame, reader)


# The stream's live events and who renders each (the app registers them).
RENDERERS: Mapping[str, Renderer[StreamReader]] = {
    PostCreated.type: render_new_post,
    CommentCreated.type: render_new_comment,
    ReactionChanged.type: render_counts,
    PostUpdated.type: render_edited_post,
    PostDeleted.type: render_deleted_post,
    CommentDeleted.type: render_deleted_comment,
}
