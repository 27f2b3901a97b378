"""Who reads a post and who takes part in its conversation.

Whether a post may be read is decided by ``policy.readable_posts_clause`` in
SQL and by its Python twin ``policy.may_read_post``; these helpers gather
what those rules need (the reader's membership, the post's group).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, NotFound
from esn.groups.models import Group, Membership
from esn.stream.models import Post

# Ids come from URLs; beyond a 32-bit key nothing exists (and PostgreSQL
# would refuse the parameter).
MAX_ID = 2**31 - 1


async def membership(db: AsyncSession, actor: User, group_id: int) -> Membership | None:
    """``actor``'s membership of the group, if they belong to it."""
    return (
        await db.execute(
            select(Membership).where(
                col(Membership.group_id) == group_id, col(Membership.user_id) == actor.id
            )
        )
    ).scalar_one_or_none()


async def group_role(db: AsyncSession, actor: User, group_id: int | None) -> str | None:
    """``actor``'s role in the group (None outside it, or for no group)."""
    if group_id is None:
        return None
    member = await membership(db, actor, group_id)
    return member.role if member is not None else None


def is_archived(group: Group | None) -> bool:
    """An archived group is read-only: nobody posts, comments or reacts there."""
    return group is not None and group.archived_at is not None


def is_moderator(actor: User | None, post: Post, group_role: str | None) -> bool:
    """May ``actor`` (who reads ``post``) hide and restore it and its comments?"""
    return policy.can_moderate_content(
        actor, group_id=post.group_id, group_role=group_role, can_read=True
    )


async def readable_post(db: AsyncSession, actor: User, post_id: int) -> Post:
    """The post if ``actor`` may read it; NotFound otherwise, exactly like a missing one.

    Other domains (featuring, moderation, impact) start from this too.
    """
    if not policy.is_staff(actor) or not 0 < post_id <= MAX_ID:
        raise NotFound
    post = (
        await db.execute(
            select(Post).where(col(Post.id) == post_id, policy.readable_posts_clause(actor))
        )
    ).scalar_one_or_none()
    if post is None:
        raise NotFound
    return post


async def require_participant(db: AsyncSession, actor: User, post: Post) -> None:
    """Only members comment and react in a group (403 for readers of an open group).

    Nobody comments on or reacts to a post hidden by a moderator.
    """
    if post.hidden_at is not None:
        raise Forbidden
    if post.group_id is None:
        return
    role = await group_role(db, actor, post.group_id)
    archived = is_archived(await db.get(Group, post.group_id))
    if not policy.can_post_in_group_now(actor, is_member=role is not None, archived=archived):
        raise Forbidden


async def readers_among(db: AsyncSession, group_id: int | None, user_ids: set[int]) -> set[int]:
    """Which of ``user_ids`` may read a post of ``group_id`` (None: company or profile)."""
    if not user_ids:
        return set()
    users = list((await db.execute(select(User).where(col(User.id).in_(user_ids)))).scalars())
    visibility: str | None = None
    members: set[int] = set()
    if group_id is not None:
        group = await db.get(Group, group_id)
        if group is None:
            return set()
        visibility = group.visibility
        members = set(
            (
                await db.execute(
                    select(col(Membership.user_id)).where(
                        col(Membership.group_id) == group_id,
                        col(Membership.user_id).in_(user_ids),
                    )
                )
            ).scalars()
        )
    return {
        user.id
        for user in users
        if user.id is not None
        and policy.may_read_post(user, group_visibility=visibility, is_member=user.id in members)
    }
