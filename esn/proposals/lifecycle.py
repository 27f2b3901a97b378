"""The proposal's lifecycle, declared as data: it reads like the diagram.

    draft ──submit──▶ submitted ──approve──▶ approved ──start (system)──▶ active
      │                 │  ▲   └──decline──▶ declined                      │
      │                 │  └─resubmit─ changes_requested ◀─request_changes
      └──withdraw──▶ withdrawn ◀──withdraw── (submitted, changes_requested)
    active ──end (system)──▶ retrospective_due
    active, retrospective_due ──complete──▶ completed / ──stop──▶ stopped

Each edge names who may take it: the proposer, the approver (the proposer's
manager, or an administrator), the team (proposer and accepted co-proposers)
or the system (the scheduled job, no person). The service refuses anything
else: a move the graph does not declare (RefusedTransition), a declared move
by someone else (NotYours), a move from a state read before the last change
(StaleProposal). The names people read for states and steps live here too.
"""

from __future__ import annotations

from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.lifecycle import Actor, Graph, Transition
from esn.proposals.models import ProposalState as S

PROPOSER = Actor.PROPOSER
APPROVER = Actor.APPROVER
TEAM = Actor.TEAM
SYSTEM = Actor.SYSTEM

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
        Transition(S.APPROVED.value, "start", S.ACTIVE.value, actor=SYSTEM),
        # A check-in changes no state; declaring it keeps "only while active" in the graph.
        Transition(S.ACTIVE.value, "check_in", S.ACTIVE.value, actor=TEAM),
        Transition(S.ACTIVE.value, "end", S.RETROSPECTIVE_DUE.value, actor=SYSTEM),
        Transition(S.ACTIVE.value, "complete", S.COMPLETED.value, actor=PROPOSER),
        Transition(S.ACTIVE.value, "stop", S.STOPPED.value, actor=PROPOSER),
        Transition(S.RETROSPECTIVE_DUE.value, "complete", S.COMPLETED.value, actor=PROPOSER),
        Transition(S.RETROSPECTIVE_DUE.value, "stop", S.STOPPED.value, actor=PROPOSER),
    ),
)

# The approver's decisions always say why.
NEEDS_REASON = frozenset({"approve", "decline", "request_changes"})
# The proposer closes a running project with one of these, and a retrospective.
CLOSING = frozenset({"complete", "stop"})
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


def actions_for(state: str, actor: Actor) -> list[str]:
    """The actions ``actor`` may take from ``state``, in declared order."""
    return PROPOSAL.actions_for(state, actor)


# --- the names people read --------------------------------------------------------------


def state_label(state: str) -> str:
    """A state's name for people."""
    labels = {
        S.DRAFT.value: _("Draft"),
        S.SUBMITTED.value: _("Submitted"),
        S.CHANGES_REQUESTED.value: _("Changes requested"),
        S.APPROVED.value: _("Approved"),
        S.DECLINED.value: _("Declined"),
        S.WITHDRAWN.value: _("Withdrawn"),
        S.ACTIVE.value: _("In progress"),
        S.RETROSPECTIVE_DUE.value: _("Retrospective due"),
        S.COMPLETED.value: _("Completed"),
        S.STOPPED.value: _("Stopped"),
    }
    return labels.get(state, state)


def action_label(action: str) -> str:
    """A lifecycle action's name for people (history, buttons)."""
    labels = {
        "submit": _("Submitted"),
        "resubmit": _("Submitted again"),
        "withdraw": _("Withdrawn"),
        "approve": _("Approved"),
        "decline": _("Declined"),
        "request_changes": _("Changes requested"),
        "start": _("Started"),
        "end": _("Reached its end date"),
        "complete": _("Completed"),
        "stop": _("Stopped"),
    }
    return labels.get(action, action)


# --- refusals the views turn into messages ------------------------------------------------


class StaleProposal(InvalidInput):
    """The proposal changed since the form was rendered: reload, then decide again (409)."""

    def __init__(self) -> None:
        super().__init__(
            {
                "__all__": _(
                    "This proposal changed since you opened it. Reload the page to see "
                    "where it stands now, then try again."
                )
            }
        )


class RefusedTransition(InvalidInput):
    """The lifecycle does not declare this move from the proposal's current state (409)."""


class NotYours(Forbidden):
    """The actor may see the proposal but this move is not theirs to make (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refused(state: str, action: str) -> RefusedTransition:
    """The refusal of ``action`` from ``state``, in words the proposer understands."""
    return RefusedTransition(
        {
            "__all__": _(
                "This cannot be done now: the proposal is “%(state)s”, and “%(action)s” "
                "is not a step that follows from there."
            )
            % {"state": state_label(state), "action": action_label(action)}
        }
    )
