"""The scheduled job's moves (``esn proposals-tick``, see esn.proposals.jobs): start
approved projects on their start date, ask for the retrospective after the end
date, remind teams that go a week without a check-in.

The job acts as the system (no person): the graph names it as the actor of
"start" and "end". Each move is its own conditional update, so a run racing a
person, or another run, never moves a proposal twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.core.clock import utcnow
from esn.core.errors import InvalidInput
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.proposals.models import Proposal, ProposalCheckIn, ProposalState
from esn.proposals.service.limits import MAX_QUEUE
from esn.proposals.service.reading import team_ids
from esn.proposals.service.transitions import apply_transition


async def due_to_start(db: AsyncSession, today: date) -> list[Proposal]:
    """Approved proposals whose start date has come."""
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.APPROVED.value,
                    col(Proposal.start_date) <= today,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def due_to_end(db: AsyncSession, today: date) -> list[Proposal]:
    """Active proposals past their end date."""
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.ACTIVE.value,
                    col(Proposal.end_date) < today,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def silent_projects(db: AsyncSession, since: datetime) -> list[Proposal]:
    """Active proposals with no check-in and no reminder since ``since`` (a week ago),
    running for at least that long."""
    recent_checkin = exists(
        select(col(ProposalCheckIn.id)).where(
            col(ProposalCheckIn.proposal_id) == col(Proposal.id),
            col(ProposalCheckIn.created_at) >= since,
        )
    )
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.ACTIVE.value,
                    col(Proposal.activated_at) < since,
                    or_(col(Proposal.reminded_at).is_(None), col(Proposal.reminded_at) < since),
                    ~recent_checkin,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def start_proposal(db: AsyncSession, proposal: Proposal) -> bool:
    """The job starts an approved proposal on its start date; False if someone moved it first."""
    try:
        await apply_transition(db, proposal, "start", None, values={"activated_at": utcnow()})
    except InvalidInput:
        return False
    await db.commit()
    return True


async def end_proposal(db: AsyncSession, proposal: Proposal) -> bool:
    """The job marks an active proposal past its end as waiting for its retrospective."""
    try:
        await apply_transition(db, proposal, "end", None)
    except InvalidInput:
        return False
    await notifications.notify(
        db,
        NotificationKind.PROPOSAL_RETRO_DUE.value,
        proposal.proposer_id,
        proposal_id=proposal.id,
    )
    await db.commit()
    return True


async def remind_check_in(db: AsyncSession, proposal: Proposal, now: datetime) -> int:
    """Remind the team that a week went by without a check-in; how many were told."""
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == ProposalState.ACTIVE.value,
                or_(
                    col(Proposal.reminded_at).is_(None),
                    col(Proposal.reminded_at) == proposal.reminded_at,
                ),
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        return 0
    told = 0
    for user_id in sorted(await team_ids(db, proposal)):
        told += (
            await notifications.notify(
                db, NotificationKind.PROPOSAL_CHECKIN_DUE.value, user_id, proposal_id=proposal.id
            )
            is not None
        )
    await db.commit()
    return told
