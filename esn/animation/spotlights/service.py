"""Spotlights: drafting, the member's answer, the home page, suggestions.

An animator drafts a portrait of a member; nothing of it shows anywhere until
the member accepts it (esn.lifecycle.SPOTLIGHT). Every change is one
conditional UPDATE on (id, state, version), so a form rendered before the last
change is refused as stale and two answers at once cannot both win. Writes
commit first; notifications are dispatched only afterwards.

Suggestions of whom to spotlight next are per-person figures: company
animators and administrators only. They are computed with bounded SQL
aggregates that run the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import CursorResult, and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Spotlight, SpotlightState
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.core.i18n import ngettext
from esn.lifecycle import SPOTLIGHT, LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Comment, Post

DEFAULT_DAYS = 7
MIN_DAYS = 1
MAX_DAYS = 28
# How far ahead a spotlight may be planned.
MAX_DAYS_AHEAD = 90
HOME_LIMIT = 3
LIST_LIMIT = 50
PROFILE_LIMIT = 20
# Fairness looks at who was put forward recently; activity at the last quarter.
FAIRNESS_WINDOW = timedelta(days=182)
ACTIVITY_WINDOW = timedelta(days=90)
# After a "no", the person is not suggested again for a while.
DECLINE_COOLDOWN = timedelta(days=182)
# Suggestions: the never-featured first, round-robin over departments, then
# quiet contributors; a few candidates per department are enough for that.
SUGGESTION_LIMIT = 12
NEVER_FEATURED_SLOTS = 8
PER_DEPARTMENT = 3
MAX_DEPARTMENTS = 60
# A quiet contributor helps in other people's threads but rarely posts.
QUIET_MAX_POSTS = 2
QUIET_MIN_REPLIES = 3
QUIET_MIN_COMMENTS_ON_OTHERS = 5
QUIET_MAX_FEATURED = 1

VERB = "spotlighted"
OBJECT_TYPE = "spotlight"
PORTRAIT_FIELDS = ("works_on", "can_help_with", "looking_for")
# The member may correct their portrait while it waits and while it shows.
EDITABLE = {SpotlightState.PROPOSED.value, SpotlightState.ACCEPTED.value}


# --- errors -------------------------------------------------------------------------


class StaleSpotlight(InvalidInput):
    """The spotlight changed since the form was rendered: reload, then try again."""

    def __init__(self) -> None:
        super().__init__(
            {
                "__all__": _(
                    "This spotlight changed since you opened it. Reload the page to see "
                    "where it stands now, then try again."
                )
            }
        )


class RefusedTransition(InvalidInput):
    """The lifecycle does not declare this move from the spotlight's current state."""


def state_label(state: str) -> str:
    """A spotlight state's name for people."""
    labels = {
        SpotlightState.PROPOSED.value: _("waiting for an answer"),
        SpotlightState.ACCEPTED.value: _("accepted"),
        SpotlightState.DECLINED.value: _("declined"),
        SpotlightState.WITHDRAWN.value: _("withdrawn"),
    }
    return labels.get(state, state)


def _refused(state: str) -> RefusedTransition:
    return RefusedTransition(
        {
            "__all__": _("This cannot be done now: the spotlight is already “%(state)s”.")
            % {"state": state_label(state)}
        }
    )


# --- inputs and views -----------------------------------------------------------------


@dataclass(frozen=True)
class Portrait:
    """The three parts of a portrait, as the member or the animator wrote them."""

    works_on: str = ""
    can_help_with: str = ""
    looking_for: str = ""

    def is_empty(self) -> bool:
        return not (self.works_on or self.can_help_with or self.looking_for)


@dataclass(frozen=True)
class NewSpotlight:
    """What an animator drafts: whom (handle or email), the portrait, why now, when."""

    person: str
    portrait: Portrait
    why_now: str = ""
    starts_on: date | None = None  # None: today
    days: int = DEFAULT_DAYS


@dataclass
class SpotlightView:
    """A spotlight with the member's profile (and the drafter's, when known)."""

    spotlight: Spotlight
    member: Profile
    drafter: Profile | None = None

    @property
    def state_label(self) -> str:
        return state_label(self.spotlight.state)

    @property
    def starts_at(self) -> datetime:
        return as_utc(self.spotlight.starts_at)

    @property
    def ends_at(self) -> datetime:
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
class Suggestion:
    """Someone to put forward next, and why."""

    profile: Profile
    reasons: list[str]
    never_featured: bool
    quiet: bool


