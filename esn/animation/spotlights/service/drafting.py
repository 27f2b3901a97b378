"""Drafting a spotlight: the portrait, its period, whom it is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Spotlight, SpotlightState
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.lifecycle import SPOTLIGHT
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people
from esn.people.models import Profile

DEFAULT_DAYS = 7
MIN_DAYS = 1
MAX_DAYS = 28
# How far ahead a spotlight may be planned.
MAX_DAYS_AHEAD = 90
PORTRAIT_FIELDS = ("works_on", "can_help_with", "looking_for")


@dataclass(frozen=True)
class Portrait:
    """The three parts of a portrait, as the member or the animator wrote them."""

    works_on: str = ""
    can_help_with: str = ""
    looking_for: str = ""

    def is_empty(self) -> bool:
        """Nothing written in any part."""
        return not (self.works_on or self.can_help_with or self.looking_for)


@dataclass(frozen=True)
class NewSpotlight:
    """What an animator drafts: whom (handle or email), the portrait, why now, when."""

    person: str
    portrait: Portrait
    why_now: str = ""
    starts_on: date | None = None  # None: today
    days: int = DEFAULT_DAYS


def portrait_problem(portrait: Portrait) -> InvalidInput | None:
    """The refusal of an empty portrait, or None when something is written."""
    if portrait.is_empty():
        return InvalidInput(
            {
                "works_on": _(
                    "Write at least one part of the portrait: people need something to read."
                )
            }
        )
    return None


def _zone(actor: User) -> ZoneInfo:
    try:
        return ZoneInfo(actor.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _period(actor: User, starts_on: date | None, days: int) -> tuple[datetime, datetime]:
    """Start and end in UTC: from midnight of the chosen day in the actor's time zone."""
    zone = _zone(actor)
    today = utcnow().astimezone(zone).date()
    day = starts_on or today
    if day < today:
        raise InvalidInput({"starts_on": _("This date has passed: start today or later.")})
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            {"starts_on": _("Start within the next %(count)d days.") % {"count": MAX_DAYS_AHEAD}}
        )
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidInput({"days": length_message()})
    starts_at = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    return starts_at, starts_at + timedelta(days=days)


def length_message() -> str:
    """The message for a length out of bounds."""
    return _("Choose a length between %(low)d and %(high)d days.") % {
        "low": MIN_DAYS,
        "high": MAX_DAYS,
    }


async def _member_for(db: AsyncSession, actor: User, reference: str) -> User:
    """The active colleague named by handle or email, never the actor themselves."""
    if not reference.strip():
        raise InvalidInput({"person": _("Say whom to put in the spotlight.")})
    member = await people.find_active_person(db, reference)
    if member is None:
        raise InvalidInput({"person": _("No active colleague has this handle or email.")})
    if member.id == actor.id:
        raise InvalidInput(
            {"person": _("You cannot put yourself in the spotlight: ask another animator.")}
        )
    return member


def check_can_draft(actor: User) -> None:
    """Forbidden unless ``actor`` may draft spotlights (company animators, admins)."""
    if not policy.can_animate_company(actor):
        raise Forbidden


async def portrait_from_profile(db: AsyncSession, actor: User, reference: str) -> Portrait:
    """A first draft of the portrait from the member's profile, for the animator to edit."""
    check_can_draft(actor)
    member = await _member_for(db, actor, reference)
    profile = await db.get(Profile, member.id)
    if profile is None:
        return Portrait()
    works_on = profile.bio or profile.title
    return Portrait(
        works_on=works_on[:2000].strip(),
        can_help_with=profile.how_i_can_help,
        looking_for=profile.looking_for,
    )


async def draft_spotlight(db: AsyncSession, actor: User, new: NewSpotlight) -> Spotlight:
    """An animator proposes a portrait of a member; the member is asked to answer."""
    check_can_draft(actor)
    member = await _member_for(db, actor, new.person)
    problem = portrait_problem(new.portrait)
    if problem:
        raise problem
    starts_at, ends_at = _period(actor, new.starts_on, new.days)
    waiting = await db.execute(
        select(col(Spotlight.id)).where(
            col(Spotlight.member_id) == member.id,
            col(Spotlight.state) == SpotlightState.PROPOSED.value,
        )
    )
    if waiting.first() is not None:
        raise InvalidInput(
            {"person": _("A spotlight for this person is already waiting for their answer.")}
        )
    assert member.id is not None
    spotlight = Spotlight(
        member_id=member.id,
        drafted_by=actor.id,
        works_on=new.portrait.works_on,
        can_help_with=new.portrait.can_help_with,
        looking_for=new.portrait.looking_for,
        why_now=new.why_now,
        state=SPOTLIGHT.initial,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    db.add(spotlight)
    await db.flush()
    await notifications.notify(
        db,
        NotificationKind.SPOTLIGHT_PROPOSED.value,
        member.id,
        actor_id=actor.id,
        spotlight_id=spotlight.id,
    )
    await db.commit()
    return spotlight
