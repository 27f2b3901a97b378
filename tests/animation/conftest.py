"""Helpers shared by the animation tests: a post panel's part called as the post page calls it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.stream import service as stream
from esn.stream.models import Post

T = TypeVar("T")


async def on_post_page(
    part: Callable[[AsyncSession, User, Post, str | None], Awaitable[T | None]],
    db: AsyncSession,
    actor: User,
    post_id: int,
) -> T | None:
    """``part`` (featuring, moderation or impact) as ``actor``'s page of the post
    calls it: with the post and the role the page loaded, None when the page
    is not found for them (a post they may not read gets no panel at all)."""
    view = await stream.post_view(db, actor, post_id)
    if view is None:
        return None
    role = await stream.group_role(db, actor, view.post.group_id)
    return await part(db, actor, view.post, role)
