"""Reading spotlights: one spotlight's page, the home and profile lists, the overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Spotlight, SpotlightState
from esn.animation.spotlights.service.states import (
    EDITABLE,
    declares,
    is_showing,
    showing_now,
    state_label,
)
from esn.animation.spotlights.service.suggesting import Suggestion, suggestions
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, NotFound
from esn.people.models import Profile

HOME_LIMIT = 3
LIST_LIMIT = 50
PROFILE_LIMIT = 20


@dataclass
class SpotlightView:
    """A spotlight with the member's profile (and the drafter's, when known)."""

    spotlight: Spotlight
    member: Profile
    drafter: Profile | None = None

    @property
    def state_label(self) -> str:
        """Where it stands, for people."""
        return state_label(self.spotlight.state)

    @property
    def starts_at(self) -> datetime:
        """When it starts showing (aware UTC)."""
        return as_utc(self.spotlight.starts_at)

    @property
    def ends_at(self) -> datetime:
        """When it stops showing (aware UTC)."""
        return as_utc(self.spotlight.ends_at)


@dataclass
class SpotlightPage:
    """One spotlight as ``actor`` sees it, with what they may do to it."""

    view: SpotlightView
    can_answer: bool
    can_edit: bool
    can_withdraw: bool
    showing: bool
    portrait_values: dict[str, str]


@dataclass
class SpotlightsOverview:
    """The animators' list: waiting, showing, coming, past, and suggestions."""

    pending: list[SpotlightView] = field(default_factory=list)
    showing: list[SpotlightView] = field(default_factory=list)
    upcoming: list[SpotlightView] = field(default_factory=list)
    past: list[SpotlightView] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


async def _views(db: AsyncSession, query: Any) -> list[SpotlightView]:
    """Run ``query`` (spotlights joined to member and drafter) into views."""
    rows = (await db.execute(query)).all()
    return [SpotlightView(spotlight=s, member=m, drafter=d) for s, m, d in rows]


def _select_views() -> Any:
    """Spotlights of active members, with member and drafter profiles (one query)."""
    drafter = aliased(Profile, name="drafter_profile")
    return (
        select(Spotlight, Profile, drafter)
        .join(Profile, col(Profile.user_id) == col(Spotlight.member_id))
        .join(User, col(User.id) == col(Spotlight.member_id))
        .outerjoin(drafter, col(drafter.user_id) == col(Spotlight.drafted_by))
        .where(col(User.is_active).is_(True))
    )


async def visible(db: AsyncSession, actor: User, spotlight_id: int) -> SpotlightView:
    """The spotlight if ``actor`` may see it; NotFound exactly as if it were missing."""
    found = await _views(db, _select_views().where(col(Spotlight.id) == spotlight_id))
    if not found:
        raise NotFound
    view = found[0]
    if not policy.can_see_spotlight(
        actor, member_id=view.spotlight.member_id, state=view.spotlight.state
    ):
        raise NotFound
    return view


async def home_spotlights(db: AsyncSession, actor: User) -> list[SpotlightView]:
    """The accepted spotlights showing now, for the top of ``actor``'s home."""
    if not policy.is_staff(actor):
        return []
    query = (
        _select_views()
        .where(showing_now(utcnow()))
        .order_by(col(Spotlight.starts_at).desc(), col(Spotlight.id).desc())
        .limit(HOME_LIMIT)
    )
    return await _views(db, query)


async def profile_spotlights(db: AsyncSession, actor: User, member_id: int) -> list[Spotlight]:
    """The accepted spotlights of one member that have started: the profile's list."""
    if not policy.can_see_directory(actor):
        return []
    query = (
        select(Spotlight)
        .where(
            col(Spotlight.member_id) == member_id,
            col(Spotlight.state) == SpotlightState.ACCEPTED.value,
            col(Spotlight.starts_at) <= utcnow(),
        )
        .order_by(col(Spotlight.starts_at).desc(), col(Spotlight.id).desc())
        .limit(PROFILE_LIMIT)
    )
    return list((await db.execute(query)).scalars())


def portrait_values(spotlight: Spotlight) -> dict[str, str]:
    """The portrait form's values as stored, with the version they were read at."""
    return {
        "works_on": spotlight.works_on,
        "can_help_with": spotlight.can_help_with,
        "looking_for": spotlight.looking_for,
        "version": str(spotlight.version),
    }


async def spotlight_page(db: AsyncSession, actor: User, spotlight_id: int) -> SpotlightPage:
    """One spotlight: the member reads and answers it; animators follow it up."""
    view = await visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    can_answer = policy.can_answer_spotlight(actor, member_id=spotlight.member_id)
    animator = policy.can_animate_company(actor)
    return SpotlightPage(
        view=view,
        can_answer=can_answer and spotlight.state == SpotlightState.PROPOSED.value,
        can_edit=can_answer and spotlight.state in EDITABLE,
        can_withdraw=animator and declares(spotlight.state, "withdraw"),
        showing=is_showing(spotlight),
        portrait_values=portrait_values(spotlight),
    )


async def spotlights_overview(db: AsyncSession, actor: User) -> SpotlightsOverview:
    """Pending, showing, coming and past spotlights, and whom to spotlight next."""
    if not policy.can_animate_company(actor):
        raise Forbidden
    now = utcnow()
    newest = (col(Spotlight.created_at).desc(), col(Spotlight.id).desc())
    accepted = col(Spotlight.state) == SpotlightState.ACCEPTED.value
    pending = await _views(
        db,
        _select_views()
        .where(col(Spotlight.state) == SpotlightState.PROPOSED.value)
        .order_by(*newest)
        .limit(LIST_LIMIT),
    )
    showing = await _views(
        db,
        _select_views()
        .where(showing_now(now))
        .order_by(col(Spotlight.starts_at).desc(), col(Spotlight.id).desc())
        .limit(LIST_LIMIT),
    )
    upcoming = await _views(
        db,
        _select_views()
        .where(accepted, col(Spotlight.starts_at) > now)
        .order_by(col(Spotlight.starts_at), col(Spotlight.id))
        .limit(LIST_LIMIT),
    )
    # Past: ended, declined or withdrawn; the animator sees how each ended.
    past = await _views(
        db,
        _select_views()
        .where(
            or_(
                and_(accepted, col(Spotlight.ends_at) <= now),
                col(Spotlight.state).in_(
                    [SpotlightState.DECLINED.value, SpotlightState.WITHDRAWN.value]
                ),
            )
        )
        .order_by(*newest)
        .limit(LIST_LIMIT),
    )
    overview = SpotlightsOverview(pending=pending, showing=showing, upcoming=upcoming, past=past)
    if policy.can_see_person_figures(actor):
        overview.suggestions = await suggestions(db, actor)
    return overview
