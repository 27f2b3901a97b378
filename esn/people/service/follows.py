"""Following people: the follow button, its counts, and the new follower's notification."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden
from esn.core.i18n import gettext as _
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people.models import Follow, Profile
from esn.people.service.lookup import person_for


@dataclass(frozen=True)
class FollowState:
    """The follow button and counts of one profile, as the actor sees them."""

    handle: str
    following: bool
    can_follow: bool
    follower_count: int
    following_count: int


async def follow_state(db: AsyncSession, actor: User, profile: Profile) -> FollowState:
    """Whether ``actor`` follows the person, may do so, and both counts: one query."""
    assert actor.id is not None
    person_id = profile.user_id
    followers = (
        select(func.count()).select_from(Follow).where(col(Follow.followee_id) == person_id)
    ).scalar_subquery()
    following = (
        select(func.count()).select_from(Follow).where(col(Follow.follower_id) == person_id)
    ).scalar_subquery()
    mine = (
        select(func.count())
        .select_from(Follow)
        .where(col(Follow.follower_id) == actor.id, col(Follow.followee_id) == person_id)
    ).scalar_subquery()
    follower_count, following_count, is_mine = (
        await db.execute(select(followers, following, mine))
    ).one()
    return FollowState(
        handle=profile.handle,
        following=bool(is_mine),
        can_follow=policy.can_follow(actor, person_id),
        follower_count=int(follower_count),
        following_count=int(following_count),
    )


async def is_following(db: AsyncSession, actor: User, handle: str) -> bool:
    """True when the actor follows the person behind ``handle``."""
    profile, _user = await person_for(db, actor, handle)
    return (await follow_state(db, actor, profile)).following


async def follow_person(db: AsyncSession, actor: User, handle: str) -> FollowState:
    """Follow someone (doing it twice changes nothing). Nobody follows themselves.

    The person followed is notified ("new follower") the first time.
    """
    profile, _user = await person_for(db, actor, handle)
    assert actor.id is not None
    if not policy.can_follow(actor, profile.user_id):
        raise Forbidden(_("You cannot follow yourself."))
    already = (
        await db.execute(
            select(col(Follow.id)).where(
                col(Follow.follower_id) == actor.id, col(Follow.followee_id) == profile.user_id
            )
        )
    ).first()
    if already is None:
        db.add(Follow(follower_id=actor.id, followee_id=profile.user_id))
        await notifications.notify(
            db, NotificationKind.NEW_FOLLOWER.value, profile.user_id, actor_id=actor.id
        )
        try:
            await db.commit()
        except IntegrityError:
            # A double click raced us to the same row: the wish is fulfilled.
            await db.rollback()
    return await follow_state(db, actor, profile)


async def unfollow_person(db: AsyncSession, actor: User, handle: str) -> FollowState:
    """Stop following someone (doing it twice changes nothing)."""
    profile, _user = await person_for(db, actor, handle)
    assert actor.id is not None
    await db.execute(
        delete(Follow).where(
            col(Follow.follower_id) == actor.id, col(Follow.followee_id) == profile.user_id
        )
    )
    await db.commit()
    return await follow_state(db, actor, profile)
