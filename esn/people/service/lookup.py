"""Finding a person: by handle for the reader, or by email or handle for a form.

A person the reader may not see answers NotFound, exactly like a missing one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts import service as accounts
from esn.accounts.models import User
from esn.core.errors import Forbidden, NotFound
from esn.core.text import text_problem
from esn.people.models import Profile

MAX_HANDLE_LENGTH = 64


async def person_for(db: AsyncSession, actor: User, handle: str) -> tuple[Profile, User]:
    """The profile and account behind ``handle``, if the actor may see them (else NotFound)."""
    if not policy.can_see_directory(actor):
        raise Forbidden
    if len(handle) > MAX_HANDLE_LENGTH or text_problem(handle, single_line=True):
        raise NotFound  # such a handle cannot exist; PostgreSQL refuses NUL bytes
    row = (
        await db.execute(
            select(Profile, User)
            .join(User, col(User.id) == col(Profile.user_id))
            .where(col(Profile.handle) == handle)
        )
    ).one_or_none()
    if row is None or not policy.can_see_profile(actor, row[1]):
        raise NotFound
    return row[0], row[1]


async def find_active_person(db: AsyncSession, reference: str) -> User | None:
    """The active colleague named by an email or a profile handle ("@alice-martin" or bare)."""
    reference = reference.strip()
    if not reference or text_problem(reference, single_line=True):
        return None
    if "@" in reference.removeprefix("@"):
        condition = col(User.email) == accounts.normalise_email(reference)
    else:
        condition = col(Profile.handle) == reference.removeprefix("@").lower()
    return (
        await db.execute(
            select(User)
            .join(Profile, col(Profile.user_id) == col(User.id))
            .where(condition, col(User.is_active).is_(True))
        )
    ).scalar_one_or_none()
