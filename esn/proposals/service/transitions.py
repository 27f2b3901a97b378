"""Moving a proposal along its lifecycle, by the actor the graph names for each step.

``apply_transition`` is the one place a proposal's state changes. It refuses
a step the graph does not declare from the current state (RefusedTransition),
a declared step taken by anyone but the edge's actor (NotYours), and a step
from a state someone else changed meanwhile (StaleProposal); in each case
nothing is written.

Each actor name of the graph maps to one check in ``ACTOR_CHECKS``:

- proposer: the person who wrote the proposal;
- team: the proposer or a co-proposer who accepted (``policy.is_on_team``);
- approver: the proposer's manager, or an administrator when there is none or
  the manager is on the team (``policy.can_approve_proposal``);
- system: no person (``actor`` None), i.e. the scheduled job, or the service
  itself when an approval starts a project whose start date has come.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.i18n import gettext as _
from esn.lifecycle import Actor, LifecycleError
from esn.proposals.lifecycle import (
    APPROVER,
    PROPOSAL,
    PROPOSER,
    SYSTEM,
    TEAM,
    NotYours,
    StaleProposal,
    refused,
)
from esn.proposals.models import Proposal, ProposalTransition
from esn.proposals.service.reading import team_ids

# Why ``actor`` may not act as this role on the proposal, or None when they may.
ActorCheck = Callable[[AsyncSession, Proposal, User | None], Awaitable[str | None]]


async def _as_proposer(db: AsyncSession, proposal: Proposal, actor: User | None) -> str | None:
    if policy.is_staff(actor) and actor is not None and actor.id == proposal.proposer_id:
        return None
    return _("Only the proposer may do this.")


async def _as_team(db: AsyncSession, proposal: Proposal, actor: User | None) -> str | None:
    if policy.is_on_team(actor, await team_ids(db, proposal)):
        return None
    # The check-in is the team's only step (the graph's test pins it): its message fits.
    return _("Check-ins are written by the proposal's team.")


async def _as_approver(db: AsyncSession, proposal: Proposal, actor: User | None) -> str | None:
    team = await team_ids(db, proposal)
    if policy.is_on_team(actor, team):
        return _("Nobody approves their own proposal: your manager decides on it.")
    if policy.can_approve_proposal(actor, approver_id=proposal.approver_id, team_ids=team):
        return None
    return _("Only the proposer's manager (or, without one, an administrator) decides.")


async def _as_system(db: AsyncSession, proposal: Proposal, actor: User | None) -> str | None:
    # Starting and ending follow the calendar: a person never takes these steps.
    if actor is None:
        return None
    return _("This step follows the calendar: nobody takes it by hand.")


ACTOR_CHECKS: dict[Actor, ActorCheck] = {
    PROPOSER: _as_proposer,
    TEAM: _as_team,
    APPROVER: _as_approver,
    SYSTEM: _as_system,
}


async def require_actor(
    db: AsyncSession, proposal: Proposal, role: Actor, actor: User | None
) -> None:
    """Refuse (NotYours, with why) unless ``actor`` may act as ``role`` on ``proposal``.

    ``actor`` None is the system. Services call it first, so that someone who
    may not act hears so before anything else is checked; ``apply_transition``
    calls it again for the edge it takes, whoever called it.
    """
    check = ACTOR_CHECKS.get(role)
    if check is None:
        # A graph naming an actor this service has no check for is a programming error.
        raise LifecycleError(f"{PROPOSAL.name}: no check for the actor '{role}'")
    problem = await check(db, proposal, actor)
    if problem is not None:
        raise NotYours(problem)


async def apply_transition(
    db: AsyncSession,
    proposal: Proposal,
    action: str,
    actor: User | None,
    *,
    reason: str = "",
    values: dict[str, Any] | None = None,
) -> None:
    """Take ``proposal`` along the declared edge ``action`` as ``actor`` and record it; no commit.

    ``actor`` must be the edge's actor (None: the system). The update applies
    only if state and version are still those read, so of two people acting
    at once exactly one wins; the other gets StaleProposal (and the
    transaction is rolled back). It must be the transaction's first write, so
    that on SQLite it waits for the other writer and then sees its result.
    """
    try:
        edge = PROPOSAL.transition(proposal.state, action)
    except LifecycleError as exc:
        raise refused(proposal.state, action) from exc
    await require_actor(db, proposal, edge.actor, actor)
    now = utcnow()
    changes: dict[str, Any] = {
        "state": edge.target,
        "version": proposal.version + 1,
        "updated_at": now,
        **(values or {}),
    }
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == proposal.state,
                col(Proposal.version) == proposal.version,
            )
            .values(changes)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    assert proposal.id is not None
    db.add(
        ProposalTransition(
            proposal_id=proposal.id,
            actor_id=actor.id if actor is not None else None,
            action=action,
            from_state=proposal.state,
            to_state=edge.target,
            reason=reason,
            created_at=now,
        )
    )
    await db.flush()
    await db.refresh(proposal)
