"""Reading one proposal as an actor, and the people around it.

Reading goes through ``policy.readable_proposals_clause``: a proposal someone
may not see answers exactly like a missing one (NotFound).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.people.models import Profile
from esn.proposals.lifecycle import StaleProposal
from esn.proposals.models import CoProposerState, Proposal, ProposalCoProposer
from esn.proposals.service.limits import MAX_ID


def valid_id(proposal_id: int) -> int:
    """``proposal_id`` if it can exist at all; NotFound otherwise (it came from a URL)."""
    if not 0 < proposal_id <= MAX_ID:
        raise NotFound
    return proposal_id


async def readable(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """The proposal if ``actor`` may see it; NotFound otherwise (missing or hidden)."""
    if not policy.is_staff(actor):
        raise NotFound
    found = (
        await db.execute(
            select(Proposal).where(
                col(Proposal.id) == valid_id(proposal_id),
                policy.readable_proposals_clause(actor),
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound
    return found


async def readable_or_none(
    db: AsyncSession, actor: User, proposal_id: int | None
) -> Proposal | None:
    """The proposal if there is one and ``actor`` may see it (links between proposals)."""
    if proposal_id is None:
        return None
    try:
        return await readable(db, actor, proposal_id)
    except NotFound:
        return None


def check_version(proposal: Proposal, version: int | None) -> None:
    """Refuse a form rendered before the proposal's last change (StaleProposal)."""
    if version is not None and version != proposal.version:
        raise StaleProposal


async def coproposer_rows(db: AsyncSession, proposal_id: int) -> list[ProposalCoProposer]:
    """Everyone asked to co-propose, whatever they answered, in the order they were asked."""
    return list(
        (
            await db.execute(
                select(ProposalCoProposer)
                .where(col(ProposalCoProposer.proposal_id) == proposal_id)
                .order_by(col(ProposalCoProposer.id))
            )
        ).scalars()
    )


async def team_ids(db: AsyncSession, proposal: Proposal) -> set[int]:
    """The proposer and the co-proposers who accepted: who carries the proposal."""
    accepted = (
        await db.execute(
            select(col(ProposalCoProposer.user_id)).where(
                col(ProposalCoProposer.proposal_id) == proposal.id,
                col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
            )
        )
    ).scalars()
    return {proposal.proposer_id, *accepted}


async def profiles(db: AsyncSession, user_ids: set[int]) -> dict[int, Profile]:
    """The profiles of these people, by user id (one query)."""
    if not user_ids:
        return {}
    return {
        p.user_id: p
        for p in (
            await db.execute(select(Profile).where(col(Profile.user_id).in_(user_ids)))
        ).scalars()
    }


async def display_names(db: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    """The names of these people, by user id (one query, no whole profiles)."""
    if not user_ids:
        return {}
    return dict(
        (
            await db.execute(
                select(col(Profile.user_id), col(Profile.display_name)).where(
                    col(Profile.user_id).in_(user_ids)
                )
            )
        ).all()
    )
