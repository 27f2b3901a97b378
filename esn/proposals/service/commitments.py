"""Allowances and commitments: how much slack time each person has, and has promised.

The arithmetic is esn.proposals.ledger's (pure functions); this module reads
what it needs and words the refusals, with the figures, for the people asking.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from sqlalchemy import or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.core.errors import InvalidInput
from esn.core.i18n import get_locale
from esn.core.i18n import gettext as _
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import COMMITTED
from esn.proposals.models import CoProposerState, Proposal, ProposalCoProposer, SlackAllowance
from esn.proposals.service.reading import display_names


async def allowance_percents(db: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Each person's allowance in % of working time: their own, else their department's,
    else the default."""
    if not user_ids:
        return {}
    departments = dict(
        (
            await db.execute(
                select(col(Profile.user_id), col(Profile.department)).where(
                    col(Profile.user_id).in_(user_ids)
                )
            )
        ).all()
    )
    rows = (
        await db.execute(
            select(SlackAllowance).where(
                or_(
                    col(SlackAllowance.user_id).in_(user_ids),
                    col(SlackAllowance.department).in_(
                        {d for d in departments.values() if d} or {""}
                    ),
                )
            )
        )
    ).scalars()
    personal: dict[int, int] = {}
    by_department: dict[str, int] = {}
    for row in rows:
        if row.user_id is not None:
            personal[row.user_id] = row.percent
        elif row.department is not None:
            by_department[row.department] = row.percent
    return {
        user_id: personal.get(
            user_id,
            by_department.get(departments.get(user_id, ""), ledger.DEFAULT_ALLOWANCE_PERCENT),
        )
        for user_id in user_ids
    }


async def commitments(
    db: AsyncSession, user_ids: set[int], *, exclude: int | None = None, until: date | None = None
) -> dict[int, list[ledger.Commitment]]:
    """The approved and active proposals each person carries (as proposer or accepted
    co-proposer), as ledger commitments."""
    result: dict[int, list[ledger.Commitment]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return result
    carried = union(
        select(col(Proposal.id).label("pid"), col(Proposal.proposer_id).label("uid")).where(
            col(Proposal.proposer_id).in_(user_ids)
        ),
        select(
            col(ProposalCoProposer.proposal_id).label("pid"),
            col(ProposalCoProposer.user_id).label("uid"),
        ).where(
            col(ProposalCoProposer.user_id).in_(user_ids),
            col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
        ),
    ).subquery()
    statement = (
        select(
            carried.c.uid,
            col(Proposal.start_date),
            col(Proposal.end_date),
            col(Proposal.minutes_per_week),
        )
        .join(Proposal, col(Proposal.id) == carried.c.pid)
        .where(col(Proposal.state).in_(COMMITTED))
    )
    if exclude is not None:
        statement = statement.where(col(Proposal.id) != exclude)
    if until is not None:
        statement = statement.where(col(Proposal.start_date) <= until)
    for user_id, start, end, minutes in (await db.execute(statement)).all():
        result[user_id].append(ledger.Commitment(start, end, minutes))
    return result


async def own_allowance(db: AsyncSession, user_id: int) -> int:
    """One person's allowance in % of working time."""
    return (await allowance_percents(db, {user_id}))[user_id]


def within_allowance(minutes: int, percent: int) -> str | None:
    """Why asking ``minutes`` a week is refused outright, with the figures, or None."""
    allowed = ledger.allowance_minutes(percent)
    if minutes <= allowed:
        return None
    return _(
        "You ask %(asked)s h a week (%(asked_percent)s %% of working time); your "
        "slack-time allowance is %(allowed)s h a week (%(allowed_percent)s %%)."
    ) % {
        "asked": ledger.hours(minutes),
        "asked_percent": ledger.percent_of_week(minutes),
        "allowed": ledger.hours(allowed),
        "allowed_percent": percent,
    }


def _long_date(day: date) -> str:
    return format_date(day, "long", locale=get_locale())


async def check_ledger(db: AsyncSession, proposal: Proposal, team: set[int]) -> None:
    """Refuse an approval that takes anyone of the team past their allowance, with figures."""
    percents = await allowance_percents(db, team)
    existing = await commitments(db, team, exclude=proposal.id)
    asked = ledger.Commitment(proposal.start_date, proposal.end_date, proposal.minutes_per_week)
    names = await display_names(db, team)
    problems = []
    for user_id in sorted(team):
        overrun = ledger.first_overrun(
            ledger.allowance_minutes(percents[user_id]), existing[user_id], asked
        )
        if overrun is None:
            continue
        problems.append(
            _(
                "Approving would take %(name)s past their slack-time allowance in the week of "
                "%(week)s: %(allowed)s h a week allowed, %(committed)s h already committed, "
                "%(asked)s h asked here (%(total)s h in all)."
            )
            % {
                "name": names.get(user_id, "?"),
                "week": _long_date(overrun.week),
                "allowed": ledger.hours(overrun.allowance),
                "committed": ledger.hours(overrun.committed),
                "asked": ledger.hours(overrun.asked),
                "total": ledger.hours(overrun.total),
            }
        )
    if problems:
        raise InvalidInput({"__all__": " ".join(problems)})
