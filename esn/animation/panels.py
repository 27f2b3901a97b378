"""What animation adds to other domains' pages: home, a group page, a post page.

Each part comes from its own module; the pages include
templates/animation/_home.html, _group.html and _post.html with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.animation.charters import service as charters
from esn.animation.curation import service as curation
from esn.animation.impact import service as impact
from esn.animation.moderation import service as moderation
from esn.animation.spotlights import service as spotlights


@dataclass
class HomePanel:
    """The top of home: spotlights showing now and featured posts not yet seen."""

    spotlights: list[Any] = field(default_factory=list)
    featured: list[Any] = field(default_factory=list)


@dataclass
class GroupPanel:
    """The top of a group page: its pins, the charter banner, the animators' tools."""

    pins: list[Any] = field(default_factory=list)
    charter_banner: Any = None
    can_animate: bool = False
    open_reports: int = 0


async def home_panel(db: AsyncSession, actor: User) -> HomePanel:
    """Spotlights and featured posts for the top of ``actor``'s home."""
    return HomePanel(
        spotlights=await spotlights.home_spotlights(db, actor),
        featured=await curation.home_featured(db, actor),
    )


async def group_panel(
    db: AsyncSession, actor: User, group_id: int, group_role: str | None
) -> GroupPanel:
    """Pins, the charter banner and (for its animators) open reports of one group."""
    can_animate = policy.can_animate_group(actor, group_role)
    return GroupPanel(
        pins=await curation.group_pins(db, actor, group_id),
        charter_banner=await charters.group_banner(db, actor, group_id),
        can_animate=can_animate,
        open_reports=await moderation.open_report_count(db, actor, group_id) if can_animate else 0,
    )


@dataclass
class PostPanel:
    """Under a post on its own page: report, feature or pin, impact tags."""

    featuring: Any = None
    moderation: Any = None
    impact: Any = None


async def post_panel(db: AsyncSession, actor: User, post_id: int) -> PostPanel:
    """The animation tools ``actor`` gets on the page of a post they may read."""
    return PostPanel(
        featuring=await curation.post_featuring(db, actor, post_id),
        moderation=await moderation.post_moderation(db, actor, post_id),
        impact=await impact.post_impact(db, actor, post_id),
    )
