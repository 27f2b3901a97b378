"""The activity log: what happened besides posts (joined a group, a spotlight…),
appended by any domain and shown in the home stream of whoever may see its source."""

from __future__ import annotations

from sqlalchemy import and_, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.groups.models import Group
from esn.people.models import Profile
from esn.stream.models import Activity
from esn.stream.service.cursors import Position, activities_after
from esn.stream.service.views import ActivityView

# What an event is about, when it names a group (its object or its target).
GROUP_OBJECT = "group"


async def record_activity(
    db: AsyncSession,
    *,
    actor_id: int | None,
    verb: str,
    object_type: str,
    object_id: int,
    source: str,
    target_type: str | None = None,
    target_id: int | None = None,
) -> Activity:
    """Append an event to the activity log in the caller's transaction.

    ``source`` decides who sees the event in their home stream (the same keys
    as posts: "company", "group:<id>", "user:<id>"). The caller commits.
    """
    activity = Activity(
        actor_id=actor_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        target_type=target_type,
        target_id=target_id,
        source=source,
    )
    db.add(activity)
    return activity


async def remove_activity(db: AsyncSession, *, object_type: str, object_id: int) -> None:
    """Drop the events about an object that no longer shows (the caller commits)."""
    await db.execute(
        delete(Activity).where(
            col(Activity.object_type) == object_type, col(Activity.object_id) == object_id
        )
    )


async def move_activity(db: AsyncSession, from_source: str, to_source: str) -> None:
    """Move the events of one stream to another (a merged group's); the caller commits."""
    await db.execute(
        update(Activity)
        .where(col(Activity.source) == from_source)
        .values(source=to_source)
        .execution_options(synchronize_session=False)
    )


async def activity_rows(
    db: AsyncSession,
    actor: User,
    sources: list[str],
    position: Position | None,
    limit: int,
) -> list[ActivityView]:
    """Activity events of ``sources`` after ``position``, with actors and groups
    (one query). An event about a group the reader may not know exists is left out.
    """
    conditions = [col(Activity.source).in_(sources)]
    keyset = activities_after(position)
    if keyset is not None:
        conditions.append(keyset)
    group_id = case(
        (col(Activity.object_type) == GROUP_OBJECT, col(Activity.object_id)),
        (col(Activity.target_type) == GROUP_OBJECT, col(Activity.target_id)),
        else_=None,
    )
    rows = (
        await db.execute(
            select(Activity, Profile, Group, group_id)
            .join(Profile, col(Profile.user_id) == col(Activity.actor_id), isouter=True)
            .outerjoin(Group, and_(col(Group.id) == group_id, policy.listed_groups_clause(actor)))
            .where(*conditions)
            .order_by(col(Activity.created_at).desc(), col(Activity.id).desc())
            .limit(limit)
        )
    ).all()
    return [
        ActivityView(activity=activity, actor=profile, group=group)
        for activity, profile, group, about_group in rows
        if about_group is None or group is not None
    ]
