"""State graphs declared as data; services move objects only along declared edges.

Each graph maps (state, action) to the next state and names who may take the
action. A service calls ``Graph.transition`` (or ``next_state``) and gets
LifecycleError for any move the graph does not declare; it then checks that
the person acting is the edge's ``actor``, each domain mapping the Actor
names its graphs use to a policy check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class LifecycleError(Exception):
    """A transition that the graph does not declare."""


class Actor(enum.StrEnum):
    """Who may take a step, by role; the owning service maps each name to a check."""

    # Group requests: a group's owners or animators decide; people answer for themselves.
    GROUP_MANAGER = "group_manager"
    REQUESTER = "requester"
    INVITEE = "invitee"
    # Spotlights, reports and hidden content.
    MEMBER = "member"
    ANIMATOR = "animator"
    MODERATOR = "moderator"
    # Slack-time proposals.
    PROPOSER = "proposer"
    APPROVER = "approver"
    TEAM = "team"
    # No person: the scheduled job, or a move the service makes on its own.
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    """One edge: ``actor`` takes an object from ``source`` to ``target`` by ``action``."""

    source: str
    action: str
    target: str
    actor: Actor

    def __post_init__(self) -> None:
        # A typo in a graph would otherwise name an actor no service checks.
        if not isinstance(self.actor, Actor):
            raise LifecycleError(f"'{self.action}' names an unknown actor '{self.actor}'")


@dataclass(frozen=True)
class Graph:
    """A named state machine."""

    name: str
    initial: str
    transitions: tuple[Transition, ...]

    def __post_init__(self) -> None:
        # Two edges for one (state, action) would make the next state a matter of order.
        seen: set[tuple[str, str]] = set()
        for edge in self.transitions:
            key = (edge.source, edge.action)
            if key in seen:
                raise LifecycleError(f"{self.name}: '{edge.action}' from '{edge.source}' twice")
            seen.add(key)

    def transition(self, state: str, action: str) -> Transition:
        """The declared edge for ``action`` from ``state``, or LifecycleError."""
        for edge in self.transitions:
            if edge.source == state and edge.action == action:
                return edge
        raise LifecycleError(f"{self.name}: no '{action}' from '{state}'")

    def next_state(self, state: str, action: str) -> str:
        """Where ``action`` leads from ``state``."""
        return self.transition(state, action).target

    def actor_for(self, state: str, action: str) -> Actor:
        """Who may take ``action`` from ``state`` (LifecycleError if it is not declared)."""
        return self.transition(state, action).actor

    def actions_for(self, state: str, actor: Actor) -> list[str]:
        """The actions ``actor`` may take from ``state``, in declared order."""
        return [t.action for t in self.transitions if t.source == state and t.actor == actor]

    @property
    def states(self) -> set[str]:
        """Every state the graph mentions."""
        return (
            {self.initial}
            | {t.source for t in self.transitions}
            | {t.target for t in self.transitions}
        )

    @property
    def actors(self) -> set[Actor]:
        """Every actor the graph names: what its service must know how to check."""
        return {t.actor for t in self.transitions}


# A join request is decided by the group's owners or animators; an invitation
# by the invited person. Either may be withdrawn by whoever made it.
GROUP_REQUEST = Graph(
    name="group request",
    initial="pending",
    transitions=(
        Transition("pending", "accept_request", "accepted", actor=Actor.GROUP_MANAGER),
        Transition("pending", "decline_request", "declined", actor=Actor.GROUP_MANAGER),
        Transition("pending", "cancel_request", "cancelled", actor=Actor.REQUESTER),
        Transition("pending", "accept_invitation", "accepted", actor=Actor.INVITEE),
        Transition("pending", "decline_invitation", "declined", actor=Actor.INVITEE),
        Transition("pending", "withdraw_invitation", "cancelled", actor=Actor.GROUP_MANAGER),
    ),
)


# An animator drafts a spotlight; only the member can make it show. The
# animator may take it back before the answer, or end it early once it shows.
SPOTLIGHT = Graph(
    name="spotlight",
    initial="proposed",
    transitions=(
        Transition("proposed", "accept", "accepted", actor=Actor.MEMBER),
        Transition("proposed", "decline", "declined", actor=Actor.MEMBER),
        Transition("proposed", "withdraw", "withdrawn", actor=Actor.ANIMATOR),
        Transition("accepted", "withdraw", "withdrawn", actor=Actor.ANIMATOR),
    ),
)

# A report is closed by a moderator: the content is hidden, or nothing is done.
REPORT = Graph(
    name="report",
    initial="open",
    transitions=(
        Transition("open", "hide", "actioned", actor=Actor.MODERATOR),
        Transition("open", "dismiss", "dismissed", actor=Actor.MODERATOR),
    ),
)

# A post or comment is hidden with a reason and can be restored; both steps
# are recorded as moderation actions.
CONTENT_VISIBILITY = Graph(
    name="content visibility",
    initial="visible",
    transitions=(
        Transition("visible", "hide", "hidden", actor=Actor.MODERATOR),
        Transition("hidden", "restore", "visible", actor=Actor.MODERATOR),
    ),
)
