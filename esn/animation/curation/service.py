"""Curation: featuring and pinning posts, featuring, editing, archiving and merging groups."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User


async def home_featured(db: AsyncSession, actor: User) -> list[Any]:
    """Featured posts ``actor`` has not seen yet and may read, for the top of home."""
    return []


async def group_pins(db: AsyncSession, actor: User, group_id: int) -> list[Any]:
    """Posts pinned in the group, unexpired, for the top of its page."""
    return []


async def post_featuring(db: AsyncSession, actor: User, post_id: int) -> Any:
    """How the post is featured or pinned now, and what ``actor`` may do about it,
    or None when they may do nothing."""
    return None
