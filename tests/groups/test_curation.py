"""What curating changes in the groups' tables: absorbing, archiving, featuring, details.

These run in the caller's transaction (esn.animation commits); the tests
commit themselves, or roll back to show that nothing was saved without them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import Role, User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput
from esn.groups import service as groups
from esn.groups.models import PENDING, Group, GroupRequest, GroupTag
from esn.lifecycle import GROUP_REQUEST
from esn.realtime.hub import Hub
from tests.conftest import MakeGroup, MakePerson
from tests.groups.conftest import listen, membership, received, requests_of, stored_group


async def tags_of(db: AsyncSession, group_id: int | None) -> list[str]:
    """The group's tags as stored now, in order."""
    db.expire_all()
    found = await db.execute(
        select(col(GroupTag.tag))
        .where(col(GroupTag.group_id) == group_id)
        .order_by(col(GroupTag.tag))
    )
    return list(found.scalars())


async def loaded(db: AsyncSession, group: Group) -> Group:
    """``group`` as this session holds it, to hand to a function that changes it."""
    found = await db.get(Group, group.id)
    assert found is not None
    return found


async def curator(colleague: MakePerson) -> User:
    """A company animator: the only people who merge groups."""
    user, _ = await colleague("Cleo Curator", role=Role.ANIMATOR.value)
    return user


# --- absorbing a group ------------------------------------------------------------------