@dataclass
class SpotlightsOverview:
    """The animators' list: waiting, showing, coming, past, and suggestions."""

    pending: list[SpotlightView] = field(default_factory=list)
    showing: list[SpotlightView] = field(default_factory=list)
    upcoming: list[SpotlightView] = field(default_factory=list)
    past: list[SpotlightView] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------


def _drafter_profile() -> Any:
    return aliased(Profile, name="drafter_profile")


async def _views(db: AsyncSession, query: Any) -> list[SpotlightView]:
    """Run ``query`` (spotlights joined to member and drafter) into views."""
    rows = (await db.execute(query)).all()
    return [SpotlightView(spotlight=s, member=m, drafter=d) for s, m, d in rows]


def _select_views() -> Any:
    """Spotlights of active members, with member and drafter profiles (one query)."""
    drafter = _drafter_profile()
    return (
        select(Spotlight, Profile, drafter)
        .join(Profile, col(Profile.user_id) == col(Spotlight.member_id))
        .join(User, col(User.id) == col(Spotlight.member_id))
        .outerjoin(drafter, col(drafter.user_id) == col(Spotlight.drafted_by))
        .where(col(User.is_active).is_(True))
    )


async def _visible(db: AsyncSession, actor: User, spotlight_id: int) -> SpotlightView:
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


def _showing_now(now: datetime) -> Any:
    """SQL condition: accepted and its period covers ``now``."""
    return and_(
        col(Spotlight.state) == SpotlightState.ACCEPTED.value,
        col(Spotlight.starts_at) <= now,
        col(Spotlight.ends_at) > now,
    )


def is_showing(spotlight: Spotlight, now: datetime | None = None) -> bool:
    """Accepted and within its period."""
    now = now or utcnow()
    return spotlight.state == SpotlightState.ACCEPTED.value and as_utc(
        spotlight.starts_at
    ) <= now < as_utc(spotlight.ends_at)


