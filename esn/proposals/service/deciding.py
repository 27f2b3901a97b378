"""Deciding on a proposal: the approver approves, declines or asks for changes.

Approving checks every team member's allowance over the proposal's period,
fills the project group and, when the start date has come, starts the
project at once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.lifecycle import LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.proposals.lifecycle import APPROVER, NEEDS_REASON, PROPOSAL, refused
from esn.proposals.models import Proposal
from esn.proposals.service.commitments import check_ledger
from esn.proposals.service.posts import event_source
from esn.proposals.service.project_group import make_project_group
from esn.proposals.service.reading import check_version, readable, team_ids
from esn.proposals.service.transitions import apply_transition, require_actor
from esn.stream import service as stream


def _decision_kind(action: str) -> str:
    return {
        "approve": NotificationKind.PROPOSAL_APPROVED.value,
        "decline": NotificationKind.PROPOSAL_DECLINED.value,
        "request_changes": NotificationKind.PROPOSAL_CHANGES.value,
    }[action]


async def decide_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    action: str,
    reason: str,
    *,
    version: int | None,
    today: date | None = None,
) -> Proposal:
    """The approver approves, declines or asks for changes, always with a reason.

    Approving checks every team member's allowance over the proposal's
    period, creates (or fills) the project group, starts the project if its
    start date has come, and puts the approval in the streams of those who
    may see it. The proposer and co-proposers are told.
    """
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, APPROVER, actor)
    if action not in NEEDS_REASON:
        raise refused(proposal.state, action)
    if not reason.strip():
        raise InvalidInput({"reason": _("Say why: the proposer will read it.")})
    check_version(proposal, version)
    try:
        PROPOSAL.transition(proposal.state, action)
    except LifecycleError as exc:
        raise refused(proposal.state, action) from exc
    team = await team_ids(db, proposal)
    if action == "approve":
        await check_ledger(db, proposal, team)
    await apply_transition(db, proposal, action, actor, reason=reason)
    assert proposal.id is not None
    if action == "approve":
        group_id = await make_project_group(db, proposal, team)
        await db.execute(
            update(Proposal)
            .where(col(Proposal.id) == proposal.id)
            .values(group_id=group_id)
            .execution_options(synchronize_session=False)
        )
        await db.refresh(proposal)
        if proposal.start_date <= (today or utcnow().date()):
            # Its start date has come: the system starts it now rather than at the next tick.
            await apply_transition(db, proposal, "start", None, values={"activated_at": utcnow()})
        group = await db.get(Group, group_id)
        await stream.record_activity(
            db,
            actor_id=actor.id,
            verb="approved",
            object_type="proposal",
            object_id=proposal.id,
            target_type="group",
            target_id=group_id,
            source=event_source(group),
        )
    for user_id in sorted(team):
        await notifications.notify(
            db, _decision_kind(action), user_id, actor_id=actor.id, proposal_id=proposal.id
        )
    await db.commit()
    return proposal
