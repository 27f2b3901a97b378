"""The @mention autocomplete: people who may read where the post is being written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.groups.models import Group, Membership
from esn.people.models import Profile
from esn.people.service import fold
from esn.stream.models import SourceKind
from esn.stream.service.sources import can_read_source, parse_source

MAX_CANDIDATES = 8


async def mention_candidates(
    db: AsyncSession, actor: User, query: str, source: str
) -> list[Profile]:
    """Active people whose handle or name starts with ``query`` and who may read
    ``source`` (for a group: its readers). Bounded; nobody for an unreadable source."""
    query = fold(query)
    if not query or not await can_read_source(db, actor, source):
        return []
    pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions: list[Any] = [
        col(User.is_active).is_(True),
        or_(
            col(Profile.handle).like(pattern, escape="\\"),
            col(Profile.search_name).like(pattern, escape="\\"),
            col(Profile.search_name).like("% " + pattern, escape="\\"),
        ),
    ]
    parsed = parse_source(source)
    if parsed is not None and parsed[0] == SourceKind.GROUP:
        group = await db.get(Group, parsed[1])
        if group is None:
            return []
        # Everyone reads an open group (policy.may_read_post); any other, its members.
        if not policy.is_open_group(group.visibility):
            members = select(col(Membership.user_id)).where(col(Membership.group_id) == group.id)
            conditions.append(col(Profile.user_id).in_(members))
    rows = await db.execute(
        select(Profile)
        .join(User, col(User.id) == col(Profile.user_id))
        .where(*conditions)
        .order_by(col(Profile.search_name), col(Profile.user_id))
        .limit(MAX_CANDIDATES)
    )
    return list(rows.scalars())