async def home_spotlights(db: AsyncSession, actor: User) -> list[SpotlightView]:
    """The accepted spotlights showing now, for the top of ``actor``'s home."""
    if not policy.is_staff(actor):
        return []
    query = (
        _select_views()
        .where(_showing_now(utcnow()))
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


async def spotlight_page(db: AsyncSession, actor: User, spotlight_id: int) -> SpotlightPage:
    """One spotlight: the member reads and answers it; animators follow it up."""
    view = await _visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    can_answer = policy.can_answer_spotlight(actor, member_id=spotlight.member_id)
    animator = policy.can_animate_company(actor)
    return SpotlightPage(
        view=view,
        can_answer=can_answer and spotlight.state == SpotlightState.PROPOSED.value,
        can_edit=can_answer and spotlight.state in EDITABLE,
        can_withdraw=animator and _declares(spotlight.state, "withdraw"),
        showing=is_showing(spotlight),
        portrait_values=portrait_values(spotlight),
    )


def portrait_values(spotlight: Spotlight) -> dict[str, str]:
    """The portrait form's values as stored, with the version they were read at."""
    return {
        "works_on": spotlight.works_on,
        "can_help_with": spotlight.can_help_with,
        "looking_for": spotlight.looking_for,
        "version": str(spotlight.version),
    }


def _declares(state: str, action: str) -> bool:
    try:
        SPOTLIGHT.transition(state, action)
    except LifecycleError:
        return False
    return True


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
        .where(_showing_now(now))
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


# --- writing ----------------------------------------------------------------------------


def _portrait_problem(portrait: Portrait) -> InvalidInput | None:
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
    problem = _portrait_problem(new.portrait)
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


async def _conditional_update(
    db: AsyncSession, spotlight: Spotlight, values: dict[str, Any]
) -> None:
    """Apply ``values`` only if state and version are still those read; else stale."""
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Spotlight)
            .where(
                col(Spotlight.id) == spotlight.id,
                col(Spotlight.state) == spotlight.state,
                col(Spotlight.version) == spotlight.version,
            )
            .values(version=spotlight.version + 1, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleSpotlight


def _check_version(spotlight: Spotlight, version: int | None) -> None:
    if version is not None and version != spotlight.version:
        raise StaleSpotlight


async def edit_spotlight_portrait(
    db: AsyncSession,
    actor: User,
    spotlight_id: int,
    portrait: Portrait,
    *,
    version: int | None,
) -> Spotlight:
    """The member rewrites their portrait, while it waits or while it shows."""
    view = await _visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_answer_spotlight(actor, member_id=spotlight.member_id):
        raise Forbidden(_("Only the person in the spotlight may change their portrait."))
    _check_version(spotlight, version)
    if spotlight.state not in EDITABLE:
        raise _refused(spotlight.state)
    problem = _portrait_problem(portrait)
    if problem:
        raise problem
    await _conditional_update(
        db,
        spotlight,
        {
            "works_on": portrait.works_on,
            "can_help_with": portrait.can_help_with,
            "looking_for": portrait.looking_for,
        },
    )
    await db.commit()
    await db.refresh(spotlight)
    return spotlight


async def answer_spotlight(
    db: AsyncSession,
    actor: User,
    spotlight_id: int,
    *,
    accept: bool,
    version: int | None,
) -> Spotlight:
    """The member accepts (it shows for its period, and in the stream) or declines."""
    view = await _visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_answer_spotlight(actor, member_id=spotlight.member_id):
        raise Forbidden(_("Only the person in the spotlight may answer it."))
    _check_version(spotlight, version)
    action = "accept" if accept else "decline"
    try:
        target = SPOTLIGHT.next_state(spotlight.state, action)
    except LifecycleError as exc:
        raise _refused(spotlight.state) from exc
    now = utcnow()
    values: dict[str, Any] = {"state": target, "decided_at": now}
    if accept and as_utc(spotlight.starts_at) < now:
        # Accepted late: it still gets its whole length, from now.
        length = as_utc(spotlight.ends_at) - as_utc(spotlight.starts_at)
        values.update(starts_at=now, ends_at=now + length)
    await _conditional_update(db, spotlight, values)
    assert spotlight.id is not None
    if accept:
        await stream.record_activity(
            db,
            actor_id=spotlight.member_id,
            verb=VERB,
            object_type=OBJECT_TYPE,
            object_id=spotlight.id,
            source=COMPANY_SOURCE,
        )
    if spotlight.drafted_by is not None:
        await notifications.notify(
            db,
            NotificationKind.SPOTLIGHT_ANSWERED.value,
            spotlight.drafted_by,
            actor_id=actor.id,
            spotlight_id=spotlight.id,
        )
    await db.commit()
    await db.refresh(spotlight)
    return spotlight


async def withdraw_spotlight(
    db: AsyncSession, actor: User, spotlight_id: int, *, version: int | None
) -> Spotlight:
    """An animator takes a spotlight back before the answer, or ends it early."""
    view = await _visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_animate_company(actor):
        raise Forbidden(_("Only animators may withdraw a spotlight."))
    _check_version(spotlight, version)
    try:
        target = SPOTLIGHT.next_state(spotlight.state, "withdraw")
    except LifecycleError as exc:
        raise _refused(spotlight.state) from exc
    await _conditional_update(db, spotlight, {"state": target})
    # The stream event would otherwise keep pointing at what no longer shows.
    assert spotlight.id is not None
    await stream.remove_activity(db, object_type=OBJECT_TYPE, object_id=spotlight.id)
    await db.commit()
    await db.refresh(spotlight)
    return spotlight


# --- suggestions ----------------------------------------------------------------------


@dataclass
class _Candidate:
    profile: Profile
    posts: int
    comments: int
    on_others: int
    replies: int
    featured: int
    rank: int = 0


def _person_stats(since: datetime) -> tuple[Any, Any, Any, Any]:
    """Grouped subqueries, one row per person: posts, comments (and those on others'
    posts), replies others made to their comments, accepted spotlights ever."""
    posts = (
        select(col(Post.author_id).label("user_id"), func.count().label("posts"))
        .where(col(Post.created_at) >= since, col(Post.hidden_at).is_(None))
        .group_by(col(Post.author_id))
        .subquery("posts_made")
    )
    on_others = case((col(Post.author_id) != col(Comment.author_id), 1), else_=0)
    comments = (
        select(
            col(Comment.author_id).label("user_id"),
            func.count().label("comments"),
            func.sum(on_others).label("on_others"),
        )
        .join(Post, col(Post.id) == col(Comment.post_id))
        .where(col(Comment.created_at) >= since, col(Comment.hidden_at).is_(None))
        .group_by(col(Comment.author_id))
        .subquery("comments_made")
    )
    reply = aliased(Comment, name="reply")
    parent = aliased(Comment, name="parent")
    replies = (
        select(col(parent.author_id).label("user_id"), func.count().label("replies"))
        .select_from(reply)
        .join(parent, col(parent.id) == col(reply.parent_id))
        .where(
            col(reply.created_at) >= since,
            col(reply.author_id) != col(parent.author_id),
            col(reply.hidden_at).is_(None),
        )
        .group_by(col(parent.author_id))
        .subquery("replies_received")
    )
    featured = (
        select(col(Spotlight.member_id).label("user_id"), func.count().label("featured"))
        .where(col(Spotlight.state) == SpotlightState.ACCEPTED.value)
        .group_by(col(Spotlight.member_id))
        .subquery("featured")
    )
    return posts, comments, replies, featured


def _not_available(now: datetime) -> Any:
    """SQL condition on Profile: people already asked, showing, planned, or who just said no."""
    busy = exists(
        select(col(Spotlight.id)).where(
            col(Spotlight.member_id) == col(Profile.user_id),
            or_(
                col(Spotlight.state) == SpotlightState.PROPOSED.value,
                and_(
                    col(Spotlight.state) == SpotlightState.ACCEPTED.value,
                    col(Spotlight.ends_at) > now,
                ),
                and_(
                    col(Spotlight.state) == SpotlightState.DECLINED.value,
                    col(Spotlight.decided_at) >= now - DECLINE_COOLDOWN,
                ),
            ),
        )
    )
    return busy


async def _recent_counts(db: AsyncSession, column: Any, since: datetime) -> dict[str, int]:
    """Accepted spotlights since ``since`` per department: fairness weights."""
    rows = await db.execute(
        select(column, func.count())
        .select_from(Spotlight)
        .join(Profile, col(Profile.user_id) == col(Spotlight.member_id))
        .where(
            col(Spotlight.state) == SpotlightState.ACCEPTED.value,
            col(Spotlight.starts_at) >= since,
        )
        .group_by(column)
    )
    return {str(key or ""): int(count) for key, count in rows.all()}


async def _candidates(
    db: AsyncSession, actor: User, now: datetime, *, quiet: bool
) -> list[_Candidate]:
    """Active people (something written in the last 90 days) who may be asked now.

    ``quiet=False``: the never featured, at most PER_DEPARTMENT per department
    (ROW_NUMBER, portable to SQLite and PostgreSQL), preferring sites seldom
    featured lately, then the most active. ``quiet=True``: people who answer
    others and rarely post, the most helpful first.
    """
    posts, comments, replies, featured = _person_stats(now - ACTIVITY_WINDOW)
    n_posts = func.coalesce(posts.c.posts, 0)
    n_comments = func.coalesce(comments.c.comments, 0)
    n_on_others = func.coalesce(comments.c.on_others, 0)
    n_replies = func.coalesce(replies.c.replies, 0)
    n_featured = func.coalesce(featured.c.featured, 0)
    base = (
        select(Profile)
        .join(User, col(User.id) == col(Profile.user_id))
        .outerjoin(posts, posts.c.user_id == col(Profile.user_id))
        .outerjoin(comments, comments.c.user_id == col(Profile.user_id))
        .outerjoin(replies, replies.c.user_id == col(Profile.user_id))
        .outerjoin(featured, featured.c.user_id == col(Profile.user_id))
        .where(
            col(User.is_active).is_(True),
            col(Profile.user_id) != actor.id,
            n_posts + n_comments > 0,
            ~_not_available(now),
        )
    )
    stats = (
        n_posts.label("n_posts"),
        n_comments.label("n_comments"),
        n_on_others.label("n_on_others"),
        n_replies.label("n_replies"),
        n_featured.label("n_featured"),
    )
    if quiet:
        helpfulness = n_replies * 2 + n_on_others
        query = (
            base.add_columns(*stats)
            .where(
                n_posts <= QUIET_MAX_POSTS,
                n_featured <= QUIET_MAX_FEATURED,
                or_(n_replies >= QUIET_MIN_REPLIES, n_on_others >= QUIET_MIN_COMMENTS_ON_OTHERS),
            )
            .order_by(helpfulness.desc(), col(Profile.user_id))
            .limit(SUGGESTION_LIMIT)
        )
        rows = (await db.execute(query)).all()
        return [_Candidate(row[0], *(int(n) for n in row[1:6])) for row in rows]
    site_profile = aliased(Profile, name="site_profile")
    site_recent = (
        select(col(site_profile.site).label("site"), func.count().label("n"))
        .select_from(Spotlight)
        .join(site_profile, col(site_profile.user_id) == col(Spotlight.member_id))
        .where(
            col(Spotlight.state) == SpotlightState.ACCEPTED.value,
            col(Spotlight.starts_at) >= now - FAIRNESS_WINDOW,
        )
        .group_by(col(site_profile.site))
        .subquery("site_recent")
    )
    rank = (
        func.row_number()
        .over(
            partition_by=col(Profile.department),
            order_by=[
                func.coalesce(site_recent.c.n, 0),
                (n_posts + n_comments).desc(),
                col(Profile.user_id),
            ],
        )
        .label("rank")
    )
    ranked = (
        base.outerjoin(site_recent, site_recent.c.site == col(Profile.site))
        .add_columns(*stats, rank)
        .where(n_featured == 0)
        .subquery("ranked")
    )
    names = ("n_posts", "n_comments", "n_on_others", "n_replies", "n_featured")
    outer = (
        select(aliased(Profile, ranked), *(ranked.c[name] for name in names), ranked.c.rank)
        .where(ranked.c.rank <= PER_DEPARTMENT)
        .order_by(ranked.c.department, ranked.c.rank)
        .limit(PER_DEPARTMENT * MAX_DEPARTMENTS)
    )
    rows = (await db.execute(outer)).all()
    return [_Candidate(row[0], *(int(n) for n in row[1:7])) for row in rows]


def _round_robin(
    candidates: list[_Candidate], department_counts: dict[str, int]
) -> list[_Candidate]:
    """One per department in turn, departments seldom featured lately first."""
    by_department: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_department.setdefault(candidate.profile.department, []).append(candidate)
    order = sorted(by_department, key=lambda d: (department_counts.get(d, 0), d.casefold()))
    picked: list[_Candidate] = []
    for turn in range(PER_DEPARTMENT):
        for department in order:
            members = by_department[department]
            if turn < len(members):
                picked.append(members[turn])
    return picked


def _reasons(candidate: _Candidate, *, quiet: bool) -> list[str]:
    reasons: list[str] = []
    place = " · ".join(p for p in (candidate.profile.department, candidate.profile.site) if p)
    if candidate.featured == 0:
        reasons.append(_("never featured") + (f" · {place}" if place else ""))
    else:
        reasons.append(
            ngettext("featured once", "featured %(num)d times", candidate.featured)
            % {"num": candidate.featured}
            + (f" · {place}" if place else "")
        )
    if quiet:
        parts = []
        if candidate.replies:
            parts.append(
                ngettext(
                    "%(num)d reply to their comments",
                    "%(num)d replies to their comments",
                    candidate.replies,
                )
                % {"num": candidate.replies}
            )
        if candidate.on_others:
            parts.append(
                ngettext(
                    "%(num)d comment on others' posts",
                    "%(num)d comments on others' posts",
                    candidate.on_others,
                )
                % {"num": candidate.on_others}
            )
        parts.append(
            ngettext("%(num)d post in 90 days", "%(num)d posts in 90 days", candidate.posts)
            % {"num": candidate.posts}
        )
        reasons.append(", ".join(parts))
    return reasons


def _is_quiet(candidate: _Candidate) -> bool:
    return candidate.posts <= QUIET_MAX_POSTS and (
        candidate.replies >= QUIET_MIN_REPLIES
        or candidate.on_others >= QUIET_MIN_COMMENTS_ON_OTHERS
    )


async def suggestions(db: AsyncSession, actor: User) -> list[Suggestion]:
    """Whom to spotlight next, and why: never featured first (fair across
    departments and sites), then quiet contributors. Animators and admins only."""
    if not policy.can_see_person_figures(actor):
        raise Forbidden
    now = utcnow()
    since = now - FAIRNESS_WINDOW
    department_counts = await _recent_counts(db, col(Profile.department), since)
    never = _round_robin(
        await _candidates(db, actor, now, quiet=False),
        department_counts,
    )[:NEVER_FEATURED_SLOTS]
    quiet = await _candidates(db, actor, now, quiet=True)
    chosen: list[Suggestion] = []
    seen: set[int] = set()
    for candidate in never:
        is_quiet = _is_quiet(candidate)
        chosen.append(
            Suggestion(
                profile=candidate.profile,
                reasons=_reasons(candidate, quiet=is_quiet),
                never_featured=True,
                quiet=is_quiet,
            )
        )
        seen.add(candidate.profile.user_id)
    for candidate in quiet:
        if len(chosen) >= SUGGESTION_LIMIT:
            break
        if candidate.profile.user_id in seen:
            continue
        chosen.append(
            Suggestion(
                profile=candidate.profile,
                reasons=_reasons(candidate, quiet=True),
                never_featured=candidate.featured == 0,
                quiet=True,
            )
        )
        seen.add(candidate.profile.user_id)
    return chosen
