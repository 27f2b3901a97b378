"""Merging a group into another: what moves, what is refused, where the old address leads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.animation.curation import service as curation
from esn.animation.models import FeaturedPost
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups import service as groups
from esn.groups.models import Group, GroupRequest, GroupTag, Membership
from esn.proposals.models import Proposal
from esn.stream.models import Activity, Post, group_source
from tests.animation.curation.conftest import MakeGroup, MakePost, fresh, in_days, person
from tests.conftest import MakePerson

# --- merging ---------------------------------------------------------------------------


async def _count(db: AsyncSession, model: type, *conditions: object) -> int:
    found = await db.execute(select(func.count()).select_from(model).where(*conditions))  # type: ignore[arg-type]
    return int(found.scalar_one())


async def test_merging_moves_everything_and_the_old_address_redirects(
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    owner = await person(colleague, "Owen Owner")  # owner of old, member of new
    both = await person(colleague, "Bea Both")  # animator of new, member of old
    only_old = await person(colleague, "Olga Old")
    only_new = await person(colleague, "Nina New")
    asker = await person(colleague, "Ari Asker")  # asked to join both
    guest = await person(colleague, "Gus Guest")  # invited into old only
    old = await make_group(
        name="Old",
        members=[(owner, "owner"), (both, "member"), (only_old, "animator")],
        tags=["shared", "old-only"],
    )
    new = await make_group(
        name="New",
        members=[(owner, "member"), (both, "animator"), (only_new, "owner")],
        tags=["shared", "new-only"],
    )
    assert old.id and new.id
    posts = [await make_post(owner, f"old post {n}", old) for n in range(3)]
    await make_post(only_new, "new post", new)
    assert posts[0].id is not None
    pin = await curation.feature_post(db, animator, posts[0].id, in_days(7), in_group=True)
    pin_id = pin.id
    db.add_all(
        [
            GroupRequest(group_id=old.id, user_id=asker.id, kind="request"),
            GroupRequest(group_id=new.id, user_id=asker.id, kind="request"),
            GroupRequest(group_id=old.id, user_id=guest.id, kind="invitation", invited_by=owner.id),
            GroupRequest(group_id=old.id, user_id=only_new.id, kind="invitation"),
            Activity(
                actor_id=owner.id,
                verb="joined",
                object_type="group",
                object_id=old.id,
                source=group_source(old.id),
            ),
            Proposal(
                title="Idea",
                problem="p",
                gain="g",
                minutes_per_week=60,
                start_date=in_days(1),
                end_date=in_days(30),
                proposer_id=owner.id,
                group_id=old.id,
            ),
        ]
    )
    await db.commit()
    post_total = await _count(db, Post)
    activities_old = await _count(db, Activity, col(Activity.source) == group_source(old.id))
    activities_new = await _count(db, Activity, col(Activity.source) == group_source(new.id))

    outcome = await curation.merge_groups(db, animator, old.slug, new.slug, understood=False)

    assert outcome.target.id == new.id and outcome.posts == 3
    db.expire_all()
    assert await _count(db, Post) == post_total
    assert await _count(db, Post, col(Post.group_id) == old.id) == 0
    assert (
        await _count(
            db, Post, col(Post.group_id) == new.id, col(Post.source) == group_source(new.id)
        )
        == 4
    )
    assert await _count(db, Activity, col(Activity.source) == group_source(old.id)) == 0
    # Moved events, plus the "merged" event itself.
    assert await _count(db, Activity, col(Activity.source) == group_source(new.id)) == (
        activities_old + activities_new + 1
    )
    roles = dict(
        (
            await db.execute(
                select(col(Membership.user_id), col(Membership.role)).where(
                    col(Membership.group_id) == new.id
                )
            )
        ).all()
    )
    assert roles == {
        owner.id: "owner",
        both.id: "animator",
        only_old.id: "animator",
        only_new.id: "owner",
    }
    assert await _count(db, Membership, col(Membership.group_id) == old.id) == 0
    db.expire_all()
    stored_old = await db.get(Group, old.id)
    stored_new = await db.get(Group, new.id)
    assert isinstance(stored_old, Group) and isinstance(stored_new, Group)
    assert stored_old.merged_into_id == new.id and stored_old.archived_at is not None
    assert stored_old.member_count == 0 and stored_new.member_count == 4
    requests = (
        (await db.execute(select(GroupRequest).order_by(col(GroupRequest.id)))).scalars().all()
    )
    summary = [(r.group_id, r.user_id, r.kind, r.state) for r in requests]
    assert summary == [
        (old.id, asker.id, "request", "cancelled"),  # a duplicate of the one pending in New
        (new.id, asker.id, "request", "pending"),
        (new.id, guest.id, "invitation", "pending"),  # moved
        (old.id, only_new.id, "invitation", "cancelled"),  # already a member of New
    ]
    tags = (
        await db.execute(select(col(GroupTag.tag)).where(col(GroupTag.group_id) == new.id))
    ).scalars()
    assert sorted(tags) == ["new-only", "old-only", "shared"]
    proposal_groups = (await db.execute(select(col(Proposal.group_id)))).scalars().all()
    assert proposal_groups == [new.id]
    moved_pin = await fresh(db, FeaturedPost, pin_id)
    assert isinstance(moved_pin, FeaturedPost) and moved_pin.group_id == new.id
    assert [card.post.id for card in await curation.group_pins(db, only_new, new.id)] == [
        posts[0].id
    ]
    # The old address leads to the new group; the directory forgets the old one.
    with pytest.raises(groups.GroupMerged) as moved:
        await groups.group_page(db, only_old, old.slug)
    assert moved.value.slug == new.slug
    directory = await groups.search_groups(db, only_old, groups.DirectoryQuery())
    assert [card.group.name for card in directory.groups] == ["New"]


async def test_merge_refusals(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    owner = await person(colleague, "Owen Owner")
    group = await make_group(name="Here", members=[(owner, "owner")])
    other = await make_group(name="There", members=[(owner, "owner")])
    archived = await make_group(name="Archived")
    private = await make_group("private", name="Private", members=[(owner, "owner")])
    await curation.archive_group(db, animator, archived.slug, confirmed=True)

    async def refused(slug: str, target: str, field: str, understood: bool = False) -> str:
        with pytest.raises(InvalidInput) as error:
            await curation.merge_groups(db, animator, slug, target, understood=understood)
        return error.value.errors[field]

    assert "itself" in await refused(group.slug, group.slug, "target")
    assert "No group" in await refused(group.slug, "nowhere", "target")
    assert "archived" in await refused(group.slug, archived.slug, "target")
    message = await refused(private.slug, group.slug, "understood")
    assert "everyone will be able to read" in message
    with pytest.raises(Forbidden):
        await curation.merge_groups(db, owner, group.slug, other.slug, understood=True)
    await curation.merge_groups(db, animator, other.slug, group.slug, understood=False)
    assert "merged into another" in await refused(private.slug, other.slug, "target", True)
    # Nothing moved by the refused merges.
    assert await _count(db, Membership, col(Membership.group_id) == private.id) == 1


async def test_an_old_address_never_reveals_a_secret_target(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    member = await person(colleague, "Mia Member")
    outsider = await person(colleague, "Oscar Outsider")
    old = await make_group("secret", members=[(member, "owner")])
    target = await make_group("secret", members=[(animator, "owner")])
    await curation.merge_groups(db, animator, old.slug, target.slug, understood=False)
    with pytest.raises(NotFound):
        await groups.group_about(db, outsider, old.slug)
    with pytest.raises(groups.GroupMerged):
        await groups.group_about(db, member, old.slug)
