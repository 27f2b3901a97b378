"""The proposal's lifecycle graph: every declared move, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from esn.lifecycle import LifecycleError
from esn.proposals.lifecycle import (
    APPROVER,
    JOB,
    PROPOSAL,
    PROPOSER,
    TEAM,
    actions_for,
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
    ("approved", "start"): ("active", JOB),
    ("active", "check_in"): ("active", TEAM),
    ("active", "end"): ("retrospective_due", JOB),
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
    assert actions_for("approved", JOB) == ["start"]
