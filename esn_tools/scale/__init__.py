"""A synthetic company at scale (XS to L) for tests and benchmarks: ``esn seed --scale``.

Deterministic: the same scale always gives the same people, groups, posts,
comments and reactions (only the times move with the moment of seeding,
unless ``now`` is given). See loader.seed_scale for the entry point.
"""

from esn_tools.scale.company import PASSWORD
from esn_tools.scale.loader import (
    DatabaseNotEmpty,
    ScaleRefused,
    ScaleSummary,
    seed_scale,
    seed_scale_async,
)
from esn_tools.scale.sizes import SCALES, Scale

__all__ = [
    "PASSWORD",
    "SCALES",
    "DatabaseNotEmpty",
    "Scale",
    "ScaleRefused",
    "ScaleSummary",
    "seed_scale",
    "seed_scale_async",
]
