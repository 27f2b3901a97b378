"""The members tab: members by name, and for managers the requests and invitations."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.groups.models import GroupRequest, Membership
from esn.groups.service.page import GroupHeader, header_for
from esn.groups.service.requests import INVITATION, PENDING, REQUEST
from esn.groups.service.standing import group_standing
from esn.people import service as people
from esn.people.models import Profile

MEMBERS_PAGE_SIZE = 50
MAX_PENDING_SHOWN = 100


@dataclass(frozen=True)
class MemberEntry:
    """A member as the members list shows them, with what the reader may do to them."""

    profile: Profile
    role: str
    can_remove: bool


@dataclass(frozen=True)
class PendingEntry:
    """A pending join request or invitation, with the person it concerns."""

    request: GroupRequest
    profile: Profile


@dataclass(frozen=True)
class MembersPage:
    """The members tab: members by name, and for managers what awaits a decision."""

    header: GroupHeader
    members: list[MemberEntry]
    next_cursor: str | None
    requests: list[PendingEntry] = field(default_factory=list)
    invitations: list[PendingEntry] = field(default_factory=list)
    can_change_roles: bool = False


async def _pending(db: AsyncSession, group_id: int, kind: str) -> list[PendingEntry]:
    rows = await db.execute(
        select(GroupRequest, Profile)
        .join(Profile, col(Profile.user_id) == col(GroupRequest.user_id))
        .where(
            col(GroupRequest.group_id) == group_id,
            col(GroupRequest.kind) == kind,
            col(GroupRequest.state) == PENDING,
        )
        .order_by(col(GroupRequest.created_at), col(GroupRequest.id))
        .limit(MAX_PENDING_SHOWN)
    )
    return [PendingEntry(request=r, profile=p) for r, p in rows.all()]


async def members_page(
    db: AsyncSession, actor: User, slug: str, after: str | None = None
) -> MembersPage:
    """Members a page at a time by name (keyset), for those who may read the group.

    Managers also get the pending requests and invitations to decide or withdraw.
    """
    standing = await group_standing(db, actor, slug)
    header = await header_for(db, actor, standing)
    if not header.can_read:
        raise NotFound
    group_id = standing.group_id
    statement = (
        select(Profile, col(Membership.role))
        .join(Membership, col(Membership.user_id) == col(Profile.user_id))
        .join(User, col(User.id) == col(Profile.user_id))
        .where(col(Membership.group_id) == group_id, col(User.is_active).is_(True))
    )
    position = people.decode_cursor(after) if after else None
    if position is not None:
        statement = statement.where(
            tuple_(col(Profile.search_name), col(Profile.user_id)) > tuple_(*position)
        )
    statement = statement.order_by(col(Profile.search_name), col(Profile.user_id))
    found = list((await db.execute(statement.limit(MEMBERS_PAGE_SIZE + 1))).all())
    rows = found[:MEMBERS_PAGE_SIZE]
    next_cursor = None
    if len(found) > MEMBERS_PAGE_SIZE:
        last = rows[-1][0]
        next_cursor = people.encode_cursor(last.search_name, last.user_id)
    members = [
        MemberEntry(
            profile=profile,
            role=role,
            can_remove=profile.user_id != actor.id
            and policy.can_remove_member(actor, standing.role, role),
        )
        for profile, role in rows
    ]
    if not header.can_manage:
        return MembersPage(header=header, members=members, next_cursor=next_cursor)
    return MembersPage(
        header=header,
        members=members,
        next_cursor=next_cursor,
        requests=await _pending(db, group_id, REQUEST),
        invitations=await _pending(db, group_id, INVITATION),
        can_change_roles=policy.can_change_group_roles(actor, standing.role),
    )
