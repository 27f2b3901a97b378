"""The proposal's lifecycle graph: every declared move, and every other one refused;
the names people read for its states and steps, and its refusals."""

from __future__ import annotations

import itertools

import pytest

from esn.lifecycle import LifecycleError
from esn.proposals import service as proposals
from esn.proposals.lifecycle import (
    APPROVER,
    PROPOSAL,
    PROPOSER,
    SYSTEM,
    TEAM,
    NotYours,
    RefusedTransition,
    StaleProposal,
    action_label,
    actions_for,
    refused,
    state_label,
)
from esn.proposals.models import ProposalState

STATES = [state.value for state in ProposalState]
ACTIONS = sorted({edge.action for edge in PROPOSAL.transitions})
DECLARED = {(edge.source, edge.action): edge for edge in PROPOSAL.transitions}

EXPECTED = {
    ("draft", "submit"): ("submitted", PROPOSER),
    ("draft", "withdraw"): ("withdrawn", PROPOSER),
    ("submitted", "withdraw"): ("withdrawn", PROPOSER),
    ("submitted", "approve"): ("approved", APPROVER),
    ("submitted", "decline"): ("declined", APPROVER),
    ("submitted", "request_changes"): ("changes_requested", APPROVER),
    ("changes_requested", "resubmit"): ("submitted", PROPOSER),
    ("changes_requested", "withdraw"): ("withdrawn", PROPOSER),
    ("approved", "start"): ("active", SYSTEM),
    ("active", "check_in"): ("active", TEAM),
    ("active", "end"): ("retrospective_due", SYSTEM),
    ("active", "complete"): ("completed", PROPOSER),
    ("active", "stop"): ("stopped", PROPOSER),
    ("retrospective_due", "complete"): ("completed", PROPOSER),
    ("retrospective_due", "stop"): ("stopped", PROPOSER),
}


def test_the_graph_is_exactly_the_declared_diagram() -> None:
    assert {key: (e.target, e.actor) for key, e in DECLARED.items()} == EXPECTED
    assert len(DECLARED) == len(PROPOSAL.transitions)  # no edge declared twice
    assert PROPOSAL.initial == "draft"
    assert PROPOSAL.states == set(STATES)


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED))
def test_every_declared_transition_leads_where_it_says(state: str, action: str) -> None:
    target, actor = EXPECTED[(state, action)]
    assert PROPOSAL.next_state(state, action) == target
    assert PROPOSAL.transition(state, action).actor == actor


REFUSED = sorted(
    (state, action)
    for state, action in itertools.product(STATES, ACTIONS)
    if (state, action) not in EXPECTED
)


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_transition_is_refused(state: str, action: str) -> None:
    with pytest.raises(LifecycleError):
        PROPOSAL.next_state(state, action)


def test_final_states_lead_nowhere() -> None:
    for state in ("declined", "withdrawn", "completed", "stopped"):
        assert not [edge for edge in PROPOSAL.transitions if edge.source == state]


def test_unknown_actions_are_refused_everywhere() -> None:
    for state in STATES:
        with pytest.raises(LifecycleError):
            PROPOSAL.next_state(state, "delete")


def test_actions_for_lists_each_actors_moves() -> None:
    assert actions_for("submitted", APPROVER) == ["approve", "decline", "request_changes"]
    assert actions_for("submitted", PROPOSER) == ["withdraw"]
    assert actions_for("draft", APPROVER) == []
    assert actions_for("active", PROPOSER) == ["complete", "stop"]
    assert actions_for("approved", SYSTEM) == ["start"]


def test_every_state_and_every_recorded_step_has_a_name_for_people() -> None:
    for state in STATES:
        assert state_label(state) != state
    # A check-in is no move in the history: every other step is recorded and shown.
    for action in set(ACTIONS) - {"check_in"}:
        assert action_label(action) != action
    assert state_label("unknown") == "unknown"


def test_a_refusal_names_the_state_and_the_step() -> None:
    error = refused("withdrawn", "submit")
    assert isinstance(error, RefusedTransition)
    message = error.errors["__all__"]
    assert "“Withdrawn”" in message and "“Submitted”" in message
    assert "This proposal changed since you opened it" in StaleProposal().errors["__all__"]
    assert NotYours("Only the proposer may do this.").message == "Only the proposer may do this."


def test_the_service_still_offers_the_names_callers_use() -> None:
    assert proposals.StaleProposal is StaleProposal
    assert proposals.RefusedTransition is RefusedTransition
    assert proposals.NotYours is NotYours
    assert proposals.state_label is state_label
    assert proposals.action_label is action_label
