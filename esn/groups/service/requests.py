"""Join requests and invitations: finding them and moving them along their graph.

They move only along esn.lifecycle.GROUP_REQUEST, and only from the state
last read, so two people deciding the same one at once cannot both succeed.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import GroupRequest, RequestKind
from esn.lifecycle import GROUP_REQUEST, LifecycleError

REQUEST = RequestKind.REQUEST.value
INVITATION = RequestKind.INVITATION.value
PENDING = GROUP_REQUEST.initial
# Ids come from URLs; anything beyond a 32-bit key cannot exist (and PostgreSQL
# would refuse to compare it with an integer column).
MAX_ID = 2**31 - 1


def already_decided(state: str) -> InvalidInput:
    """The error for a request or invitation that is no longer pending."""
    messages = {
        "accepted": _("This was already accepted."),
        "declined": _("This was already declined."),
        "cancelled": _("This was already withdrawn."),
    }
    return InvalidInput({"__all__": messages.get(state, _("This is no longer pending."))})


async def move_request(db: AsyncSession, item: GroupRequest, action: str, actor: User) -> None:
    """Take ``item`` along the declared edge ``action``, or refuse.

    The update only applies if the state is still the one we read, so two
    people deciding the same request at once cannot both succeed.
    """
    item_id = item.id
    try:
        target = GROUP_REQUEST.next_state(item.state, action)
    except LifecycleError as exc:
        raise already_decided(item.state) from exc
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(GroupRequest)
            .where(col(GroupRequest.id) == item.id, col(GroupRequest.state) == item.state)
            .values(state=target, decided_by=actor.id, decided_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        # Someone decided it first: report what they decided (rollback expires ``item``).
        await db.rollback()
        state = (
            await db.execute(select(col(GroupRequest.state)).where(col(GroupRequest.id) == item_id))
        ).scalar_one_or_none()
        raise already_decided(state or "")
    item.state = target


async def request_in(db: AsyncSession, group_id: int, request_id: int, kind: str) -> GroupRequest:
    """A request or invitation (``kind``) of this group by id, or NotFound."""
    if not 0 < request_id <= MAX_ID:
        raise NotFound
    item = await db.get(GroupRequest, request_id)
    if item is None or item.group_id != group_id or item.kind != kind:
        raise NotFound
    return item


async def pending_of(db: AsyncSession, group_id: int, user_id: int) -> list[GroupRequest]:
    """What ``user_id`` has pending in the group: a request, an invitation, or both."""
    return list(
        (
            await db.execute(
                select(GroupRequest).where(
                    col(GroupRequest.group_id) == group_id,
                    col(GroupRequest.user_id) == user_id,
                    col(GroupRequest.state) == PENDING,
                )
            )
        ).scalars()
    )
