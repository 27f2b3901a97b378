"""The project group: made (or filled) when a proposal is approved, showing its
proposals at its top, and keeping them when groups are merged."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from esn.groups import service as groups
from esn.people.models import Profile
from esn.proposals.lifecycle import PINNED
from esn.proposals.models import Proposal, ProposalSkill, ProposalVolunteer
from esn.proposals.service.limits import MAX_SHOWN, MAX_SKILLS
from esn.proposals.service.listing import ProposalRow, backer_counts
from esn.proposals.service.posts import excerpt

# How many of its proposals a group shows at its top.
MAX_PINNED = 5


async def _volunteer_ids(db: AsyncSession, proposal_id: int) -> list[int]:
    return [
        int(user_id)
        for user_id in (
            await db.execute(
                select(col(ProposalVolunteer.user_id))
                .where(col(ProposalVolunteer.proposal_id) == proposal_id)
                .order_by(col(ProposalVolunteer.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    ]


async def make_project_group(db: AsyncSession, proposal: Proposal, team: set[int]) -> int:
    """The project group (created now, or the linked one) with the team and volunteers in it.

    Returns the group's id. No commit.
    """
    assert proposal.id is not None
    proposer = await db.get(User, proposal.proposer_id)
    if proposer is None:
        raise NotFound
    if proposal.group_id is None:
        skills = tuple(
            (
                await db.execute(
                    select(col(ProposalSkill.name))
                    .where(col(ProposalSkill.proposal_id) == proposal.id)
                    .order_by(col(ProposalSkill.id))
                )
            ).scalars()
        )
        group = await groups.add_group(
            db,
            proposer,
            groups.NewGroup(
                name=proposal.title,
                description=excerpt(proposal.problem, 3000),
                tags=("slack-time", *skills[: MAX_SKILLS - 1]),
            ),
        )
        assert group.id is not None
        group_id = group.id
    else:
        group_id = proposal.group_id
    members = sorted(team - {proposal.proposer_id}) + await _volunteer_ids(db, proposal.id)
    if proposal.group_id is not None:
        members = [proposal.proposer_id, *members]
    await groups.add_members(db, proposer, group_id, members)
    return group_id


async def pinned_for_group(db: AsyncSession, actor: User, group_id: int) -> list[ProposalRow]:
    """The proposals a group runs, shown at its top to those who may see them."""
    rows = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(
                col(Proposal.group_id) == group_id,
                col(Proposal.state).in_(PINNED),
                policy.readable_proposals_clause(actor),
            )
            .order_by(col(Proposal.id).desc())
            .limit(MAX_PINNED)
        )
    ).all()
    counts = await backer_counts(db, [row[0].id for row in rows])
    return [ProposalRow(p, prof, counts.get(p.id or 0, 0)) for p, prof in rows]


async def move_group_proposals(db: AsyncSession, source_group_id: int, target_group_id: int) -> int:
    """Link every proposal of one group to another instead; how many moved. No commit.

    For a group merge (animation), inside the merging transaction: the caller
    has checked the actor may merge. Each moved proposal's version goes up, so
    a form rendered before the move (an edit naming the old group) is refused
    as stale rather than linking the proposal back.
    """
    if source_group_id == target_group_id:
        return 0
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(col(Proposal.group_id) == source_group_id)
            .values(
                group_id=target_group_id,
                version=col(Proposal.version) + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount)
