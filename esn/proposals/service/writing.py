"""Writing a proposal: the draft, its changes, submitting it to the approver, taking it
back.

The first submission fixes the approver (the proposer's manager, or the
administrators) and opens the proposal's conversation in the streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import Role, User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group, Membership
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import (
    EDITABLE,
    PROPOSER,
    RefusedTransition,
    StaleProposal,
    state_label,
)
from esn.proposals.models import Proposal, ProposalSkill, ProposalState
from esn.proposals.service.commitments import own_allowance, within_allowance
from esn.proposals.service.limits import MAX_SKILLS
from esn.proposals.service.posts import link_origin, open_conversation
from esn.proposals.service.reading import check_version, readable, team_ids
from esn.proposals.service.team import invite_coproposers
from esn.proposals.service.transitions import apply_transition, require_actor
from esn.stream import service as stream

MAX_COPROPOSERS = 10
# Without a manager, this many administrators hear of a submission (the first by id).
MAX_ADMINS_NOTIFIED = 20


@dataclass(frozen=True)
class ProposalInput:
    """A proposal's fields as forms.py checked them (trimmed, bounded, parsed)."""

    title: str
    problem: str
    gain: str
    time_unit: str
    time_amount: Decimal
    start_date: date
    end_date: date
    skills: tuple[str, ...] = ()
    coproposers: tuple[str, ...] = ()
    group: str = ""
    origin_post_id: int | None = None

    @property
    def minutes_per_week(self) -> int:
        """The time asked, per person of the team, in the ledger's unit."""
        return ledger.minutes_for(self.time_unit, self.time_amount)


@dataclass(frozen=True)
class _Resolved:
    """A proposal input with its references resolved to ids."""

    coproposer_ids: list[int]
    group_id: int | None


async def _resolve(db: AsyncSession, actor: User, data: ProposalInput) -> _Resolved:
    """Check what forms cannot: people, group, origin post, dates and the allowance."""
    assert actor.id is not None
    errors: dict[str, str] = {}
    if data.end_date < data.start_date:
        errors["end_date"] = _("The end comes before the start: choose a later end date.")
    elif ledger.period_weeks(data.start_date, data.end_date) > ledger.MAX_PERIOD_WEEKS:
        errors["end_date"] = _("A proposal lasts at most %(count)d weeks.") % {
            "count": ledger.MAX_PERIOD_WEEKS
        }
    minutes = data.minutes_per_week
    if minutes <= 0:
        errors["time_amount"] = _("Ask for some time: more than zero.")
    else:
        problem = within_allowance(minutes, await own_allowance(db, actor.id))
        if problem:
            errors["time_amount"] = problem
    coproposer_ids: list[int] = []
    for reference in data.coproposers[:MAX_COPROPOSERS]:
        person = await people.find_active_person(db, reference)
        if person is None or person.id is None:
            errors["coproposers"] = _("No active colleague has this email or handle: %(ref)s") % {
                "ref": reference
            }
            break
        if person.id == actor.id:
            errors["coproposers"] = _(
                "You are the proposer: co-proposers are the colleagues who carry it with you."
            )
            break
        if person.id not in coproposer_ids:
            coproposer_ids.append(person.id)
    group_id = None
    if data.group:
        found = (
            await db.execute(
                select(col(Group.id))
                .join(Membership, col(Membership.group_id) == col(Group.id))
                .where(col(Group.slug) == data.group, col(Membership.user_id) == actor.id)
            )
        ).scalar_one_or_none()
        if found is None:
            errors["group"] = _("Choose one of the groups you belong to, or none.")
        group_id = found
    if (
        data.origin_post_id is not None
        and await stream.post_view(db, actor, data.origin_post_id, full=False) is None
    ):
        raise NotFound
    if errors:
        raise InvalidInput(errors)
    return _Resolved(coproposer_ids=coproposer_ids, group_id=group_id)


def _search_text(data: ProposalInput) -> str:
    return people.fold(" ".join([data.title, data.problem, data.gain, " ".join(data.skills)]))


def skill_rows(proposal_id: int, skills: tuple[str, ...]) -> list[ProposalSkill]:
    """The skill rows of a proposal: bounded, each skill once (by its folded key)."""
    rows: dict[str, ProposalSkill] = {}
    for name in skills[:MAX_SKILLS]:
        key = people.skill_key(name)
        if key and key not in rows:
            rows[key] = ProposalSkill(proposal_id=proposal_id, name=name[:60], key=key[:60])
    return list(rows.values())


def require_editable(proposal: Proposal) -> None:
    """Refuse changing the text of a proposal past the states the proposer may edit in."""
    if proposal.state not in EDITABLE:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal can no longer be changed.")
                % {"state": state_label(proposal.state)}
            }
        )


