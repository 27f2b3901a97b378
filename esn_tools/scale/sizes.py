"""How big each synthetic company is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """The size of one synthetic company.

    ``people``, ``groups``, ``posts``, ``comments`` (replies included) and
    ``reactions`` are exact row counts; ``follows_per_person`` and
    ``groups_per_person`` are averages over the people who take part.
    """

    name: str
    people: int
    groups: int
    posts: int
    comments: int
    reactions: int
    follows_per_person: int
    groups_per_person: int
    departments: int
    # The busiest person follows this many people and joins this many groups.
    busiest_follows: int
    busiest_groups: int
    postgres_only: bool = False


# fmt: off
SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("XS", 120, 8, 3_000, 9_000, 9_000, 15, 3, 8, 60, 8),
        Scale("S", 1_000, 50, 100_000, 300_000, 300_000, 100, 10, 10, 450, 35),
        Scale("M", 10_000, 500, 1_000_000, 3_000_000, 3_000_000, 100, 10, 12, 450, 35),
        Scale("L", 50_000, 2_000, 5_000_000, 15_000_000, 15_000_000, 100, 10, 12, 450, 35,
              postgres_only=True),
    )
}
# fmt: on


def scale_named(name: str) -> Scale:
    """The scale called ``name`` (XS, S, M or L, any case); KeyError otherwise."""
    return SCALES[name.strip().upper()]
