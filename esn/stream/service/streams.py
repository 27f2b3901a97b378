"""The streams people read: a set of sources, home, a profile, a #topic; following topics.

Each is a page of readable posts (``reading``), newest first by keyset on
(created_at, id); home also merges in the activity log of its sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, delete, literal, null, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc
from esn.core.errors import NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group, Membership
from esn.people.models import Follow, Profile
from esn.stream.markdown import topic_key
from esn.stream.models import (
    COMPANY_SOURCE,
    Post,
    PostTopic,
    TopicFollow,
    group_source,
    profile_source,
)
from esn.stream.service.activity import activity_rows
from esn.stream.service.cursors import STREAM_PAGE_SIZE, bounded, decode_cursor, encode_cursor
from esn.stream.service.reading import STREAM_COMMENTS, PostRow, decorate, page, post_rows
from esn.stream.service.views import ActivityView, HomePage, StreamPage, TopicPage, TopicState

MAX_SOURCES = 500
MAX_FOLLOWED_TOPICS = 200
_TOPIC = re.compile(r"^(?=[\w-]*[^\W\d_])[\w-]{1,60}$")


async def stream_page(
    db: AsyncSession,
    actor: User,
    sources: list[str],
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> StreamPage:
    """The posts of ``sources`` that ``actor`` may read, newest first, one page.

    ``after`` is the ``next_cursor`` of the previous page (keyset, never OFFSET).
    """
    if not policy.is_staff(actor) or not sources:
        return StreamPage(items=[], next_cursor=None)
    sources = sources[:MAX_SOURCES]
    result = await page(db, actor, col(Post.source).in_(sources), after, limit)
    result.sources = sources
    return result


# --- home -------------------------------------------------------------------------------


@dataclass
class HomeContext:
    """Who the reader is and what their home listens to, read in one query."""

    display_name: str
    handle: str
    followees: list[int]
    groups: list[tuple[int, str]]
    topics: list[str]

    def sources(self, actor_id: int) -> list[str]:
        """Company, my profile, people I follow, my groups."""
        sources = [COMPANY_SOURCE, profile_source(actor_id)]
        sources += [profile_source(user_id) for user_id in self.followees]
        sources += [group_source(group_id) for group_id, _name in self.groups]
        return sources


def _part(query: Any) -> Any:
    # SQLite refuses LIMIT inside a UNION member unless it is a subquery.
    inner = query.subquery()
    return select(*inner.c)


async def home_context(db: AsyncSession, actor: User) -> HomeContext:
    """The reader's name and handle, followees, groups (with names) and followed
    topics: one UNION ALL query, each list bounded."""
    assert actor.id is not None
    me: Any = select(
        literal("me").label("kind"),
        col(Profile.user_id).label("ref"),
        col(Profile.display_name).label("label"),
        col(Profile.handle).label("extra"),
    ).where(col(Profile.user_id) == actor.id)
    followees: Any = select(
        literal("person").label("kind"),
        col(Follow.followee_id).label("ref"),
        cast(null(), String).label("label"),
        cast(null(), String).label("extra"),
    ).where(col(Follow.follower_id) == actor.id)
    groups: Any = (
        select(
            literal("group").label("kind"),
            col(Group.id).label("ref"),
            col(Group.name).label("label"),
            col(Group.search_name).label("extra"),
        )
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(col(Membership.user_id) == actor.id)
    )
    topics: Any = select(
        literal("topic").label("kind"),
        cast(null(), Integer).label("ref"),
        col(TopicFollow.tag).label("label"),
        cast(null(), String).label("extra"),
    ).where(col(TopicFollow.user_id) == actor.id)
    rows = (
        await db.execute(
            union_all(
                me,
                _part(followees.order_by(col(Follow.id)).limit(MAX_SOURCES)),
                _part(groups.order_by(col(Group.id)).limit(MAX_SOURCES)),
                _part(topics.order_by(col(TopicFollow.tag)).limit(MAX_FOLLOWED_TOPICS)),
            )
        )
    ).all()
    context = HomeContext(display_name="", handle="", followees=[], groups=[], topics=[])
    group_rows: list[tuple[str, int, str]] = []
    found = False
    for kind, ref, label, extra in rows:
        if kind == "me":
            found = True
            context.display_name, context.handle = label, extra
        elif kind == "person":
            context.followees.append(ref)
        elif kind == "group":
            group_rows.append((extra or "", ref, label))
        else:
            context.topics.append(label)
    if not found:
        raise NotFound
    context.groups = [(group_id, name) for _key, group_id, name in sorted(group_rows)]
    return context


def _home_posts_condition(sources: list[str], topics: list[str]) -> Any:
    """The posts of ``sources`` or tagged with ``topics``, tested row by row.

    Deliberately not an index lookup by source: the database walks posts
    newest first (ix_post_created) and keeps the matching ones. Company posts
    belong to every home, so the walk to a page's end is short for everyone,
    whether they follow nothing or hundreds of sources; a lookup by source
    instead reads and sorts every post of every source (the big groups').
    ``source || ''`` keeps the planner from choosing that lookup, and topics
    are matched on the post's own ``topic_tags`` for the same reason (a
    subquery on post_topic would read every post of a popular topic).
    """
    condition: Any = (col(Post.source) + "").in_(sources)
    if topics:
        spaced = literal(" ") + col(Post.topic_tags) + " "
        tagged = [spaced.contains(f" {tag} ", autoescape=True) for tag in topics]
        condition = or_(condition, *tagged)
    return condition


async def home_stream(
    db: AsyncSession,
    actor: User,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
    *,
    context: HomeContext | None = None,
) -> StreamPage:
    """The home stream: posts of my sources and followed topics, with the activity
    log of the same sources, merged newest first by keyset on time."""
    if not policy.is_staff(actor):
        return StreamPage(items=[], next_cursor=None)
    assert actor.id is not None
    limit = bounded(limit)
    context = context or await home_context(db, actor)
    sources = context.sources(actor.id)
    condition = _home_posts_condition(sources, context.topics)
    position = decode_cursor(after)
    rows = await post_rows(db, actor, condition, after, limit + 1)
    activities = await activity_rows(db, actor, sources, position, limit + 1)
    merged: list[tuple[tuple[datetime, int, int], PostRow | ActivityView]] = [
        ((as_utc(row.post.created_at), 1, row.post.id or 0), row) for row in rows
    ]
    merged += [((as_utc(view.created_at), 0, view.activity.id or 0), view) for view in activities]
    merged.sort(key=lambda pair: pair[0], reverse=True)
    taken = merged[:limit]
    next_cursor = encode_cursor(*taken[-1][0]) if len(merged) > limit and taken else None
    kept_posts = [entry for _key, entry in taken if isinstance(entry, PostRow)]
    kept_activities = [entry for _key, entry in taken if isinstance(entry, ActivityView)]
    items = await decorate(db, actor, kept_posts, comments_per_post=STREAM_COMMENTS)
    return StreamPage(
        items=items, next_cursor=next_cursor, activities=kept_activities, sources=sources
    )


async def home_page(db: AsyncSession, actor: User, after: str | None = None) -> HomePage:
    """The reader's name, the places the composer offers, and the home stream."""
    assert actor.id is not None
    context = await home_context(db, actor)
    destinations = [
        (COMPANY_SOURCE, _("Everyone in the company")),
        (profile_source(actor.id), _("My profile")),
    ]
    destinations += [(group_source(group_id), name) for group_id, name in context.groups]
    return HomePage(
        display_name=context.display_name,
        handle=context.handle,
        destinations=destinations,
        stream=await home_stream(db, actor, after, context=context),
    )


