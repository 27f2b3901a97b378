"""Who moderates what, and the post or comment a moderation step is about."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.stream import service as stream
from esn.stream.models import Comment, Post


async def can_open_queue(db: AsyncSession, actor: User) -> bool:
    """Company animators and administrators, and anyone who animates a group."""
    if policy.can_animate_company(actor):
        return True
    if not policy.is_staff(actor):
        return False
    found = await db.execute(policy.animated_group_ids(actor).limit(1))
    return found.first() is not None


async def readable_item(
    db: AsyncSession, actor: User, post_id: int, comment_id: int | None
) -> tuple[Post, Comment | None]:
    """A readable post and, when asked, one of its comments (NotFound otherwise)."""
    post = await stream.readable_post(db, actor, post_id)
    if comment_id is None:
        return post, None
    comment = await db.get(Comment, comment_id)
    if comment is None or comment.post_id != post.id:
        raise NotFound
    return post, comment


def may_moderate(actor: User, post: Post, group_role: str | None) -> bool:
    """May ``actor``, whose role in the post's group is ``group_role``, moderate
    ``post`` (which they may read) and its comments?"""
    return policy.can_moderate_content(
        actor, group_id=post.group_id, group_role=group_role, can_read=True
    )
