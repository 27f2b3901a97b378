"""Curation rules: featuring and pinning posts; curating, archiving and merging groups."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.curation import service as curation
from esn.animation.models import FeaturedPost
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups import service as groups
from esn.groups.models import Group, GroupRequest, GroupTag, Membership
from esn.proposals.models import Proposal
from esn.realtime.hub import Hub
from esn.stream import service as stream
from esn.stream.models import Activity, Post, group_source
from tests.animation.curation.conftest import MakeGroup, MakePost
from tests.conftest import MakePerson


def in_days(days: int) -> date:
    return utcnow().date() + timedelta(days=days)


async def fresh(db: AsyncSession, model: type, key: int | None) -> object:
    db.expire_all()
    found = await db.get(model, key)
    assert found is not None
    return found


async def person(colleague: MakePerson, name: str, role: str = "employee") -> User:
    user, _profile = await colleague(name, role=role)
    return user


# --- featuring posts on home -----------------------------------------------------------


async def test_a_featured_post_sits_on_home_until_seen(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    reader = await person(colleague, "Rita Reader")
    post = await make_post(reader, "Our new onboarding guide")
    assert post.id is not None
    featured = await curation.feature_post(db, animator, post.id, in_days(7), in_group=False)
    cards = await curation.home_featured(db, reader)
    assert [card.post.id for card in cards] == [post.id]
    assert cards[0].author.display_name == "Rita Reader"
    assert featured.id is not None
    assert await curation.mark_featured_seen(db, reader, featured.id) == post.id
    assert await curation.mark_featured_seen(db, reader, featured.id) == post.id  # twice: fine
    assert await curation.home_featured(db, reader) == []
    # Someone else still sees it.
    other = await person(colleague, "Otto Other")
    assert len(await curation.home_featured(db, other)) == 1


async def test_expired_or_ended_features_leave_home(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    reader = await person(colleague, "Rita Reader")
    old = await make_post(reader, "old news")
    ended = await make_post(reader, "taken down")
    assert old.id and ended.id
    expired = FeaturedPost(
        post_id=old.id, featured_by=animator.id, expires_at=utcnow() - timedelta(minutes=1)
    )
    db.add(expired)
    await db.commit()
    feature = await curation.feature_post(db, animator, ended.id, in_days(3), in_group=False)
    assert len(await curation.home_featured(db, reader)) == 1
    assert feature.id is not None
    await curation.end_featuring(db, animator, feature.id)
    assert await curation.home_featured(db, reader) == []


async def test_home_shows_at_most_three_newest_first(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    reader = await person(colleague, "Rita Reader")
    ids = []
    for number in range(5):
        post = await make_post(reader, f"post {number}")
        assert post.id is not None
        await curation.feature_post(db, animator, post.id, in_days(7), in_group=False)
        ids.append(post.id)
    cards = await curation.home_featured(db, reader)
    assert [card.post.id for card in cards] == list(reversed(ids))[:3]


async def test_featuring_again_moves_the_expiry_without_a_second_row(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    post = await make_post(animator, "twice")
    assert post.id is not None
    first = await curation.feature_post(db, animator, post.id, in_days(2), in_group=False)
    second = await curation.feature_post(db, animator, post.id, in_days(9), in_group=False)
    assert first.id == second.id
    count = await db.execute(select(func.count()).select_from(FeaturedPost))
    assert count.scalar_one() == 1


async def test_only_company_animators_feature_on_home(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    employee = await person(colleague, "Eve Employee")
    owner = await person(colleague, "Owen Owner")
    group = await make_group(members=[(owner, "owner")])
    post = await make_post(owner, "in the group", group)
    assert post.id is not None
    for actor in (employee, owner):
        with pytest.raises(Forbidden):
            await curation.feature_post(db, actor, post.id, in_days(7), in_group=False)
    admin = await person(colleague, "Ada Admin", "admin")
    await curation.feature_post(db, admin, post.id, in_days(7), in_group=False)


async def test_featuring_a_post_the_animator_cannot_read_is_not_found(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    member = await person(colleague, "Mia Member")
    private = await make_group("private", members=[(member, "owner")])
    post = await make_post(member, "members only", private)
    assert post.id is not None
    for in_group in (False, True):
        with pytest.raises(NotFound):
            await curation.feature_post(db, animator, post.id, in_days(7), in_group=in_group)
    with pytest.raises(NotFound):
        await curation.feature_post(db, animator, 999_999, in_days(7), in_group=False)
    assert await curation.post_featuring(db, animator, post.id) is None


async def test_a_private_post_featured_by_a_member_animator_shows_to_members_only(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    member = await person(colleague, "Mia Member")
    outsider = await person(colleague, "Oscar Outsider")
    private = await make_group("private", members=[(member, "owner"), (animator, "member")])
    post = await make_post(member, "members only", private)
    assert post.id is not None
    feature = await curation.feature_post(db, animator, post.id, in_days(7), in_group=False)
    assert len(await curation.home_featured(db, member)) == 1
    assert await curation.home_featured(db, outsider) == []
    assert feature.id is not None
    with pytest.raises(NotFound):
        await curation.mark_featured_seen(db, outsider, feature.id)


async def test_a_featured_post_hidden_later_leaves_home(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    reader = await person(colleague, "Rita Reader")
    post = await make_post(animator, "Tickets for sale, cheap")
    assert post.id is not None
    await curation.feature_post(db, animator, post.id, in_days(7), in_group=False)
    assert len(await curation.home_featured(db, reader)) == 1
    post.hidden_at = utcnow()
    db.add(post)
    await db.commit()
    assert await curation.home_featured(db, reader) == []


async def test_a_hidden_post_cannot_be_featured(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    post = await make_post(animator, "hidden")
    post.hidden_at = utcnow()
    db.add(post)
    await db.commit()
    assert post.id is not None
    with pytest.raises(InvalidInput) as refused:
        await curation.feature_post(db, animator, post.id, in_days(7), in_group=False)
    assert "hidden" in refused.value.errors["__all__"]


async def test_expiry_dates_are_bounded(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    post = await make_post(animator, "dates")
    assert post.id is not None
    for until, words in (
        (in_days(-3), "passed"),
        (curation.today_for(animator), "tomorrow"),
        (in_days(90), "60"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await curation.feature_post(db, animator, post.id, until, in_group=False)
        assert words in refused.value.errors["until"]
    featured = await curation.feature_post(db, animator, post.id, in_days(60), in_group=False)
    assert featured.expires_at > utcnow() + timedelta(days=59)


# --- pinning in a group ----------------------------------------------------------------


async def test_group_animators_pin_in_their_group(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    owner = await person(colleague, "Owen Owner")
    member = await person(colleague, "Mia Member")
    group = await make_group(members=[(owner, "owner"), (member, "member")])
    other = await make_group(members=[(member, "owner")])
    post = await make_post(member, "pin me", group)
    elsewhere = await make_post(member, "not yours", other)
    assert post.id and elsewhere.id and group.id
    with pytest.raises(Forbidden):
        await curation.feature_post(db, member, post.id, in_days(7), in_group=True)
    with pytest.raises(Forbidden):
        await curation.feature_post(db, owner, elsewhere.id, in_days(7), in_group=True)
    pin = await curation.feature_post(db, owner, post.id, in_days(7), in_group=True)
    assert pin.group_id == group.id
    pins = await curation.group_pins(db, member, group.id)
    assert [card.post.id for card in pins] == [post.id]
    # A pin is not a home feature.
    assert await curation.home_featured(db, member) == []
    featuring = await curation.post_featuring(db, owner, post.id)
    assert featuring is not None and featuring.pinned is not None
    assert featuring.can_pin and not featuring.can_feature
    assert await curation.post_featuring(db, member, post.id) is None
    assert pin.id is not None
    with pytest.raises(Forbidden):
        await curation.end_featuring(db, member, pin.id)
    await curation.end_featuring(db, owner, pin.id)
    assert await curation.group_pins(db, member, group.id) == []


async def test_a_post_in_no_group_cannot_be_pinned(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    post = await make_post(animator, "company post")
    assert post.id is not None
    with pytest.raises(InvalidInput) as refused:
        await curation.feature_post(db, animator, post.id, in_days(7), in_group=True)
    assert "not in a group" in refused.value.errors["__all__"]


# --- curating a group ------------------------------------------------------------------


async def test_who_may_curate_a_group(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner = await person(colleague, "Owen Owner")
    member = await person(colleague, "Mia Member")
    stranger = await person(colleague, "Sam Stranger")
    animator = await person(colleague, "Anna Animator", "animator")
    group = await make_group("private", members=[(owner, "owner"), (member, "member")])
    secret = await make_group("secret", members=[(owner, "owner")])
    for actor in (member, stranger):
        with pytest.raises(Forbidden):
            await curation.curation_page(db, actor, group.slug)
    with pytest.raises(NotFound):
        await curation.curation_page(db, stranger, secret.slug)
    page = await curation.curation_page(db, owner, group.slug)
    assert not page.can_merge and not page.can_feature
    page = await curation.curation_page(db, animator, secret.slug)
    assert page.can_merge and page.can_feature


async def test_editing_details_keeps_the_address_and_normalises_tags(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner = await person(colleague, "Owen Owner")
    group = await make_group(members=[(owner, "owner")], tags=["old", "kept"])
    details = curation.GroupDetails(
        name="Café Lovers", description="Coffee.", tags=("Kept", "  Nouvelle   Étiquette ", "kept")
    )
    await curation.update_group_details(db, owner, group.slug, details)
    stored = await fresh(db, Group, group.id)
    assert isinstance(stored, Group)
    assert (stored.name, stored.slug, stored.search_name) == (
        "Café Lovers",
        group.slug,
        "cafe lovers",
    )
    tags = (
        await db.execute(select(col(GroupTag.tag)).where(col(GroupTag.group_id) == group.id))
    ).scalars()
    assert sorted(tags) == ["kept", "nouvelle etiquette"]


async def test_an_archived_group_is_read_only_and_still_readable(
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
    hub: Hub,
    tmp_path: Path,
) -> None:
    owner = await person(colleague, "Owen Owner")
    reader = await person(colleague, "Rita Reader")
    requester = await person(colleague, "Rob Requester")
    group = await make_group(members=[(owner, "owner")])
    private = await make_group("private", members=[(owner, "owner")])
    await make_post(owner, "still here", group)
    with pytest.raises(InvalidInput) as refused:
        await curation.archive_group(db, owner, group.slug, confirmed=False)
    assert "Tick" in refused.value.errors["confirm"]
    await curation.archive_group(db, owner, group.slug, confirmed=True)
    await curation.archive_group(db, owner, private.slug, confirmed=True)
    with pytest.raises(InvalidInput) as refused:
        await curation.archive_group(db, owner, group.slug, confirmed=True)
    assert "already" in refused.value.errors["confirm"]
    assert group.id is not None
    with pytest.raises(InvalidInput) as refused:
        await stream.create_post(db, owner, group_source(group.id), "new", media_dir=tmp_path)
    assert "archived" in refused.value.errors["source"]
    page = await groups.group_page(db, reader, group.slug)
    assert page.header.archived and page.header.can_read and not page.header.can_join
    assert page.stream is not None and [v.post.body for v in page.stream.items] == ["still here"]
    with pytest.raises(InvalidInput) as refused:
        await groups.join_group(db, reader, group.slug)
    assert "archived" in refused.value.errors["__all__"]
    with pytest.raises(InvalidInput):
        await groups.join_group(db, requester, private.slug)
    with pytest.raises(InvalidInput) as refused:
        await groups.invite_person(db, owner, group.slug, "colleague2@example.com")
    assert "archived" in refused.value.errors["invitee"]
    verbs = (await db.execute(select(col(Activity.verb)))).scalars()
    assert "archived" in set(verbs)
    await curation.unarchive_group(db, owner, group.slug)
    assert await groups.join_group(db, reader, group.slug) == "joined"
    with pytest.raises(InvalidInput):
        await curation.unarchive_group(db, owner, group.slug)


# --- featuring groups in the directory ---------------------------------------------------


async def test_featured_groups_lead_the_directory_without_leaking_secret_ones(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    owner = await person(colleague, "Owen Owner")
    reader = await person(colleague, "Rita Reader")
    await make_group(name="Alpha")
    zulu = await make_group(name="Zulu", members=[(owner, "owner")])
    secret = await make_group("secret", name="Hidden", members=[(owner, "owner")])
    with pytest.raises(Forbidden):
        await curation.feature_group(db, owner, zulu.slug, in_days(7))
    with pytest.raises(InvalidInput) as refused:
        await curation.feature_group(db, animator, zulu.slug, in_days(-1))
    assert "passed" in refused.value.errors["until"]
    await curation.feature_group(db, animator, zulu.slug, in_days(7))
    await curation.feature_group(db, animator, secret.slug, in_days(7))
    directory = await groups.search_groups(db, reader, groups.DirectoryQuery())
    assert [card.group.name for card in directory.featured] == ["Zulu"]
    assert "Hidden" not in [card.group.name for card in directory.groups]
    member_view = await groups.search_groups(db, owner, groups.DirectoryQuery())
    assert sorted(card.group.name for card in member_view.featured) == ["Hidden", "Zulu"]
    await curation.unfeature_group(db, animator, zulu.slug)
    directory = await groups.search_groups(db, reader, groups.DirectoryQuery())
    assert directory.featured == []


# --- merging ---------------------------------------------------------------------------


async def _count(db: AsyncSession, model: type, *conditions: object) -> int:
    found = await db.execute(select(func.count()).select_from(model).where(*conditions))  # type: ignore[arg-type]
    return int(found.scalar_one())


async def test_merging_moves_everything_and_the_old_address_redirects(
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
    hub: Hub,
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
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
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
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup, hub: Hub
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
