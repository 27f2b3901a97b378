"""Whom to spotlight next: never featured first, fair across departments, quiet contributors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.animation.models import Spotlight
from esn.animation.spotlights import service as spotlights
from esn.core.clock import utcnow
from esn.core.errors import Forbidden
from tests.animation.spotlights.conftest import add_comment, add_post, draft
from tests.conftest import MakePerson


async def featured_before(db: AsyncSession, person: User, *, days_ago: int = 30) -> None:
    """``person`` had an accepted spotlight that ended."""
    start = utcnow() - timedelta(days=days_ago)
    db.add(
        Spotlight(
            member_id=person.id or 0,
            state="accepted",
            works_on="Before",
            starts_at=start,
            ends_at=start + timedelta(days=7),
            decided_at=start,
        )
    )
    await db.commit()


async def names(db: AsyncSession, actor: User) -> list[str]:
    return [s.profile.display_name for s in await spotlights.suggestions(db, actor)]


async def test_never_featured_come_first_with_why(
    db: AsyncSession, animator: User, member: User, colleague: MakePerson
) -> None:
    veteran, _p = await colleague("Vera Veteran", department="Legal")
    await featured_before(db, veteran)
    for person in (veteran, member):
        await add_post(db, person)
    suggested = await spotlights.suggestions(db, animator)
    assert [s.profile.display_name for s in suggested][:1] == ["Marc Member"]
    first = suggested[0]
    assert first.never_featured
    assert first.reasons[0] == "never featured · Finance · Lyon"
    # A person featured before is no "never featured" suggestion, and posts too much
    # to be a quiet contributor.
    assert "Vera Veteran" not in [s.profile.display_name for s in suggested]


async def test_departments_take_turns_seldom_featured_first(
    db: AsyncSession, animator: User, colleague: MakePerson
) -> None:
    for index in range(2):
        recent, _p = await colleague(f"Sam Sold {index}", department="Sales")
        await featured_before(db, recent, days_ago=20)
    people = {}
    for name, department in [
        ("Sales One", "Sales"),
        ("Sales Two", "Sales"),
        ("Eng One", "Engineering"),
        ("Eng Two", "Engineering"),
        ("Fin One", "Finance"),
    ]:
        people[name], _p = await colleague(name, department=department)
    # The most active of a department comes first within it.
    for name, posts in [("Sales One", 3), ("Sales Two", 1), ("Eng One", 2), ("Eng Two", 1)]:
        for _ in range(posts):
            await add_post(db, people[name])
    await add_post(db, people["Fin One"])
    assert await names(db, animator) == ["Eng One", "Fin One", "Sales One", "Eng Two", "Sales Two"]


async def test_sites_seldom_featured_come_first_within_a_department(
    db: AsyncSession, animator: User, colleague: MakePerson
) -> None:
    lyon_before, _p = await colleague("Lyon Before", department="Ops", site="Lyon")
    await featured_before(db, lyon_before, days_ago=10)
    busy_lyon, _p = await colleague("Busy Lyon", department="Ops", site="Lyon")
    calm_nantes, _p = await colleague("Calm Nantes", department="Ops", site="Nantes")
    for _ in range(4):
        await add_post(db, busy_lyon)
    await add_post(db, calm_nantes)
    assert await names(db, animator) == ["Calm Nantes", "Busy Lyon"]


async def test_quiet_contributors_are_found_and_explained(
    db: AsyncSession, animator: User, colleague: MakePerson
) -> None:
    quiet, _p = await colleague("Quinn Quiet", department="Support", site="Nantes")
    poster, _p = await colleague("Paula Poster", department="Marketing")
    twice, _p = await colleague("Tom Twice", department="Support")
    # Quinn and Tom were featured before: only the quiet-contributor rule can bring them back.
    await featured_before(db, quiet, days_ago=300)
    await featured_before(db, twice, days_ago=300)
    await featured_before(db, twice, days_ago=250)
    await featured_before(db, poster, days_ago=300)
    posts = [await add_post(db, poster) for _ in range(4)]
    helpful = await add_comment(db, quiet, posts[0])
    for _ in range(3):
        await add_comment(db, poster, posts[0], parent=helpful)
    tom_comment = await add_comment(db, twice, posts[1])
    for _ in range(3):
        await add_comment(db, poster, posts[1], parent=tom_comment)
    suggested = await spotlights.suggestions(db, animator)
    by_name = {s.profile.display_name: s for s in suggested}
    assert set(by_name) == {"Quinn Quiet"}
    quinn = by_name["Quinn Quiet"]
    assert quinn.quiet and not quinn.never_featured
    assert quinn.reasons == [
        "featured once · Support · Nantes",
        "3 replies to their comments, 1 comment on others' posts, 0 posts in 90 days",
    ]


async def test_people_already_asked_or_who_said_no_are_left_out(
    db: AsyncSession, animator: User, member: User, third: User, colleague: MakePerson
) -> None:
    idle, _p = await colleague("Ida Idle", department="HR")
    for person in (member, third, animator):
        await add_post(db, person)
    await draft(db, animator, member)
    said_no = await draft(db, animator, third)
    assert said_no.id is not None
    await spotlights.answer_spotlight(db, third, said_no.id, accept=False, version=None)
    # Waiting, declined lately, inactive (Ida), or the animator themselves: nobody.
    assert await names(db, animator) == []
    assert idle.id is not None


async def test_suggestions_are_for_animators_only(db: AsyncSession, third: User) -> None:
    with pytest.raises(Forbidden):
        await spotlights.suggestions(db, third)
