"""From what someone typed to what is stored: Markdown rendered and sanitised,
#topics collected, @mentions resolved (readers of the post only) and notified."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people.models import Profile
from esn.stream import markdown
from esn.stream.models import Comment, Mention, Post, PostTopic
from esn.stream.service.access import readers_among

MAX_MENTIONS = 20
MAX_TOPICS = 20


async def resolve_mentions(
    db: AsyncSession, group_id: int | None, handles: list[str]
) -> dict[str, int]:
    """The mentioned handles whose person may read the post: handle -> user id.

    Everyone else stays plain text and is never notified.
    """
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return {}
    rows = (
        await db.execute(
            select(col(Profile.handle), col(Profile.user_id)).where(
                col(Profile.handle).in_(handles)
            )
        )
    ).all()
    found = {handle: user_id for handle, user_id in rows}
    readers = await readers_among(db, group_id, set(found.values()))
    return {handle: user_id for handle, user_id in found.items() if user_id in readers}


@dataclass
class Rendered:
    """A text ready to store: its HTML, who it mentions (who may read it), its #topics."""

    html: str
    mentioned: dict[str, int]
    tags: list[str]


async def render(db: AsyncSession, group_id: int | None, body: str) -> Rendered:
    """Render ``body`` for a post (or a comment on a post) of ``group_id``."""
    parsed = markdown.parse(body)
    mentioned = await resolve_mentions(db, group_id, parsed.handles)
    html = markdown.render(parsed, set(mentioned))
    return Rendered(html=html, mentioned=mentioned, tags=parsed.tags[:MAX_TOPICS])


def render_markdown(body: str) -> str:
    """``body`` (Markdown) as sanitised HTML, #topics linked, @mentions left as text:
    for texts that are not posts (a group's charter), so nobody is notified.
    Other domains call this rather than esn.stream.markdown."""
    return markdown.render(markdown.parse(body), set())


def add_topics(db: AsyncSession, post: Post, tags: list[str]) -> None:
    """Index ``post`` under its #topics (the caller commits)."""
    assert post.id is not None
    for tag in tags:
        db.add(PostTopic(post_id=post.id, tag=tag, created_at=post.created_at))


async def record_mentions(
    db: AsyncSession,
    actor: User,
    post: Post,
    comment: Comment | None,
    mentioned: dict[str, int],
    *,
    already: set[int] | None = None,
) -> None:
    """Record mentions of people who may read the post and notify them
    (not those in ``already``, told another way or before)."""
    assert post.id is not None
    for user_id in sorted(set(mentioned.values()) - (already or set())):
        db.add(
            Mention(
                post_id=post.id,
                comment_id=comment.id if comment is not None else None,
                user_id=user_id,
            )
        )
        await notifications.notify(
            db,
            NotificationKind.MENTIONED.value,
            user_id,
            actor_id=actor.id,
            post_id=post.id,
            comment_id=comment.id if comment is not None else None,
            group_id=post.group_id,
        )
