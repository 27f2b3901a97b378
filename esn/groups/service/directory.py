"""The group directory: groups the reader may know exist, searched by name and tag.

Featured groups (put forward by animators) lead the first page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden
from esn.groups.models import Group, GroupRequest, GroupTag, Membership
from esn.groups.service.naming import tag_key
from esn.groups.service.requests import INVITATION, PENDING
from esn.people import service as people

DIRECTORY_PAGE_SIZE = 24
MAX_SEARCH_WORDS = 5
MAX_FEATURED_GROUPS = 6


@dataclass(frozen=True)
class DirectoryQuery:
    """The directory's search text, tag filter and page cursor, already checked."""

    q: str = ""
    tag: str = ""
    after: str = ""


@dataclass(frozen=True)
class GroupCard:
    """A group in the directory, with its tags and where the reader stands."""

    group: Group
    tags: list[str]
    role: str | None
    invited: bool


@dataclass(frozen=True)
class GroupDirectory:
    """One page of groups and the cursor of the next one.

    ``featured`` holds the groups animators put forward (first page only),
    matching the same search, shown before the others.
    """

    groups: list[GroupCard]
    next_cursor: str | None
    featured: list[GroupCard] = field(default_factory=list)


def _matches_word(word: str) -> Any:
    """A group matches a search word by its name or one of its tags (folded)."""
    pattern = people.like_pattern(tag_key(word))
    has_tag = exists(
        select(col(GroupTag.id)).where(
            col(GroupTag.group_id) == col(Group.id), col(GroupTag.tag).like(pattern, escape="\\")
        )
    )
    return or_(col(Group.search_name).like(pattern, escape="\\"), has_tag)


async def search_groups(
    db: AsyncSession, actor: User, query: DirectoryQuery | None
) -> GroupDirectory:
    """Groups the actor may know exist, matching the search, by name (keyset pages).

    Open and private groups are listed for everyone; secret ones only for their
    members and invitees (policy.listed_groups_clause). With no query (the form
    was invalid) nothing is listed.
    """
    if not policy.is_staff(actor):
        raise Forbidden
    if query is None:
        return GroupDirectory(groups=[], next_cursor=None)
    # A merged group lives on in the group it was merged into: never listed.
    conditions = [policy.listed_groups_clause(actor), col(Group.merged_into_id).is_(None)]
    for word in query.q.split()[:MAX_SEARCH_WORDS]:
        conditions.append(_matches_word(word))
    if query.tag:
        conditions.append(
            exists(
                select(col(GroupTag.id)).where(
                    col(GroupTag.group_id) == col(Group.id), col(GroupTag.tag) == tag_key(query.tag)
                )
            )
        )
    statement = select(Group).where(*conditions)
    position = people.decode_cursor(query.after) if query.after else None
    if position is not None:
        statement = statement.where(
            tuple_(col(Group.search_name), col(Group.id)) > tuple_(*position)
        )
    statement = statement.order_by(col(Group.search_name), col(Group.id))
    found = list((await db.execute(statement.limit(DIRECTORY_PAGE_SIZE + 1))).scalars())
    groups = found[:DIRECTORY_PAGE_SIZE]
    next_cursor = None
    if len(found) > DIRECTORY_PAGE_SIZE:
        last = groups[-1]
        assert last.id is not None
        next_cursor = people.encode_cursor(last.search_name, last.id)
    featured: list[Group] = []
    if position is None:
        featured = list(
            (
                await db.execute(
                    select(Group)
                    .where(*conditions, col(Group.featured_until) > utcnow())
                    .order_by(col(Group.featured_until).desc(), col(Group.id))
                    .limit(MAX_FEATURED_GROUPS)
                )
            ).scalars()
        )
    cards = await _cards(db, actor, [*featured, *groups])
    return GroupDirectory(
        groups=cards[len(featured) :], next_cursor=next_cursor, featured=cards[: len(featured)]
    )


async def _cards(db: AsyncSession, actor: User, groups: list[Group]) -> list[GroupCard]:
    """Tags, the reader's roles and invitations for a page of groups: three queries."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    tags: dict[int, list[str]] = {}
    for group_id, tag in (
        await db.execute(
            select(col(GroupTag.group_id), col(GroupTag.tag))
            .where(col(GroupTag.group_id).in_(ids))
            .order_by(col(GroupTag.tag))
        )
    ).all():
        tags.setdefault(group_id, []).append(tag)
    roles = dict(
        (
            await db.execute(
                select(col(Membership.group_id), col(Membership.role)).where(
                    col(Membership.user_id) == actor.id, col(Membership.group_id).in_(ids)
                )
            )
        ).all()
    )
    invited = set(
        (
            await db.execute(
                select(col(GroupRequest.group_id)).where(
                    col(GroupRequest.user_id) == actor.id,
                    col(GroupRequest.group_id).in_(ids),
                    col(GroupRequest.kind) == INVITATION,
                    col(GroupRequest.state) == PENDING,
                )
            )
        ).scalars()
    )
    return [
        GroupCard(
            group=g,
            tags=tags.get(g.id or 0, []),
            role=roles.get(g.id or 0),
            invited=g.id in invited,
        )
        for g in groups
    ]