async def create_proposal(db: AsyncSession, actor: User, data: ProposalInput) -> Proposal:
    """Write a new draft; the co-proposers named are asked to join it."""
    if not policy.is_staff(actor):
        raise Forbidden
    assert actor.id is not None
    resolved = await _resolve(db, actor, data)
    proposal = Proposal(
        title=data.title,
        problem=data.problem,
        gain=data.gain,
        time_unit=data.time_unit,
        minutes_per_week=data.minutes_per_week,
        start_date=data.start_date,
        end_date=data.end_date,
        skills=", ".join(data.skills),
        search_text=_search_text(data),
        proposer_id=actor.id,
        group_id=resolved.group_id,
        origin_post_id=data.origin_post_id,
    )
    db.add(proposal)
    await db.flush()
    assert proposal.id is not None
    db.add_all(skill_rows(proposal.id, data.skills))
    await invite_coproposers(db, actor, proposal, resolved.coproposer_ids)
    await db.commit()
    return proposal


async def update_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    data: ProposalInput,
    *,
    version: int | None,
) -> Proposal:
    """The proposer changes a draft, or a proposal they were asked to change."""
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, PROPOSER, actor)
    check_version(proposal, version)
    require_editable(proposal)
    resolved = await _resolve(db, actor, data)
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == proposal.state,
                col(Proposal.version) == proposal.version,
            )
            .values(
                title=data.title,
                problem=data.problem,
                gain=data.gain,
                time_unit=data.time_unit,
                minutes_per_week=data.minutes_per_week,
                start_date=data.start_date,
                end_date=data.end_date,
                skills=", ".join(data.skills),
                search_text=_search_text(data),
                group_id=resolved.group_id,
                version=proposal.version + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    assert proposal.id is not None
    await db.execute(delete(ProposalSkill).where(col(ProposalSkill.proposal_id) == proposal.id))
    db.add_all(skill_rows(proposal.id, data.skills))
    await invite_coproposers(db, actor, proposal, resolved.coproposer_ids)
    await db.commit()
    await db.refresh(proposal)
    return proposal


async def _approver_for(db: AsyncSession, proposal: Proposal, team: set[int]) -> int | None:
    """The proposer's active manager, unless on the team; None means an administrator."""
    manager_id = (
        await db.execute(
            select(col(Profile.manager_id))
            .join(User, col(User.id) == col(Profile.manager_id))
            .where(col(Profile.user_id) == proposal.proposer_id, col(User.is_active).is_(True))
        )
    ).scalar_one_or_none()
    if manager_id is None or manager_id in team:
        return None
    return int(manager_id)


async def _admins(db: AsyncSession, exclude: set[int]) -> list[int]:
    """The active administrators who may decide, none of ``exclude`` (the team)."""
    return [
        user_id
        for user_id in (
            await db.execute(
                select(col(User.id))
                .where(
                    col(User.role) == Role.ADMIN.value,
                    col(User.is_active).is_(True),
                    col(User.id).not_in(exclude or {0}),
                )
                .order_by(col(User.id))
                .limit(MAX_ADMINS_NOTIFIED)
            )
        ).scalars()
        if user_id is not None
    ]


async def submit_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    *,
    version: int | None,
    media_dir: Path,
) -> Proposal:
    """The proposer submits a draft, or submits again after changes were asked.

    The approver is fixed now: the proposer's manager, or the administrators.
    The first submission opens the proposal's conversation (a post where
    colleagues may read it) and links back from the post it came from.
    """
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, PROPOSER, actor)
    check_version(proposal, version)
    action = "resubmit" if proposal.state == ProposalState.CHANGES_REQUESTED.value else "submit"
    problem = within_allowance(
        proposal.minutes_per_week, await own_allowance(db, proposal.proposer_id)
    )
    if problem:
        raise InvalidInput({"__all__": problem})
    team = await team_ids(db, proposal)
    approver_id = await _approver_for(db, proposal, team)
    first = proposal.submitted_at is None
    now = utcnow()
    await apply_transition(
        db,
        proposal,
        action,
        actor,
        values={
            "approver_id": approver_id,
            "waiting_since": now,
            "submitted_at": proposal.submitted_at or now,
        },
    )
    recipients = [approver_id] if approver_id is not None else await _admins(db, team)
    for recipient in recipients:
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_SUBMITTED.value,
            recipient,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
    await db.commit()
    if first or proposal.discussion_post_id is None:
        await open_conversation(db, actor, proposal, media_dir=media_dir)
    if first and proposal.origin_post_id is not None:
        await link_origin(db, actor, proposal)
    return proposal


async def withdraw_proposal(
    db: AsyncSession, actor: User, proposal_id: int, *, version: int | None
) -> Proposal:
    """The proposer takes back a draft or a proposal still waiting for a decision."""
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, PROPOSER, actor)
    check_version(proposal, version)
    await apply_transition(db, proposal, "withdraw", actor)
    await db.commit()
    return proposal