# --- a profile, a topic ---------------------------------------------------------------


async def profile_stream(
    db: AsyncSession,
    actor: User,
    person_id: int,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> StreamPage:
    """Posts on a person's profile and their posts elsewhere that ``actor`` may read."""
    if not policy.is_staff(actor):
        return StreamPage(items=[], next_cursor=None)
    condition = or_(col(Post.source) == profile_source(person_id), col(Post.author_id) == person_id)
    result = await page(db, actor, condition, after, limit)
    result.sources = [profile_source(person_id)]
    return result


def valid_topic(tag: str) -> str | None:
    """The stored form of ``tag`` if it can be a topic at all, else None."""
    key = topic_key(tag)
    if not key or len(tag) > 60 or not _TOPIC.match(key):
        return None
    return key


async def _is_following_topic(db: AsyncSession, actor: User, tag: str) -> bool:
    return (
        await db.execute(
            select(col(TopicFollow.id)).where(
                col(TopicFollow.user_id) == actor.id, col(TopicFollow.tag) == tag
            )
        )
    ).scalar_one_or_none() is not None


async def topic_page(
    db: AsyncSession,
    actor: User,
    tag: str,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> TopicPage:
    """The readable posts tagged ``#tag``, newest first (keyset)."""
    key = valid_topic(tag)
    if key is None or not policy.is_staff(actor):
        raise NotFound
    tagged = select(col(PostTopic.post_id)).where(col(PostTopic.tag) == key)
    stream = await page(db, actor, col(Post.id).in_(tagged), after, limit)
    return TopicPage(tag=key, following=await _is_following_topic(db, actor, key), stream=stream)


async def set_topic_follow(db: AsyncSession, actor: User, tag: str, *, follow: bool) -> TopicState:
    """Follow (or stop following) a #topic; doing it twice changes nothing."""
    key = valid_topic(tag)
    if key is None or not policy.is_staff(actor):
        raise NotFound
    assert actor.id is not None
    following = await _is_following_topic(db, actor, key)
    if follow and not following:
        db.add(TopicFollow(user_id=actor.id, tag=key))
    elif not follow and following:
        await db.execute(
            delete(TopicFollow).where(
                col(TopicFollow.user_id) == actor.id, col(TopicFollow.tag) == key
            )
        )
    try:
        await db.commit()
    except IntegrityError:  # followed at the same moment from another tab
        await db.rollback()
    return TopicState(tag=key, following=follow)
