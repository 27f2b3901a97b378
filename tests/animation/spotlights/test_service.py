"""The spotlight service: drafting, the member's answer, withdrawal, where it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.models import Spotlight
from esn.animation.spotlights import service as spotlights
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.people.models import Profile
from esn.stream.models import Activity
from tests.animation.spotlights.conftest import draft, notifications_of, stored
from tests.conftest import MakePerson


async def spotlight_activities(db: AsyncSession) -> list[Activity]:
    """Every stream event about a spotlight, as stored now."""
    found = await db.execute(select(Activity).where(col(Activity.object_type) == "spotlight"))
    return list(found.scalars())


def new(**changes: object) -> spotlights.NewSpotlight:
    """A valid draft for ``person``, with ``changes``."""
    fields: dict[str, object] = {
        "person": "marc@example.com",
        "portrait": spotlights.Portrait(works_on="Payroll", can_help_with="", looking_for=""),
        "why_now": "",
    }
    fields.update(changes)
    return spotlights.NewSpotlight(**fields)  # type: ignore[arg-type]


# --- drafting ----------------------------------------------------------------------------


async def test_an_animator_drafts_and_the_member_is_notified(
    db: AsyncSession, animator: User, member: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.state == "proposed"
    assert spotlight.member_id == member.id and spotlight.drafted_by == animator.id
    assert as_utc(spotlight.ends_at) - as_utc(spotlight.starts_at) == timedelta(days=7)
    assert await notifications_of(db, member.id) == [("spotlight_proposed", spotlight.id)]


async def test_a_member_found_by_email_too(db: AsyncSession, animator: User, member: User) -> None:
    spotlight = await spotlights.draft_spotlight(db, animator, new())
    assert spotlight.member_id == member.id


async def test_only_animators_draft(db: AsyncSession, third: User, member: User) -> None:
    with pytest.raises(Forbidden):
        await spotlights.draft_spotlight(db, third, new())


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"person": "nobody-here"}, "person", "No active colleague"),
        ({"person": "   "}, "person", "whom"),
        ({"portrait": spotlights.Portrait()}, "works_on", "at least one part"),
        ({"days": 0}, "days", "between 1 and 28"),
        ({"days": 29}, "days", "between 1 and 28"),
    ],
)
async def test_bad_drafts_are_refused_next_to_the_field(
    db: AsyncSession,
    animator: User,
    member: User,
    changes: dict[str, object],
    field: str,
    words: str,
) -> None:
    data = new(**changes)
    with pytest.raises(InvalidInput) as refused:
        await spotlights.draft_spotlight(db, animator, data)
    assert words in refused.value.errors[field]
    assert (await db.execute(select(Spotlight))).first() is None


async def test_a_start_in_the_past_is_refused(
    db: AsyncSession, animator: User, member: User
) -> None:
    yesterday = utcnow().date() - timedelta(days=2)
    with pytest.raises(InvalidInput) as refused:
        await spotlights.draft_spotlight(db, animator, new(starts_on=yesterday))
    assert "starts_on" in refused.value.errors


async def test_nobody_spotlights_themselves(db: AsyncSession, animator: User) -> None:
    profile = await db.get(Profile, animator.id)
    assert profile is not None
    with pytest.raises(InvalidInput) as refused:
        await spotlights.draft_spotlight(db, animator, new(person=profile.handle))
    assert "yourself" in refused.value.errors["person"]


async def test_one_waiting_draft_per_person(db: AsyncSession, animator: User, member: User) -> None:
    await draft(db, animator, member)
    with pytest.raises(InvalidInput) as refused:
        await draft(db, animator, member)
    assert "already waiting" in refused.value.errors["person"]


async def test_the_portrait_is_prefilled_from_the_profile(
    db: AsyncSession, animator: User, member: User
) -> None:
    profile = await db.get(Profile, member.id)
    assert profile is not None
    profile.bio, profile.how_i_can_help, profile.looking_for = "Closing", "Excel", "Mentors"
    await db.commit()
    portrait = await spotlights.portrait_from_profile(db, animator, "marc@example.com")
    assert portrait == spotlights.Portrait("Closing", "Excel", "Mentors")


# --- who sees a draft ---------------------------------------------------------------------


async def test_a_draft_is_for_the_member_and_animators_only(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    mine = await spotlights.spotlight_page(db, member, spotlight.id)
    assert mine.can_answer and mine.can_edit and not mine.can_withdraw
    theirs = await spotlights.spotlight_page(db, animator, spotlight.id)
    assert theirs.can_withdraw and not theirs.can_answer and not theirs.can_edit
    with pytest.raises(NotFound):
        await spotlights.spotlight_page(db, third, spotlight.id)


async def test_nothing_shows_before_acceptance(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert member.id is not None and spotlight.id is not None
    for reader in (third, member, animator):
        assert await spotlights.home_spotlights(db, reader) == []
        assert await spotlights.profile_spotlights(db, reader, member.id) == []
    assert await spotlight_activities(db) == []
    await spotlights.answer_spotlight(db, member, spotlight.id, accept=False, version=None)
    assert await spotlights.home_spotlights(db, third) == []
    assert await spotlights.profile_spotlights(db, third, member.id) == []
    assert await spotlight_activities(db) == []
    with pytest.raises(NotFound):
        await spotlights.spotlight_page(db, third, spotlight.id)


# --- the member's portrait ------------------------------------------------------------------


async def test_the_member_edits_the_portrait(
    db: AsyncSession, animator: User, member: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    portrait = spotlights.Portrait("Audits", "Reading contracts", "A running club")
    edited = await spotlights.edit_spotlight_portrait(
        db, member, spotlight.id, portrait, version=spotlight.version
    )
    assert (edited.works_on, edited.looking_for) == ("Audits", "A running club")
    assert edited.version == 2


async def test_a_stale_edit_is_refused(db: AsyncSession, animator: User, member: User) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    portrait = spotlights.Portrait("Audits")
    await spotlights.edit_spotlight_portrait(db, member, spotlight.id, portrait, version=1)
    with pytest.raises(spotlights.StaleSpotlight) as refused:
        await spotlights.edit_spotlight_portrait(
            db, member, spotlight.id, spotlights.Portrait("Other"), version=1
        )
    assert "changed since you opened it" in refused.value.errors["__all__"]
    assert (await stored(db, spotlight.id)).works_on == "Audits"


async def test_only_the_member_edits_and_not_to_nothing(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    with pytest.raises(Forbidden):
        await spotlights.edit_spotlight_portrait(
            db, animator, spotlight.id, spotlights.Portrait("X"), version=None
        )
    with pytest.raises(NotFound):
        await spotlights.edit_spotlight_portrait(
            db, third, spotlight.id, spotlights.Portrait("X"), version=None
        )
    with pytest.raises(InvalidInput) as refused:
        await spotlights.edit_spotlight_portrait(
            db, member, spotlight.id, spotlights.Portrait(), version=None
        )
    assert "works_on" in refused.value.errors


# --- answering ------------------------------------------------------------------------------


async def test_accepting_shows_it_everywhere_and_tells_the_drafter(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None and member.id is not None
    accepted = await spotlights.answer_spotlight(
        db, member, spotlight.id, accept=True, version=spotlight.version
    )
    assert accepted.state == "accepted" and accepted.decided_at is not None
    home = await spotlights.home_spotlights(db, third)
    assert [(v.spotlight.id, v.member.display_name) for v in home] == [
        (spotlight.id, "Marc Member")
    ]
    assert home[0].member.department == "Finance"
    assert [s.id for s in await spotlights.profile_spotlights(db, third, member.id)] == [
        spotlight.id
    ]
    [event] = await spotlight_activities(db)
    assert (event.actor_id, event.verb, event.object_id, event.source) == (
        member.id,
        "spotlighted",
        spotlight.id,
        "company",
    )
    assert await notifications_of(db, animator.id) == [("spotlight_answered", spotlight.id)]
    page = await spotlights.spotlight_page(db, third, spotlight.id)
    assert page.showing and not page.can_answer and not page.can_withdraw


async def test_accepting_late_keeps_the_whole_length(
    db: AsyncSession, animator: User, member: User
) -> None:
    spotlight = await draft(db, animator, member, days=5)
    assert spotlight.id is not None
    earlier = utcnow() - timedelta(days=3)
    await db.execute(
        update(Spotlight)
        .where(col(Spotlight.id) == spotlight.id)
        .values(starts_at=earlier, ends_at=earlier + timedelta(days=5))
    )
    await db.commit()
    before = utcnow()
    accepted = await spotlights.answer_spotlight(
        db, member, spotlight.id, accept=True, version=None
    )
    assert as_utc(accepted.starts_at) >= before
    assert as_utc(accepted.ends_at) - as_utc(accepted.starts_at) == timedelta(days=5)


async def test_a_future_spotlight_waits_for_its_day(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    later = utcnow().date() + timedelta(days=5)
    spotlight = await spotlights.draft_spotlight(db, animator, new(starts_on=later))
    assert spotlight.id is not None and member.id is not None
    await spotlights.answer_spotlight(db, member, spotlight.id, accept=True, version=None)
    assert await spotlights.home_spotlights(db, third) == []
    assert await spotlights.profile_spotlights(db, third, member.id) == []
    overview = await spotlights.spotlights_overview(db, animator)
    assert [v.spotlight.id for v in overview.upcoming] == [spotlight.id]


async def test_declining_tells_the_drafter_and_cannot_be_undone(
    db: AsyncSession, animator: User, member: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    declined = await spotlights.answer_spotlight(
        db, member, spotlight.id, accept=False, version=None
    )
    assert declined.state == "declined" and declined.decided_at is not None
    assert await notifications_of(db, animator.id) == [("spotlight_answered", spotlight.id)]
    with pytest.raises(spotlights.RefusedTransition) as refused:
        await spotlights.answer_spotlight(db, member, spotlight.id, accept=True, version=None)
    assert "already “declined”" in refused.value.errors["__all__"]
    assert await spotlight_activities(db) == []


async def test_only_the_member_answers(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    with pytest.raises(Forbidden):
        await spotlights.answer_spotlight(db, animator, spotlight.id, accept=True, version=None)
    with pytest.raises(NotFound):
        await spotlights.answer_spotlight(db, third, spotlight.id, accept=True, version=None)
    assert (await stored(db, spotlight.id)).state == "proposed"


async def test_a_stale_answer_is_refused(db: AsyncSession, animator: User, member: User) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    await spotlights.edit_spotlight_portrait(
        db, member, spotlight.id, spotlights.Portrait("New"), version=1
    )
    with pytest.raises(spotlights.StaleSpotlight):
        await spotlights.answer_spotlight(db, member, spotlight.id, accept=True, version=1)


# --- withdrawing ----------------------------------------------------------------------------


async def test_withdrawing_an_accepted_one_stops_it_showing(
    db: AsyncSession, animator: User, member: User, third: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None and member.id is not None
    await spotlights.answer_spotlight(db, member, spotlight.id, accept=True, version=None)
    with pytest.raises(Forbidden):
        await spotlights.withdraw_spotlight(db, member, spotlight.id, version=None)
    withdrawn = await spotlights.withdraw_spotlight(db, animator, spotlight.id, version=None)
    assert withdrawn.state == "withdrawn"
    assert await spotlights.home_spotlights(db, third) == []
    assert await spotlights.profile_spotlights(db, third, member.id) == []
    assert await spotlight_activities(db) == []
    with pytest.raises(NotFound):
        await spotlights.spotlight_page(db, third, spotlight.id)


async def test_withdrawing_a_draft_and_what_cannot_be_withdrawn(
    db: AsyncSession, animator: User, member: User
) -> None:
    spotlight = await draft(db, animator, member)
    assert spotlight.id is not None
    await spotlights.withdraw_spotlight(db, animator, spotlight.id, version=None)
    with pytest.raises(spotlights.RefusedTransition):
        await spotlights.withdraw_spotlight(db, animator, spotlight.id, version=None)
    with pytest.raises(spotlights.RefusedTransition):
        await spotlights.answer_spotlight(db, member, spotlight.id, accept=True, version=None)


# --- the animators' list ---------------------------------------------------------------------


async def test_the_overview_sorts_spotlights_and_is_for_animators(
    db: AsyncSession, animator: User, member: User, third: User, colleague: MakePerson
) -> None:
    other, _profile = await colleague("Olga Other", department="Legal")
    shown = await draft(db, animator, member)
    assert shown.id is not None
    await spotlights.answer_spotlight(db, member, shown.id, accept=True, version=None)
    waiting = await draft(db, animator, other)
    said_no = await draft(db, animator, third)
    assert said_no.id is not None
    await spotlights.answer_spotlight(db, third, said_no.id, accept=False, version=None)
    overview = await spotlights.spotlights_overview(db, animator)
    assert [v.spotlight.id for v in overview.pending] == [waiting.id]
    assert [v.spotlight.id for v in overview.showing] == [shown.id]
    assert [v.spotlight.id for v in overview.past] == [said_no.id]
    with pytest.raises(Forbidden):
        await spotlights.spotlights_overview(db, third)
