"""The slack-time ledger: allowances and commitments, week by week. Pure functions.

Everything is counted in whole minutes per week so sums never drift: a
percentage of working time becomes minutes of a 35-hour week (1 % is 21
minutes), hours per week are kept to the half hour. A proposal occupies every
calendar week (Monday to Sunday) its period touches, in full: a person
promised to a project on a Friday is not free for another that week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

WORKING_HOURS_PER_WEEK = 35
WORKING_MINUTES_PER_WEEK = WORKING_HOURS_PER_WEEK * 60
MINUTES_PER_PERCENT = WORKING_MINUTES_PER_WEEK // 100  # 21
DEFAULT_ALLOWANCE_PERCENT = 10
MAX_PERIOD_WEEKS = 52
UPCOMING_WEEKS = 6
PERCENT = "percent"
HOURS = "hours"


def minutes_for(unit: str, amount: Decimal) -> int:
    """Minutes per week for ``amount`` percent of working time or hours per week."""
    if unit == PERCENT:
        return int(amount * MINUTES_PER_PERCENT)
    return int((amount * 60).to_integral_value(rounding=ROUND_HALF_UP))


def amount_for(unit: str, minutes: int) -> Decimal:
    """The amount as the proposer typed it, from the stored minutes per week."""
    if unit == PERCENT:
        return Decimal(minutes) / MINUTES_PER_PERCENT
    return Decimal(minutes) / 60


def allowance_minutes(percent: int) -> int:
    """Minutes per week of an allowance of ``percent`` % of working time."""
    return percent * MINUTES_PER_PERCENT


def hours(minutes: int) -> str:
    """Minutes as hours for people: "3.5", "7", "0.25"."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = format(value.normalize(), "f")
    return text


def percent_of_week(minutes: int) -> str:
    """Minutes per week as a share of working time: "10", "12.5"."""
    value = (Decimal(minutes) * 100 / WORKING_MINUTES_PER_WEEK).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return format(value.normalize(), "f")


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weeks_of(start: date, end: date) -> list[date]:
    """The Mondays of every week from ``start`` to ``end`` (inclusive); none if reversed."""
    if end < start:
        return []
    first, last = week_start(start), week_start(end)
    count = (last - first).days // 7 + 1
    return [first + timedelta(weeks=n) for n in range(count)]


def period_weeks(start: date, end: date) -> int:
    """How many calendar weeks the period touches."""
    return len(weeks_of(start, end))


def granted_minutes(minutes_per_week: int, start: date, end: date, people: int) -> int:
    """The time granted to the whole team over the period, pro rata of its days."""
    if end < start or people <= 0:
        return 0
    days = (end - start).days + 1
    return minutes_per_week * days * people // 7


@dataclass(frozen=True)
class Commitment:
    """Time promised to one project: minutes per week from ``start`` to ``end``."""

    start: date
    end: date
    minutes_per_week: int

    def covers(self, week: date) -> bool:
        """Does this commitment touch the week starting on Monday ``week``?"""
        return self.start <= week + timedelta(days=6) and self.end >= week


def committed_by_week(commitments: Iterable[Commitment], weeks: Sequence[date]) -> dict[date, int]:
    """Minutes committed in each of ``weeks`` (Mondays)."""
    totals = dict.fromkeys(weeks, 0)
    for commitment in commitments:
        for week in weeks:
            if commitment.covers(week):
                totals[week] += commitment.minutes_per_week
    return totals


@dataclass(frozen=True)
class Overrun:
    """The first week where a new commitment would exceed the allowance, with figures."""

    week: date
    allowance: int
    committed: int
    asked: int

    @property
    def total(self) -> int:
        return self.committed + self.asked

    @property
    def excess(self) -> int:
        return self.total - self.allowance


def first_overrun(
    allowance: int, existing: Iterable[Commitment], asked: Commitment
) -> Overrun | None:
    """Where adding ``asked`` to ``existing`` goes past ``allowance`` minutes a week, if anywhere.

    The week with the largest excess is reported (the earliest among equals),
    so the figures shown are the ones that matter most.
    """
    weeks = weeks_of(asked.start, asked.end)
    committed = committed_by_week(existing, weeks)
    worst: Overrun | None = None
    for week in weeks:
        candidate = Overrun(week, allowance, committed[week], asked.minutes_per_week)
        if candidate.total > allowance and (worst is None or candidate.excess > worst.excess):
            worst = candidate
    return worst


@dataclass(frozen=True)
class WeekTime:
    """One person's (or a team's) time in one week."""

    week: date
    allowance: int
    committed: int

    @property
    def available(self) -> int:
        """What is left; negative when more was committed than allowed."""
        return self.allowance - self.committed


def time_by_week(
    allowance: int, commitments: Iterable[Commitment], weeks: Sequence[date]
) -> list[WeekTime]:
    """Allowance, committed and available for each of ``weeks``."""
    committed = committed_by_week(commitments, weeks)
    return [WeekTime(week, allowance, committed[week]) for week in weeks]


def sum_weeks(rows: Iterable[Sequence[WeekTime]]) -> list[WeekTime]:
    """Week-by-week totals of several people's rows (all over the same weeks)."""
    totals: dict[date, tuple[int, int]] = {}
    for row in rows:
        for item in row:
            allowance, committed = totals.get(item.week, (0, 0))
            totals[item.week] = (allowance + item.allowance, committed + item.committed)
    return [WeekTime(week, a, c) for week, (a, c) in sorted(totals.items())]


def upcoming_weeks(today: date, count: int = UPCOMING_WEEKS) -> list[date]:
    """The Mondays of this week and the ``count - 1`` following."""
    first = week_start(today)
    return [first + timedelta(weeks=n) for n in range(count)]
