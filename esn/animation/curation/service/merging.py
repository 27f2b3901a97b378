"""Merging one group into another, in one transaction.

A merged group's address redirects to the group it was merged into
(esn.groups.service.GroupMerged).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import FeaturedPost
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.groups import service as groups
from esn.groups.models import Group, Visibility
from esn.proposals import service as proposals
from esn.stream import service as stream
from esn.stream.models import group_source


def audience_change(source: Group, target: Group) -> str | None:
    """What merging ``source`` into ``target`` does to who reads its posts, or None."""
    if source.visibility == target.visibility:
        return None
    if target.visibility == Visibility.OPEN.value:
        return _(
            "The posts of “%(source)s” are for its members only; merged into “%(target)s”, "
            "which is open, everyone will be able to read them."
        ) % {"source": source.name, "target": target.name}
    if source.visibility == Visibility.OPEN.value:
        return _(
            "“%(source)s” is open; merged into “%(target)s”, its posts will be for the members "
            "of “%(target)s” only."
        ) % {"source": source.name, "target": target.name}
    return _(
        "“%(source)s” is %(source_visibility)s and “%(target)s” is %(target_visibility)s: "
        "who may find the group changes for its posts."
    ) % {
        "source": source.name,
        "target": target.name,
        "source_visibility": _visibility_name(source.visibility),
        "target_visibility": _visibility_name(target.visibility),
    }


def _visibility_name(visibility: str) -> str:
    return {
        Visibility.OPEN.value: _("open"),
        Visibility.PRIVATE.value: _("private"),
        Visibility.SECRET.value: _("secret"),
    }.get(visibility, visibility)


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge moved, for the notice and the tests."""

    target: Group
    posts: int
    members_moved: int
    members_already_in: int
    requests_moved: int
    requests_cancelled: int


async def _merge_target(db: AsyncSession, actor: User, source: Group, target_slug: str) -> Group:
    """The group to merge into, or a message next to the ``target`` field."""
    target = (
        await db.execute(
            select(Group).where(col(Group.slug) == target_slug, policy.listed_groups_clause(actor))
        )
    ).scalar_one_or_none()
    if target is None:
        raise InvalidInput({"target": _("No group has this address.")})
    if target.id == source.id:
        raise InvalidInput(
            {"target": _("A group cannot be merged into itself: choose another group.")}
        )
    if target.merged_into_id is not None:
        raise InvalidInput(
            {"target": _("This group was itself merged into another one: choose that one.")}
        )
    if target.archived_at is not None:
        raise InvalidInput(
            {"target": _("This group is archived: unarchive it first, or choose another.")}
        )
    return target


async def merge_groups(
    db: AsyncSession,
    actor: User,
    slug: str,
    target_slug: str,
    *,
    understood: bool,
) -> MergeOutcome:
    """Merge the group at ``slug`` into the group at ``target_slug``, in one transaction.

    Moved to the target: posts (and their stream source), pins, activity,
    memberships (a person in both keeps the higher role), pending requests
    and invitations (a duplicate of one pending in the target is cancelled),
    tags (union) and the slack-time proposals linked to the group. Charters
    stay with the old group: they are its rules, versioned, and the target
    keeps its own. The old group is archived, marked merged and emptied of
    members; its address redirects to the target.

    Animation decides and keeps its own rows (pins); each other domain moves
    its own rows through its service, all in this session's transaction, so
    the merge is saved whole or not at all.
    """
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_merge_groups(actor):
        raise Forbidden
    assert actor.id is not None
    source = standing.group
    source_id = standing.group_id
    target = await _merge_target(db, actor, source, target_slug)
    assert target.id is not None
    target_id = target.id
    change = audience_change(source, target)
    if change is not None and not understood:
        raise InvalidInput({"understood": change + " " + _("Tick the box to confirm.")})

    # Posts and their stream, and the activity log of the old group's stream.
    posts = await stream.move_group_posts(db, source_id, target_id)
    await db.execute(
        update(FeaturedPost)
        .where(col(FeaturedPost.group_id) == source_id)
        .values(group_id=target_id)
        .execution_options(synchronize_session=False)
    )
    await proposals.move_group_proposals(db, source_id, target_id)
    # Members, requests, tags; the old group archived and marked merged.
    absorbed = await groups.absorb_group(db, actor, source, target_id)
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb="merged",
        object_type="group",
        object_id=target_id,
        source=group_source(target_id),
    )
    await db.commit()
    return MergeOutcome(
        target=target,
        posts=posts,
        members_moved=absorbed.members_moved,
        members_already_in=absorbed.members_already_in,
        requests_moved=absorbed.requests_moved,
        requests_cancelled=absorbed.requests_cancelled,
    )
