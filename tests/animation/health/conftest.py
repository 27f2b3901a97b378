"""Fixtures of the health tests: colleagues, and rows inserted at chosen times."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User, UserSession
from esn.groups.models import Group, Membership
from esn.stream.models import COMPANY_SOURCE, Comment, Post, Reaction, group_source

# A fixed "now" (a Monday noon, UTC): every row is placed relative to it.
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def days_ago(days: float, *, hours: float = 0, seconds: float = 0) -> datetime:
    """An instant before NOW."""
    return NOW - timedelta(days=days, hours=hours, seconds=seconds)


async def add_post(
    db: AsyncSession,
    author: User,
    at: datetime,
    *,
    group: Group | None = None,
    body: str = "A post",
    hidden: bool = False,
) -> Post:
    """A post written at ``at`` (in the company stream, or in ``group``)."""
    assert author.id is not None
    post = Post(
        source=group_source(group.id) if group and group.id else COMPANY_SOURCE,
        group_id=group.id if group else None,
        author_id=author.id,
        body=body,
        html=f"<p>{body}</p>",
        created_at=at,
        hidden_at=at if hidden else None,
    )
    db.add(post)
    await db.commit()
    return post


async def add_comment(
    db: AsyncSession, post: Post, author: User, at: datetime, *, hidden: bool = False
) -> Comment:
    """A comment on ``post`` written at ``at``."""
    assert post.id is not None and author.id is not None
    comment = Comment(
        post_id=post.id,
        author_id=author.id,
        body="A comment",
        created_at=at,
        hidden_at=at if hidden else None,
    )
    db.add(comment)
    await db.commit()
    return comment


async def add_reaction(
    db: AsyncSession, post: Post, user: User, at: datetime, kind: str = "like"
) -> None:
    """A reaction of ``kind`` to ``post`` at ``at``."""
    assert post.id is not None and user.id is not None
    db.add(Reaction(post_id=post.id, user_id=user.id, kind=kind, created_at=at))
    await db.commit()


async def add_session(db: AsyncSession, user: User, at: datetime) -> None:
    """A sign-in at ``at``."""
    assert user.id is not None
    db.add(
        UserSession(
            token_hash=secrets.token_hex(16),
            user_id=user.id,
            created_at=at,
            expires_at=at + timedelta(days=14),
        )
    )
    await db.commit()


async def add_group(
    db: AsyncSession, name: str, members: list[User], visibility: str = "open"
) -> Group:
    """A group with ``members`` (inserted directly, no notifications)."""
    group = Group(slug=name.lower().replace(" ", "-"), name=name, visibility=visibility)
    db.add(group)
    await db.flush()
    assert group.id is not None
    for member in members:
        assert member.id is not None
        db.add(Membership(group_id=group.id, user_id=member.id))
    group.member_count = len(members)
    await db.commit()
    return group
