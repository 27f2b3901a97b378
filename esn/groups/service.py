"""Groups: creating them, the directory, group pages, and the membership lifecycle.

Join requests and invitations move only along esn.lifecycle.GROUP_REQUEST.
Every write commits first; notifications are dispatched and membership
changes published only afterwards, so nobody is told about a rolled-back
change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.groups.events import MembershipChanged
from esn.groups.models import Group, GroupRequest, GroupRole, GroupTag, Membership, Visibility
from esn.lifecycle import GROUP_REQUEST, LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import group_source

SLUG_MAX_LENGTH = 80
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /groups that are pages of their own, never a group's address.
RESERVED_SLUGS = frozenset({"new"})
DIRECTORY_PAGE_SIZE = 24
MEMBERS_PAGE_SIZE = 50
MAX_PENDING_SHOWN = 100
MAX_DEPARTMENTS = 40
MAX_MANAGERS_NOTIFIED = 50
MAX_SEARCH_WORDS = 5
MAX_FEATURED_GROUPS = 6
# Ids come from URLs; anything beyond a 32-bit key cannot exist (and PostgreSQL
# would refuse to compare it with an integer column).
MAX_ID = 2**31 - 1

REQUEST = "request"
INVITATION = "invitation"
PENDING = GROUP_REQUEST.initial
MANAGER_ROLES = (GroupRole.OWNER.value, GroupRole.ANIMATOR.value)


def tag_key(text: str) -> str:
    """The stored form of a tag: folded (no case, no accents), single spaces."""
    return re.sub(r"\s+", " ", people.fold(text))


def slug_from_name(name: str) -> str:
    """An address derived from a group's name: "Café & Co" gives "cafe-co"."""
    slug = re.sub(r"[^a-z0-9]+", "-", people.fold(name)).strip("-")
    return slug[: SLUG_MAX_LENGTH - 8].strip("-") or "group"


def _usable_slug(slug: str) -> bool:
    """A slug that could name a group; anything else is answered as missing."""
    return len(slug) <= SLUG_MAX_LENGTH and SLUG_PATTERN.match(slug) is not None


# --- creating a group ----------------------------------------------------------


@dataclass(frozen=True)
class NewGroup:
    """What the creation form gives, already trimmed and checked by forms.py."""

    name: str
    description: str = ""
    slug: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = Visibility.OPEN.value


async def _slug_taken(db: AsyncSession, slug: str) -> bool:
    found = await db.execute(select(col(Group.id)).where(col(Group.slug) == slug))
    return found.first() is not None


