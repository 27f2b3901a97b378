"""Moderation: reporting, the queue, hiding and restoring with reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User


async def open_report_count(db: AsyncSession, actor: User, group_id: int | None) -> int:
    """Open reports ``actor`` may handle (in one group, or everywhere with None)."""
    return 0


async def post_moderation(db: AsyncSession, actor: User, post_id: int) -> Any:
    """Whether ``actor`` may report the post and, for its moderators, its open
    reports and moderation history; None when there is nothing to show."""
    return None
