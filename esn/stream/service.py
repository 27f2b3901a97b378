"""Streams and conversation: posts, comments, reactions, topics, the activity log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from esn.stream.models import Activity


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
