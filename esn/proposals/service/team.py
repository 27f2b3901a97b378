"""The people around a proposal: co-proposers asked and answering, colleagues backing
it and volunteering for it.

Co-proposers carry the proposal with the proposer (their time counts once
they accept); backers and volunteers are colleagues, never the team.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.groups import service as groups
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.proposals.lifecycle import (
    COMMITTED,
    FINAL,
    SUPPORTABLE,
    NotYours,
    RefusedTransition,
    state_label,
)
from esn.proposals.models import (
    CoProposerState,
    Proposal,
    ProposalBacking,
    ProposalCoProposer,
    ProposalVolunteer,
)
from esn.proposals.service.reading import coproposer_rows, readable, team_ids


async def invite_coproposers(
    db: AsyncSession, actor: User, proposal: Proposal, wanted: list[int]
) -> None:
    """Make the co-proposer list ``wanted``: new people are asked, dropped ones removed.

    No commit: the caller's commit rings their bells.
    """
    assert proposal.id is not None
    current = {row.user_id: row for row in await coproposer_rows(db, proposal.id)}
    for user_id, row in current.items():
        if user_id not in wanted:
            await db.delete(row)
    for user_id in wanted:
        if user_id in current:
            continue
        db.add(ProposalCoProposer(proposal_id=proposal.id, user_id=user_id))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_COPROPOSER.value,
            user_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )


async def _join_project_group(db: AsyncSession, proposal: Proposal, user_id: int) -> None:
    """Once the project runs, joining it means joining its group too (no commit)."""
    if proposal.group_id is None or proposal.state not in COMMITTED:
        return
    proposer = await db.get(User, proposal.proposer_id)
    assert proposer is not None
    await groups.add_members(db, proposer, proposal.group_id, [user_id])


async def answer_coproposal(
    db: AsyncSession, actor: User, proposal_id: int, *, accept: bool
) -> Proposal:
    """Someone asked to co-propose accepts (and now counts) or declines."""
    proposal = await readable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    if accept and proposal.state in FINAL:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal no longer takes co-proposers.")
                % {"state": state_label(proposal.state)}
            }
        )
    target = CoProposerState.ACCEPTED.value if accept else CoProposerState.DECLINED.value
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(ProposalCoProposer)
            .where(
                col(ProposalCoProposer.proposal_id) == proposal.id,
                col(ProposalCoProposer.user_id) == actor.id,
                col(ProposalCoProposer.state) == CoProposerState.INVITED.value,
            )
            .values(state=target, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise InvalidInput(
            {"__all__": _("There is no request to co-propose waiting for you here.")}
        )
    if accept:
        if proposal.approver_id == actor.id:
            # The manager joined the team: an administrator decides instead.
            await db.execute(
                update(Proposal)
                .where(col(Proposal.id) == proposal.id)
                .values(approver_id=None)
                .execution_options(synchronize_session=False)
            )
        await _join_project_group(db, proposal, actor.id)
    await db.commit()
    await db.refresh(proposal)
    return proposal


async def _supportable(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """The proposal if ``actor``, a colleague off its team, may back or volunteer now."""
    proposal = await readable(db, actor, proposal_id)
    if policy.is_on_team(actor, await team_ids(db, proposal)):
        raise NotYours(_("You carry this proposal: backing and volunteering are for colleagues."))
    if proposal.state not in SUPPORTABLE:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal no longer takes backers or volunteers.")
                % {"state": state_label(proposal.state)}
            }
        )
    return proposal


async def back_proposal(db: AsyncSession, actor: User, proposal_id: int, word: str) -> Proposal:
    """Back a proposal (once per person; backing again changes the word)."""
    proposal = await _supportable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    existing = (
        await db.execute(
            select(ProposalBacking).where(
                col(ProposalBacking.proposal_id) == proposal.id,
                col(ProposalBacking.user_id) == actor.id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.word = word
    else:
        db.add(ProposalBacking(proposal_id=proposal.id, user_id=actor.id, word=word))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_BACKED.value,
            proposal.proposer_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
    try:
        await db.commit()
    except IntegrityError:
        # Backed twice at the same instant: the first one stands.
        await db.rollback()
    return proposal


async def volunteer(db: AsyncSession, actor: User, proposal_id: int, skills: str) -> Proposal:
    """Offer to join with one's skills; once the project runs, that means its group too."""
    proposal = await _supportable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    existing = (
        await db.execute(
            select(ProposalVolunteer).where(
                col(ProposalVolunteer.proposal_id) == proposal.id,
                col(ProposalVolunteer.user_id) == actor.id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.skills = skills
    else:
        db.add(ProposalVolunteer(proposal_id=proposal.id, user_id=actor.id, skills=skills))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_VOLUNTEER.value,
            proposal.proposer_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
        await _join_project_group(db, proposal, actor.id)
    try:
        await db.commit()
    except IntegrityError:
        # Offered twice at the same instant: the first one stands.
        await db.rollback()
    return proposal


async def _withdraw_support(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    support: type[ProposalBacking] | type[ProposalVolunteer],
) -> Proposal:
    """Remove ``actor``'s backing or offer to volunteer (nothing when there is none)."""
    proposal = await readable(db, actor, proposal_id)
    await db.execute(
        delete(support).where(
            col(support.proposal_id) == proposal.id, col(support.user_id) == actor.id
        )
    )
    await db.commit()
    return proposal


async def unback_proposal(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """Take one's backing back."""
    return await _withdraw_support(db, actor, proposal_id, ProposalBacking)


async def unvolunteer(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """Take one's offer back (the project group, if joined, is left as any group is)."""
    return await _withdraw_support(db, actor, proposal_id, ProposalVolunteer)
