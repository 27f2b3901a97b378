"""The impact log: tagging a thread with an outcome, listing the stories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User


async def post_impact(db: AsyncSession, actor: User, post_id: int) -> Any:
    """The outcomes tagged on a thread, and whether ``actor`` may tag it, or None."""
    return None
