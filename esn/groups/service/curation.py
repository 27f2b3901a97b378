"""What curating a group changes in the groups' own tables, for esn.animation.

Animators decide (esn.animation.curation checks policy.can_animate_group or
can_merge_groups and validates the forms); these functions make the change
in the caller's transaction and never commit, so a merge or an archive is
saved with the rest of the caller's work or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.groups.models import Group, GroupRequest, GroupRole, GroupTag, Membership
from esn.groups.service.membership import announce, recount
from esn.groups.service.naming import tag_key
from esn.groups.service.requests import PENDING, REQUEST
from esn.lifecycle import GROUP_REQUEST
from esn.people import service as people

# Highest first: a person in both merged groups keeps the higher role.
ROLE_RANK = {GroupRole.OWNER.value: 3, GroupRole.ANIMATOR.value: 2, GroupRole.MEMBER.value: 1}


async def set_details(
    db: AsyncSession, group: Group, *, name: str, description: str, tags: Iterable[str]
) -> None:
    """Rename (the address stays), describe and tag a group; its tags become ``tags``."""
    assert group.id is not None
    group_id = group.id
    group.name = name
    group.search_name = people.fold(name)[:120]
    group.description = description
    wanted = list(dict.fromkeys(tag_key(t) for t in tags if tag_key(t)))
    await db.execute(
        delete(GroupTag).where(col(GroupTag.group_id) == group_id, col(GroupTag.tag).not_in(wanted))
    )
    kept = set(
        (
            await db.execute(select(col(GroupTag.tag)).where(col(GroupTag.group_id) == group_id))
        ).scalars()
    )
    for tag in wanted:
        if tag not in kept:
            db.add(GroupTag(group_id=group_id, tag=tag))


async def set_archived(db: AsyncSession, group: Group, actor: User, archived: bool) -> None:
    """Make a group read-only (``archived``) or open it again.

    Archiving an archived group keeps when and by whom it was archived.
    """
    if archived:
        if group.archived_at is None:
            group.archived_at = utcnow()
            group.archived_by = actor.id
    else:
        group.archived_at = None
        group.archived_by = None
    db.add(group)


async def set_featured(db: AsyncSession, group: Group, until: datetime | None) -> None:
    """Put a group first in the directory until ``until`` (aware UTC), or stop (None).

    An archived group is never featured (InvalidInput next to ``until``).
    """
    if until is not None and group.archived_at is not None:
        raise InvalidInput({"until": _("An archived group cannot be featured.")})
    group.featured_until = until
    db.add(group)


@dataclass(frozen=True)
class Absorbed:
    """What absorbing a group moved into its target."""

    members_moved: int
    members_already_in: int
    requests_moved: int
    requests_cancelled: int


async def absorb_group(db: AsyncSession, actor: User, source: Group, target_id: int) -> Absorbed:
    """Move ``source``'s members, pending requests and tags into the group ``target_id``.

    The groups' half of a merge, in the caller's transaction (no commit): a
    person in both groups keeps the higher role; a request or invitation is
    moved unless it became moot (the person is a member after the merge) or
    the same kind is already pending in the target, and then it is cancelled
    along esn.lifecycle.GROUP_REQUEST. Tags become the union (the old group
    keeps its own, for the record). The old group is archived, marked merged
    into the target (its address redirects there) and no longer featured;
    both groups are recounted and the moved people's open pages told once
    the caller commits. The caller moves everything else (posts, pins,
    activity, proposals) and checked the target may receive the group.
    """
    if not policy.can_merge_groups(actor):
        raise Forbidden
    assert actor.id is not None and source.id is not None
    source_id = source.id
    if target_id == source_id:
        raise ValueError("a group cannot absorb itself")

    # Memberships: people already in the target keep the higher of their roles.
    source_members = await _roles(db, source_id)
    target_members = await _roles(db, target_id)
    both = set(source_members) & set(target_members)
    promoted: dict[str, list[int]] = {}
    for user_id in both:
        if ROLE_RANK.get(source_members[user_id], 0) > ROLE_RANK.get(target_members[user_id], 0):
            promoted.setdefault(source_members[user_id], []).append(user_id)
    for role, user_ids in promoted.items():  # one statement per role, not per person
        await db.execute(
            update(Membership)
            .where(col(Membership.group_id) == target_id, col(Membership.user_id).in_(user_ids))
            .values(role=role)
            .execution_options(synchronize_session=False)
        )
    if both:
        await db.execute(
            delete(Membership).where(
                col(Membership.group_id) == source_id, col(Membership.user_id).in_(both)
            )
        )
    await db.execute(
        update(Membership)
        .where(col(Membership.group_id) == source_id)
        .values(group_id=target_id)
        .execution_options(synchronize_session=False)
    )
    members_after = set(source_members) | set(target_members)

    # Pending requests and invitations: moved, unless moot or already pending there.
    pending = list(
        (
            await db.execute(
                select(GroupRequest).where(
                    col(GroupRequest.group_id).in_((source_id, target_id)),
                    col(GroupRequest.state) == PENDING,
                )
            )
        ).scalars()
    )
    in_target = {(r.user_id, r.kind) for r in pending if r.group_id == target_id}
    requests_moved = requests_cancelled = 0
    now = utcnow()
    for item in pending:
        if item.group_id != source_id:
            continue
        if item.user_id in members_after or (item.user_id, item.kind) in in_target:
            action = "cancel_request" if item.kind == REQUEST else "withdraw_invitation"
            item.state = GROUP_REQUEST.next_state(item.state, action)
            item.decided_by = actor.id
            item.decided_at = now
            requests_cancelled += 1
        else:
            item.group_id = target_id
            in_target.add((item.user_id, item.kind))
            requests_moved += 1
    await db.flush()

    # Tags: the union (the old group keeps its own, for the record).
    target_tags = set(
        (
            await db.execute(select(col(GroupTag.tag)).where(col(GroupTag.group_id) == target_id))
        ).scalars()
    )
    source_tags = (
        await db.execute(
            select(col(GroupTag.tag))
            .where(col(GroupTag.group_id) == source_id)
            .order_by(col(GroupTag.tag))
        )
    ).scalars()
    for tag in source_tags:
        if tag not in target_tags:
            db.add(GroupTag(group_id=target_id, tag=tag))

    source.merged_into_id = target_id
    source.archived_at = source.archived_at or now
    source.archived_by = source.archived_by or actor.id
    source.featured_until = None
    await db.flush()
    await recount(db, source_id)
    await recount(db, target_id)
    announce(db, set(source_members))
    return Absorbed(
        members_moved=len(set(source_members) - both),
        members_already_in=len(both),
        requests_moved=requests_moved,
        requests_cancelled=requests_cancelled,
    )


async def _roles(db: AsyncSession, group_id: int) -> dict[int, str]:
    """Each member of the group and their role there."""
    rows = await db.execute(
        select(col(Membership.user_id), col(Membership.role)).where(
            col(Membership.group_id) == group_id
        )
    )
    return {user_id: role for user_id, role in rows.all()}
