"""The proposal page: a proposal as one reader sees it, with its people, history, time,
conversation, and the steps this reader may take from here."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import (
    APPROVER,
    EDITABLE,
    PROPOSER,
    SUPPORTABLE,
    TEAM,
    action_label,
    actions_for,
    state_label,
)
from esn.proposals.models import (
    CoProposerState,
    Proposal,
    ProposalBacking,
    ProposalCheckIn,
    ProposalRetrospective,
    ProposalSkill,
    ProposalTransition,
    ProposalVolunteer,
)
from esn.proposals.service.labels import period_label, time_label
from esn.proposals.service.limits import MAX_SHOWN
from esn.proposals.service.reading import (
    coproposer_rows,
    profiles,
    readable,
    readable_or_none,
)
from esn.stream import service as stream


@dataclass
class PersonEntry:
    """Someone in a list on the proposal page, with what they said or offered."""

    profile: Profile
    text: str = ""
    state: str = ""


@dataclass
class HistoryEntry:
    """One recorded transition with who made it (None: the system, i.e. the scheduled job)."""

    transition: ProposalTransition
    actor: Profile | None

    @property
    def label(self) -> str:
        """The step, as people name it."""
        return action_label(self.transition.action)

    @property
    def states(self) -> str:
        """From which state to which, for the record."""
        return _("%(from)s to %(to)s") % {
            "from": state_label(self.transition.from_state),
            "to": state_label(self.transition.to_state),
        }


@dataclass
class CheckInEntry:
    """A check-in with its author."""

    checkin: ProposalCheckIn
    author: Profile


@dataclass
class ProposalView:
    """A proposal as one reader sees it: its people, history, time, and what they may do."""

    proposal: Proposal
    proposer: Profile
    approver: Profile | None
    coproposers: list[PersonEntry]
    backers: list[PersonEntry]
    volunteers: list[PersonEntry]
    history: list[HistoryEntry]
    checkins: list[CheckInEntry]
    skills: list[str]
    group: Group | None
    retrospective: ProposalRetrospective | None
    discussion: stream.PostView | None
    origin_readable: bool
    previous: Proposal | None
    follow_up: Proposal | None
    team_size: int
    spent_minutes: int
    my_coproposal: str | None
    my_backing: ProposalBacking | None
    my_volunteer: ProposalVolunteer | None
    is_proposer: bool
    on_team: bool
    may_decide: bool
    proposer_actions: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        """Where the proposal stands, as people name it."""
        return state_label(self.proposal.state)

    @property
    def time_asked(self) -> str:
        """The time asked, as the proposer expressed it."""
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        """From when to when."""
        return period_label(self.proposal)

    @property
    def granted_minutes(self) -> int:
        """The time granted to the whole team over the whole period."""
        p = self.proposal
        return ledger.granted_minutes(p.minutes_per_week, p.start_date, p.end_date, self.team_size)

    @property
    def can_edit(self) -> bool:
        """The proposer may still change the text."""
        return self.is_proposer and self.proposal.state in EDITABLE

    @property
    def can_submit(self) -> bool:
        """The proposer may send it (again) to the approver."""
        return "submit" in self.proposer_actions or "resubmit" in self.proposer_actions

    @property
    def can_withdraw(self) -> bool:
        """The proposer may take it back."""
        return "withdraw" in self.proposer_actions

    @property
    def can_close(self) -> bool:
        """The proposer may close it with a retrospective."""
        return "complete" in self.proposer_actions

    @property
    def can_check_in(self) -> bool:
        """The reader is on the team and the proposal takes check-ins now."""
        return self.on_team and bool(actions_for(self.proposal.state, TEAM))

    @property
    def decisions(self) -> list[str]:
        """The decisions the reader may take now (none unless they are the approver)."""
        return actions_for(self.proposal.state, APPROVER) if self.may_decide else []

    @property
    def can_support(self) -> bool:
        """The reader, a colleague off the team, may back it or volunteer."""
        return (
            not self.on_team
            and self.my_coproposal != CoProposerState.INVITED.value
            and self.proposal.state in SUPPORTABLE
        )

    @property
    def shows_time_spent(self) -> bool:
        """The project ran, or someone already reported time."""
        return self.proposal.activated_at is not None or bool(self.checkins)


async def proposal_page(db: AsyncSession, actor: User, proposal_id: int) -> ProposalView:
    """Everything the proposal page shows to ``actor``."""
    proposal = await readable(db, actor, proposal_id)
    assert proposal.id is not None and actor.id is not None
    pid = proposal.id
    coproposers = await coproposer_rows(db, pid)
    backings = list(
        (
            await db.execute(
                select(ProposalBacking)
                .where(col(ProposalBacking.proposal_id) == pid)
                .order_by(col(ProposalBacking.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    volunteers = list(
        (
            await db.execute(
                select(ProposalVolunteer)
                .where(col(ProposalVolunteer.proposal_id) == pid)
                .order_by(col(ProposalVolunteer.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    history = list(
        (
            await db.execute(
                select(ProposalTransition)
                .where(col(ProposalTransition.proposal_id) == pid)
                .order_by(col(ProposalTransition.created_at), col(ProposalTransition.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    checkins = list(
        (
            await db.execute(
                select(ProposalCheckIn)
                .where(col(ProposalCheckIn.proposal_id) == pid)
                .order_by(col(ProposalCheckIn.created_at).desc(), col(ProposalCheckIn.id).desc())
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    spent = (
        await db.execute(
            select(func.coalesce(func.sum(col(ProposalCheckIn.minutes_spent)), 0)).where(
                col(ProposalCheckIn.proposal_id) == pid
            )
        )
    ).scalar_one()
    wanted = {proposal.proposer_id}
    wanted |= {c.user_id for c in coproposers} | {b.user_id for b in backings}
    wanted |= {v.user_id for v in volunteers} | {c.user_id for c in checkins}
    wanted |= {h.actor_id for h in history if h.actor_id is not None}
    if proposal.approver_id is not None:
        wanted.add(proposal.approver_id)
    people = await profiles(db, wanted)
    skills = list(
        (
            await db.execute(
                select(col(ProposalSkill.name))
                .where(col(ProposalSkill.proposal_id) == pid)
                .order_by(col(ProposalSkill.id))
            )
        ).scalars()
    )
    retrospective = (
        await db.execute(
            select(ProposalRetrospective).where(col(ProposalRetrospective.proposal_id) == pid)
        )
    ).scalar_one_or_none()
    group = None
    if proposal.group_id is not None:
        group = (
            await db.execute(
                select(Group).where(
                    col(Group.id) == proposal.group_id, policy.listed_groups_clause(actor)
                )
            )
        ).scalar_one_or_none()
    discussion = None
    if proposal.discussion_post_id is not None:
        discussion = await stream.post_view(db, actor, proposal.discussion_post_id)
    origin_readable = False
    if proposal.origin_post_id is not None:
        origin_readable = (
            await stream.post_view(db, actor, proposal.origin_post_id, full=False) is not None
        )
    previous = await readable_or_none(db, actor, proposal.previous_id)
    follow_up = await readable_or_none(
        db, actor, retrospective.follow_up_id if retrospective else None
    )
    team = {proposal.proposer_id} | {
        c.user_id for c in coproposers if c.state == CoProposerState.ACCEPTED.value
    }
    mine = next((c.state for c in coproposers if c.user_id == actor.id), None)
    is_proposer = actor.id == proposal.proposer_id
    return ProposalView(
        proposal=proposal,
        proposer=people[proposal.proposer_id],
        approver=people.get(proposal.approver_id) if proposal.approver_id else None,
        coproposers=[
            PersonEntry(people[c.user_id], state=c.state)
            for c in coproposers
            if c.user_id in people
        ],
        backers=[PersonEntry(people[b.user_id], b.word) for b in backings if b.user_id in people],
        volunteers=[
            PersonEntry(people[v.user_id], v.skills) for v in volunteers if v.user_id in people
        ],
        history=[HistoryEntry(h, people.get(h.actor_id) if h.actor_id else None) for h in history],
        checkins=[CheckInEntry(c, people[c.user_id]) for c in checkins if c.user_id in people],
        skills=skills,
        group=group,
        retrospective=retrospective,
        discussion=discussion,
        origin_readable=origin_readable,
        previous=previous,
        follow_up=follow_up,
        team_size=len(team),
        spent_minutes=int(spent),
        my_coproposal=mine,
        my_backing=next((b for b in backings if b.user_id == actor.id), None),
        my_volunteer=next((v for v in volunteers if v.user_id == actor.id), None),
        is_proposer=is_proposer,
        on_team=policy.is_on_team(actor, team),
        may_decide=policy.can_approve_proposal(
            actor, approver_id=proposal.approver_id, team_ids=team
        ),
        proposer_actions=actions_for(proposal.state, PROPOSER) if is_proposer else [],
    )