async def test_absorbing_moves_members_and_each_keeps_the_higher_role(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")  # owner of the source, member of the target
    bob, _ = await colleague("Bob Leroy")  # owner of the target
    carl, _ = await colleague("Carl Dupont")  # member of the source, animator of the target
    dan, _ = await colleague("Dan Member")  # member of the source only
    source = await make_group(alice, "Source", tags=("design", "data"))
    target = await make_group(bob, "Target", tags=("data", "ops"))
    for person in (carl, dan):
        await groups.join_group(db, person, source.slug)
    for person in (alice, carl):
        await groups.join_group(db, person, target.slug)
    await groups.change_member_role(db, bob, target.slug, carl.id or 0, "animator")
    sockets = listen(hub, alice, bob, carl, dan)
    assert target.id is not None

    absorbed = await groups.absorb_group(db, animator, await loaded(db, source), target.id)
    assert received(sockets) == []  # nothing is told before the caller commits
    await db.commit()

    assert absorbed == groups.Absorbed(
        members_moved=1, members_already_in=2, requests_moved=0, requests_cancelled=0
    )
    roles = [await membership(db, target.id, p.id) for p in (alice, bob, carl, dan)]
    assert roles == ["owner", "owner", "animator", "member"]
    assert [await membership(db, source.id, p.id) for p in (alice, carl, dan)] == [None] * 3
    assert (await stored_group(db, target.id)).member_count == 4
    old = await stored_group(db, source.id)
    assert old.member_count == 0
    assert old.merged_into_id == target.id and old.archived_by == animator.id
    assert old.archived_at is not None and old.featured_until is None
    assert await tags_of(db, target.id) == ["data", "design", "ops"]
    assert await tags_of(db, source.id) == ["data", "design"]  # kept, for the record
    told = [channel for channel, _payload in received(sockets)]
    assert sorted(told) == sorted(f"membership:{person.id}" for person in (alice, carl, dan))


async def test_absorbing_moves_pending_requests_and_cancels_moot_or_duplicate_ones(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    eve, _ = await colleague("Eve Asker")  # asks the source only: moved
    fay, _ = await colleague("Fay Twice")  # asks both: the source's request is a duplicate
    gus, _ = await colleague("Gus Guest")  # invited to the source, member of the target: moot
    source = await make_group(alice, "Source", "private")
    target = await make_group(bob, "Target", "private")
    for person, group in ((eve, source), (fay, source), (fay, target)):
        await groups.join_group(db, person, group.slug)
    await groups.invite_person(db, alice, source.slug, gus.email)
    await groups.invite_person(db, bob, target.slug, gus.email)
    await groups.join_group(db, gus, target.slug)
    assert target.id is not None

    absorbed = await groups.absorb_group(db, animator, await loaded(db, source), target.id)
    await db.commit()

    assert (absorbed.requests_moved, absorbed.requests_cancelled) == (1, 2)
    moved = [(r.user_id, r.kind, r.state) for r in await requests_of(db, target.id)]
    assert (eve.id, "request", "pending") in moved
    assert [
        (r.user_id, r.kind, r.state, r.decided_by) for r in await requests_of(db, source.id)
    ] == [
        (fay.id, "request", "cancelled", animator.id),
        (gus.id, "invitation", "cancelled", animator.id),
    ]


async def test_absorbing_is_saved_only_by_the_callers_commit(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    source = await make_group(alice, "Source")
    target = await make_group(bob, "Target")
    sockets = listen(hub, alice)
    assert target.id is not None

    await groups.absorb_group(db, animator, await loaded(db, source), target.id)
    await db.rollback()

    assert await membership(db, source.id, alice.id) == "owner"
    assert (await stored_group(db, source.id)).merged_into_id is None
    assert received(sockets) == []


async def test_only_company_animators_absorb_and_never_a_group_into_itself(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")
    source = await make_group(alice, "Source")
    target = await make_group(alice, "Target")
    assert source.id is not None and target.id is not None

    with pytest.raises(Forbidden):  # owning both groups is not enough
        await groups.absorb_group(db, alice, await loaded(db, source), target.id)
    with pytest.raises(ValueError):
        await groups.absorb_group(db, animator, await loaded(db, source), source.id)


# --- archiving, featuring, details ------------------------------------------------------


async def test_archiving_keeps_its_first_date_and_unarchiving_clears_it(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")
    group = await loaded(db, await make_group(alice, "Open Lab"))

    await groups.set_archived(db, group, animator, True)
    await db.commit()
    first = (await stored_group(db, group.id)).archived_at
    await groups.set_archived(db, group, alice, True)
    await db.commit()

    archived = await stored_group(db, group.id)
    assert first is not None and archived.archived_at == first
    assert archived.archived_by == animator.id
    with pytest.raises(InvalidInput):  # an archived group takes no new member
        await groups.join_group(db, (await colleague("Bob Leroy"))[0], group.slug)

    await groups.set_archived(db, group, animator, False)
    await db.commit()

    reopened = await stored_group(db, group.id)
    assert (reopened.archived_at, reopened.archived_by) == (None, None)


async def test_featuring_sets_and_clears_the_date_but_never_for_an_archived_group(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await curator(colleague)
    alice, _ = await colleague("Alice Martin")
    group = await loaded(db, await make_group(alice, "Open Lab"))
    until = utcnow() + timedelta(days=3)

    await groups.set_featured(db, group, until)
    await db.commit()
    featured = (await stored_group(db, group.id)).featured_until
    assert featured is not None and as_utc(featured) == until
    await groups.set_featured(db, group, None)
    await db.commit()
    assert (await stored_group(db, group.id)).featured_until is None

    await groups.set_archived(db, group, animator, True)
    with pytest.raises(InvalidInput) as refused:
        await groups.set_featured(db, group, until)
    assert list(refused.value.errors) == ["until"]


async def test_details_rename_describe_and_replace_the_tags(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    group = await loaded(db, await make_group(alice, "Open Lab", tags=("data", "old")))

    await groups.set_details(
        db, group, name="Café Lab", description="New words.", tags=["Données", "data", "  "]
    )
    await db.commit()

    stored = await stored_group(db, group.id)
    assert (stored.slug, stored.name, stored.search_name) == ("open-lab", "Café Lab", "cafe lab")
    assert stored.description == "New words."
    assert await tags_of(db, group.id) == ["data", "donnees"]


# --- the request graph --------------------------------------------------------------------


def test_requests_wait_in_the_graphs_initial_state() -> None:
    assert PENDING == GROUP_REQUEST.initial == groups.PENDING
    assert GroupRequest().state == PENDING
