"""The approver's page: the proposals waiting for their decision, and their team's
slack time over the coming weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.models import CoProposerState, Proposal, ProposalCoProposer, ProposalState
from esn.proposals.service.commitments import allowance_percents, commitments
from esn.proposals.service.labels import period_label, time_label, week_label
from esn.proposals.service.limits import MAX_QUEUE, MAX_SHOWN
from esn.proposals.service.listing import ProposalRow, backer_counts

MAX_REPORTS = 200
# The projects a manager follows: approved and not yet closed.
FOLLOWED = (
    ProposalState.APPROVED.value,
    ProposalState.ACTIVE.value,
    ProposalState.RETROSPECTIVE_DUE.value,
)


@dataclass
class QueueItem:
    """A proposal waiting for the reader's decision, and since when."""

    proposal: Proposal
    proposer: Profile
    waited: timedelta

    @property
    def time_asked(self) -> str:
        """The time asked, as the proposer expressed it."""
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        """From when to when."""
        return period_label(self.proposal)

    @property
    def waited_days(self) -> int:
        """Whole days it has waited."""
        return self.waited.days


@dataclass
class PersonTime:
    """One report's slack time over the coming weeks."""

    profile: Profile
    percent: int
    weeks: list[ledger.WeekTime]


@dataclass
class ApprovalsPage:
    """The manager's page: what waits for them, and their team's time."""

    queue: list[QueueItem]
    team: list[PersonTime]
    totals: list[ledger.WeekTime]
    weeks: list[date]
    projects: list[ProposalRow]

    @property
    def week_labels(self) -> list[str]:
        """The weeks' headings, by their Mondays."""
        return [week_label(week) for week in self.weeks]


async def _accepted_by_proposal(db: AsyncSession, ids: list[int | None]) -> dict[int, set[int]]:
    """The co-proposers who accepted, for each of these proposals (one query)."""
    wanted = [i for i in ids if i is not None]
    result: dict[int, set[int]] = {}
    if not wanted:
        return result
    rows = await db.execute(
        select(col(ProposalCoProposer.proposal_id), col(ProposalCoProposer.user_id)).where(
            col(ProposalCoProposer.proposal_id).in_(wanted),
            col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
        )
    )
    for pid, uid in rows.all():
        result.setdefault(int(pid), set()).add(int(uid))
    return result


async def approvals_page(
    db: AsyncSession, actor: User, *, now: datetime | None = None
) -> ApprovalsPage:
    """Proposals waiting for ``actor``, with how long, and their direct reports' time:
    allowance, committed by approved and active proposals, available, week by week."""
    if not policy.is_staff(actor):
        raise Forbidden
    assert actor.id is not None
    now = now or utcnow()
    mine = col(Proposal.approver_id) == actor.id
    if policy.is_admin(actor):
        mine = or_(mine, col(Proposal.approver_id).is_(None))
    rows = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(col(Proposal.state) == ProposalState.SUBMITTED.value, mine)
            .order_by(col(Proposal.waiting_since), col(Proposal.id))
            .limit(MAX_QUEUE)
        )
    ).all()
    accepted = await _accepted_by_proposal(db, [row[0].id for row in rows])
    queue = []
    for proposal, proposer in rows:
        team = {proposal.proposer_id} | accepted.get(proposal.id or 0, set())
        if policy.can_approve_proposal(actor, approver_id=proposal.approver_id, team_ids=team):
            waited = now - as_utc(proposal.waiting_since or proposal.created_at)
            queue.append(QueueItem(proposal, proposer, waited))
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.manager_id) == actor.id, col(User.is_active).is_(True))
                .order_by(col(Profile.search_name))
                .limit(MAX_REPORTS)
            )
        ).scalars()
    )
    weeks = ledger.upcoming_weeks(now.date())
    ids = {p.user_id for p in reports}
    percents = await allowance_percents(db, ids)
    committed = await commitments(db, ids, until=weeks[-1] + timedelta(days=6))
    team_time = [
        PersonTime(
            profile=p,
            percent=percents[p.user_id],
            weeks=ledger.time_by_week(
                ledger.allowance_minutes(percents[p.user_id]), committed[p.user_id], weeks
            ),
        )
        for p in reports
    ]
    projects = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(
                col(Proposal.state).in_(FOLLOWED),
                or_(
                    col(Proposal.approver_id) == actor.id, col(Proposal.proposer_id).in_(ids or {0})
                ),
                policy.readable_proposals_clause(actor),
            )
            .order_by(col(Proposal.end_date), col(Proposal.id))
            .limit(MAX_SHOWN)
        )
    ).all()
    counts = await backer_counts(db, [row[0].id for row in projects])
    return ApprovalsPage(
        queue=queue,
        team=team_time,
        totals=ledger.sum_weeks(person.weeks for person in team_time),
        weeks=weeks,
        projects=[ProposalRow(p, prof, counts.get(p.id or 0, 0)) for p, prof in projects],
    )
