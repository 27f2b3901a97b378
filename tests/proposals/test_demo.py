"""The demo's proposals: every state, people around them, and a manager with a queue."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.proposals import service as proposals
from esn.proposals.models import (
    Proposal,
    ProposalBacking,
    ProposalCheckIn,
    ProposalRetrospective,
    ProposalState,
    ProposalVolunteer,
)
from esn_tools.demo import company as seed


async def test_the_demo_has_proposals_in_every_state_and_a_queue_waiting(
    db: AsyncSession,
) -> None:
    result = await seed.seed_demo(db)

    assert result.proposals >= len(ProposalState)
    states = set((await db.execute(select(col(Proposal.state)))).scalars())
    assert states == {state.value for state in ProposalState}
    for table in (ProposalBacking, ProposalVolunteer, ProposalCheckIn, ProposalRetrospective):
        assert (await db.execute(select(func.count()).select_from(table))).scalar_one() > 0
    manager_email = next(a.email for a in seed.notable_accounts() if a.kind == "manager")
    manager = (await db.execute(select(User).where(col(User.email) == manager_email))).scalar_one()
    page = await proposals.approvals_page(db, manager)
    assert len(page.queue) >= 1
    assert page.team and any(w.committed for person in page.team for w in person.weeks)
