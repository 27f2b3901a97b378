"""The groups service: creation, the directory, and the membership lifecycle."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import Role, User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups import service as groups
from esn.groups.models import GroupTag
from esn.realtime.hub import Hub
from esn.stream.models import Activity
from tests.conftest import MakeGroup, MakePerson
from tests.groups.conftest import (
    listen,
    membership,
    notifications_of,
    received,
    requests_of,
    stored_group,
)


async def names_listed(db: AsyncSession, actor: User, **query: str) -> list[str]:
    page = await groups.search_groups(db, actor, groups.DirectoryQuery(**query))
    return [card.group.name for card in page.groups]


# --- creating ------------------------------------------------------------------


async def test_the_creator_owns_the_new_group_with_its_tags(
    db: AsyncSession, colleague: MakePerson, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    sockets = listen(hub, alice)
    group = await groups.create_group(
        db,
        alice,
        groups.NewGroup(
            name="Café Data Club",
            description="We meet on Fridays.",
            tags=("Données", "customer  care", "données"),
            visibility="private",
        ),
    )

    assert group.slug == "cafe-data-club"
    assert (await stored_group(db, group.id)).member_count == 1
    assert await membership(db, group.id, alice.id) == "owner"
    tags = (await db.execute(select(col(GroupTag.tag)).order_by(col(GroupTag.tag)))).scalars()
    assert list(tags) == ["customer care", "donnees"]
    assert received(sockets) == [(f"membership:{alice.id}", {"type": "membership"})]


async def test_a_derived_slug_is_numbered_when_taken_or_reserved(
    colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    first = await make_group(alice, "Design")
    second = await make_group(alice, "Design!")
    reserved = await make_group(alice, "New")
    unnamed = await make_group(alice, "日本語")

    assert (first.slug, second.slug) == ("design", "design-2")
    assert reserved.slug == "new-2"
    assert unnamed.slug == "group"


async def test_a_chosen_slug_already_used_is_refused_and_nothing_is_saved(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    await make_group(alice, "Design", slug="design")

    with pytest.raises(InvalidInput) as refused:
        await groups.create_group(
            db, alice, groups.NewGroup(name="Other", slug="design", tags=("x",))
        )

    assert "slug" in refused.value.errors
    total = (await db.execute(select(func.count()).select_from(GroupTag))).scalar_one()
    assert total == 0


# --- joining an open group --------------------------------------------------------


async def test_joining_an_open_group_makes_a_member_and_logs_it(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    sockets = listen(hub, bob)

    outcome = await groups.join_group(db, bob, group.slug)
    again = await groups.join_group(db, bob, group.slug)

    assert (outcome, again) == ("joined", "member")
    assert await membership(db, group.id, bob.id) == "member"
    assert (await stored_group(db, group.id)).member_count == 2
    joined = (await db.execute(select(Activity).where(col(Activity.verb) == "joined"))).scalar_one()
    assert (joined.actor_id, joined.object_id, joined.source) == (
        bob.id,
        group.id,
        f"group:{group.id}",
    )
    assert received(sockets) == [(f"membership:{bob.id}", {"type": "membership"})]


# --- private groups: requests ----------------------------------------------------------


async def test_a_request_is_decided_by_managers_who_are_notified(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    carla, _ = await colleague("Carla Animatrice")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.invite_person(db, alice, group.slug, carla.email)
    await groups.join_group(db, carla, group.slug)
    await groups.change_member_role(db, alice, group.slug, carla.id or 0, "animator")
    bells = hub.subscribe()
    bells.add(f"user:{alice.id}")
    bells.add(f"user:{bob.id}")

    outcome = await groups.join_group(db, bob, group.slug)

    assert outcome == "requested"
    assert await membership(db, group.id, bob.id) is None
    assert ("join_request", group.id) in await notifications_of(db, alice.id)
    assert ("join_request", group.id) in await notifications_of(db, carla.id)
    assert received(bells) == [(f"user:{alice.id}", {"type": "notification"})]
    assert await groups.join_group(db, bob, group.slug) == "pending"

    request = (await requests_of(db, group.id))[-1]
    assert (request.kind, request.state, request.user_id) == ("request", "pending", bob.id)
    with pytest.raises(Forbidden):  # a plain member decides nothing
        await groups.decide_request(db, bob, group.slug, request.id or 0, accept=True)

    sockets = listen(hub, bob)
    await groups.decide_request(db, carla, group.slug, request.id or 0, accept=True)

    assert await membership(db, group.id, bob.id) == "member"
    assert (await stored_group(db, group.id)).member_count == 3
    assert (await requests_of(db, group.id))[-1].state == "accepted"
    assert await notifications_of(db, bob.id) == [("request_accepted", group.id)]
    events = received(sockets) + received(bells)
    assert (f"membership:{bob.id}", {"type": "membership"}) in events
    assert (f"user:{bob.id}", {"type": "notification"}) in events


async def test_a_declined_request_cannot_then_be_accepted(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.join_group(db, bob, group.slug)
    request = (await requests_of(db, group.id))[0]
    await groups.decide_request(db, alice, group.slug, request.id or 0, accept=False)

    with pytest.raises(InvalidInput) as refused:
        await groups.decide_request(db, alice, group.slug, request.id or 0, accept=True)

    assert refused.value.errors == {"__all__": "This was already declined."}
    assert [r.state for r in await requests_of(db, group.id)] == ["declined"]
    assert await membership(db, group.id, bob.id) is None
    assert (await stored_group(db, group.id)).member_count == 1
    assert await notifications_of(db, bob.id) == []


async def test_two_managers_accepting_at_once_make_one_member(
    app: object, colleague: MakePerson, make_group: MakeGroup, db: AsyncSession
) -> None:
    alice, _ = await colleague("Alice Martin")
    carla, _ = await colleague("Carla Owner")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.invite_person(db, alice, group.slug, carla.email)
    await groups.join_group(db, carla, group.slug)
    await groups.change_member_role(db, alice, group.slug, carla.id or 0, "owner")
    await groups.join_group(db, bob, group.slug)
    request = (await requests_of(db, group.id))[-1]
    factory = app.state.session_factory  # type: ignore[attr-defined]

    async def accept(manager: User) -> str:
        async with factory() as session:
            try:
                await groups.decide_request(
                    session, manager, group.slug, request.id or 0, accept=True
                )
            except InvalidInput:
                return "refused"
            return "accepted"

    results = await asyncio.gather(accept(alice), accept(carla))

    assert sorted(results) == ["accepted", "refused"]
    assert (await stored_group(db, group.id)).member_count == 3
    assert await notifications_of(db, bob.id) == [("request_accepted", group.id)]


async def test_the_requester_cancels_and_no_one_else_can(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    eve, _ = await colleague("Eve Curious")
    group = await make_group(alice, "Private Lab", "private")
    await groups.join_group(db, bob, group.slug)
    request = (await requests_of(db, group.id))[0]

    with pytest.raises(NotFound):
        await groups.cancel_request(db, eve, group.slug, request.id or 0)
    await groups.cancel_request(db, bob, group.slug, request.id or 0)
    with pytest.raises(InvalidInput):  # cancelled is final
        await groups.decide_request(db, alice, group.slug, request.id or 0, accept=True)

    assert [r.state for r in await requests_of(db, group.id)] == ["cancelled"]
    assert await membership(db, group.id, bob.id) is None


# --- secret groups: invitations ---------------------------------------------------------


async def test_a_secret_group_does_not_exist_for_outsiders(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    eve, _ = await colleague("Eve Curious")
    group = await make_group(alice, "Skunkworks", "secret")
    await make_group(alice, "Skunk Open")

    assert await names_listed(db, eve, q="skunk") == ["Skunk Open"]
    assert await names_listed(db, alice, q="skunk") == ["Skunk Open", "Skunkworks"]
    for look in (groups.group_page, groups.group_about, groups.members_page):
        with pytest.raises(NotFound):
            await look(db, eve, group.slug)
    with pytest.raises(NotFound):
        await groups.join_group(db, eve, group.slug)
    assert await requests_of(db, group.id) == []
    assert await notifications_of(db, alice.id) == []


async def test_an_invitee_sees_the_secret_group_and_joins_it(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, bob_profile = await colleague("Bob Leroy", department="Sales")
    group = await make_group(alice, "Skunkworks", "secret")
    sockets = listen(hub, bob)

    outcome = await groups.invite_person(db, alice, group.slug, bob_profile.handle)

    assert outcome == "invited"
    assert await notifications_of(db, bob.id) == [("invited", group.id)]
    assert received(sockets) == [(f"membership:{bob.id}", {"type": "membership"})]
    about = await groups.group_about(db, bob, group.slug)
    assert about.invitation is not None and not about.can_read
    assert await names_listed(db, bob, q="skunk") == ["Skunkworks"]
    with pytest.raises(NotFound):  # invited is not yet a member: no content
        await groups.members_page(db, bob, group.slug)

    await groups.answer_invitation(db, bob, group.slug, about.invitation.id or 0, accept=True)

    assert await membership(db, group.id, bob.id) == "member"
    assert (await stored_group(db, group.id)).member_count == 2
    page = await groups.group_page(db, bob, group.slug)
    assert page.header.can_read and page.stream is not None
    assert page.header.departments == ["Sales"]
    assert received(sockets) == [(f"membership:{bob.id}", {"type": "membership"})]


async def test_a_declined_or_withdrawn_invitation_hides_the_secret_group_again(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    carl, _ = await colleague("Carl Dupont")
    group = await make_group(alice, "Skunkworks", "secret")
    await groups.invite_person(db, alice, group.slug, bob.email)
    await groups.invite_person(db, alice, group.slug, carl.email)
    bob_invitation, carl_invitation = await requests_of(db, group.id)

    await groups.answer_invitation(db, bob, group.slug, bob_invitation.id or 0, accept=False)
    await groups.withdraw_invitation(db, alice, group.slug, carl_invitation.id or 0)

    for person, invitation in ((bob, bob_invitation), (carl, carl_invitation)):
        with pytest.raises(NotFound):
            await groups.group_about(db, person, group.slug)
        with pytest.raises(NotFound):  # and the old invitation cannot be taken up
            await groups.answer_invitation(db, person, group.slug, invitation.id or 0, accept=True)
    assert [r.state for r in await requests_of(db, group.id)] == ["declined", "cancelled"]
    assert (await stored_group(db, group.id)).member_count == 1


async def test_an_invitation_on_a_private_group_cannot_be_answered_twice(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.invite_person(db, alice, group.slug, bob.email)
    (invitation,) = await requests_of(db, group.id)
    await groups.answer_invitation(db, bob, group.slug, invitation.id or 0, accept=False)

    with pytest.raises(InvalidInput):
        await groups.answer_invitation(db, bob, group.slug, invitation.id or 0, accept=True)

    assert await membership(db, group.id, bob.id) is None


async def test_invitations_need_a_manager_and_a_real_colleague(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    await groups.join_group(db, bob, group.slug)

    with pytest.raises(Forbidden):
        await groups.invite_person(db, bob, group.slug, alice.email)
    for reference, message in [
        ("nobody@example.com", "No active colleague has this email or handle."),
        ("bob@\x00", "No active colleague has this email or handle."),
        (bob.email, "This person is already a member."),
    ]:
        with pytest.raises(InvalidInput) as refused:
            await groups.invite_person(db, alice, group.slug, reference)
        assert refused.value.errors == {"invitee": message}


async def test_inviting_someone_who_asked_accepts_their_request(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.join_group(db, bob, group.slug)

    outcome = await groups.invite_person(db, alice, group.slug, bob.email)

    assert outcome == "accepted"
    assert await membership(db, group.id, bob.id) == "member"
    assert [(r.kind, r.state) for r in await requests_of(db, group.id)] == [("request", "accepted")]


async def test_admins_see_a_secret_group_but_cannot_walk_in(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    admin, _ = await colleague("Ada Admin", role=Role.ADMIN.value)
    group = await make_group(alice, "Skunkworks", "secret")

    about = await groups.group_about(db, admin, group.slug)

    assert not about.can_read and not about.can_join and not about.can_request
    with pytest.raises(Forbidden):
        await groups.join_group(db, admin, group.slug)
    with pytest.raises(NotFound):
        await groups.members_page(db, admin, group.slug)


# --- leaving, removing, roles ---------------------------------------------------------------


async def test_members_leave_but_the_last_owner_cannot(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    await groups.join_group(db, bob, group.slug)
    sockets = listen(hub, bob)

    await groups.leave_group(db, bob, group.slug)
    with pytest.raises(InvalidInput) as refused:
        await groups.leave_group(db, alice, group.slug)

    assert await membership(db, group.id, bob.id) is None
    assert "owner" in refused.value.errors["__all__"]
    assert await membership(db, group.id, alice.id) == "owner"
    assert (await stored_group(db, group.id)).member_count == 1
    assert received(sockets) == [(f"membership:{bob.id}", {"type": "membership"})]


async def test_an_owner_leaves_once_someone_else_owns_the_group(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    await groups.join_group(db, bob, group.slug)

    with pytest.raises(InvalidInput):  # stepping down would leave no owner
        await groups.change_member_role(db, alice, group.slug, alice.id or 0, "member")
    await groups.change_member_role(db, alice, group.slug, bob.id or 0, "owner")
    await groups.leave_group(db, alice, group.slug)

    assert await membership(db, group.id, alice.id) is None
    assert await membership(db, group.id, bob.id) == "owner"


async def test_removing_members_follows_the_roles(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
) -> None:
    alice, _ = await colleague("Alice Martin")
    carla, _ = await colleague("Carla Animatrice")
    bob, _ = await colleague("Bob Leroy")
    dan, _ = await colleague("Dan Member")
    group = await make_group(alice, "Open Lab")
    for person in (carla, bob, dan):
        await groups.join_group(db, person, group.slug)
    await groups.change_member_role(db, alice, group.slug, carla.id or 0, "animator")
    sockets = listen(hub, bob)

    with pytest.raises(Forbidden):  # a plain member removes nobody
        await groups.remove_member(db, dan, group.slug, bob.id or 0)
    with pytest.raises(Forbidden):  # animators never remove owners
        await groups.remove_member(db, carla, group.slug, alice.id or 0)
    with pytest.raises(Forbidden):  # nor change roles
        await groups.change_member_role(db, carla, group.slug, dan.id or 0, "animator")
    await groups.remove_member(db, carla, group.slug, bob.id or 0)
    with pytest.raises(NotFound):
        await groups.remove_member(db, carla, group.slug, bob.id or 0)

    assert await membership(db, group.id, bob.id) is None
    assert await membership(db, group.id, alice.id) == "owner"
    assert (await stored_group(db, group.id)).member_count == 3
    assert received(sockets) == [(f"membership:{bob.id}", {"type": "membership"})]


async def test_a_removed_member_of_a_private_group_no_longer_reads_it(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    await groups.invite_person(db, alice, group.slug, bob.email)
    await groups.join_group(db, bob, group.slug)
    assert (await groups.group_page(db, bob, group.slug)).stream is not None

    await groups.remove_member(db, alice, group.slug, bob.id or 0)

    page = await groups.group_page(db, bob, group.slug)
    assert page.stream is None and page.header.can_request
    with pytest.raises(NotFound):
        await groups.members_page(db, bob, group.slug)


# --- pages and the directory -----------------------------------------------------------------


async def test_members_page_lists_members_and_pending_for_managers_only(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    carl, _ = await colleague("Carl Dupont")
    group = await make_group(alice, "Private Lab", "private")
    await groups.invite_person(db, alice, group.slug, bob.email)
    await groups.join_group(db, bob, group.slug)
    await groups.join_group(db, carl, group.slug)

    for_owner = await groups.members_page(db, alice, group.slug)
    for_member = await groups.members_page(db, bob, group.slug)

    assert [(m.profile.display_name, m.role) for m in for_owner.members] == [
        ("Alice Martin", "owner"),
        ("Bob Leroy", "member"),
    ]
    assert [e.profile.display_name for e in for_owner.requests] == ["Carl Dupont"]
    assert for_owner.can_change_roles
    assert [m.can_remove for m in for_owner.members] == [False, True]
    assert for_member.requests == [] and not for_member.can_change_roles
    assert not any(m.can_remove for m in for_member.members)


async def test_the_directory_finds_groups_by_name_and_tag_without_accents(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    await make_group(alice, "Équipe Données", tags=("Analyse",))
    await make_group(alice, "Customer care", "private", tags=("Qualité", "support"))
    await make_group(alice, "Hidden quality", "secret", tags=("qualité",))
    eve, _ = await colleague("Eve Curious")

    assert await names_listed(db, eve, q="equipe") == ["Équipe Données"]
    assert await names_listed(db, eve, q="DONNÉES") == ["Équipe Données"]
    assert await names_listed(db, eve, q="qualite") == ["Customer care"]
    assert await names_listed(db, eve, tag="Qualité") == ["Customer care"]
    assert await names_listed(db, eve, q="care support") == ["Customer care"]
    assert await names_listed(db, eve, q="100%") == []
    assert await names_listed(db, eve) == ["Customer care", "Équipe Données"]


async def test_the_directory_pages_by_keyset(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    for number in range(groups.DIRECTORY_PAGE_SIZE + 3):
        await make_group(alice, f"Team {number:02d}")

    first = await groups.search_groups(db, alice, groups.DirectoryQuery())
    assert first.next_cursor is not None
    second = await groups.search_groups(db, alice, groups.DirectoryQuery(after=first.next_cursor))

    names = [c.group.name for c in first.groups + second.groups]
    assert names == [f"Team {n:02d}" for n in range(groups.DIRECTORY_PAGE_SIZE + 3)]
    assert second.next_cursor is None
    assert all(card.role == "owner" for card in first.groups)


async def test_urls_that_cannot_name_a_group_are_missing(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice Martin")
    group = await make_group(alice, "Open Lab")
    for slug in ["nope", "Open-Lab", "open\x00lab", "x" * 500]:
        with pytest.raises(NotFound):
            await groups.group_about(db, alice, slug)
    for request_id in [0, 2**40]:
        with pytest.raises(NotFound):
            await groups.decide_request(db, alice, group.slug, request_id, accept=True)
    with pytest.raises(NotFound):
        await groups.remove_member(db, alice, group.slug, 2**40)


async def test_the_same_join_request_sent_twice_at_once_is_one_request(
    app: object, colleague: MakePerson, make_group: MakeGroup, db: AsyncSession
) -> None:
    alice, _ = await colleague("Alice Martin")
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Private Lab", "private")
    factory = app.state.session_factory  # type: ignore[attr-defined]

    async def ask() -> str:
        async with factory() as session:
            return await groups.join_group(session, bob, group.slug)

    results = await asyncio.gather(ask(), ask())

    assert sorted(results) == ["pending", "requested"]
    assert len(await requests_of(db, group.id)) == 1
