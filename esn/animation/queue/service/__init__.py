"""The work queue: who and what needs an animator's attention now.

Five lists, each bounded, each with its total counted in SQL:

- posts older than 48 hours that nobody but their author answered;
- newcomers who neither posted nor commented two weeks after they arrived;
- groups with no post or comment for 30 days;
- join requests waiting more than three days;
- charters nobody wrote or reviewed for a year.

Company animators and administrators see the whole company's queue at
/animation; a group's owners and animators see their group's part of it at
/groups/{slug}/queue. Animating never grants reading: an unanswered post of a
private group shows only to animators who may read it.

An animator marks an item handled (QueueItemHandled) and it leaves the queue.
For a quiet group or a stale charter the mark only lasts RECHECK_AFTER: the
group may still be quiet, the charter still unreviewed, a month later, and the
queue should ask again rather than forget them for good. A post, a newcomer
or a join request is a one-off: once handled, it stays handled.

One module per concept: ``items`` (kinds, lists, the handled mark), ``lists``
(the five lists), ``queues`` (the company's and a group's) and ``marking``.
Import from this package.
"""

from esn.animation.queue.service.items import (
    EXCERPT_LENGTH,
    QUEUE_LIMIT,
    RECHECK_AFTER,
    RECHECKED_KINDS,
    QueueItem,
    QueueKind,
    QueueList,
    WorkQueue,
)
from esn.animation.queue.service.lists import (
    CHARTER_REVIEW_AFTER,
    NEWCOMER_SILENT_AFTER,
    NEWCOMER_WINDOW,
    QUIET_AFTER,
    REQUEST_WAITING_AFTER,
    UNANSWERED_AFTER,
    UNANSWERED_WINDOW,
    quiet_groups,
    silent_newcomers,
    stale_charters,
    unanswered_posts,
    waiting_requests,
)
from esn.animation.queue.service.marking import MAX_ID, mark_handled
from esn.animation.queue.service.queues import company_queue, group_queue

__all__ = [
    "CHARTER_REVIEW_AFTER",
    "EXCERPT_LENGTH",
    "MAX_ID",
    "NEWCOMER_SILENT_AFTER",
    "NEWCOMER_WINDOW",
    "QUEUE_LIMIT",
    "QUIET_AFTER",
    "RECHECKED_KINDS",
    "RECHECK_AFTER",
    "REQUEST_WAITING_AFTER",
    "UNANSWERED_AFTER",
    "UNANSWERED_WINDOW",
    "QueueItem",
    "QueueKind",
    "QueueList",
    "WorkQueue",
    "company_queue",
    "group_queue",
    "mark_handled",
    "quiet_groups",
    "silent_newcomers",
    "stale_charters",
    "unanswered_posts",
    "waiting_requests",
]
