"""Every step of a proposal is taken by the actor its edge names: anyone else is
refused (NotYours) and nothing changes, neither the state nor the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.lifecycle import Actor, LifecycleError
from esn.proposals import service as proposals
from esn.proposals.lifecycle import PROPOSAL
from esn.proposals.models import Proposal
from tests.proposals.conftest import Org, history, idea, stored, submitted, today


async def refused_and_unchanged(
    db: AsyncSession, proposal: Proposal, action: str, actor: User | None
) -> str:
    """Take ``action`` as ``actor``; it must be refused with nothing written. The reason."""
    proposal_id = proposal.id  # read now: stored() expires what the session holds
    before = await stored(db, proposal_id)
    state, version = before.state, before.version
    recorded = await history(db, proposal_id)
    with pytest.raises(proposals.NotYours) as refusal:
        await proposals.apply_transition(db, before, action, actor)
    await db.rollback()
    after = await stored(db, proposal_id)
    assert (after.state, after.version) == (state, version)
    assert await history(db, proposal_id) == recorded
    return refusal.value.message


def test_every_actor_the_graph_names_has_a_check() -> None:
    assert PROPOSAL.actors <= set(proposals.ACTOR_CHECKS)
    assert PROPOSAL.actors == {Actor.PROPOSER, Actor.APPROVER, Actor.TEAM, Actor.SYSTEM}


async def test_an_actor_the_service_does_not_know_is_a_programming_error(
    db: AsyncSession, org: Org
) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea())
    with pytest.raises(LifecycleError):
        await proposals.require_actor(db, draft, Actor.MODERATOR, org.alice)


async def test_only_the_approver_decides_even_through_apply_transition(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    proposal = await submitted(db, org.alice, media_dir)
    pid = proposal.id

    own = await refused_and_unchanged(db, proposal, "approve", org.alice)
    assert own.startswith("Nobody approves their own proposal")
    for stranger in (org.bob, org.outsider, org.admin, None):  # admin: Alice has a manager
        message = await refused_and_unchanged(db, proposal, "decline", stranger)
        assert message.startswith("Only the proposer's manager")

    current = await stored(db, pid)
    await proposals.apply_transition(db, current, "request_changes", org.manager, reason="Why?")
    await db.commit()
    assert (await stored(db, pid)).state == "changes_requested"


async def test_only_the_proposer_takes_the_proposers_steps(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea(coproposers=(org.bob.email,)))
    await proposals.answer_coproposal(db, org.bob, draft.id or 0, accept=True)
    proposal = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )

    # Bob carries it with Alice, yet withdrawing is the proposer's alone.
    for other in (org.bob, org.manager, org.admin, None):
        message = await refused_and_unchanged(db, proposal, "withdraw", other)
        assert message == "Only the proposer may do this."


async def test_the_calendar_steps_are_the_systems_alone(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    proposal = await submitted(db, org.alice, media_dir)
    approved = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    assert approved.state == "approved"  # it starts next week
    pid = approved.id

    for person in (org.alice, org.manager, org.admin):
        await refused_and_unchanged(db, approved, "start", person)

    assert await proposals.start_proposal(db, await stored(db, pid))
    active = await stored(db, pid)
    assert active.state == "active"
    for person in (org.alice, org.manager):
        await refused_and_unchanged(db, active, "end", person)
    # Closing is the proposer's: the system does not close a project for them.
    await refused_and_unchanged(db, active, "complete", None)
    assert [action for action, _f, _t in await history(db, pid)] == [
        "submit",
        "approve",
        "start",
    ]


async def test_a_co_proposer_checks_in_but_does_not_close(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    draft = await proposals.create_proposal(
        db, org.alice, idea(coproposers=(org.bob.email,), start_date=today())
    )
    await proposals.answer_coproposal(db, org.bob, draft.id or 0, accept=True)
    proposal = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )
    active = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    assert active.state == "active"
    pid = active.id or 0

    await proposals.check_in(db, org.bob, pid, "Wrote the query", 60)
    for action in ("complete", "stop"):
        assert await refused_and_unchanged(db, active, action, org.bob) == (
            "Only the proposer may do this."
        )
    with pytest.raises(proposals.NotYours) as outsider:
        await proposals.check_in(db, org.outsider, pid, "Helped", 30)
    assert outsider.value.message == "Check-ins are written by the proposal's team."


async def test_an_undeclared_step_is_refused_before_anyone_is_asked(
    db: AsyncSession, org: Org
) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea())
    # Approving a draft is no step at all, whoever tries: the state is what stands in the way.
    for actor in (org.alice, org.manager, None):
        with pytest.raises(proposals.RefusedTransition):
            await proposals.apply_transition(db, draft, "approve", actor)
    assert (await stored(db, draft.id)).state == "draft"
    assert await history(db, draft.id) == []
