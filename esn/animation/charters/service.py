"""Charters: versions, acceptance at first login and on joining, the re-accept banner."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User


async def group_banner(db: AsyncSession, actor: User, group_id: int) -> Any:
    """The group's charter when ``actor`` is a member who has not accepted its
    latest version (a gentle banner), else None."""
    return None
