"""The ledger's arithmetic: minutes per week, weeks of a period, commitments, overruns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from esn.proposals import ledger
from esn.proposals.ledger import Commitment

MONDAY = date(2026, 3, 2)


def test_time_is_counted_in_whole_minutes_of_a_35_hour_week() -> None:
    assert ledger.minutes_for("percent", Decimal(10)) == 210
    assert ledger.minutes_for("percent", Decimal(100)) == ledger.WORKING_MINUTES_PER_WEEK
    assert ledger.minutes_for("hours", Decimal("3.5")) == 210
    assert ledger.minutes_for("hours", Decimal(4)) == 240
    assert ledger.allowance_minutes(10) == 210
    assert ledger.amount_for("percent", 315) == 15
    assert ledger.amount_for("hours", 210) == Decimal("3.5")


def test_figures_read_as_people_write_them() -> None:
    assert ledger.hours(210) == "3.5"
    assert ledger.hours(240) == "4"
    assert ledger.hours(15) == "0.25"
    assert ledger.percent_of_week(210) == "10"
    assert ledger.percent_of_week(240) == "11.4"


def test_a_period_touches_every_calendar_week_in_full() -> None:
    assert ledger.week_start(date(2026, 3, 8)) == MONDAY  # a Sunday
    assert ledger.weeks_of(date(2026, 3, 6), date(2026, 3, 10)) == [MONDAY, date(2026, 3, 9)]
    assert ledger.weeks_of(MONDAY, MONDAY) == [MONDAY]
    assert ledger.weeks_of(date(2026, 3, 10), MONDAY) == []
    assert ledger.period_weeks(MONDAY, date(2026, 3, 29)) == 4


def test_granted_time_is_pro_rata_of_days_and_people() -> None:
    # Four weeks at 3.5 h for two people: 28 hours.
    assert ledger.granted_minutes(210, MONDAY, date(2026, 3, 29), 2) == 28 * 60
    assert ledger.granted_minutes(210, MONDAY, date(2026, 3, 4), 1) == 90
    assert ledger.granted_minutes(210, date(2026, 3, 29), MONDAY, 1) == 0


def test_commitments_add_up_only_in_the_weeks_they_touch() -> None:
    weeks = ledger.weeks_of(MONDAY, date(2026, 3, 22))
    first = Commitment(MONDAY, date(2026, 3, 8), 120)
    second = Commitment(date(2026, 3, 8), date(2026, 3, 16), 60)
    totals = ledger.committed_by_week([first, second], weeks)
    assert totals == {MONDAY: 180, date(2026, 3, 9): 60, date(2026, 3, 16): 60}


def test_a_commitment_that_fits_has_no_overrun() -> None:
    existing = [Commitment(MONDAY, date(2026, 3, 15), 90)]
    asked = Commitment(MONDAY, date(2026, 3, 29), 120)
    assert ledger.first_overrun(210, existing, asked) is None


def test_the_worst_week_past_the_allowance_is_reported_with_its_figures() -> None:
    existing = [
        Commitment(date(2026, 3, 9), date(2026, 3, 15), 120),
        Commitment(date(2026, 3, 16), date(2026, 3, 22), 180),
    ]
    asked = Commitment(MONDAY, date(2026, 3, 29), 90)
    overrun = ledger.first_overrun(210, existing, asked)
    assert overrun is not None
    assert (overrun.week, overrun.allowance, overrun.committed, overrun.asked) == (
        date(2026, 3, 16),
        210,
        180,
        90,
    )
    assert overrun.total == 270 and overrun.excess == 60


def test_asking_more_than_the_allowance_alone_overruns_every_week() -> None:
    overrun = ledger.first_overrun(210, [], Commitment(MONDAY, date(2026, 3, 15), 240))
    assert overrun is not None and overrun.week == MONDAY and overrun.committed == 0


def test_team_time_week_by_week_and_in_total() -> None:
    weeks = ledger.upcoming_weeks(date(2026, 3, 4), count=3)
    assert weeks == [MONDAY, date(2026, 3, 9), date(2026, 3, 16)]
    alice = ledger.time_by_week(210, [Commitment(MONDAY, date(2026, 3, 10), 150)], weeks)
    bob = ledger.time_by_week(420, [Commitment(date(2026, 3, 16), date(2026, 4, 30), 450)], weeks)
    assert [w.available for w in alice] == [60, 60, 210]
    assert [w.available for w in bob] == [420, 420, -30]
    total = ledger.sum_weeks([alice, bob])
    assert [(w.allowance, w.committed, w.available) for w in total] == [
        (630, 150, 480),
        (630, 150, 480),
        (630, 450, 180),
    ]
