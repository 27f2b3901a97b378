"""Which live channels a socket listens to: asked for by the page, granted by policy.

A page says what it shows (stream sources and post ids); the socket listens
only to the channels of those its person may read, plus their own personal
channels. Channel names are built in esn.core.channels, and only there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.channels import personal_channels, post_channel, source_channel
from esn.groups.models import Group, Membership
from esn.stream.models import Post, SourceKind
from esn.stream.service import parse_source

# A page shows a bounded number of streams and posts; more asks are ignored.
MAX_SOURCES = 200
MAX_POSTS = 300
MAX_ID = 2**31 - 1


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


@dataclass
class LiveRequest:
    """What a page asked to follow: stream sources and posts, first asked first."""

    sources: list[str] = field(default_factory=list)
    posts: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, sources: str = "", posts: str = "") -> LiveRequest:
        """Read comma- or space-separated lists; malformed items are ignored."""
        request = cls()
        request.add(
            (s for s in _split(sources)[: MAX_SOURCES * 2] if parse_source(s) is not None),
            (int(p) for p in _split(posts)[: MAX_POSTS * 2] if p.isdigit() and len(p) < 11),
        )
        return request

    def add(self, sources: Iterable[str], posts: Iterable[int]) -> None:
        """Follow more; beyond the limits the oldest asks are forgotten."""
        for source in sources:
            if source not in self.sources:
                self.sources.append(source)
        for post_id in posts:
            if 0 < post_id <= MAX_ID and post_id not in self.posts:
                self.posts.append(post_id)
        del self.sources[:-MAX_SOURCES]
        del self.posts[:-MAX_POSTS]


async def readable_sources(db: AsyncSession, actor: User, sources: list[str]) -> set[str]:
    """The ``sources`` whose posts ``actor`` may read (policy decides, in two queries)."""
    if not policy.is_staff(actor):
        return set()
    allowed: set[str] = set()
    group_ids: dict[int, str] = {}
    user_ids: dict[int, str] = {}
    for source in sources:
        parsed = parse_source(source)
        if parsed is None:
            continue
        kind, number = parsed
        if kind == SourceKind.COMPANY:
            allowed.add(source)
        elif kind == SourceKind.GROUP and number is not None:
            group_ids[number] = source
        elif kind == SourceKind.USER and number is not None:
            user_ids[number] = source
    if group_ids:
        readable = await db.execute(
            select(col(Group.id)).where(
                col(Group.id).in_(group_ids), policy.readable_group_ids_clause(actor)
            )
        )
        allowed |= {group_ids[group_id] for group_id in readable.scalars() if group_id}
    if user_ids:
        people = await db.execute(select(User).where(col(User.id).in_(user_ids)))
        for person in people.scalars():
            if person.id is not None and policy.can_see_profile(actor, person):
                allowed.add(user_ids[person.id])
    return allowed


async def readable_posts(db: AsyncSession, actor: User, post_ids: list[int]) -> set[int]:
    """The ``post_ids`` that ``actor`` may read."""
    if not policy.is_staff(actor) or not post_ids:
        return set()
    result = await db.execute(
        select(col(Post.id)).where(col(Post.id).in_(post_ids), policy.readable_posts_clause(actor))
    )
    return {post_id for post_id in result.scalars() if post_id is not None}


async def allowed_channels(db: AsyncSession, actor: User, wanted: LiveRequest) -> set[str]:
    """Every channel a socket of ``actor`` showing ``wanted`` may listen to now."""
    if not policy.can_receive_live(actor) or actor.id is None:
        return set()
    channels = personal_channels(actor.id)
    channels |= {source_channel(s) for s in await readable_sources(db, actor, wanted.sources)}
    channels |= {post_channel(p) for p in await readable_posts(db, actor, wanted.posts)}
    return channels


async def group_roles(db: AsyncSession, actor: User) -> dict[int, str]:
    """``actor``'s role in each group they belong to."""
    rows = await db.execute(
        select(col(Membership.group_id), col(Membership.role)).where(
            col(Membership.user_id) == actor.id
        )
    )
    return {group_id: role for group_id, role in rows.all()}
