"""Stream sources: the keys of the company stream, a group's and a person's profile,
who reads each and who posts to it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.stream.models import SourceKind
from esn.stream.service.access import is_archived, membership


def parse_source(source: str) -> tuple[SourceKind, int | None] | None:
    """(COMPANY, None), (GROUP, id) or (USER, id); None if not a source key."""
    if source == SourceKind.COMPANY:
        return SourceKind.COMPANY, None
    kind, _sep, number = source.partition(":")
    if kind in {SourceKind.GROUP, SourceKind.USER} and number.isdigit() and len(number) < 12:
        return SourceKind(kind), int(number)
    return None


async def can_read_source(db: AsyncSession, actor: User | None, source: str) -> bool:
    """May ``actor`` read the posts of ``source`` (company, a profile, a group)?"""
    parsed = parse_source(source)
    if parsed is None or actor is None or not policy.is_staff(actor):
        return False
    kind, number = parsed
    if kind == SourceKind.COMPANY:
        return True
    assert number is not None
    if kind == SourceKind.USER:
        person = await db.get(User, number)
        return person is not None and policy.can_see_profile(actor, person)
    group = await db.get(Group, number)
    if group is None:
        return False
    is_member = await membership(db, actor, number) is not None
    return policy.may_read_post(actor, group_visibility=group.visibility, is_member=is_member)


async def postable_source(db: AsyncSession, actor: User, source: str) -> int | None:
    """Check ``actor`` may post to ``source``; the group id for a group source.

    A group the actor may not read answers NotFound, like a missing one; a
    group they may read but do not belong to, Forbidden.
    """
    parsed = parse_source(source)
    if parsed is None or not policy.is_staff(actor):
        raise InvalidInput({"source": _("Choose where to post.")})
    kind, number = parsed
    if kind == SourceKind.COMPANY:
        if not policy.can_post_in_company(actor):
            raise Forbidden
        return None
    assert number is not None
    if kind == SourceKind.USER:
        if not policy.can_post_on_profile(actor, number):
            raise Forbidden
        return None
    group = await db.get(Group, number)
    if group is None:
        raise NotFound
    is_member = await membership(db, actor, number) is not None
    if not policy.may_read_post(actor, group_visibility=group.visibility, is_member=is_member):
        raise NotFound
    if not policy.can_post_in_group(actor, is_member=is_member):
        raise Forbidden
    if is_archived(group):
        raise InvalidInput({"source": _("This group is archived: it is read-only.")})
    return number
