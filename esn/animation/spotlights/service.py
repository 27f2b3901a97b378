"""Spotlights: drafting, the member's answer, the home page, suggestions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User


async def home_spotlights(db: AsyncSession, actor: User) -> list[Any]:
    """The accepted spotlights showing now, for the top of ``actor``'s home."""
    return []
