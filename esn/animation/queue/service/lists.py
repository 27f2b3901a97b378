"""The five lists of the work queue, each bounded, each with its total counted in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User, UserSession
from esn.animation.models import Charter
from esn.animation.queue.service.items import (
    QUEUE_LIMIT,
    QueueItem,
    QueueKind,
    QueueList,
    count_rows,
    excerpt,
    not_handled,
)
from esn.core.clock import as_utc, utcnow
from esn.core.urls import path_for
from esn.groups import service as groups
from esn.groups.models import Group, GroupRequest
from esn.people.models import Profile
from esn.stream.models import Comment, Post

UNANSWERED_AFTER = timedelta(hours=48)
# An unanswered post from last quarter is history, not a conversation to rescue.
UNANSWERED_WINDOW = timedelta(days=30)
NEWCOMER_SILENT_AFTER = timedelta(days=14)
# Someone silent for three months is no longer a newcomer to welcome.
NEWCOMER_WINDOW = timedelta(days=90)
QUIET_AFTER = timedelta(days=30)
REQUEST_WAITING_AFTER = timedelta(days=3)
CHARTER_REVIEW_AFTER = timedelta(days=365)


def _unanswered_where(actor: User, now: datetime, group_id: int | None) -> list[Any]:
    answered_by_someone_else = exists().where(
        col(Comment.post_id) == col(Post.id),
        col(Comment.author_id) != col(Post.author_id),
        # A hidden comment is not an answer the author could use.
        col(Comment.hidden_at).is_(None),
    )
    conditions: list[Any] = [
        col(Post.created_at) < now - UNANSWERED_AFTER,
        col(Post.created_at) >= now - UNANSWERED_WINDOW,
        col(Post.hidden_at).is_(None),
        policy.readable_posts_clause(actor),
        ~answered_by_someone_else,
        # Nobody can answer in an archived group: not work for anyone.
        or_(col(Post.group_id).is_(None), col(Group.archived_at).is_(None)),
        col(User.is_active),
        not_handled(QueueKind.UNANSWERED_POST, col(Post.id), now),
    ]
    if group_id is not None:
        conditions.append(col(Post.group_id) == group_id)
    return conditions


async def unanswered_posts(
    db: AsyncSession, actor: User, *, group_id: int | None = None, now: datetime | None = None
) -> QueueList:
    """Posts of the last month, older than 48 hours, answered by nobody but their author."""
    now = now or utcnow()
    base = (
        select(col(Post.id), col(Post.body), col(Post.created_at), col(Profile.display_name))
        .join(User, col(User.id) == col(Post.author_id))
        .join(Profile, col(Profile.user_id) == col(Post.author_id))
        .outerjoin(Group, col(Group.id) == col(Post.group_id))
        .add_columns(col(Group.name))
        .where(*_unanswered_where(actor, now, group_id))
    )
    rows = await db.execute(base.order_by(col(Post.created_at), col(Post.id)).limit(QUEUE_LIMIT))
    items = [
        QueueItem(
            kind=QueueKind.UNANSWERED_POST.value,
            object_id=post_id,
            href=path_for("posts:post", post_id=post_id),
            title=excerpt(body),
            context=f"{author} · {group_name}" if group_name else author,
            since=as_utc(created_at),
        )
        for post_id, body, created_at, author, group_name in rows.all()
    ]
    return QueueList(QueueKind.UNANSWERED_POST.value, items, await count_rows(db, base))


def _first_seen() -> tuple[Any, Any]:
    """The earliest sign of a person: their account, or an older session.

    No table records a first login (sessions are deleted at logout), so the
    account's creation stands for it; a session older than the account (an
    imported account reusing an older one, seeded data) wins when there is one.
    """
    first_session = (
        select(
            col(UserSession.user_id).label("user_id"),
            func.min(col(UserSession.created_at)).label("first_at"),
        )
        .group_by(col(UserSession.user_id))
        .subquery()
    )
    first_seen = case(
        (
            and_(
                first_session.c.first_at.is_not(None),
                first_session.c.first_at < col(User.created_at),
            ),
            first_session.c.first_at,
        ),
        else_=col(User.created_at),
    )
    return first_session, first_seen


async def silent_newcomers(
    db: AsyncSession, actor: User, *, now: datetime | None = None
) -> QueueList:
    """People who arrived two weeks to three months ago and have not posted or commented."""
    now = now or utcnow()
    if not policy.can_see_person_figures(actor):
        return QueueList(QueueKind.SILENT_NEWCOMER.value, [], 0)
    first_session, first_seen = _first_seen()
    first_seen_column = first_seen.label("first_seen")
    posted = exists().where(col(Post.author_id) == col(User.id))
    # One pass over recent comments rather than a probe per person: comment has
    # no index on its author, and a newcomer's comments are all recent anyway.
    commented = select(col(Comment.author_id)).where(
        col(Comment.created_at) >= now - NEWCOMER_WINDOW - NEWCOMER_SILENT_AFTER
    )
    base = (
        select(
            col(User.id),
            col(Profile.handle),
            col(Profile.display_name),
            col(Profile.department),
            first_seen_column,
        )
        .join(Profile, col(Profile.user_id) == col(User.id))
        .outerjoin(first_session, first_session.c.user_id == col(User.id))
        .where(
            col(User.is_active),
            first_seen < now - NEWCOMER_SILENT_AFTER,
            first_seen >= now - NEWCOMER_WINDOW,
            ~posted,
            col(User.id).not_in(commented),
            not_handled(QueueKind.SILENT_NEWCOMER, col(User.id), now),
        )
    )
    rows = await db.execute(base.order_by(first_seen_column, col(User.id)).limit(QUEUE_LIMIT))
    items = [
        QueueItem(
            kind=QueueKind.SILENT_NEWCOMER.value,
            object_id=user_id,
            href=path_for("people:profile", handle=handle),
            title=name,
            context=department,
            since=as_utc(seen),
        )
        for user_id, handle, name, department, seen in rows.all()
    ]
    return QueueList(QueueKind.SILENT_NEWCOMER.value, items, await count_rows(db, base))


async def _last_activity(db: AsyncSession, group_ids: list[int]) -> dict[int, datetime]:
    """The latest post or comment of each group, in two grouped queries."""
    if not group_ids:
        return {}
    latest: dict[int, datetime] = {}
    posts = await db.execute(
        select(col(Post.group_id), func.max(col(Post.created_at)))
        .where(col(Post.group_id).in_(group_ids))
        .group_by(col(Post.group_id))
    )
    comments = await db.execute(
        select(col(Post.group_id), func.max(col(Comment.created_at)))
        .join(Post, col(Post.id) == col(Comment.post_id))
        .where(col(Post.group_id).in_(group_ids))
        .group_by(col(Post.group_id))
    )
    for group_id, at in [*posts.all(), *comments.all()]:
        if group_id is not None and at is not None:
            at = as_utc(at)
            latest[group_id] = max(latest.get(group_id, at), at)
    return latest


async def quiet_groups(
    db: AsyncSession, actor: User, *, group_id: int | None = None, now: datetime | None = None
) -> QueueList:
    """Live groups at least a month old with no post or comment for 30 days.

    Only the group's name is listed, never its content: a company animator
    may know a secret group exists without reading it.
    """
    now = now or utcnow()
    cutoff = now - QUIET_AFTER
    recent_post = exists().where(
        col(Post.group_id) == col(Group.id), col(Post.created_at) >= cutoff
    )
    recent_comment = exists().where(
        col(Post.group_id) == col(Group.id),
        col(Comment.post_id) == col(Post.id),
        col(Comment.created_at) >= cutoff,
    )
    conditions: list[Any] = [
        col(Group.archived_at).is_(None),
        col(Group.merged_into_id).is_(None),
        col(Group.created_at) < cutoff,
        policy.listed_groups_clause(actor),
        ~recent_post,
        ~recent_comment,
        not_handled(QueueKind.QUIET_GROUP, col(Group.id), now),
    ]
    if group_id is not None:
        conditions.append(col(Group.id) == group_id)
    base: Any = select(
        col(Group.id), col(Group.slug), col(Group.name), col(Group.created_at)
    ).where(*conditions)
    rows = (
        await db.execute(base.order_by(col(Group.created_at), col(Group.id)).limit(QUEUE_LIMIT))
    ).all()
    latest = await _last_activity(db, [row[0] for row in rows])
    items = [
        QueueItem(
            kind=QueueKind.QUIET_GROUP.value,
            object_id=gid,
            href=path_for("groups:group", slug=slug),
            title=name,
            since=latest.get(gid),
        )
        for gid, slug, name, _created in rows
    ]
    # Quietest first: never active, then the longest silence.
    items.sort(key=lambda item: (item.since is not None, item.since or now))
    return QueueList(QueueKind.QUIET_GROUP.value, items, await count_rows(db, base))


async def waiting_requests(
    db: AsyncSession, actor: User, *, group_id: int | None = None, now: datetime | None = None
) -> QueueList:
    """Requests to join a group that nobody answered in three days.

    Who asked shows only to animators who may read the group's members.
    """
    now = now or utcnow()
    conditions: list[Any] = [
        col(GroupRequest.kind) == groups.REQUEST,
        col(GroupRequest.state) == groups.PENDING,
        col(GroupRequest.created_at) < now - REQUEST_WAITING_AFTER,
        col(Group.merged_into_id).is_(None),
        policy.listed_groups_clause(actor),
        not_handled(QueueKind.WAITING_REQUEST, col(GroupRequest.id), now),
    ]
    if group_id is not None:
        conditions.append(col(GroupRequest.group_id) == group_id)
    base: Any = (
        select(
            col(GroupRequest.id),
            col(GroupRequest.created_at),
            col(Group.id).label("group_id"),
            col(Group.slug),
            col(Group.name),
            col(Profile.display_name),
        )
        .join(Group, col(Group.id) == col(GroupRequest.group_id))
        .join(Profile, col(Profile.user_id) == col(GroupRequest.user_id))
        .where(*conditions)
    )
    rows = (
        await db.execute(
            base.order_by(col(GroupRequest.created_at), col(GroupRequest.id)).limit(QUEUE_LIMIT)
        )
    ).all()
    group_ids = {row[2] for row in rows}
    readable = (
        set(
            (
                await db.execute(
                    select(col(Group.id)).where(
                        col(Group.id).in_(group_ids), policy.readable_group_ids_clause(actor)
                    )
                )
            ).scalars()
        )
        if group_ids
        else set()
    )
    items = [
        QueueItem(
            kind=QueueKind.WAITING_REQUEST.value,
            object_id=request_id,
            href=path_for("groups:members", slug=slug),
            title=name,
            context=person if gid in readable else "",
            since=as_utc(created_at),
        )
        for request_id, created_at, gid, slug, name, person in rows
    ]
    return QueueList(QueueKind.WAITING_REQUEST.value, items, await count_rows(db, base))


async def stale_charters(
    db: AsyncSession,
    actor: User,
    *,
    group_id: int | None = None,
    company: bool = True,
    now: datetime | None = None,
) -> QueueList:
    """The latest charter of each scope (company, each group) unchanged and
    unreviewed for a year."""
    now = now or utcnow()
    cutoff = now - CHARTER_REVIEW_AFTER
    # The company charter has no group: 0 stands for it so that one join finds
    # the latest version of every scope (a literal, so PostgreSQL sees the same
    # expression in SELECT and GROUP BY).
    scope = func.coalesce(col(Charter.group_id), literal_column("0"))
    latest = (
        select(scope.label("scope"), func.max(col(Charter.version)).label("version"))
        .group_by(scope)
        .subquery()
    )
    conditions: list[Any] = [
        col(Charter.created_at) < cutoff,
        or_(col(Charter.reviewed_at).is_(None), col(Charter.reviewed_at) < cutoff),
        or_(
            col(Charter.group_id).is_(None),
            and_(
                col(Group.archived_at).is_(None),
                col(Group.merged_into_id).is_(None),
                policy.listed_groups_clause(actor),
            ),
        ),
        not_handled(QueueKind.STALE_CHARTER, col(Charter.id), now),
    ]
    if group_id is not None:
        conditions.append(col(Charter.group_id) == group_id)
    elif not company:
        conditions.append(col(Charter.group_id).is_not(None))
    base: Any = (
        select(
            col(Charter.id),
            col(Charter.version),
            col(Charter.created_at),
            col(Charter.reviewed_at),
            col(Group.slug),
            col(Group.name),
        )
        .select_from(Charter)
        .join(
            latest,
            and_(
                func.coalesce(col(Charter.group_id), literal_column("0")) == latest.c.scope,
                col(Charter.version) == latest.c.version,
            ),
        )
        .outerjoin(Group, col(Group.id) == col(Charter.group_id))
        .where(*conditions)
    )
    rows = await db.execute(
        base.order_by(col(Charter.created_at), col(Charter.id)).limit(QUEUE_LIMIT)
    )
    items = []
    for charter_id, version, created_at, reviewed_at, slug, name in rows.all():
        last = max(as_utc(created_at), as_utc(reviewed_at)) if reviewed_at else as_utc(created_at)
        items.append(
            QueueItem(
                kind=QueueKind.STALE_CHARTER.value,
                object_id=charter_id,
                href=(
                    path_for("animation_charters_group", slug=slug)
                    if slug
                    else path_for("animation_charters_company_edit")
                ),
                title=name or "",
                context=str(version),
                since=last,
            )
        )
    return QueueList(QueueKind.STALE_CHARTER.value, items, await count_rows(db, base))
