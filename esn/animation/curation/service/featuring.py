"""Featuring a post on everyone's home, or pinning it at the top of its group.

Animating never grants reading: an animator features or pins only posts they
may read themselves, and every reader sees a featured post only if they may
read it too (policy.readable_posts_clause).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.curation.service.expiry import default_until, expiry_from
from esn.animation.models import FeaturedPost, FeaturedPostSeen
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import Post

HOME_FEATURED_LIMIT = 3
GROUP_PINS_LIMIT = 5
# Ids come from URLs; anything beyond a 32-bit key cannot exist.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class FeaturedCard:
    """A featured or pinned post as home or a group page shows it."""

    featured: FeaturedPost
    post: Post
    author: Profile


def _active_features(now: datetime) -> list[Any]:
    """Conditions on FeaturedPost: not taken down, not expired; the post not hidden
    (a post hidden after it was featured leaves home and the group's top)."""
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


async def post_featuring(
    db: AsyncSession, actor: User, post: Post, group_role: str | None
) -> PostFeaturing | None:
    """How ``post`` is featured or pinned now and what ``actor`` may do about it,
    or None when they may do nothing.

    ``post`` is one ``actor`` may read, as their post page loaded it, and
    ``group_role`` their role in its group: neither is read again here.
    """
    can_feature = policy.can_animate_company(actor)
    can_pin = post.group_id is not None and policy.can_animate_group(actor, group_role)
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


def _check_featurable(actor: User, post: Post, group_role: str | None, *, in_group: bool) -> None:
    """Forbidden unless ``actor`` animates where the post would show (its group
    when ``in_group``, whose role is ``group_role``; else the company)."""
    if in_group:
        if post.group_id is None:
            if not policy.can_animate_company(actor):
                raise Forbidden
            raise InvalidInput(
                {"__all__": _("This post is not in a group: it cannot be pinned in one.")}
            )
        allowed = policy.can_animate_group(actor, group_role)
    else:
        allowed = policy.can_animate_company(actor)
    if not allowed:
        raise Forbidden


async def featuring_form(
    db: AsyncSession, actor: User, post_id: int, *, in_group: bool
) -> PostFeaturing:
    """The featuring forms of a post, to show again with a form's errors.

    NotFound or Forbidden exactly as ``feature_post`` would answer.
    """
    post = await stream.readable_post(db, actor, post_id)
    role = await stream.group_role(db, actor, post.group_id)
    # An InvalidInput here is the problem the page shows with the form's errors.
    with contextlib.suppress(InvalidInput):
        _check_featurable(actor, post, role, in_group=in_group)
    featuring = await post_featuring(db, actor, post, role)
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
    post = await stream.readable_post(db, actor, post_id)
    role = await stream.group_role(db, actor, post.group_id) if in_group else None
    _check_featurable(actor, post, role, in_group=in_group)
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
