"""Running a project: the team's weekly check-ins, and the proposer closing it with
its retrospective (and, if they want, a follow-up draft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.lifecycle import LifecycleError
from esn.proposals.lifecycle import (
    CLOSING,
    PROPOSAL,
    PROPOSER,
    TEAM,
    RefusedTransition,
    StaleProposal,
    state_label,
)
from esn.proposals.models import (
    NextStep,
    Proposal,
    ProposalCheckIn,
    ProposalRetrospective,
    ProposalState,
)
from esn.proposals.service.posts import event_source, post_retrospective
from esn.proposals.service.reading import check_version, readable, team_ids
from esn.proposals.service.team import invite_coproposers
from esn.proposals.service.transitions import apply_transition, require_actor
from esn.proposals.service.writing import skill_rows
from esn.stream import service as stream


@dataclass(frozen=True)
class Retrospective:
    """How the proposer closes the project."""

    outcome: str  # "complete" or "stop"
    learned: str
    next_step: str
    follow_up: bool = False


async def check_in(
    db: AsyncSession, actor: User, proposal_id: int, done: str, minutes: int
) -> ProposalCheckIn:
    """A team member says what was done this week and the time it took."""
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, TEAM, actor)
    try:
        PROPOSAL.transition(proposal.state, "check_in")
    except LifecycleError as exc:
        raise RefusedTransition(
            {
                "__all__": _("Check-ins are for active projects: this proposal is “%(state)s”.")
                % {"state": state_label(proposal.state)}
            }
        ) from exc
    if minutes <= 0:
        raise InvalidInput({"hours": _("Enter the time spent: more than zero.")})
    assert actor.id is not None and proposal.id is not None
    # Only while still active, even if the proposer closes it at this very moment.
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == ProposalState.ACTIVE.value,
            )
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    entry = ProposalCheckIn(
        proposal_id=proposal.id, user_id=actor.id, done=done, minutes_spent=minutes
    )
    db.add(entry)
    await db.commit()
    return entry


async def close_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    retro: Retrospective,
    *,
    version: int | None,
    media_dir: Path,
) -> tuple[Proposal, Proposal | None]:
    """The proposer closes the project as completed or stopped, with its retrospective.

    The retrospective is posted in the project group and the end appears in
    the streams of those who may see the proposal. With ``follow_up``, a new
    draft continuing it is written too (returned second).
    """
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, PROPOSER, actor)
    check_version(proposal, version)
    if retro.outcome not in CLOSING or retro.next_step not in {step.value for step in NextStep}:
        raise InvalidInput({"outcome": _("Choose one of the listed options.")})
    if not retro.learned.strip():
        raise InvalidInput({"learned": _("Say what you learned: it is what others will read.")})
    await apply_transition(db, proposal, retro.outcome, actor)
    assert proposal.id is not None and actor.id is not None
    retrospective = ProposalRetrospective(
        proposal_id=proposal.id,
        author_id=actor.id,
        outcome=proposal.state,
        learned=retro.learned,
        next_step=retro.next_step,
    )
    db.add(retrospective)
    group = await db.get(Group, proposal.group_id) if proposal.group_id else None
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb=proposal.state,
        object_type="proposal",
        object_id=proposal.id,
        target_type="group" if group is not None else None,
        target_id=group.id if group is not None else None,
        source=event_source(group),
    )
    await db.commit()
    if group is not None and group.id is not None:
        await post_retrospective(db, actor, proposal, retrospective, group.id, media_dir)
    follow_up = None
    if retro.follow_up:
        follow_up = await _follow_up(db, actor, proposal)
        retrospective.follow_up_id = follow_up.id
        await db.commit()
    return proposal, follow_up


async def _follow_up(db: AsyncSession, actor: User, proposal: Proposal) -> Proposal:
    """A new draft continuing ``proposal``: same idea, same team asked, next period."""
    assert proposal.id is not None and actor.id is not None
    start = utcnow().date() + timedelta(days=7)
    length = proposal.end_date - proposal.start_date
    follow = Proposal(
        title=proposal.title,
        problem=proposal.problem,
        gain=proposal.gain,
        time_unit=proposal.time_unit,
        minutes_per_week=proposal.minutes_per_week,
        start_date=start,
        end_date=start + length,
        skills=proposal.skills,
        search_text=proposal.search_text,
        proposer_id=actor.id,
        group_id=proposal.group_id,
        previous_id=proposal.id,
    )
    db.add(follow)
    await db.flush()
    assert follow.id is not None
    skills = tuple(part.strip() for part in proposal.skills.split(",") if part.strip())
    db.add_all(skill_rows(follow.id, skills))
    team = sorted(await team_ids(db, proposal) - {actor.id})
    await invite_coproposers(db, actor, follow, team)
    await db.commit()
    return follow
