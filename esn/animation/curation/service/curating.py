"""Curating a group: its details and tags, archiving it, featuring it in the directory.

A group's owners and animators curate it, and company animators curate any
group they may know; only company animators feature groups in the directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.animation.curation.service.expiry import default_until, expiry_from
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.groups import service as groups
from esn.groups.models import Group
from esn.stream import service as stream
from esn.stream.models import group_source


@dataclass(frozen=True)
class GroupDetails:
    """What the curation form edits: name, description, tags (already checked)."""

    name: str
    description: str
    tags: tuple[str, ...]


@dataclass
class CurationPage:
    """/groups/{slug}/curate: the group, its tags, and what ``actor`` may do."""

    header: groups.GroupHeader
    can_feature: bool
    can_merge: bool
    default_until: date
    featured_until: datetime | None

    @property
    def group(self) -> Group:
        return self.header.group


async def _curated(db: AsyncSession, actor: User, slug: str) -> groups.Standing:
    """The group to curate: NotFound unless ``actor`` may know it; Forbidden
    unless they animate it (its owners and animators, company animators)."""
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_animate_group(actor, standing.role):
        raise Forbidden
    return standing


async def curation_page(db: AsyncSession, actor: User, slug: str) -> CurationPage:
    """The curation page of a group for those who may curate it."""
    standing = await _curated(db, actor, slug)
    header = await groups.header_for(db, actor, standing)
    featured_until = standing.group.featured_until
    if featured_until is not None and as_utc(featured_until) <= utcnow():
        featured_until = None
    return CurationPage(
        header=header,
        can_feature=policy.can_animate_company(actor),
        can_merge=policy.can_merge_groups(actor),
        default_until=default_until(actor),
        featured_until=featured_until,
    )


async def update_group_details(
    db: AsyncSession, actor: User, slug: str, details: GroupDetails
) -> Group:
    """Rename (the address stays), describe and tag a group; tags are replaced."""
    standing = await _curated(db, actor, slug)
    await groups.set_details(
        db,
        standing.group,
        name=details.name,
        description=details.description,
        tags=details.tags,
    )
    await db.commit()
    return standing.group


async def archive_group(db: AsyncSession, actor: User, slug: str, *, confirmed: bool) -> Group:
    """Make a group read-only; still readable by whoever could read it.

    The form asks for confirmation: without it nothing changes.
    """
    standing = await _curated(db, actor, slug)
    group = standing.group
    if group.archived_at is not None:
        raise InvalidInput({"confirm": _("This group is already archived.")})
    if not confirmed:
        raise InvalidInput(
            {"confirm": _("Tick the box to confirm: nobody will be able to post here.")}
        )
    assert actor.id is not None
    await groups.set_archived(db, group, actor, True)
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb="archived",
        object_type="group",
        object_id=standing.group_id,
        source=group_source(standing.group_id),
    )
    await db.commit()
    return group


async def unarchive_group(db: AsyncSession, actor: User, slug: str) -> Group:
    """Open an archived group for posts, comments and members again."""
    standing = await _curated(db, actor, slug)
    group = standing.group
    if group.archived_at is None:
        raise InvalidInput({"__all__": _("This group is not archived.")})
    await groups.set_archived(db, group, actor, False)
    await db.commit()
    return group


async def feature_group(db: AsyncSession, actor: User, slug: str, until: date) -> Group:
    """Put a group first in the directory until the end of ``until`` (company animators).

    An archived group is refused (esn.groups decides that, next to ``until``).
    """
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_animate_company(actor):
        raise Forbidden
    await groups.set_featured(db, standing.group, expiry_from(actor, until))
    await db.commit()
    return standing.group


async def unfeature_group(db: AsyncSession, actor: User, slug: str) -> Group:
    """Stop featuring a group in the directory."""
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_animate_company(actor):
        raise Forbidden
    await groups.set_featured(db, standing.group, None)
    await db.commit()
    return standing.group
