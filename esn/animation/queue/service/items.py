"""What the work queue is made of: its kinds of item, its lists, and when an item is handled."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.animation.models import QueueItemHandled
from esn.groups.models import Group

QUEUE_LIMIT = 50
EXCERPT_LENGTH = 160
RECHECK_AFTER = timedelta(days=30)


class QueueKind(enum.StrEnum):
    """The lists of the work queue; also QueueItemHandled.kind."""

    UNANSWERED_POST = "unanswered_post"
    SILENT_NEWCOMER = "silent_newcomer"
    QUIET_GROUP = "quiet_group"
    WAITING_REQUEST = "waiting_request"
    STALE_CHARTER = "stale_charter"


# Situations that can last: a mark on them expires so the queue asks again.
RECHECKED_KINDS = frozenset({QueueKind.QUIET_GROUP, QueueKind.STALE_CHARTER})


@dataclass(frozen=True)
class QueueItem:
    """One thing to look at, with where to act on it.

    ``title`` names it (a post's excerpt, a person, a group); ``context`` says
    where it is (a group, a department); ``since`` is the time it is measured
    from (posted, arrived, last activity, asked, last reviewed), None when a
    group never had any activity.
    """

    kind: str
    object_id: int
    href: str
    title: str
    context: str = ""
    since: datetime | None = None


@dataclass(frozen=True)
class QueueList:
    """One kind of item: the first QUEUE_LIMIT of them and how many there are."""

    kind: str
    items: list[QueueItem]
    total: int

    @property
    def truncated(self) -> bool:
        """More items wait than the list shows."""
        return self.total > len(self.items)


@dataclass(frozen=True)
class WorkQueue:
    """The lists an animator works through, in the order the page shows them."""

    lists: list[QueueList] = field(default_factory=list)
    group: Group | None = None

    @property
    def total(self) -> int:
        """Items waiting in every list."""
        return sum(queue_list.total for queue_list in self.lists)

    def counts(self) -> dict[str, int]:
        """Items waiting, per kind."""
        return {queue_list.kind: queue_list.total for queue_list in self.lists}


def excerpt(text: str) -> str:
    """A post's start on one line, as a queue item's title."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1] + "…"


def not_handled(kind: QueueKind, object_id: Any, now: datetime) -> Any:
    """SQL condition: no mark on this item (or, for lasting situations, none recent)."""
    conditions = [
        col(QueueItemHandled.kind) == kind.value,
        col(QueueItemHandled.object_id) == object_id,
    ]
    if kind in RECHECKED_KINDS:
        conditions.append(col(QueueItemHandled.handled_at) >= now - RECHECK_AFTER)
    return ~exists().where(*conditions)


async def count_rows(db: AsyncSession, query: Any) -> int:
    """How many rows ``query`` returns (counted in SQL, not fetched)."""
    subquery = query.subquery()
    return int((await db.execute(select(func.count()).select_from(subquery))).scalar_one())
