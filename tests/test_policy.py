"""The rules of esn/policy.py: each SQL clause agrees with its Python twin.

Lists are filtered in SQL (``readable_posts_clause``); where the rows are
already in hand, Python decides the same thing (``may_read_post``: a live card
shared by every socket, who may be mentioned or notified). Random people,
groups, memberships and posts check that both give the same answer for every
(person, post) pair, on whichever database the suite runs.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import Role, User
from esn.core.clock import utcnow
from esn.groups.models import Group, GroupRole, Membership, Visibility
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Post, group_source, profile_source
from esn.stream.service.access import readers_among
from tests.conftest import MakePerson

COMPANY = "company"
PROFILE = "profile"


@dataclass
class World:
    """Random people, groups and posts, and who belongs where with which role."""

    people: list[User]
    groups: dict[int, Group]
    roles: dict[tuple[int, int], str]
    posts: list[Post]


def kind_of(post: Post, world: World) -> str:
    """Where a post is: company, profile, or its group's visibility."""
    if post.group_id is not None:
        return world.groups[post.group_id].visibility
    return COMPANY if post.source == COMPANY_SOURCE else PROFILE


async def random_world(db: AsyncSession, colleague: MakePerson, rng: random.Random) -> World:
    """People of every kind, groups of every visibility, posts everywhere, some hidden."""
    # One of each kind of person for sure, then random ones.
    roles = [Role.EMPLOYEE, Role.EMPLOYEE, Role.ANIMATOR, Role.ADMIN]
    roles += [rng.choice(list(Role)) for _ in range(6)]
    people = [(await colleague(role=role.value))[0] for role in roles]
    ids = [user.id for user in people if user.id is not None]
    # Deactivated: an employee, an animator, and maybe others.
    deactivated = {ids[1], ids[2], *rng.sample(ids[4:], 2)}
    await db.execute(update(User).where(col(User.id).in_(deactivated)).values(is_active=False))

    visibilities = [v.value for v in Visibility]
    visibilities += [rng.choice(visibilities) for _ in range(4)]
    groups: dict[int, Group] = {}
    memberships: dict[tuple[int, int], str] = {}
    for number, visibility in enumerate(visibilities):
        group = Group(
            slug=f"policy-{number}",
            name=f"Policy group {number}",
            search_name=f"policy group {number}",
            visibility=visibility,
        )
        db.add(group)
        await db.flush()
        assert group.id is not None
        groups[group.id] = group
        # The first employee (active) belongs to every group; others at random,
        # so each group has members and people outside it, active or not.
        members = {ids[0], *rng.sample(ids[1:], rng.randint(0, 4))}
        for user_id in sorted(members):
            role = rng.choice([r.value for r in GroupRole])
            db.add(Membership(group_id=group.id, user_id=user_id, role=role))
            memberships[(user_id, group.id)] = role

    posts: list[Post] = []
    sources = [(COMPANY_SOURCE, None)] * 3
    sources += [(profile_source(user_id), None) for user_id in ids]
    sources += [(group_source(group_id), group_id) for group_id in groups for _ in range(2)]
    for number, (source, group_id) in enumerate(sources):
        hidden = rng.random() < 0.3
        post = Post(
            source=source,
            group_id=group_id,
            author_id=rng.choice(ids),
            body=f"post {number}",
            hidden_at=utcnow() if hidden else None,
            hidden_reason="off topic" if hidden else "",
        )
        db.add(post)
        posts.append(post)
    await db.commit()
    everyone = list((await db.execute(select(User).order_by(col(User.id)))).scalars())
    return World(people=everyone, groups=groups, roles=memberships, posts=posts)


@pytest.mark.parametrize("seed", [20261121, 7, 42])
async def test_readable_posts_clause_and_may_read_post_agree(
    db: AsyncSession, colleague: MakePerson, seed: int
) -> None:
    world = await random_world(db, colleague, random.Random(seed))
    outcomes: dict[str, set[bool]] = defaultdict(set)
    shared = {post.id: await stream.shared_post_view(db, post.id or 0) for post in world.posts}
    for actor in world.people:
        assert actor.id is not None
        listed = set(
            (
                await db.execute(select(col(Post.id)).where(policy.readable_posts_clause(actor)))
            ).scalars()
        )
        for post in world.posts:
            group = world.groups.get(post.group_id) if post.group_id is not None else None
            role = world.roles.get((actor.id, post.group_id or 0))
            twin = policy.may_read_post(
                actor,
                group_visibility=group.visibility if group is not None else None,
                is_member=role is not None,
            )
            where = (actor.email, actor.role, actor.is_active, kind_of(post, world), role)
            assert (post.id in listed) == twin, where
            # Where Python decides with the rows in hand: the live card.
            card = shared[post.id]
            assert card is not None
            assert (stream.view_for_reader(card, actor, role) is not None) == twin, where
            outcomes[kind_of(post, world)].add(twin)
            if post.hidden_at is not None:
                outcomes["hidden"].add(twin)
            if not actor.is_active:
                assert not twin, where

    # Who may be mentioned or notified about a post of each group (or none).
    everyone = {user.id for user in world.people if user.id is not None}
    for group_id in [None, *world.groups]:
        readers = await readers_among(db, group_id, everyone)
        for actor in world.people:
            group = world.groups.get(group_id) if group_id is not None else None
            twin = policy.may_read_post(
                actor,
                group_visibility=group.visibility if group is not None else None,
                is_member=(actor.id or 0, group_id or 0) in world.roles,
            )
            assert (actor.id in readers) == twin, (actor.email, group_id)

    # The data covered every case: readable and unreadable posts of each kind
    # (deactivated people read nothing), hidden posts included.
    for kind in (COMPANY, PROFILE, *(v.value for v in Visibility), "hidden"):
        assert outcomes[kind] == {True, False}, kind


def test_nobody_signed_in_reads_no_post() -> None:
    for visibility in (None, *(v.value for v in Visibility)):
        assert not policy.may_read_post(None, group_visibility=visibility, is_member=True)
