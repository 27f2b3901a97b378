"""The group page: the header every tab shows, the about tab, and the group's stream."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.groups.models import Group, GroupRequest, GroupTag, Membership
from esn.groups.service.standing import Standing, group_standing
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import group_source

MAX_DEPARTMENTS = 40


@dataclass(frozen=True)
class GroupHeader:
    """What every tab of a group page shows: who the group is and what I may do there."""

    group: Group
    tags: list[str]
    departments: list[str]
    role: str | None
    invitation: GroupRequest | None
    request: GroupRequest | None
    can_read: bool
    can_post: bool
    can_manage: bool
    can_join: bool
    can_request: bool
    can_curate: bool = False

    @property
    def is_member(self) -> bool:
        """Whether the reader belongs to the group (whatever their role)."""
        return self.role is not None

    @property
    def archived(self) -> bool:
        """An archived group is read-only: nobody posts, joins or is invited there."""
        return self.group.archived_at is not None


async def header_for(db: AsyncSession, actor: User, standing: Standing) -> GroupHeader:
    """What every tab of the group page shows, for a group ``actor`` may see."""
    group_id = standing.group_id
    tags = list(
        (
            await db.execute(
                select(col(GroupTag.tag))
                .where(col(GroupTag.group_id) == group_id)
                .order_by(col(GroupTag.tag))
            )
        ).scalars()
    )
    departments = list(
        (
            await db.execute(
                select(col(Profile.department))
                .join(Membership, col(Membership.user_id) == col(Profile.user_id))
                .where(col(Membership.group_id) == group_id, col(Profile.department) != "")
                .distinct()
                .order_by(col(Profile.department))
                .limit(MAX_DEPARTMENTS)
            )
        ).scalars()
    )
    visibility = standing.group.visibility
    is_member = standing.is_member
    archived = standing.group.archived_at is not None
    return GroupHeader(
        group=standing.group,
        tags=tags,
        departments=departments,
        role=standing.role,
        invitation=standing.invitation,
        request=standing.request,
        can_read=policy.can_read_group_content(actor, visibility, is_member=is_member),
        can_post=policy.can_post_in_group_now(actor, is_member=is_member, archived=archived),
        can_manage=policy.can_manage_group(actor, standing.role),
        can_join=not archived and policy.can_join_group(actor, visibility, is_member=is_member),
        can_request=not archived
        and policy.can_request_to_join(actor, visibility, is_member=is_member),
        can_curate=policy.can_animate_group(actor, standing.role),
    )


async def group_about(db: AsyncSession, actor: User, slug: str) -> GroupHeader:
    """The about page: name, description, tags, departments, and my way in or out."""
    return await header_for(db, actor, await group_standing(db, actor, slug))


@dataclass(frozen=True)
class GroupPage:
    """A group page: its header and, for those who may read it, its stream."""

    header: GroupHeader
    stream: stream.StreamPage | None


async def group_page(
    db: AsyncSession, actor: User, slug: str, after: str | None = None
) -> GroupPage:
    """The group page; its stream only for people who may read the group's content."""
    header = await header_for(db, actor, await group_standing(db, actor, slug))
    page = None
    if header.can_read:
        assert header.group.id is not None
        page = await stream.stream_page(db, actor, [group_source(header.group.id)], after=after)
    return GroupPage(header=header, stream=page)
