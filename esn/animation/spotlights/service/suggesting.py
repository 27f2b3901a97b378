"""Whom to spotlight next, and why: per-person figures for company animators.

Never featured people come first, round-robin over departments and fair to
sites seldom featured lately; then quiet contributors, who answer others but
rarely post. Computed with bounded SQL aggregates that run the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Spotlight, SpotlightState
from esn.core.clock import utcnow
from esn.core.errors import Forbidden
from esn.core.i18n import gettext as _
from esn.core.i18n import ngettext
from esn.people.models import Profile
from esn.stream.models import Comment, Post

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


@dataclass
class Suggestion:
    """Someone to put forward next, and why."""

    profile: Profile
    reasons: list[str]
    never_featured: bool
    quiet: bool


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
