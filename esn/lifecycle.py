"""State graphs declared as data; services move objects only along declared edges.

Each graph maps (state, action) to the next state and names who may take the
action. A service calls ``Graph.next_state`` and gets LifecycleError for any
move the graph does not declare.
"""

from __future__ import annotations

from dataclasses import dataclass


class LifecycleError(Exception):
    """A transition that the graph does not declare."""


@dataclass(frozen=True)
class Transition:
    """One edge: ``action`` takes an object from ``source`` to ``target``."""

    source: str
    action: str
    target: str
    actor: str  # who may take it, named for the policy check


@dataclass(frozen=True)
class Graph:
    """A named state machine."""

    name: str
    initial: str
    transitions: tuple[Transition, ...]

    def transition(self, state: str, action: str) -> Transition:
        """The declared edge for ``action`` from ``state``, or LifecycleError."""
        for edge in self.transitions:
            if edge.source == state and edge.action == action:
                return edge
        raise LifecycleError(f"{self.name}: no '{action}' from '{state}'")

    def next_state(self, state: str, action: str) -> str:
        """Where ``action`` leads from ``state``."""
        return self.transition(state, action).target

    @property
    def states(self) -> set[str]:
        return (
            {self.initial}
            | {t.source for t in self.transitions}
            | {t.target for t in self.transitions}
        )


# A join request is decided by the group's owners or animators; an invitation
# by the invited person. Either may be withdrawn by whoever made it.
GROUP_REQUEST = Graph(
    name="group request",
    initial="pending",
    transitions=(
        Transition("pending", "accept_request", "accepted", actor="group_manager"),
        Transition("pending", "decline_request", "declined", actor="group_manager"),
        Transition("pending", "cancel_request", "cancelled", actor="requester"),
        Transition("pending", "accept_invitation", "accepted", actor="invitee"),
        Transition("pending", "decline_invitation", "declined", actor="invitee"),
        Transition("pending", "withdraw_invitation", "cancelled", actor="group_manager"),
    ),
)


# An animator drafts a spotlight; only the member can make it show. The
# animator may take it back before the answer, or end it early once it shows.
SPOTLIGHT = Graph(
    name="spotlight",
    initial="proposed",
    transitions=(
        Transition("proposed", "accept", "accepted", actor="member"),
        Transition("proposed", "decline", "declined", actor="member"),
        Transition("proposed", "withdraw", "withdrawn", actor="animator"),
        Transition("accepted", "withdraw", "withdrawn", actor="animator"),
    ),
)

# A report is closed by a moderator: the content is hidden, or nothing is done.
REPORT = Graph(
    name="report",
    initial="open",
    transitions=(
        Transition("open", "hide", "actioned", actor="moderator"),
        Transition("open", "dismiss", "dismissed", actor="moderator"),
    ),
)

# A post or comment is hidden with a reason and can be restored; both steps
# are recorded as moderation actions.
CONTENT_VISIBILITY = Graph(
    name="content visibility",
    initial="visible",
    transitions=(
        Transition("visible", "hide", "hidden", actor="moderator"),
        Transition("hidden", "restore", "visible", actor="moderator"),
    ),
)
