"""The database session a view opens for its one unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request


def db_session(request: Request) -> AsyncSession:
    """A new session from the app's factory; use it as ``async with``."""
    session: AsyncSession = request.app.state.session_factory()
    return session
