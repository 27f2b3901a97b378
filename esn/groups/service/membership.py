"""Writing membership: adding members, recounting, telling their open pages.

Everything here works in the caller's transaction; the commit sends the
MembershipChanged events, so nobody is told about a rolled-back change.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.errors import InvalidInput
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.groups.events import MembershipChanged
from esn.groups.models import Group, GroupRole, Membership
from esn.groups.service.requests import REQUEST, move_request, pending_of
from esn.stream import service as stream
from esn.stream.models import group_source


def announce(db: AsyncSession, changed: set[int]) -> None:
    """Once committed, tell these people's open sockets that their groups changed."""
    record(db, *(MembershipChanged(user_id) for user_id in sorted(changed)))


def refuse_if_archived(group: Group, field_name: str) -> None:
    """Nobody joins, asks to join or is invited into an archived (read-only) group."""
    if group.archived_at is not None:
        raise InvalidInput(
            {field_name: _("This group is archived: it is read-only and nobody can join it.")}
        )


async def recount(db: AsyncSession, group_id: int) -> None:
    """Set member_count from the memberships themselves, so it never drifts."""
    count = (
        select(func.count())
        .select_from(Membership)
        .where(col(Membership.group_id) == group_id)
        .scalar_subquery()
    )
    await db.execute(
        update(Group)
        .where(col(Group.id) == group_id)
        .values(member_count=count)
        .execution_options(synchronize_session=False)
    )


async def add_member(db: AsyncSession, actor: User, group_id: int, user_id: int) -> bool:
    """Make ``user_id`` a member (False if they already were) and log that they joined.

    Whatever else they had pending in this group is settled along the graph.
    """
    existing = await db.execute(
        select(col(Membership.id)).where(
            col(Membership.group_id) == group_id, col(Membership.user_id) == user_id
        )
    )
    if existing.first() is not None:
        return False
    db.add(Membership(group_id=group_id, user_id=user_id, role=GroupRole.MEMBER.value))
    await db.flush()
    announce(db, {user_id})
    for other in await pending_of(db, group_id, user_id):
        action = "accept_request" if other.kind == REQUEST else "accept_invitation"
        await move_request(db, other, action, actor)
    await recount(db, group_id)
    await stream.record_activity(
        db,
        actor_id=user_id,
        verb="joined",
        object_type="group",
        object_id=group_id,
        source=group_source(group_id),
    )
    return True


async def add_members(
    db: AsyncSession, actor: User, group_id: int, user_ids: list[int]
) -> set[int]:
    """Make these people members, in the caller's transaction; returns who was added.

    ``actor`` is whoever brings them in (recorded on settled requests). The
    caller decided they may; its commit tells their open pages.
    """
    added = set()
    for user_id in dict.fromkeys(user_ids):
        if await add_member(db, actor, group_id, user_id):
            added.add(user_id)
    return added


async def commit_membership(db: AsyncSession) -> bool:
    """Commit; False when a concurrent click already made the same membership."""
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return False
    return True
