"""The generic state graph (esn.lifecycle) over every graph the application declares:
declared moves lead where they say, anything else is refused, and every step names
an actor a service knows how to check."""

from __future__ import annotations

import itertools

import pytest

from esn import lifecycle
from esn.animation.models import ReportState, SpotlightState
from esn.lifecycle import Actor, Graph, LifecycleError, Transition
from esn.proposals.lifecycle import PROPOSAL
from esn.proposals.models import ProposalState

SHARED = [value for value in vars(lifecycle).values() if isinstance(value, Graph)]
GRAPHS = [*SHARED, PROPOSAL]
EDGES = [(graph, edge) for graph in GRAPHS for edge in graph.transitions]


def _id(value: object) -> str:
    if isinstance(value, Graph):
        return value.name
    if isinstance(value, Transition):
        return f"{value.source}-{value.action}"
    return str(value)


def test_the_shared_module_declares_its_graphs() -> None:
    assert {graph.name for graph in SHARED} == {
        "group request",
        "spotlight",
        "report",
        "content visibility",
    }


@pytest.mark.parametrize(("graph", "edge"), EDGES, ids=_id)
def test_every_declared_move_leads_where_it_says_by_a_known_actor(
    graph: Graph, edge: Transition
) -> None:
    assert graph.next_state(edge.source, edge.action) == edge.target
    assert graph.transition(edge.source, edge.action) is edge
    assert graph.actor_for(edge.source, edge.action) is edge.actor
    assert isinstance(edge.actor, Actor)
    assert edge.action in graph.actions_for(edge.source, edge.actor)


@pytest.mark.parametrize("graph", GRAPHS, ids=_id)
def test_every_undeclared_move_is_refused(graph: Graph) -> None:
    declared = {(edge.source, edge.action) for edge in graph.transitions}
    actions = {edge.action for edge in graph.transitions} | {"delete"}
    for state, action in itertools.product(sorted(graph.states), sorted(actions)):
        if (state, action) in declared:
            continue
        with pytest.raises(LifecycleError):
            graph.next_state(state, action)
        with pytest.raises(LifecycleError):
            graph.actor_for(state, action)


@pytest.mark.parametrize("graph", GRAPHS, ids=_id)
def test_each_graph_starts_somewhere_it_can_leave_and_lists_its_actors(graph: Graph) -> None:
    assert graph.initial in graph.states
    assert [edge for edge in graph.transitions if edge.source == graph.initial]
    assert graph.actors == {edge.actor for edge in graph.transitions}
    for state in graph.states:
        by_actor = [graph.actions_for(state, actor) for actor in Actor]
        assert sorted(itertools.chain(*by_actor)) == sorted(
            edge.action for edge in graph.transitions if edge.source == state
        )


def test_actions_for_keeps_the_declared_order() -> None:
    assert lifecycle.GROUP_REQUEST.actions_for("pending", Actor.GROUP_MANAGER) == [
        "accept_request",
        "decline_request",
        "withdraw_invitation",
    ]
    assert lifecycle.SPOTLIGHT.actions_for("proposed", Actor.ANIMATOR) == ["withdraw"]
    assert lifecycle.REPORT.actions_for("open", Actor.MEMBER) == []


def test_an_edge_naming_an_unknown_actor_is_refused_when_declared() -> None:
    with pytest.raises(LifecycleError):
        Transition("open", "hide", "hidden", actor="janitor")  # type: ignore[arg-type]


def test_a_graph_declaring_one_move_twice_is_refused() -> None:
    with pytest.raises(LifecycleError):
        Graph(
            name="twice",
            initial="a",
            transitions=(
                Transition("a", "go", "b", actor=Actor.SYSTEM),
                Transition("a", "go", "c", actor=Actor.SYSTEM),
            ),
        )


def test_actor_names_are_the_strings_graphs_were_written_with() -> None:
    # Code that compared an edge's actor with the old strings keeps working.
    assert Actor.GROUP_MANAGER == "group_manager"
    assert Actor.SYSTEM == "system"
    assert Actor("moderator") is Actor.MODERATOR


def test_the_shared_graphs_states_are_their_domains_states() -> None:
    # esn.lifecycle sits below the domains and cannot import their enums: keep them equal.
    assert lifecycle.SPOTLIGHT.states == {state.value for state in SpotlightState}
    assert lifecycle.REPORT.states == {state.value for state in ReportState}
    assert PROPOSAL.states == {state.value for state in ProposalState}