async def _derived_slug(db: AsyncSession, name: str) -> str:
    """The name's slug, numbered ("-2", "-3", ...) when already taken or reserved."""
    base = slug_from_name(name)
    taken = set(
        (
            await db.execute(
                select(col(Group.slug)).where(
                    or_(col(Group.slug) == base, col(Group.slug).startswith(f"{base}-"))
                )
            )
        ).scalars()
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


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
        if new.slug in RESERVED_SLUGS or await _slug_taken(db, new.slug):
            raise InvalidInput({"slug": _("Another group already uses this address.")})
        slug = new.slug
    else:
        slug = await _derived_slug(db, new.name)
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
    _announce(db, {actor.id})
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


async def add_members(
    db: AsyncSession, actor: User, group_id: int, user_ids: list[int]
) -> set[int]:
    """Make these people members, in the caller's transaction; returns who was added.

    ``actor`` is whoever brings them in (recorded on settled requests). The
    caller decided they may; its commit tells their open pages.
    """
    added = set()
    for user_id in dict.fromkeys(user_ids):
        if await _add_member(db, actor, group_id, user_id):
            added.add(user_id)
    return added


# --- the actor's standing in a group ---------------------------------------------

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
        return self.role is not None

    @property
    def group_id(self) -> int:
        assert self.group.id is not None
        return self.group.id


async def group_and_role(
    db: AsyncSession, actor: User, slug: str, *, listed_only: bool = True
) -> tuple[Group, str | None]:
    """The group at ``slug`` and ``actor``'s role there (None outside it).

    NotFound for a missing group, or (``listed_only``) one ``actor`` may not
    know exists, exactly like a missing one.
    """
    if not policy.is_staff(actor) or not _usable_slug(slug):
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


# --- the group page ------------------------------------------------------------------


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


# --- members ------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberEntry:
    """A member as the members list shows them, with what the reader may do to them."""

    profile: Profile
    role: str
    can_remove: bool


@dataclass(frozen=True)
class PendingEntry:
    """A pending join request or invitation, with the person it concerns."""

    request: GroupRequest
    profile: Profile


@dataclass(frozen=True)
class MembersPage:
    """The members tab: members by name, and for managers what awaits a decision."""

    header: GroupHeader
    members: list[MemberEntry]
    next_cursor: str | None
    requests: list[PendingEntry] = field(default_factory=list)
    invitations: list[PendingEntry] = field(default_factory=list)
    can_change_roles: bool = False


async def _pending(db: AsyncSession, group_id: int, kind: str) -> list[PendingEntry]:
    rows = await db.execute(
        select(GroupRequest, Profile)
        .join(Profile, col(Profile.user_id) == col(GroupRequest.user_id))
        .where(
            col(GroupRequest.group_id) == group_id,
            col(GroupRequest.kind) == kind,
            col(GroupRequest.state) == PENDING,
        )
        .order_by(col(GroupRequest.created_at), col(GroupRequest.id))
        .limit(MAX_PENDING_SHOWN)
    )
    return [PendingEntry(request=r, profile=p) for r, p in rows.all()]


async def members_page(
    db: AsyncSession, actor: User, slug: str, after: str | None = None
) -> MembersPage:
    """Members a page at a time by name (keyset), for those who may read the group.

    Managers also get the pending requests and invitations to decide or withdraw.
    """
    standing = await group_standing(db, actor, slug)
    header = await header_for(db, actor, standing)
    if not header.can_read:
        raise NotFound
    group_id = standing.group_id
    statement = (
        select(Profile, col(Membership.role))
        .join(Membership, col(Membership.user_id) == col(Profile.user_id))
        .join(User, col(User.id) == col(Profile.user_id))
        .where(col(Membership.group_id) == group_id, col(User.is_active).is_(True))
    )
    position = people.decode_cursor(after) if after else None
    if position is not None:
        statement = statement.where(
            tuple_(col(Profile.search_name), col(Profile.user_id)) > tuple_(*position)
        )
    statement = statement.order_by(col(Profile.search_name), col(Profile.user_id))
    found = list((await db.execute(statement.limit(MEMBERS_PAGE_SIZE + 1))).all())
    rows = found[:MEMBERS_PAGE_SIZE]
    next_cursor = None
    if len(found) > MEMBERS_PAGE_SIZE:
        last = rows[-1][0]
        next_cursor = people.encode_cursor(last.search_name, last.user_id)
    members = [
        MemberEntry(
            profile=profile,
            role=role,
            can_remove=profile.user_id != actor.id
            and policy.can_remove_member(actor, standing.role, role),
        )
        for profile, role in rows
    ]
    if not header.can_manage:
        return MembersPage(header=header, members=members, next_cursor=next_cursor)
    return MembersPage(
        header=header,
        members=members,
        next_cursor=next_cursor,
        requests=await _pending(db, group_id, REQUEST),
        invitations=await _pending(db, group_id, INVITATION),
        can_change_roles=policy.can_change_group_roles(actor, standing.role),
    )


# --- the directory ---------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryQuery:
    """The directory's search text, tag filter and page cursor, already checked."""

    q: str = ""
    tag: str = ""
    after: str = ""


@dataclass(frozen=True)
class GroupCard:
    """A group in the directory, with its tags and where the reader stands."""

    group: Group
    tags: list[str]
    role: str | None
    invited: bool


@dataclass(frozen=True)
class GroupDirectory:
    """One page of groups and the cursor of the next one.

    ``featured`` holds the groups animators put forward (first page only),
    matching the same search, shown before the others.
    """

    groups: list[GroupCard]
    next_cursor: str | None
    featured: list[GroupCard] = field(default_factory=list)


def _matches_word(word: str) -> Any:
    """A group matches a search word by its name or one of its tags (folded)."""
    pattern = people.like_pattern(tag_key(word))
    has_tag = exists(
        select(col(GroupTag.id)).where(
            col(GroupTag.group_id) == col(Group.id), col(GroupTag.tag).like(pattern, escape="\\")
        )
    )
    return or_(col(Group.search_name).like(pattern, escape="\\"), has_tag)


async def search_groups(
    db: AsyncSession, actor: User, query: DirectoryQuery | None
) -> GroupDirectory:
    """Groups the actor may know exist, matching the search, by name (keyset pages).

    Open and private groups are listed for everyone; secret ones only for their
    members and invitees (policy.listed_groups_clause). With no query (the form
    was invalid) nothing is listed.
    """
    if not policy.is_staff(actor):
        raise Forbidden
    if query is None:
        return GroupDirectory(groups=[], next_cursor=None)
    # A merged group lives on in the group it was merged into: never listed.
    conditions = [policy.listed_groups_clause(actor), col(Group.merged_into_id).is_(None)]
    for word in query.q.split()[:MAX_SEARCH_WORDS]:
        conditions.append(_matches_word(word))
    if query.tag:
        conditions.append(
            exists(
                select(col(GroupTag.id)).where(
                    col(GroupTag.group_id) == col(Group.id), col(GroupTag.tag) == tag_key(query.tag)
                )
            )
        )
    statement = select(Group).where(*conditions)
    position = people.decode_cursor(query.after) if query.after else None
    if position is not None:
        statement = statement.where(
            tuple_(col(Group.search_name), col(Group.id)) > tuple_(*position)
        )
    statement = statement.order_by(col(Group.search_name), col(Group.id))
    found = list((await db.execute(statement.limit(DIRECTORY_PAGE_SIZE + 1))).scalars())
    groups = found[:DIRECTORY_PAGE_SIZE]
    next_cursor = None
    if len(found) > DIRECTORY_PAGE_SIZE:
        last = groups[-1]
        assert last.id is not None
        next_cursor = people.encode_cursor(last.search_name, last.id)
    featured: list[Group] = []
    if position is None:
        featured = list(
            (
                await db.execute(
                    select(Group)
                    .where(*conditions, col(Group.featured_until) > utcnow())
                    .order_by(col(Group.featured_until).desc(), col(Group.id))
                    .limit(MAX_FEATURED_GROUPS)
                )
            ).scalars()
        )
    cards = await _cards(db, actor, [*featured, *groups])
    return GroupDirectory(
        groups=cards[len(featured) :], next_cursor=next_cursor, featured=cards[: len(featured)]
    )


async def _cards(db: AsyncSession, actor: User, groups: list[Group]) -> list[GroupCard]:
    """Tags, the reader's roles and invitations for a page of groups: three queries."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    tags: dict[int, list[str]] = {}
    for group_id, tag in (
        await db.execute(
            select(col(GroupTag.group_id), col(GroupTag.tag))
            .where(col(GroupTag.group_id).in_(ids))
            .order_by(col(GroupTag.tag))
        )
    ).all():
        tags.setdefault(group_id, []).append(tag)
    roles = dict(
        (
            await db.execute(
                select(col(Membership.group_id), col(Membership.role)).where(
                    col(Membership.user_id) == actor.id, col(Membership.group_id).in_(ids)
                )
            )
        ).all()
    )
    invited = set(
        (
            await db.execute(
                select(col(GroupRequest.group_id)).where(
                    col(GroupRequest.user_id) == actor.id,
                    col(GroupRequest.group_id).in_(ids),
                    col(GroupRequest.kind) == INVITATION,
                    col(GroupRequest.state) == PENDING,
                )
            )
        ).scalars()
    )
    return [
        GroupCard(
            group=g,
            tags=tags.get(g.id or 0, []),
            role=roles.get(g.id or 0),
            invited=g.id in invited,
        )
        for g in groups
    ]


# --- writing membership ----------------------------------------------------------------


def _announce(db: AsyncSession, changed: set[int]) -> None:
    """Once committed, tell these people's open sockets that their groups changed."""
    record(db, *(MembershipChanged(user_id) for user_id in sorted(changed)))


def _refuse_if_archived(group: Group, field_name: str) -> None:
    """Nobody joins, asks to join or is invited into an archived (read-only) group."""
    if group.archived_at is not None:
        raise InvalidInput(
            {field_name: _("This group is archived: it is read-only and nobody can join it.")}
        )


def _already(state: str) -> InvalidInput:
    """The error for a request or invitation that is no longer pending."""
    messages = {
        "accepted": _("This was already accepted."),
        "declined": _("This was already declined."),
        "cancelled": _("This was already withdrawn."),
    }
    return InvalidInput({"__all__": messages.get(state, _("This is no longer pending."))})


async def _move(db: AsyncSession, item: GroupRequest, action: str, actor: User) -> None:
    """Take ``item`` along the declared edge ``action``, or refuse.

    The update only applies if the state is still the one we read, so two
    people deciding the same request at once cannot both succeed.
    """
    item_id = item.id
    try:
        target = GROUP_REQUEST.next_state(item.state, action)
    except LifecycleError as exc:
        raise _already(item.state) from exc
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
        raise _already(state or "")
    item.state = target


async def recount(db: AsyncSession, group_id: int) -> None:
    """Set member_count from the memberships themselves, so it never drifts."""
    count = (
        select(func.count())
        .select_from(Membership)
        .where(col(Membership.group_id) == group_id)
        .scalar_subquery()
    )
    await db.execute(
        update(Group)
        .where(col(Group.id) == group_id)
        .values(member_count=count)
        .execution_options(synchronize_session=False)
    )


async def _add_member(db: AsyncSession, actor: User, group_id: int, user_id: int) -> bool:
    """Make ``user_id`` a member (False if they already were) and log that they joined.

    Whatever else they had pending in this group is settled along the graph.
    """
    existing = await db.execute(
        select(col(Membership.id)).where(
            col(Membership.group_id) == group_id, col(Membership.user_id) == user_id
        )
    )
    if existing.first() is not None:
        return False
    db.add(Membership(group_id=group_id, user_id=user_id, role=GroupRole.MEMBER.value))
    await db.flush()
    _announce(db, {user_id})
    others = (
        await db.execute(
            select(GroupRequest).where(
                col(GroupRequest.group_id) == group_id,
                col(GroupRequest.user_id) == user_id,
                col(GroupRequest.state) == PENDING,
            )
        )
    ).scalars()
    for other in list(others):
        action = "accept_request" if other.kind == REQUEST else "accept_invitation"
        await _move(db, other, action, actor)
    await recount(db, group_id)
    await stream.record_activity(
        db,
        actor_id=user_id,
        verb="joined",
        object_type="group",
        object_id=group_id,
        source=group_source(group_id),
    )
    return True


async def _commit_membership(db: AsyncSession) -> bool:
    """Commit; False when a concurrent click already made the same membership."""
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return False
    return True


async def _managers(db: AsyncSession, group_id: int) -> list[int]:
    """The owners and animators of a group, who decide its join requests."""
    return list(
        (
            await db.execute(
                select(col(Membership.user_id))
                .where(
                    col(Membership.group_id) == group_id,
                    col(Membership.role).in_(MANAGER_ROLES),
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
    _refuse_if_archived(standing.group, "__all__")
    if standing.invitation is not None:
        await _move(db, standing.invitation, "accept_invitation", actor)
        await _add_member(db, actor, group_id, actor.id)
        await _commit_membership(db)
        return "joined"
    visibility = standing.group.visibility
    if policy.can_join_group(actor, visibility, is_member=False):
        if await _add_member(db, actor, group_id, actor.id):
            await _commit_membership(db)
        return "joined"
    if not policy.can_request_to_join(actor, visibility, is_member=False):
        if visibility == Visibility.SECRET.value and not (
            policy.is_admin(actor) or policy.is_company_animator(actor)
        ):
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


async def _request_in(
    db: AsyncSession, standing: Standing, request_id: int, kind: str
) -> GroupRequest:
    """A request or invitation of this group by id, or NotFound."""
    if not 0 < request_id <= MAX_ID:
        raise NotFound
    item = await db.get(GroupRequest, request_id)
    if item is None or item.group_id != standing.group_id or item.kind != kind:
        raise NotFound
    return item


async def decide_request(
    db: AsyncSession, actor: User, slug: str, request_id: int, *, accept: bool
) -> GroupRequest:
    """An owner or group animator accepts or declines a join request.

    Accepting makes the person a member and tells them; a request that is no
    longer pending is refused (InvalidInput) and nothing changes.
    """
    standing = await group_standing(db, actor, slug)
    item = await _request_in(db, standing, request_id, REQUEST)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    if accept:
        _refuse_if_archived(standing.group, "__all__")
    await _move(db, item, "accept_request" if accept else "decline_request", actor)
    if accept:
        await _add_member(db, actor, standing.group_id, item.user_id)
        await notifications.notify(
            db,
            NotificationKind.REQUEST_ACCEPTED.value,
            item.user_id,
            actor_id=actor.id,
            group_id=standing.group_id,
        )
    if not await _commit_membership(db):
        raise _already("accepted")
    return item


async def cancel_request(db: AsyncSession, actor: User, slug: str, request_id: int) -> GroupRequest:
    """The requester takes back their own pending join request."""
    standing = await group_standing(db, actor, slug)
    item = await _request_in(db, standing, request_id, REQUEST)
    if item.user_id != actor.id:
        raise NotFound
    await _move(db, item, "cancel_request", actor)
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
    _refuse_if_archived(standing.group, "invitee")
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
    pending = list(
        (
            await db.execute(
                select(GroupRequest).where(
                    col(GroupRequest.group_id) == group_id,
                    col(GroupRequest.user_id) == invitee.id,
                    col(GroupRequest.state) == PENDING,
                )
            )
        ).scalars()
    )
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
    _announce(db, {invitee.id})
    await db.commit()
    return "invited"


async def answer_invitation(
    db: AsyncSession, actor: User, slug: str, invitation_id: int, *, accept: bool
) -> GroupRequest:
    """The invited person accepts (and becomes a member) or declines."""
    standing = await group_standing(db, actor, slug)
    item = await _request_in(db, standing, invitation_id, INVITATION)
    if item.user_id != actor.id:
        raise NotFound
    assert actor.id is not None
    if accept:
        _refuse_if_archived(standing.group, "__all__")
    await _move(db, item, "accept_invitation" if accept else "decline_invitation", actor)
    # Declining a secret group's invitation hides the group again.
    _announce(db, {actor.id})
    if accept:
        await _add_member(db, actor, standing.group_id, actor.id)
    await _commit_membership(db)
    return item


async def withdraw_invitation(
    db: AsyncSession, actor: User, slug: str, invitation_id: int
) -> GroupRequest:
    """An owner or group animator takes back a pending invitation."""
    standing = await group_standing(db, actor, slug)
    item = await _request_in(db, standing, invitation_id, INVITATION)
    if not policy.can_manage_group(actor, standing.role):
        raise Forbidden
    await _move(db, item, "withdraw_invitation", actor)
    _announce(db, {item.user_id})
    await db.commit()
    return item


# --- leaving, removing, roles ----------------------------------------------------------


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
    _announce(db, {actor.id})
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
    _announce(db, {user_id})
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
    _announce(db, {user_id})
    await db.commit()
