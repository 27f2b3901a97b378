"""Tables of the proposals domain: a proposal, its team, its supporters, its history.

A proposal's ``state`` follows esn.proposals.lifecycle.PROPOSAL; every move is
a conditional update on (state, version) and leaves a ProposalTransition row.
Time is kept in whole minutes per week (see esn.proposals.ledger).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class ProposalState(enum.StrEnum):
    """Where a proposal stands; the edges between them are in lifecycle.py."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ACTIVE = "active"
    RETROSPECTIVE_DUE = "retrospective_due"
    COMPLETED = "completed"
    STOPPED = "stopped"


class TimeUnit(enum.StrEnum):
    """How the proposer expressed the time asked."""

    PERCENT = "percent"
    HOURS = "hours"


class CoProposerState(enum.StrEnum):
    """A co-proposer counts only once they accepted."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class NextStep(enum.StrEnum):
    """What the retrospective says happens next."""

    CONTINUE = "continue"
    PIVOT = "pivot"
    STOP = "stop"


class Proposal(SQLModel, table=True):
    """A slack-time proposal: an idea, the time it asks, and who carries it."""

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_state_id", "state", "id"),
        Index("ix_proposal_proposer", "proposer_id"),
        Index("ix_proposal_approver_state", "approver_id", "state"),
        Index("ix_proposal_group", "group_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    problem: str = Field(max_length=4000)
    gain: str = Field(max_length=4000)
    time_unit: str = Field(default=TimeUnit.PERCENT.value, max_length=16)
    # Per person of the team, whatever unit was typed.
    minutes_per_week: int
    start_date: date
    end_date: date
    skills: str = Field(default="", max_length=400)
    # Folded title, problem, gain and skills: what the search box matches.
    search_text: str = Field(default="", sa_type=Text)
    proposer_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    # The manager (or, with none, NULL: any administrator) at the last submission.
    approver_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    group_id: int | None = Field(default=None, foreign_key="group.id", ondelete="SET NULL")
    origin_post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    discussion_post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    previous_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    state: str = Field(default=ProposalState.DRAFT.value, max_length=24)
    # Bumped by every change: a form rendered with an older version is stale.
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Set at the first submission: from then on colleagues may see it.
    submitted_at: datetime | None = None
    # The latest submission, for "waiting since" in the approver's queue.
    waiting_since: datetime | None = None
    activated_at: datetime | None = None
    reminded_at: datetime | None = None


class ProposalSkill(SQLModel, table=True):
    """A skill the proposal seeks; its folded key is what the skill filter matches."""

    __tablename__ = "proposal_skill"
    __table_args__ = (UniqueConstraint("proposal_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    name: str = Field(max_length=60)
    key: str = Field(max_length=60, index=True)


class ProposalCoProposer(SQLModel, table=True):
    """Someone the proposer asked to carry the proposal with them."""

    __tablename__ = "proposal_coproposer"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    state: str = Field(default=CoProposerState.INVITED.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None


class ProposalBacking(SQLModel, table=True):
    """A colleague backs a proposal, with an optional word."""

    __tablename__ = "proposal_backing"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    word: str = Field(default="", max_length=280)
    created_at: datetime = Field(default_factory=utcnow)


class ProposalVolunteer(SQLModel, table=True):
    """A colleague offers to join the project, with the skills they bring."""

    __tablename__ = "proposal_volunteer"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    skills: str = Field(default="", max_length=400)
    created_at: datetime = Field(default_factory=utcnow)


class ProposalTransition(SQLModel, table=True):
    """One move along the lifecycle: who, when, from, to, and why."""

    __tablename__ = "proposal_transition"
    __table_args__ = (Index("ix_proposal_transition_proposal", "proposal_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    # NULL: the scheduled job made it.
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=24)
    from_state: str = Field(max_length=24)
    to_state: str = Field(max_length=24)
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class ProposalCheckIn(SQLModel, table=True):
    """A team member's weekly note: what was done and the time it took."""

    __tablename__ = "proposal_checkin"
    __table_args__ = (Index("ix_proposal_checkin_proposal", "proposal_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    done: str = Field(max_length=2000)
    minutes_spent: int
    created_at: datetime = Field(default_factory=utcnow)


class ProposalRetrospective(SQLModel, table=True):
    """How it ended: what was learned and what happens next."""

    __tablename__ = "proposal_retrospective"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", unique=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    outcome: str = Field(max_length=16)
    learned: str = Field(max_length=4000)
    next_step: str = Field(max_length=16)
    post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    follow_up_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class SlackAllowance(SQLModel, table=True):
    """The share of working time someone may spend on slack time.

    Set by administrators for one person (``user_id``) or for a whole
    department (``department``); a person's own setting wins, then their
    department's, then the default.
    """

    __tablename__ = "slack_allowance"
    __table_args__ = (
        CheckConstraint(
            "(user_id IS NULL) <> (department IS NULL)", name="ck_slack_allowance_one_scope"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, foreign_key="user.id", unique=True, ondelete="CASCADE"
    )
    department: str | None = Field(default=None, max_length=120, unique=True)
    percent: int
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow)
