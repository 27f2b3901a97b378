"""Activity figures: active and engaged people, weekly volume, answers, segments.

Everything here is an aggregate over the whole company, private and secret
groups included: no post text, no group name, only counts and people's ids.

Cost, for a company of a few thousand people:
- active/engaged: one row per post, comment and reaction of the last 28 days
  (user id and time only), bucketed into UTC days in Python;
- weekly volume: two grouped COUNT queries whose week bucket is a CASE over
  the week boundaries (portable SQL, at most 52 buckets), wrapped in a
  subquery so PostgreSQL groups by the bucket's name;
- answers: one row per post of the period (id, time, first answer's time),
  from a LEFT JOIN grouped by post;
- segments: DISTINCT user ids per kind of activity over the period.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User, UserSession
from esn.core.clock import as_utc
from esn.stream.models import Comment, Post, Reaction

# "Active" looks at the four weeks before the end of the period.
ACTIVITY_WINDOW_DAYS = 28
# Engaged: active on at least this many distinct days of those 28 (a habit, not a visit).
ENGAGED_MIN_DAYS = 10


@dataclass(frozen=True)
class Period:
    """The weeks looked at, ending at ``end`` (exclusive)."""

    weeks: int
    end: datetime

    @property
    def start(self) -> datetime:
        """The first instant of the period."""
        return self.end - timedelta(weeks=self.weeks)

    @property
    def window_start(self) -> datetime:
        """The first instant of the 28 days that define active and engaged people."""
        return self.end - timedelta(days=ACTIVITY_WINDOW_DAYS)

    def week_starts(self) -> list[datetime]:
        """The first instant of each week of the period, oldest first."""
        return [self.start + timedelta(weeks=index) for index in range(self.weeks)]


@dataclass(frozen=True)
class ActivityCounts:
    """People active in the 28 days, and those active on enough distinct days."""

    population: int
    active: int
    engaged: int
    active_ids: frozenset[int]
    engaged_ids: frozenset[int]


@dataclass(frozen=True)
class Week:
    """One week of the period: its first day and its volume."""

    start: date
    posts: int
    comments: int


@dataclass(frozen=True)
class Answers:
    """Posts of the period answered by someone other than their author, and how fast."""

    posts: int
    answered: int
    median_hours: float | None

    @property
    def share(self) -> float | None:
        """Answered posts over all posts, or None without posts."""
        return self.answered / self.posts if self.posts else None


@dataclass(frozen=True)
class Segments:
    """Every active account in exactly one segment, over the period."""

    creators: frozenset[int]  # posted
    contributors: frozenset[int]  # commented, no post
    reactors: frozenset[int]  # reacted only
    readers: frozenset[int]  # signed in, nothing else
    inactive: frozenset[int]

    @property
    def population(self) -> int:
        """Everyone counted."""
        return sum(len(s) for s in self.as_sets().values())

    def as_sets(self) -> dict[str, frozenset[int]]:
        """The segments by key, most engaged first."""
        return {
            "creators": self.creators,
            "contributors": self.contributors,
            "reactors": self.reactors,
            "readers": self.readers,
            "inactive": self.inactive,
        }

    def sizes(self) -> dict[str, int]:
        """How many people in each segment."""
        return {key: len(value) for key, value in self.as_sets().items()}


async def active_people_ids(db: AsyncSession) -> set[int]:
    """Ids of the accounts that can take part: active ones."""
    found = await db.execute(select(col(User.id)).where(col(User.is_active).is_(True)))
    return {user_id for user_id in found.scalars() if user_id is not None}


async def activity_counts(db: AsyncSession, period: Period, people: set[int]) -> ActivityCounts:
    """Active (any post, comment or reaction in the 28 days) and engaged people."""
    start, end = period.window_start, period.end
    statements: list[Any] = [
        select(col(Post.author_id), col(Post.created_at)).where(
            col(Post.created_at) >= start, col(Post.created_at) < end
        ),
        select(col(Comment.author_id), col(Comment.created_at)).where(
            col(Comment.created_at) >= start, col(Comment.created_at) < end
        ),
        select(col(Reaction.user_id), col(Reaction.created_at)).where(
            col(Reaction.created_at) >= start, col(Reaction.created_at) < end
        ),
    ]
    days: dict[int, set[date]] = defaultdict(set)
    for statement in statements:
        for user_id, created_at in (await db.execute(statement)).all():
            if user_id in people:
                # UTC days: the company spans time zones; one convention for all.
                days[user_id].add(as_utc(created_at).date())
    active = frozenset(days)
    engaged = frozenset(uid for uid, seen in days.items() if len(seen) >= ENGAGED_MIN_DAYS)
    return ActivityCounts(
        population=len(people),
        active=len(active),
        engaged=len(engaged),
        active_ids=active,
        engaged_ids=engaged,
    )


async def _weekly_counts(db: AsyncSession, period: Period, created_at: Any) -> list[int]:
    starts = period.week_starts()
    # The latest boundary first: the first true WHEN is the row's week.
    bucket = case(
        *[
            (created_at >= boundary, literal(index))
            for index, boundary in reversed(list(enumerate(starts)))
        ],
        else_=literal(-1),
    ).label("week")
    inner = select(bucket).where(created_at >= period.start, created_at < period.end).subquery()
    statement = select(inner.c.week, func.count()).group_by(inner.c.week)
    counts = [0] * period.weeks
    for week, count in (await db.execute(statement)).all():
        if 0 <= int(week) < period.weeks:
            counts[int(week)] = int(count)
    return counts


async def weekly_volume(db: AsyncSession, period: Period) -> list[Week]:
    """Posts and comments written in each week of the period."""
    posts = await _weekly_counts(db, period, col(Post.created_at))
    comments = await _weekly_counts(db, period, col(Comment.created_at))
    return [
        Week(start=start.date(), posts=posts[index], comments=comments[index])
        for index, start in enumerate(period.week_starts())
    ]


async def answers(db: AsyncSession, period: Period) -> Answers:
    """Share of the period's posts with a comment by someone else; median first answer.

    Hidden posts and hidden comments are left out: a hidden reply answers nobody.
    """
    first_answer = func.min(col(Comment.created_at))
    statement = (
        select(col(Post.id), col(Post.created_at), first_answer)
        .select_from(Post)
        .outerjoin(
            Comment,
            and_(
                col(Comment.post_id) == col(Post.id),
                col(Comment.author_id) != col(Post.author_id),
                col(Comment.hidden_at).is_(None),
            ),
        )
        .where(
            col(Post.created_at) >= period.start,
            col(Post.created_at) < period.end,
            col(Post.hidden_at).is_(None),
        )
        .group_by(col(Post.id), col(Post.created_at))
    )
    posts = 0
    delays: list[float] = []
    for _post_id, posted_at, answered_at in (await db.execute(statement)).all():
        posts += 1
        if answered_at is not None:
            delay = as_utc(answered_at) - as_utc(posted_at)
            delays.append(max(delay.total_seconds(), 0) / 3600)
    median = statistics.median(delays) if delays else None
    return Answers(posts=posts, answered=len(delays), median_hours=median)


async def _distinct_ids(db: AsyncSession, column: Any, created_at: Any, period: Period) -> set[int]:
    statement = select(column).where(created_at >= period.start, created_at < period.end).distinct()
    return {value for value in (await db.execute(statement)).scalars() if value is not None}


async def segments(db: AsyncSession, period: Period, people: set[int]) -> Segments:
    """Creators, contributors, reactors, readers and inactive people over the period.

    Readers are known by a session opened in the period; a session ends (its row
    is deleted) at logout, so readers who logged out are counted as inactive.
    """
    posted = await _distinct_ids(db, col(Post.author_id), col(Post.created_at), period) & people
    commented = (
        await _distinct_ids(db, col(Comment.author_id), col(Comment.created_at), period) & people
    )
    reacted = await _distinct_ids(db, col(Reaction.user_id), col(Reaction.created_at), period)
    signed_in = await _distinct_ids(
        db, col(UserSession.user_id), col(UserSession.created_at), period
    )
    creators = posted
    contributors = commented - creators
    reactors = (reacted & people) - creators - contributors
    readers = (signed_in & people) - creators - contributors - reactors
    inactive = people - creators - contributors - reactors - readers
    return Segments(
        creators=frozenset(creators),
        contributors=frozenset(contributors),
        reactors=frozenset(reactors),
        readers=frozenset(readers),
        inactive=frozenset(inactive),
    )
