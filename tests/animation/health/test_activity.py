"""Active and engaged people, weekly volume, answers and segments on known data."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.animation.health import service as health
from esn.animation.health.activity import Period
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from tests.animation.health.conftest import (
    NOW,
    add_comment,
    add_post,
    add_reaction,
    add_session,
    days_ago,
)
from tests.conftest import MakePerson


async def test_active_and_engaged_at_the_edges(db: AsyncSession, colleague: MakePerson) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    ten_days, _ = await colleague("Tess Ten")
    nine_days, _ = await colleague("Nina Nine")
    just_in, _ = await colleague("Jo Justin")
    just_out, _ = await colleague("Otto Out")
    anchor = await add_post(db, animator, days_ago(60))
    for day in range(1, 11):
        await add_post(db, ten_days, days_ago(day))
    for day in range(1, 10):
        await add_comment(db, anchor, nine_days, days_ago(day))
    # A second comment the same UTC day is not a tenth day.
    await add_comment(db, anchor, nine_days, days_ago(1, seconds=60))
    # The 28-day window starts exactly 28 days before the end: just inside and just outside.
    await add_reaction(db, anchor, just_in, days_ago(28) + timedelta(seconds=1))
    await add_comment(db, anchor, just_out, days_ago(28, seconds=1))
    # Activity after the end of the period does not count.
    await add_comment(db, anchor, just_out, NOW + timedelta(hours=1))

    report = await health.health_report(db, animator, 4, now=NOW)

    assert report.activity.population == 5
    assert report.activity.active_ids == {ten_days.id, nine_days.id, just_in.id}
    assert report.activity.engaged_ids == {ten_days.id}
    assert (report.activity.active, report.activity.engaged) == (3, 1)


async def test_weekly_volume_buckets_posts_and_comments(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    writer, _ = await colleague("Wendy Writer")
    start = NOW - timedelta(weeks=4)
    first = await add_post(db, writer, start)  # the first instant of week 0
    await add_post(db, writer, start + timedelta(weeks=1))  # the first instant of week 1
    await add_post(db, writer, days_ago(1))  # week 3
    await add_post(db, writer, days_ago(2))  # week 3
    await add_post(db, writer, start - timedelta(seconds=1))  # before the period
    await add_comment(db, first, animator, start + timedelta(days=15))  # week 2
    await add_comment(db, first, animator, NOW)  # the end is excluded

    report = await health.health_report(db, animator, 4, now=NOW)

    assert [week.posts for week in report.weeks] == [1, 1, 0, 2]
    assert [week.comments for week in report.weeks] == [0, 0, 1, 0]
    assert report.weeks[0].start == start.date()


async def test_answers_share_and_median(db: AsyncSession, colleague: MakePerson) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    author, _ = await colleague("Adam Author")
    other, _ = await colleague("Olive Other")
    quick = await add_post(db, author, days_ago(10))
    await add_comment(db, quick, other, days_ago(10) + timedelta(hours=2))
    await add_comment(db, quick, other, days_ago(10) + timedelta(hours=30))  # not the first
    slow = await add_post(db, author, days_ago(8))
    await add_comment(db, slow, author, days_ago(8) + timedelta(hours=1))  # the author's own
    await add_comment(db, slow, other, days_ago(8) + timedelta(hours=10))
    own_only = await add_post(db, author, days_ago(6))
    await add_comment(db, own_only, author, days_ago(6) + timedelta(hours=1))
    await add_post(db, author, days_ago(5))  # no comment at all
    hidden_answer = await add_post(db, author, days_ago(4))
    await add_comment(db, hidden_answer, other, days_ago(4) + timedelta(hours=1), hidden=True)
    hidden_post = await add_post(db, author, days_ago(3), hidden=True)
    await add_comment(db, hidden_post, other, days_ago(3) + timedelta(hours=1))
    old = await add_post(db, author, days_ago(100))  # before the period
    await add_comment(db, old, other, days_ago(99))

    report = await health.health_report(db, animator, 4, now=NOW)

    assert (report.answers.posts, report.answers.answered) == (5, 2)
    assert report.answers.share == pytest.approx(0.4)
    assert report.answers.median_hours == pytest.approx(6.0)


async def test_no_posts_means_no_share(db: AsyncSession, colleague: MakePerson) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    report = await health.health_report(db, animator, 4, now=NOW)
    assert report.answers.share is None and report.answers.median_hours is None
    assert report.ladder.current == 1


async def test_segments_put_each_person_in_one_place(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    creator, _ = await colleague("Cleo Creator")
    contributor, _ = await colleague("Carl Contributor")
    reactor, _ = await colleague("Rita Reactor")
    reader, _ = await colleague("Reed Reader")
    old_reader, _ = await colleague("Olaf Oldreader")
    gone, _ = await colleague("Gina Gone")
    post = await add_post(db, creator, days_ago(3))
    await add_comment(db, post, creator, days_ago(3))  # a creator who also comments
    await add_comment(db, post, contributor, days_ago(2))
    await add_reaction(db, post, reactor, days_ago(2))
    await add_reaction(db, post, creator, days_ago(2), "celebrate")
    await add_session(db, reader, days_ago(1))
    await add_session(db, reactor, days_ago(1))
    await add_session(db, old_reader, days_ago(40))  # before a 4-week period
    await add_comment(db, post, gone, days_ago(1))
    gone.is_active = False  # deactivated accounts are counted nowhere
    db.add(gone)
    await db.commit()

    report = await health.health_report(db, animator, 4, now=NOW)

    segments = report.segments
    assert segments.creators == {creator.id}
    assert segments.contributors == {contributor.id}
    assert segments.reactors == {reactor.id}
    assert segments.readers == {reader.id}
    assert segments.inactive == {animator.id, old_reader.id}
    assert segments.population == report.activity.population == 6
    # Twelve weeks reach the older sign-in.
    longer = await health.health_report(db, animator, 12, now=NOW)
    assert longer.segments.readers == {reader.id, old_reader.id}


async def test_only_company_animators_and_admins(db: AsyncSession, colleague: MakePerson) -> None:
    employee, _ = await colleague("Emma Employee")
    admin, _ = await colleague("Ada Admin", role="admin")
    with pytest.raises(NotFound):
        await health.health_report(db, employee, 4, now=NOW)
    report = await health.health_report(db, admin, 4, now=NOW)
    assert report.period == Period(weeks=4, end=NOW)


async def test_an_unknown_period_falls_back_to_the_default(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    report = await health.health_report(db, animator, 7, now=NOW)
    assert report.period.weeks == health.DEFAULT_WEEKS
    assert len(report.weeks) == health.DEFAULT_WEEKS


async def test_by_default_the_period_ends_at_the_end_of_today(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    report = await health.health_report(db, animator)
    end = report.period.end
    assert end.time() == time(0) and end.tzinfo is not None
    assert timedelta(0) < end - utcnow() <= timedelta(days=1)
    assert report.period.weeks == health.DEFAULT_WEEKS
