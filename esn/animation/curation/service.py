"""Curation: featuring and pinning posts, featuring, editing, archiving and merging groups.

Animating never grants reading: an animator features or pins only posts they
may read themselves, and every reader sees a featured post only if they may
read it too (policy.readable_posts_clause). A group's address, once merged,
redirects to the group it was merged into (esn.groups.service.GroupMerged).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import FeaturedPost, FeaturedPostSeen
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.groups import service as groups
from esn.groups.events import MembershipChanged
from esn.groups.models import Group, GroupRequest, GroupRole, GroupTag, Membership, Visibility
from esn.lifecycle import GROUP_REQUEST
from esn.people import service as people
from esn.people.models import Profile
from esn.proposals.models import Proposal
from esn.stream import service as stream
from esn.stream.models import Activity, Post, group_source

DEFAULT_FEATURE_DAYS = 7
MIN_FEATURE_DAYS = 1
MAX_FEATURE_DAYS = 60
HOME_FEATURED_LIMIT = 3
GROUP_PINS_LIMIT = 5
# Ids come from URLs; anything beyond a 32-bit key cannot exist.
MAX_ID = 2**31 - 1
# Highest first: a person in both merged groups keeps the higher role.
ROLE_RANK = {GroupRole.OWNER.value: 3, GroupRole.ANIMATOR.value: 2, GroupRole.MEMBER.value: 1}


# --- expiry dates ---------------------------------------------------------------------


def _zone(actor: User) -> ZoneInfo:
    try:
        return ZoneInfo(actor.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_for(actor: User) -> date:
    """Today in ``actor``'s time zone: the day the date fields count from."""
    return utcnow().astimezone(_zone(actor)).date()


def default_until(actor: User) -> date:
    """The expiry a feature or pin form proposes: a week from today."""
    return today_for(actor) + timedelta(days=DEFAULT_FEATURE_DAYS)


def expiry_from(actor: User, until: date, field_name: str = "until") -> datetime:
    """The end of day ``until`` in ``actor``'s time zone, as aware UTC.

    Refused (next to ``field_name``): a day that has passed, today (less than
    a day), or more than MAX_FEATURE_DAYS ahead.
    """
    today = today_for(actor)
    if until < today:
        raise InvalidInput({field_name: _("This date has passed: choose a later day.")})
    if until < today + timedelta(days=MIN_FEATURE_DAYS):
        raise InvalidInput({field_name: _("Choose tomorrow or later: at least one day.")})
    if until > today + timedelta(days=MAX_FEATURE_DAYS):
        raise InvalidInput(
            {
                field_name: _("Choose a day at most %(count)d days from today.")
                % {"count": MAX_FEATURE_DAYS}
            }
        )
    end_of_day = datetime.combine(until + timedelta(days=1), time.min, tzinfo=_zone(actor))
    return end_of_day.astimezone(UTC)


# --- featured and pinned posts ------------------------------------------------------


@dataclass(frozen=True)
class FeaturedCard:
    """A featured or pinned post as home or a group page shows it."""

    featured: FeaturedPost
    post: Post
    author: Profile


def _active_features(now: datetime) -> list[Any]:
    """Conditions on FeaturedPost: not taken down, not expired; the post not hidden."""
    return [
        col(FeaturedPost.ended_at).is_(None),
        col(FeaturedPost.expires_at) > now,
        col(Post.hidden_at).is_(None),
    ]


async def home_featured(db: AsyncSession, actor: User) -> list[FeaturedCard]:
    """Featured posts ``actor`` has not seen yet and may read, for the top of home.

    Newest first, at most HOME_FEATURED_LIMIT; one query.
    """
    if not policy.is_staff(actor):
        return []
    seen = exists(
        select(col(FeaturedPostSeen.id)).where(
            col(FeaturedPostSeen.featured_id) == col(FeaturedPost.id),
            col(FeaturedPostSeen.user_id) == actor.id,
        )
    )
    rows = await db.execute(
        select(FeaturedPost, Post, Profile)
        .join(Post, col(Post.id) == col(FeaturedPost.post_id))
        .join(Profile, col(Profile.user_id) == col(Post.author_id))
        .where(
            col(FeaturedPost.group_id).is_(None),
            *_active_features(utcnow()),
            # A post hidden after it was featured leaves home and the group's top.
            col(Post.hidden_at).is_(None),
            ~seen,
            policy.readable_posts_clause(actor),
        )
        .order_by(col(FeaturedPost.created_at).desc(), col(FeaturedPost.id).desc())
        .limit(HOME_FEATURED_LIMIT)
    )
    return [FeaturedCard(featured=f, post=p, author=a) for f, p, a in rows.all()]


