"""Creating a group: its address, tags, and its creator as first owner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.groups.models import Group, GroupRole, GroupTag, Membership, Visibility
from esn.groups.service.membership import announce
from esn.groups.service.naming import RESERVED_SLUGS, derived_slug, slug_taken, tag_key
from esn.people import service as people
from esn.stream import service as stream
from esn.stream.models import group_source


@dataclass(frozen=True)
class NewGroup:
    """What the creation form gives, already trimmed and checked by forms.py."""

    name: str
    description: str = ""
    slug: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = Visibility.OPEN.value


async def create_group(db: AsyncSession, actor: User, new: NewGroup) -> Group:
    """Create a group with its tags; the creator becomes its first owner."""
    try:
        group = await add_group(db, actor, new)
        await db.commit()
    except IntegrityError as exc:
        # Someone took the same address between our check and our insert.
        await db.rollback()
        raise InvalidInput({"slug": _("Another group already uses this address.")}) from exc
    return group


async def add_group(db: AsyncSession, actor: User, new: NewGroup) -> Group:
    """Create a group in the caller's transaction (flushed, not committed).

    For other domains that create a group as part of a larger change (a
    proposal's project group); their commit announces the new membership.
    """
    if not policy.can_create_group(actor):
        raise Forbidden
    assert actor.id is not None
    if new.slug:
        if new.slug in RESERVED_SLUGS or await slug_taken(db, new.slug):
            raise InvalidInput({"slug": _("Another group already uses this address.")})
        slug = new.slug
    else:
        slug = await derived_slug(db, new.name)
    group = Group(
        slug=slug,
        name=new.name,
        search_name=people.fold(new.name)[:120],
        description=new.description,
        visibility=new.visibility,
        created_by=actor.id,
        member_count=1,
    )
    db.add(group)
    await db.flush()
    assert group.id is not None
    for tag in dict.fromkeys(tag_key(t) for t in new.tags if tag_key(t)):
        db.add(GroupTag(group_id=group.id, tag=tag))
    db.add(Membership(group_id=group.id, user_id=actor.id, role=GroupRole.OWNER.value))
    announce(db, {actor.id})
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb="created",
        object_type="group",
        object_id=group.id,
        source=group_source(group.id),
    )
    await db.flush()
    return group
