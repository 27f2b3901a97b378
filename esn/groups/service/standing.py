"""The actor's standing in a group: may they know it, their role, what they have pending.

Every page and write on a group starts here; a group the actor may not know
exists answers NotFound, exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.groups.models import Group, GroupRequest, Membership
from esn.groups.service.naming import usable_slug
from esn.groups.service.requests import INVITATION, PENDING, REQUEST

# A merge chain longer than this is not followed (it cannot happen through
# the curation service, which refuses merging into a merged group).
MAX_MERGE_HOPS = 5


class GroupMerged(Exception):
    """The group was merged into another: its address now leads to ``slug``.

    Views answer with a permanent redirect to the same page of that group.
    """

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


async def _merge_target(db: AsyncSession, actor: User, group: Group) -> Group:
    """Where a merged group's address leads now, if ``actor`` may know that group.

    A target the actor may not know exists answers NotFound, like a missing
    group: following the old address must not reveal a secret group.
    """
    current = group
    for _hop in range(MAX_MERGE_HOPS):
        if current.merged_into_id is None:
            break
        found = (
            await db.execute(
                select(Group).where(
                    col(Group.id) == current.merged_into_id, policy.listed_groups_clause(actor)
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise NotFound
        current = found
    if current.merged_into_id is not None:
        raise NotFound
    return current


@dataclass(frozen=True)
class Standing:
    """A group as one person stands in it: role, pending request or invitation."""

    group: Group
    role: str | None
    invitation: GroupRequest | None
    request: GroupRequest | None

    @property
    def is_member(self) -> bool:
        """Whether the person belongs to the group (whatever their role)."""
        return self.role is not None

    @property
    def group_id(self) -> int:
        """The group's id (a stored group always has one)."""
        assert self.group.id is not None
        return self.group.id


async def group_and_role(
    db: AsyncSession, actor: User, slug: str, *, listed_only: bool = True
) -> tuple[Group, str | None]:
    """The group at ``slug`` and ``actor``'s role there (None outside it).

    NotFound for a missing group, or (``listed_only``) one ``actor`` may not
    know exists, exactly like a missing one.
    """
    if not policy.is_staff(actor) or not usable_slug(slug):
        raise NotFound
    query = (
        select(Group, col(Membership.role))
        .outerjoin(
            Membership,
            and_(col(Membership.group_id) == col(Group.id), col(Membership.user_id) == actor.id),
        )
        .where(col(Group.slug) == slug)
    )
    if listed_only:
        query = query.where(policy.listed_groups_clause(actor))
    row = (await db.execute(query)).one_or_none()
    if row is None:
        raise NotFound
    return row[0], row[1]


async def group_standing(db: AsyncSession, actor: User, slug: str) -> Standing:
    """The group at ``slug`` and the actor's place in it; NotFound unless they may see it.

    A merged group raises GroupMerged with the address it now lives at.
    """
    # A merged group's old address redirects first; who may see the group is
    # decided below, with the actor's pending invitation in hand.
    group, role = await group_and_role(db, actor, slug, listed_only=False)
    if group.merged_into_id is not None:
        raise GroupMerged((await _merge_target(db, actor, group)).slug)
    pending = (
        await db.execute(
            select(GroupRequest)
            .where(
                col(GroupRequest.group_id) == group.id,
                col(GroupRequest.user_id) == actor.id,
                col(GroupRequest.state) == PENDING,
            )
            .order_by(col(GroupRequest.id))
        )
    ).scalars()
    invitation = request = None
    for item in pending:
        if item.kind == INVITATION and invitation is None:
            invitation = item
        elif item.kind == REQUEST and request is None:
            request = item
    standing = Standing(group=group, role=role, invitation=invitation, request=request)
    if not policy.can_see_group(
        actor, group.visibility, is_member=standing.is_member, is_invited=invitation is not None
    ):
        raise NotFound
    return standing