async def group_pins(db: AsyncSession, actor: User, group_id: int) -> list[FeaturedCard]:
    """Posts pinned in the group, unexpired, for the top of its page (newest first)."""
    if not policy.is_staff(actor):
        return []
    rows = await db.execute(
        select(FeaturedPost, Post, Profile)
        .join(Post, col(Post.id) == col(FeaturedPost.post_id))
        .join(Profile, col(Profile.user_id) == col(Post.author_id))
        .where(
            col(FeaturedPost.group_id) == group_id,
            col(Post.group_id) == group_id,
            *_active_features(utcnow()),
            col(Post.hidden_at).is_(None),
            policy.readable_posts_clause(actor),
        )
        .order_by(col(FeaturedPost.created_at).desc(), col(FeaturedPost.id).desc())
        .limit(GROUP_PINS_LIMIT)
    )
    return [FeaturedCard(featured=f, post=p, author=a) for f, p, a in rows.all()]


@dataclass
class PostFeaturing:
    """Under a post, for animators: how it is featured or pinned now, and the forms."""

    post: Post
    featured: FeaturedPost | None
    pinned: FeaturedPost | None
    can_feature: bool
    can_pin: bool
    default_until: date
    hidden: bool = False
    # After a refused form: which one ("feature" or "pin"), what was typed, why.
    form: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def _active_feature(
    db: AsyncSession, post_id: int, group_id: int | None
) -> FeaturedPost | None:
    """The post's current company feature (``group_id`` None) or pin in that group."""
    scope = (
        col(FeaturedPost.group_id).is_(None)
        if group_id is None
        else col(FeaturedPost.group_id) == group_id
    )
    return (
        await db.execute(
            select(FeaturedPost)
            .where(
                col(FeaturedPost.post_id) == post_id,
                scope,
                col(FeaturedPost.ended_at).is_(None),
                col(FeaturedPost.expires_at) > utcnow(),
            )
            .order_by(col(FeaturedPost.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def post_featuring(db: AsyncSession, actor: User, post_id: int) -> PostFeaturing | None:
    """How the post is featured or pinned now, and what ``actor`` may do about it,
    or None when they may do nothing."""
    try:
        post = await stream.readable_post(db, actor, post_id)
    except NotFound:
        return None
    can_feature = policy.can_animate_company(actor)
    can_pin = post.group_id is not None and policy.can_animate_group(
        actor, await stream.group_role(db, actor, post.group_id)
    )
    if not (can_feature or can_pin):
        return None
    assert post.id is not None
    return PostFeaturing(
        post=post,
        featured=await _active_feature(db, post.id, None) if can_feature else None,
        pinned=await _active_feature(db, post.id, post.group_id) if can_pin else None,
        can_feature=can_feature,
        can_pin=can_pin,
        default_until=default_until(actor),
        hidden=post.hidden_at is not None,
    )


async def _featurable_post(db: AsyncSession, actor: User, post_id: int, *, in_group: bool) -> Post:
    """The post ``actor`` wants to feature (or pin): NotFound unless they may read
    it, Forbidden unless they animate where it would show."""
    post = await stream.readable_post(db, actor, post_id)
    if in_group:
        if post.group_id is None:
            if not policy.can_animate_company(actor):
                raise Forbidden
            raise InvalidInput(
                {"__all__": _("This post is not in a group: it cannot be pinned in one.")}
            )
        allowed = policy.can_animate_group(actor, await stream.group_role(db, actor, post.group_id))
    else:
        allowed = policy.can_animate_company(actor)
    if not allowed:
        raise Forbidden
    return post


async def featuring_form(
    db: AsyncSession, actor: User, post_id: int, *, in_group: bool
) -> PostFeaturing:
    """The featuring forms of a post, to show again with a form's errors.

    NotFound or Forbidden exactly as ``feature_post`` would answer.
    """
    # An InvalidInput here is the problem the page shows with the form's errors.
    with contextlib.suppress(InvalidInput):
        await _featurable_post(db, actor, post_id, in_group=in_group)
    featuring = await post_featuring(db, actor, post_id)
    if featuring is None:
        raise Forbidden
    return featuring


async def feature_post(
    db: AsyncSession, actor: User, post_id: int, until: date, *, in_group: bool
) -> FeaturedPost:
    """Feature a post on everyone's home, or (``in_group``) pin it in its group.

    Refused: a post the actor may not read (NotFound, like a missing one), a
    hidden post, pinning a post that is in no group, a date out of bounds.
    Featuring a post already featured moves its expiry (people who saw it
    are not shown it again).
    """
    post = await _featurable_post(db, actor, post_id, in_group=in_group)
    assert post.id is not None and actor.id is not None
    if post.hidden_at is not None:
        raise InvalidInput(
            {"__all__": _("This post is hidden by moderation: it cannot be featured or pinned.")}
        )
    expires_at = expiry_from(actor, until)
    group_id = post.group_id if in_group else None
    current = await _active_feature(db, post.id, group_id)
    if current is not None:
        current.expires_at = expires_at
        featured = current
    else:
        featured = FeaturedPost(
            post_id=post.id, group_id=group_id, featured_by=actor.id, expires_at=expires_at
        )
        db.add(featured)
    await db.commit()
    return featured


async def _feature_for(db: AsyncSession, actor: User, featured_id: int) -> FeaturedPost:
    """A feature or pin by id whose post ``actor`` may read, or NotFound."""
    if not policy.is_staff(actor) or not 0 < featured_id <= MAX_ID:
        raise NotFound
    featured = (
        await db.execute(
            select(FeaturedPost)
            .join(Post, col(Post.id) == col(FeaturedPost.post_id))
            .where(col(FeaturedPost.id) == featured_id, policy.readable_posts_clause(actor))
        )
    ).scalar_one_or_none()
    if featured is None:
        raise NotFound
    return featured


async def end_featuring(db: AsyncSession, actor: User, featured_id: int) -> FeaturedPost:
    """Take a feature or pin down before it expires (its animators only)."""
    featured = await _feature_for(db, actor, featured_id)
    if featured.group_id is None:
        allowed = policy.can_animate_company(actor)
    else:
        allowed = policy.can_animate_group(
            actor, await stream.group_role(db, actor, featured.group_id)
        )
    if not allowed:
        raise Forbidden
    if featured.ended_at is None:
        featured.ended_at = utcnow()
        await db.commit()
    return featured


async def mark_featured_seen(db: AsyncSession, actor: User, featured_id: int) -> int:
    """``actor`` saw (or dismissed) a company feature: it leaves their home.

    Returns the post's id. Marking twice is harmless.
    """
    featured = await _feature_for(db, actor, featured_id)
    assert actor.id is not None and featured.id is not None
    if featured.group_id is not None:
        raise NotFound  # pins are not dismissed: they stay on the group page
    already = await db.execute(
        select(col(FeaturedPostSeen.id)).where(
            col(FeaturedPostSeen.featured_id) == featured.id,
            col(FeaturedPostSeen.user_id) == actor.id,
        )
    )
    post_id = featured.post_id
    if already.first() is None:
        db.add(FeaturedPostSeen(featured_id=featured.id, user_id=actor.id))
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()  # the same click twice at once: one mark stands
    return post_id


# --- curating a group ---------------------------------------------------------------


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
    group = standing.group
    group_id = standing.group_id
    group.name = details.name
    group.search_name = people.fold(details.name)[:120]
    group.description = details.description
    wanted = list(dict.fromkeys(groups.tag_key(t) for t in details.tags if groups.tag_key(t)))
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
    await db.commit()
    return group


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
    group.archived_at = utcnow()
    group.archived_by = actor.id
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
    group.archived_at = None
    group.archived_by = None
    await db.commit()
    return group


async def feature_group(db: AsyncSession, actor: User, slug: str, until: date) -> Group:
    """Put a group first in the directory until the end of ``until`` (company animators)."""
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_animate_company(actor):
        raise Forbidden
    group = standing.group
    if group.archived_at is not None:
        raise InvalidInput({"until": _("An archived group cannot be featured.")})
    group.featured_until = expiry_from(actor, until)
    await db.commit()
    return group


async def unfeature_group(db: AsyncSession, actor: User, slug: str) -> Group:
    """Stop featuring a group in the directory."""
    standing = await groups.group_standing(db, actor, slug)
    if not policy.can_animate_company(actor):
        raise Forbidden
    standing.group.featured_until = None
    await db.commit()
    return standing.group


# --- merging ------------------------------------------------------------------------


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

    # Posts and their stream, then the activity log of the old group's stream.
    moved_posts = await db.execute(
        update(Post)
        .where(col(Post.group_id) == source_id)
        .values(group_id=target_id, source=group_source(target_id))
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(Activity)
        .where(col(Activity.source) == group_source(source_id))
        .values(source=group_source(target_id))
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(FeaturedPost)
        .where(col(FeaturedPost.group_id) == source_id)
        .values(group_id=target_id)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(Proposal)
        .where(col(Proposal.group_id) == source_id)
        .values(group_id=target_id)
        .execution_options(synchronize_session=False)
    )

    # Memberships: people already in the target keep the higher of their roles.
    source_members = dict(
        (
            await db.execute(
                select(col(Membership.user_id), col(Membership.role)).where(
                    col(Membership.group_id) == source_id
                )
            )
        ).all()
    )
    target_members = dict(
        (
            await db.execute(
                select(col(Membership.user_id), col(Membership.role)).where(
                    col(Membership.group_id) == target_id
                )
            )
        ).all()
    )
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
                    col(GroupRequest.state) == groups.PENDING,
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
            action = "cancel_request" if item.kind == groups.REQUEST else "withdraw_invitation"
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
    await groups.recount(db, source_id)
    await groups.recount(db, target_id)
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb="merged",
        object_type="group",
        object_id=target_id,
        source=group_source(target_id),
    )
    record(db, *(MembershipChanged(int(u)) for u in sorted(source_members)))
    await db.commit()
    return MergeOutcome(
        target=target,
        posts=int(getattr(moved_posts, "rowcount", 0) or 0),
        members_moved=len(set(source_members) - both),
        members_already_in=len(both),
        requests_moved=requests_moved,
        requests_cancelled=requests_cancelled,
    )
