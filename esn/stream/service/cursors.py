"""Keyset paging: the opaque ``after`` cursor and the conditions that continue a stream.

Streams page on (created_at, id), never with OFFSET. The home stream merges
posts and activity events: at equal times posts (rank 1) come before events
(rank 0), and the cursor remembers which kind of item it stopped at.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col

from esn.core.clock import as_utc
from esn.stream.models import Activity, Post

STREAM_PAGE_SIZE = 20
MAX_STREAM_PAGE_SIZE = 50

Position = tuple[datetime, int, int]


def encode_cursor(created_at: datetime, rank: int, item_id: int) -> str:
    """The opaque ``after`` value continuing a stream after this item.

    ``rank`` orders items of equal time: posts (1) before activity events (0).
    """
    raw = json.dumps([as_utc(created_at).isoformat(), rank, item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    """The position an ``after`` value points to, or None if it is not one of ours."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, rank, item_id = json.loads(raw)
        moment = as_utc(datetime.fromisoformat(stamp))
    except (ValueError, TypeError):
        return None
    if rank not in (0, 1) or type(item_id) is not int:
        return None
    return moment, rank, item_id


def posts_after(position: Position | None) -> Any:
    """Keyset condition: posts that come after ``position`` (newest first)."""
    if position is None:
        return None
    moment, rank, item_id = position
    if rank == 1:
        # The plain bound lets the index on (created_at, id) start at the
        # cursor instead of walking down to it from the newest post.
        return and_(
            col(Post.created_at) <= moment,
            or_(
                col(Post.created_at) < moment,
                and_(col(Post.created_at) == moment, col(Post.id) < item_id),
            ),
        )
    return col(Post.created_at) < moment


def activities_after(position: Position | None) -> Any:
    """Keyset condition: activity events that come after ``position``."""
    if position is None:
        return None
    moment, rank, item_id = position
    if rank == 1:
        return col(Activity.created_at) <= moment
    return and_(
        col(Activity.created_at) <= moment,
        or_(
            col(Activity.created_at) < moment,
            and_(col(Activity.created_at) == moment, col(Activity.id) < item_id),
        ),
    )


def bounded(limit: int) -> int:
    """A page size the caller asked for, kept between 1 and MAX_STREAM_PAGE_SIZE."""
    return max(1, min(limit, MAX_STREAM_PAGE_SIZE))
