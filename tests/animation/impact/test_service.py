"""The impact log's rules: who tags what, duplicates, and what the list shows to whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.impact import service as impact
from esn.animation.models import ImpactStory
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from tests.animation.conftest import on_post_page
from tests.animation.impact.conftest import Rows
from tests.conftest import MakePerson


@pytest.fixture
async def animator(colleague: MakePerson) -> User:
    """A company animator."""
    user, _profile = await colleague("Ana Animator", role="animator")
    return user


@pytest.fixture
async def author(colleague: MakePerson) -> User:
    """An employee who writes posts."""
    user, _profile = await colleague("Paul Poster")
    return user


async def test_a_company_animator_tags_a_thread_once_per_outcome(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    post = await rows.post(author)
    assert post.id is not None

    story = await impact.tag_impact(db, animator, post.id, "got_help", "Lea found a mentor")

    assert (story.post_id, story.outcome, story.note, story.tagged_by) == (
        post.id,
        "got_help",
        "Lea found a mentor",
        animator.id,
    )
    with pytest.raises(InvalidInput) as duplicate:
        await impact.tag_impact(db, animator, post.id, "got_help", "")
    assert duplicate.value.errors == {"outcome": "This thread is already tagged with this outcome."}
    with pytest.raises(InvalidInput):
        await impact.tag_impact(db, animator, post.id, "world_peace", "")

    view = await on_post_page(impact.post_impact, db, animator, post.id)
    assert view is not None
    assert [(t.outcome, t.note, t.tagged_by) for t in view.tags] == [
        ("got_help", "Lea found a mentor", "Ana Animator")
    ]
    assert "got_help" not in [value for value, _label in view.choices]
    assert len(view.choices) == 3


async def test_employees_neither_see_nor_tag_impact(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    post = await rows.post(author)
    assert post.id is not None
    await impact.tag_impact(db, animator, post.id, "idea_adopted", "")

    assert await on_post_page(impact.post_impact, db, author, post.id) is None
    with pytest.raises(Forbidden):
        await impact.tag_impact(db, author, post.id, "got_help", "")
    with pytest.raises(Forbidden):
        await impact.impact_form(db, author, post.id)


async def test_animating_does_not_grant_reading_a_private_group(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    private = await rows.group("Private", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    post = await rows.post(author, group=private)
    assert post.id is not None

    assert await on_post_page(impact.post_impact, db, animator, post.id) is None
    with pytest.raises(NotFound):
        await impact.tag_impact(db, animator, post.id, "got_help", "")
    with pytest.raises(NotFound):
        await impact.tag_impact(db, animator, 2**40, "got_help", "")


async def test_group_animators_tag_their_groups_threads_only(
    db: AsyncSession, rows: Rows, colleague: MakePerson, author: User
) -> None:
    keeper, _p = await colleague("Kim Keeper")
    mine = await rows.group("Mine", members={keeper.id: "animator", author.id: "member"})  # type: ignore[dict-item]
    theirs = await rows.group("Theirs", members={author.id: "owner", keeper.id: "member"})  # type: ignore[dict-item]
    my_post = await rows.post(author, group=mine)
    their_post = await rows.post(author, group=theirs)
    company_post = await rows.post(author)
    assert my_post.id and their_post.id and company_post.id

    await impact.tag_impact(db, keeper, my_post.id, "first_cross_team_contact", "")
    assert await on_post_page(impact.post_impact, db, keeper, my_post.id) is not None
    for post_id in (their_post.id, company_post.id):
        assert await on_post_page(impact.post_impact, db, keeper, post_id) is None
        with pytest.raises(Forbidden):
            await impact.tag_impact(db, keeper, post_id, "got_help", "")


async def test_removing_a_tag(db: AsyncSession, rows: Rows, animator: User, author: User) -> None:
    post = await rows.post(author)
    other = await rows.post(author)
    assert post.id and other.id
    story = await impact.tag_impact(db, animator, post.id, "got_help", "")
    assert story.id is not None

    with pytest.raises(Forbidden):
        await impact.remove_impact(db, author, post.id, story.id)
    with pytest.raises(NotFound):
        await impact.remove_impact(db, animator, other.id, story.id)
    await impact.remove_impact(db, animator, post.id, story.id)

    view = await on_post_page(impact.post_impact, db, animator, post.id)
    assert view is not None and view.tags == []
    with pytest.raises(NotFound):
        await impact.remove_impact(db, animator, post.id, story.id)


async def test_the_stories_list_hides_what_the_viewer_cannot_read(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    keeper, _p = await colleague("Kim Keeper")
    private = await rows.group("Skunkworks", "private", members={keeper.id: "owner"})  # type: ignore[dict-item]
    secret_post = await rows.post(keeper, group=private, body="The secret prototype")
    open_post = await rows.post(author, body="Looking for a data engineer")
    assert secret_post.id and open_post.id
    await impact.tag_impact(db, keeper, secret_post.id, "idea_adopted", "Confidential note")
    await impact.tag_impact(db, animator, open_post.id, "got_help", "Found one in Lyon")

    page = await impact.list_stories(db, animator)

    assert [(s.post_id, s.label, s.note, s.author, s.tagged_by) for s in page.stories] == [
        (open_post.id, "Someone got help", "Found one in Lyon", "Paul Poster", "Ana Animator")
    ]
    assert page.stories[0].excerpt == "Looking for a data engineer"
    assert [(h.group_name, h.outcome, h.count) for h in page.hidden] == [
        ("Skunkworks", "idea_adopted", 1)
    ]
    assert "Confidential" not in repr(page)
    assert "secret prototype" not in repr(page)

    with pytest.raises(NotFound):
        await impact.list_stories(db, author)
    with pytest.raises(NotFound):
        await impact.list_stories(db, keeper)


async def test_stories_come_newest_first_a_page_at_a_time(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    db.add_all(
        [
            ImpactStory(post_id=(await rows.post(author)).id, outcome="got_help")  # type: ignore[arg-type]
            for _n in range(impact.STORIES_PAGE_SIZE + 3)
        ]
    )
    await db.commit()

    first = await impact.list_stories(db, animator)
    assert len(first.stories) == impact.STORIES_PAGE_SIZE
    assert first.stories[0].id > first.stories[-1].id
    assert first.next_before == first.stories[-1].id
    second = await impact.list_stories(db, animator, first.next_before)
    assert len(second.stories) == 3
    assert second.next_before is None


async def test_impact_counts_since_a_date(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    old, new = await rows.post(author), await rows.post(author)
    assert old.id and new.id
    await impact.tag_impact(db, animator, old.id, "got_help", "")
    await impact.tag_impact(db, animator, new.id, "got_help", "")
    await impact.tag_impact(db, animator, new.id, "became_proposal", "")
    await db.execute(
        update(ImpactStory)
        .where(col(ImpactStory.post_id) == old.id)
        .values(created_at=utcnow() - timedelta(days=60))
    )
    await db.commit()

    counts = await impact.impact_counts(db, utcnow() - timedelta(days=28))

    assert counts == {
        "got_help": 1,
        "first_cross_team_contact": 0,
        "idea_adopted": 0,
        "became_proposal": 1,
    }
