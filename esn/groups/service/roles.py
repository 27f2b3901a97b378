"""Leaving a group, removing members, and changing their roles.

A group always keeps an owner: the last one can neither leave nor step down.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import GroupRole, Membership
from esn.groups.service.membership import announce, recount
from esn.groups.service.requests import MAX_ID
from esn.groups.service.standing import group_standing


async def _owner_count(db: AsyncSession, group_id: int) -> int:
    found = await db.execute(
        select(func.count())
        .select_from(Membership)
        .where(
            col(Membership.group_id) == group_id,
            col(Membership.role) == GroupRole.OWNER.value,
        )
    )
    return int(found.scalar_one())


async def _membership(db: AsyncSession, group_id: int, user_id: int) -> Membership | None:
    return (
        await db.execute(
            select(Membership).where(
                col(Membership.group_id) == group_id, col(Membership.user_id) == user_id
            )
        )
    ).scalar_one_or_none()


def _last_owner_error(field_name: str) -> InvalidInput:
    return InvalidInput(
        {
            field_name: _(
                "A group needs an owner: make another member an owner before the last one leaves."
            )
        }
    )


async def leave_group(db: AsyncSession, actor: User, slug: str) -> None:
    """Leave a group. The last owner cannot: someone else must be made owner first."""
    standing = await group_standing(db, actor, slug)
    assert actor.id is not None
    membership = await _membership(db, standing.group_id, actor.id)
    if membership is None:
        return
    if membership.role == GroupRole.OWNER.value and await _owner_count(db, standing.group_id) <= 1:
        raise _last_owner_error("__all__")
    await db.delete(membership)
    await db.flush()
    await recount(db, standing.group_id)
    announce(db, {actor.id})
    await db.commit()


def _member_id(user_id: int) -> int:
    if not 0 < user_id <= MAX_ID:
        raise NotFound
    return user_id


async def remove_member(db: AsyncSession, actor: User, slug: str, user_id: int) -> None:
    """An owner or group animator removes someone; animators cannot remove owners."""
    standing = await group_standing(db, actor, slug)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    if user_id == actor.id:
        await leave_group(db, actor, slug)
        return
    membership = await _membership(db, standing.group_id, _member_id(user_id))
    if membership is None:
        raise NotFound
    if not policy.can_remove_member(actor, standing.role, membership.role):
        raise Forbidden
    await db.delete(membership)
    await db.flush()
    await recount(db, standing.group_id)
    announce(db, {user_id})
    await db.commit()


async def change_member_role(
    db: AsyncSession, actor: User, slug: str, user_id: int, role: str
) -> None:
    """An owner makes a member an owner, an animator or a plain member.

    The last owner cannot step down: the group would have nobody to run it.
    """
    standing = await group_standing(db, actor, slug)
    if not policy.can_change_group_roles(actor, standing.role):
        raise Forbidden
    if role not in {r.value for r in GroupRole}:
        raise InvalidInput({"role": _("Choose one of the listed options.")})
    membership = await _membership(db, standing.group_id, _member_id(user_id))
    if membership is None:
        raise NotFound
    if membership.role == role:
        return
    if membership.role == GroupRole.OWNER.value and await _owner_count(db, standing.group_id) <= 1:
        raise _last_owner_error("role")
    membership.role = role
    announce(db, {user_id})
    await db.commit()
