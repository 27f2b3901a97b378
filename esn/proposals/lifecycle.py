"""The proposal's lifecycle, declared as data: it reads like the diagram.

    draft ──submit──▶ submitted ──approve──▶ approved ──start (job)──▶ active
      │                 │  ▲   └──decline──▶ declined                   │
      │                 │  └─resubmit─ changes_requested ◀─request_changes
      └──withdraw──▶ withdrawn ◀──withdraw── (submitted, changes_requested)
    active ──end (job)──▶ retrospective_due
    active, retrospective_due ──complete──▶ completed / ──stop──▶ stopped

Each edge names who may take it: the proposer, the approver (the proposer's
manager, or an administrator), the team (proposer and accepted co-proposers)
or the scheduled job. The service refuses anything else.
"""

from __future__ import annotations

from esn.lifecycle import Graph, Transition
from esn.proposals.models import ProposalState as S

PROPOSER = "proposer"
APPROVER = "approver"
TEAM = "team"
JOB = "job"

PROPOSAL = Graph(
    name="proposal",
    initial=S.DRAFT.value,
    transitions=(
        Transition(S.DRAFT.value, "submit", S.SUBMITTED.value, actor=PROPOSER),
        Transition(S.DRAFT.value, "withdraw", S.WITHDRAWN.value, actor=PROPOSER),
        Transition(S.SUBMITTED.value, "withdraw", S.WITHDRAWN.value, actor=PROPOSER),
        Transition(S.SUBMITTED.value, "approve", S.APPROVED.value, actor=APPROVER),
        Transition(S.SUBMITTED.value, "decline", S.DECLINED.value, actor=APPROVER),
        Transition(S.SUBMITTED.value, "request_changes", S.CHANGES_REQUESTED.value, actor=APPROVER),
        Transition(S.CHANGES_REQUESTED.value, "resubmit", S.SUBMITTED.value, actor=PROPOSER),
        Transition(S.CHANGES_REQUESTED.value, "withdraw", S.WITHDRAWN.value, actor=PROPOSER),
        Transition(S.APPROVED.value, "start", S.ACTIVE.value, actor=JOB),
        # A check-in changes no state; declaring it keeps "only while active" in the graph.
        Transition(S.ACTIVE.value, "check_in", S.ACTIVE.value, actor=TEAM),
        Transition(S.ACTIVE.value, "end", S.RETROSPECTIVE_DUE.value, actor=JOB),
        Transition(S.ACTIVE.value, "complete", S.COMPLETED.value, actor=PROPOSER),
        Transition(S.ACTIVE.value, "stop", S.STOPPED.value, actor=PROPOSER),
        Transition(S.RETROSPECTIVE_DUE.value, "complete", S.COMPLETED.value, actor=PROPOSER),
        Transition(S.RETROSPECTIVE_DUE.value, "stop", S.STOPPED.value, actor=PROPOSER),
    ),
)

# The approver's decisions always say why.
NEEDS_REASON = frozenset({"approve", "decline", "request_changes"})
DECISIONS = ("approve", "request_changes", "decline")
# The proposer may change the text only before a decision or when asked to.
EDITABLE = frozenset({S.DRAFT.value, S.CHANGES_REQUESTED.value})
# Colleagues back and volunteer while the idea is alive.
SUPPORTABLE = frozenset(
    {S.SUBMITTED.value, S.CHANGES_REQUESTED.value, S.APPROVED.value, S.ACTIVE.value}
)
# Approved and running proposals take time from their team's allowance.
COMMITTED = frozenset({S.APPROVED.value, S.ACTIVE.value})
# States in which the project group shows the proposal at its top.
PINNED = frozenset(
    {
        S.APPROVED.value,
        S.ACTIVE.value,
        S.RETROSPECTIVE_DUE.value,
        S.COMPLETED.value,
        S.STOPPED.value,
    }
)
FINAL = frozenset({S.DECLINED.value, S.WITHDRAWN.value, S.COMPLETED.value, S.STOPPED.value})


def actions_for(state: str, actor: str) -> list[str]:
    """The actions ``actor`` (a role name above) may take from ``state``, in declared order."""
    return [t.action for t in PROPOSAL.transitions if t.source == state and t.actor == actor]
