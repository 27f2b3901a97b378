"""The animation domain's public service: what it adds to other domains' pages.

Home, a group page and a post page show a part of animation: spotlights and
featured posts, a group's pins and charter banner, the animators' tools under
a post. The page's own view has already loaded what these parts start from
(the group or the post the reader may read, and the reader's role in the
group); it passes them in, and nothing is read twice. The pages include
templates/animation/_home.html, _group.html and _post.html with these.

Other domains call animation through this module (and each feature's
``service``), never through its views or helpers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.animation.charters import service as charters
from esn.animation.charters.service import (
    CharterStatus,
    GroupCharterBanner,
    company_charter_status,
)
from esn.animation.curation import service as curation
from esn.animation.curation.service import FeaturedCard, PostFeaturing
from esn.animation.impact import service as impact
from esn.animation.impact.service import PostImpact
from esn.animation.moderation import service as moderation
from esn.animation.moderation.service import PostModeration
from esn.animation.spotlights import service as spotlights
from esn.animation.spotlights.service import SpotlightView, profile_spotlights
from esn.groups.models import Group
from esn.stream.models import Post

__all__ = [
    "CharterStatus",
    "GroupPanel",
    "HomePanel",
    "PostPanel",
    "company_charter_status",
    "group_panel",
    "home_panel",
    "post_panel",
    "profile_spotlights",
]


@dataclass
class HomePanel:
    """The top of home: spotlights showing now and featured posts not yet seen."""

    spotlights: list[SpotlightView] = field(default_factory=list)
    featured: list[FeaturedCard] = field(default_factory=list)


@dataclass
class GroupPanel:
    """The top of a group page: its pins, the charter banner, the animators' tools."""

    pins: list[FeaturedCard] = field(default_factory=list)
    charter_banner: GroupCharterBanner | None = None
    can_animate: bool = False
    open_reports: int = 0


@dataclass
class PostPanel:
    """Under a post on its own page: report, feature or pin, impact tags."""

    featuring: PostFeaturing | None = None
    moderation: PostModeration | None = None
    impact: PostImpact | None = None


async def home_panel(db: AsyncSession, actor: User) -> HomePanel:
    """Spotlights and featured posts for the top of ``actor``'s home."""
    return HomePanel(
        spotlights=await spotlights.home_spotlights(db, actor),
        featured=await curation.home_featured(db, actor),
    )


async def group_panel(
    db: AsyncSession, actor: User, group: Group, group_role: str | None
) -> GroupPanel:
    """Pins, the charter banner and (for its animators) open reports of one group.

    ``group`` is the page's group, which ``actor`` may read, and ``group_role``
    their role in it (None outside it), as the group page loaded them.
    """
    assert group.id is not None
    can_animate = policy.can_animate_group(actor, group_role)
    return GroupPanel(
        pins=await curation.group_pins(db, actor, group.id),
        charter_banner=await charters.group_banner(db, actor, group, group_role),
        can_animate=can_animate,
        open_reports=await moderation.open_report_count(db, actor, group.id) if can_animate else 0,
    )


async def post_panel(
    db: AsyncSession, actor: User, post: Post, group_role: str | None
) -> PostPanel:
    """The animation tools ``actor`` gets under a post they may read.

    ``post`` is the post as the post page loaded it for ``actor`` (so one they
    may read) and ``group_role`` their role in its group (None outside it, or
    for a post in no group): the panel reads neither again.
    """
    return PostPanel(
        featuring=await curation.post_featuring(db, actor, post, group_role),
        moderation=await moderation.post_moderation(db, actor, post, group_role),
        impact=await impact.post_impact(db, actor, post, group_role),
    )
