"""Featuring posts on home and pinning them in a group: who may, who sees them, until when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from esn.animation.curation import service as curation
from esn.animation.models import FeaturedPost
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from tests.animation.conftest import on_post_page
from tests.animation.curation.conftest import MakeGroup, MakePost, in_days, person
from tests.conftest import MakePerson

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
    assert await on_post_page(curation.post_featuring, db, animator, post.id) is None


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
    featuring = await on_post_page(curation.post_featuring, db, owner, post.id)
    assert featuring is not None and featuring.pinned is not None
    assert featuring.can_pin and not featuring.can_feature
    assert await on_post_page(curation.post_featuring, db, member, post.id) is None
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
