"""The proposals' scheduled moves: start on the start date, ask for the retrospective
at the end date, remind teams that go a week without a check-in.

``esn proposals-tick`` runs ``tick``; run it every hour or so (cron, a systemd
timer). Each move is its own conditional update, so a tick racing a person
(or another tick) never moves a proposal twice, and running it again changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from esn.proposals import service

CHECK_IN_PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class TickResult:
    """What one run did."""

    started: int
    ended: int
    reminded: int


async def tick(db: AsyncSession, now: datetime) -> TickResult:
    """Make every move that is due at ``now`` (an aware UTC time)."""
    today = now.date()
    started = 0
    for proposal in await service.due_to_start(db, today):
        started += await service.start_proposal(db, proposal)
    ended = 0
    for proposal in await service.due_to_end(db, today):
        ended += await service.end_proposal(db, proposal)
    reminded = 0
    for proposal in await service.silent_projects(db, now - CHECK_IN_PERIOD):
        reminded += await service.remind_check_in(db, proposal, now)
    return TickResult(started=started, ended=ended, reminded=reminded)
