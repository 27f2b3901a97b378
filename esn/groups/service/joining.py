"""Getting into a group: joining, asking, inviting, and deciding on requests and invitations.

Requests and invitations move only along esn.lifecycle.GROUP_REQUEST; the
people concerned are notified and their open pages told once committed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import GroupRequest, Membership
from esn.groups.service.membership import (
    add_member,
    announce,
    commit_membership,
    refuse_if_archived,
)
from esn.groups.service.requests import (
    INVITATION,
    PENDING,
    REQUEST,
    already_decided,
    move_request,
    pending_of,
    request_in,
)
from esn.groups.service.standing import group_standing
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people

MAX_MANAGERS_NOTIFIED = 50


async def _managers(db: AsyncSession, group_id: int) -> list[int]:
    """The owners and animators of a group, who decide its join requests."""
    return list(
        (
            await db.execute(
                select(col(Membership.user_id))
                .where(
                    col(Membership.group_id) == group_id,
                    col(Membership.role).in_(policy.GROUP_MANAGER_ROLES),
                )
                .order_by(col(Membership.id))
                .limit(MAX_MANAGERS_NOTIFIED)
            )
        ).scalars()
    )


async def join_group(db: AsyncSession, actor: User, slug: str) -> str:
    """Join an open group, ask to join a private one, or take up an invitation.

    Returns what happened: "joined", "requested", "member" (already in) or
    "pending" (already asked). A secret group the actor was not invited to
    answers NotFound, exactly like a missing one.
    """
    standing = await group_standing(db, actor, slug)
    assert actor.id is not None
    group_id = standing.group_id
    if standing.is_member:
        return "member"
    refuse_if_archived(standing.group, "__all__")
    if standing.invitation is not None:
        await move_request(db, standing.invitation, "accept_invitation", actor)
        await add_member(db, actor, group_id, actor.id)
        await commit_membership(db)
        return "joined"
    visibility = standing.group.visibility
    if policy.can_join_group(actor, visibility, is_member=False):
        if await add_member(db, actor, group_id, actor.id):
            await commit_membership(db)
        return "joined"
    if not policy.can_request_to_join(actor, visibility, is_member=False):
        # Without an invitation, a group the actor may not know exists is missing.
        if not policy.can_see_group(actor, visibility, is_member=False):
            raise NotFound
        raise Forbidden
    if standing.request is not None:
        return "pending"
    request = GroupRequest(group_id=group_id, user_id=actor.id, kind=REQUEST, state=PENDING)
    db.add(request)
    try:
        await db.flush()
    except IntegrityError:
        # The same request sent twice at once: the first one stands.
        await db.rollback()
        return "pending"
    for manager_id in await _managers(db, group_id):
        await notifications.notify(
            db,
            NotificationKind.JOIN_REQUEST.value,
            manager_id,
            actor_id=actor.id,
            group_id=group_id,
        )
    await db.commit()
    return "requested"


async def decide_request(
    db: AsyncSession, actor: User, slug: str, request_id: int, *, accept: bool
) -> GroupRequest:
    """An owner or group animator accepts or declines a join request.

    Accepting makes the person a member and tells them; a request that is no
    longer pending is refused (InvalidInput) and nothing changes.
    """
    standing = await group_standing(db, actor, slug)
    item = await request_in(db, standing.group_id, request_id, REQUEST)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    if accept:
        refuse_if_archived(standing.group, "__all__")
    await move_request(db, item, "accept_request" if accept else "decline_request", actor)
    if accept:
        await add_member(db, actor, standing.group_id, item.user_id)
        await notifications.notify(
            db,
            NotificationKind.REQUEST_ACCEPTED.value,
            item.user_id,
            actor_id=actor.id,
            group_id=standing.group_id,
        )
    if not await commit_membership(db):
        raise already_decided("accepted")
    return item


async def cancel_request(db: AsyncSession, actor: User, slug: str, request_id: int) -> GroupRequest:
    """The requester takes back their own pending join request."""
    standing = await group_standing(db, actor, slug)
    item = await request_in(db, standing.group_id, request_id, REQUEST)
    if item.user_id != actor.id:
        raise NotFound
    await move_request(db, item, "cancel_request", actor)
    await db.commit()
    return item


async def invite_person(db: AsyncSession, actor: User, slug: str, reference: str) -> str:
    """Invite a colleague (by email or handle) into the group.

    Returns "invited", or "accepted" when that person had already asked to
    join (the invitation then simply accepts their request).
    """
    standing = await group_standing(db, actor, slug)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    refuse_if_archived(standing.group, "invitee")
    assert actor.id is not None
    group_id = standing.group_id
    invitee = await people.find_active_person(db, reference)
    if invitee is None or invitee.id is None:
        raise InvalidInput({"invitee": _("No active colleague has this email or handle.")})
    member = await db.execute(
        select(col(Membership.id)).where(
            col(Membership.group_id) == group_id, col(Membership.user_id) == invitee.id
        )
    )
    if member.first() is not None:
        raise InvalidInput({"invitee": _("This person is already a member.")})
    pending = await pending_of(db, group_id, invitee.id)
    if any(item.kind == INVITATION for item in pending):
        raise InvalidInput({"invitee": _("This person is already invited.")})
    if pending:  # they asked first: inviting them is saying yes
        await decide_request(db, actor, slug, pending[0].id or 0, accept=True)
        return "accepted"
    db.add(
        GroupRequest(
            group_id=group_id,
            user_id=invitee.id,
            kind=INVITATION,
            state=PENDING,
            invited_by=actor.id,
        )
    )
    try:
        await db.flush()
    except IntegrityError as exc:
        # Invited twice at the same instant: the first invitation stands.
        await db.rollback()
        raise InvalidInput({"invitee": _("This person is already invited.")}) from exc
    # The pending invitation is what lets the invitee see a secret group.
    await notifications.notify(
        db, NotificationKind.INVITED.value, invitee.id, actor_id=actor.id, group_id=group_id
    )
    announce(db, {invitee.id})
    await db.commit()
    return "invited"


async def answer_invitation(
    db: AsyncSession, actor: User, slug: str, invitation_id: int, *, accept: bool
) -> GroupRequest:
    """The invited person accepts (and becomes a member) or declines."""
    standing = await group_standing(db, actor, slug)
    item = await request_in(db, standing.group_id, invitation_id, INVITATION)
    if item.user_id != actor.id:
        raise NotFound
    assert actor.id is not None
    if accept:
        refuse_if_archived(standing.group, "__all__")
    await move_request(db, item, "accept_invitation" if accept else "decline_invitation", actor)
    # Declining a secret group's invitation hides the group again.
    announce(db, {actor.id})
    if accept:
        await add_member(db, actor, standing.group_id, actor.id)
    await commit_membership(db)
    return item


async def withdraw_invitation(
    db: AsyncSession, actor: User, slug: str, invitation_id: int
) -> GroupRequest:
    """An owner or group animator takes back a pending invitation."""
    standing = await group_standing(db, actor, slug)
    item = await request_in(db, standing.group_id, invitation_id, INVITATION)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    await move_request(db, item, "withdraw_invitation", actor)
    announce(db, {item.user_id})
    await db.commit()
    return item
