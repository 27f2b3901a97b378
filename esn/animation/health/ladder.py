"""The maturity ladder: five levels, each reached through signals with thresholds.

A level is reached when its own signals meet their thresholds and every level
below it is reached too: a company whose conversations go unheard has not
"become cross-team" because two departments once reacted to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from esn.core.i18n import gettext as _

# Level 2. Most posts (a majority) get an answer from someone else ...
ANSWERED_SHARE_MIN = 0.5
# ... within a working day: a question answered after a day often no longer matters.
MEDIAN_ANSWER_HOURS_MAX = 24.0
# Level 3. Half of the pairs of departments are linked by replies, reactions or a
# shared group: the network is no longer a set of silos.
CROSS_TEAM_SHARE_MIN = 0.5
# Level 4. Engaged people (10 active days out of 28) are rare; one in ten is a
# healthy enterprise network (the "90-9-1" rule puts only one in a hundred as
# creators on public forums) ...
ENGAGED_SHARE_MIN = 0.10
# ... and a quarter of the people write (post or comment), not only read.
PARTICIPATING_SHARE_MIN = 0.25
# Level 5. A quarter of the slack-time proposals of the period started from a
# conversation (their origin post is set) ...
PROPOSALS_FROM_CONVERSATIONS_MIN = 0.25
# ... and animators logged at least one story of an idea adopted or turned into a proposal.
INNOVATION_STORIES_MIN = 1

Unit = Literal["percent", "hours", "count"]


@dataclass(frozen=True)
class Signal:
    """One measured value against its threshold."""

    key: str
    label: str
    value: float | None  # None: nothing to measure yet (no posts, no proposals)
    threshold: float | None  # None: shown for information, no condition
    at_most: bool = False  # the value must stay at or under the threshold
    unit: Unit = "percent"

    @property
    def met(self) -> bool:
        """Whether the value meets the threshold (always, without a threshold)."""
        if self.threshold is None:
            return True
        if self.value is None:
            return False
        return self.value <= self.threshold if self.at_most else self.value >= self.threshold


@dataclass(frozen=True)
class Level:
    """One rung: its number, name, signals, and whether it is reached."""

    number: int
    name: str
    description: str
    signals: tuple[Signal, ...]
    reached: bool

    @property
    def met(self) -> bool:
        """Its own signals meet their thresholds (reached also needs every level below)."""
        return all(signal.met for signal in self.signals)


@dataclass(frozen=True)
class LadderInput:
    """The figures the ladder reads."""

    answered_share: float | None
    median_answer_hours: float | None
    interacting_share: float | None
    engaged_share: float | None
    participating_share: float | None
    proposals_from_conversations_share: float | None
    innovation_stories: int


@dataclass(frozen=True)
class Ladder:
    """The five levels, lowest first, and the highest one reached."""

    levels: tuple[Level, ...]

    @property
    def current(self) -> int:
        """The number of the highest level reached (1 at least)."""
        return max((level.number for level in self.levels if level.reached), default=1)


def ladder(figures: LadderInput) -> Ladder:
    """The ladder computed from ``figures``."""
    specs: list[tuple[int, str, str, tuple[Signal, ...]]] = [
        (
            1,
            _("Conversation goes unheard"),
            _("People speak, but most posts get no answer from anyone else."),
            (Signal("answered_share", _("Posts answered"), figures.answered_share, None),),
        ),
        (
            2,
            _("Conversations are answered"),
            _("Most posts get an answer from someone else, within a day."),
            (
                Signal(
                    "answered_share",
                    _("Posts answered"),
                    figures.answered_share,
                    ANSWERED_SHARE_MIN,
                ),
                Signal(
                    "median_answer_hours",
                    _("Median time to first answer"),
                    figures.median_answer_hours,
                    MEDIAN_ANSWER_HOURS_MAX,
                    at_most=True,
                    unit="hours",
                ),
            ),
        ),
        (
            3,
            _("Conversation crosses teams"),
            _("Departments talk to each other, not only among themselves."),
            (
                Signal(
                    "interacting_share",
                    _("Pairs of departments that interact"),
                    figures.interacting_share,
                    CROSS_TEAM_SHARE_MIN,
                ),
            ),
        ),
        (
            4,
            _("People engage"),
            _("Many people come back often and write, not only read."),
            (
                Signal(
                    "engaged_share",
                    _("Engaged people"),
                    figures.engaged_share,
                    ENGAGED_SHARE_MIN,
                ),
                Signal(
                    "participating_share",
                    _("Creators and contributors"),
                    figures.participating_share,
                    PARTICIPATING_SHARE_MIN,
                ),
            ),
        ),
        (
            5,
            _("Conversation feeds innovation and service"),
            _("Ideas born in conversations become proposals and adopted changes."),
            (
                Signal(
                    "proposals_from_conversations",
                    _("Proposals that came from a conversation"),
                    figures.proposals_from_conversations_share,
                    PROPOSALS_FROM_CONVERSATIONS_MIN,
                ),
                Signal(
                    "innovation_stories",
                    _("Stories of ideas adopted or turned into proposals"),
                    float(figures.innovation_stories),
                    float(INNOVATION_STORIES_MIN),
                    unit="count",
                ),
            ),
        ),
    ]
    levels: list[Level] = []
    below_reached = True
    for number, name, description, signals in specs:
        met = all(signal.met for signal in signals)
        reached = below_reached and met
        levels.append(Level(number, name, description, signals, reached))
        below_reached = reached
    return Ladder(tuple(levels))


def format_signal_value(signal: Signal, value: float | None) -> str:
    """A value as the ladder shows it: a percentage, hours, or a count."""
    if value is None:
        return "—"
    if signal.unit == "percent":
        return f"{round(value * 100)} %"
    if signal.unit == "hours":
        return _("%(hours)s h") % {"hours": f"{value:.1f}"}
    return str(int(value))
