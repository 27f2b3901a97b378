"""Moderation: reporting, the queue, hiding and restoring with reasons.

Any reader of a post or comment except its author reports it with a reason
(one open report per person per item). Moderators (policy.can_moderate_content:
company animators and administrators for what they may read, a group's owners
and animators for its content) see the open reports in a queue, hide the item
with a reason, restore it, or dismiss its reports. Every step is a
ModerationAction with who and why; the author is told, never who reported.

One module per concept: ``access`` (who moderates what), ``reporting``,
``actions`` (hide, restore, dismiss), ``queue`` (open reports and the log) and
``panels`` (what moderation adds to group and post pages). Import from this
package.
"""

from esn.animation.moderation.service.access import can_open_queue
from esn.animation.moderation.service.actions import (
    AlreadyHandled,
    ModerationDone,
    action_target,
    dismiss_reports,
    hide_content,
    restore_content,
)
from esn.animation.moderation.service.panels import (
    MAX_POST_HISTORY,
    PostModeration,
    open_report_count,
    post_moderation,
)
from esn.animation.moderation.service.queue import (
    MAX_LOG,
    MAX_QUEUE_ITEMS,
    MAX_REASONS,
    LogEntry,
    ModerationQueue,
    QueueItem,
    ReasonView,
    moderation_queue,
)
from esn.animation.moderation.service.reporting import (
    EXCERPT,
    ReportTarget,
    report_content,
    report_target,
)

__all__ = [
    "EXCERPT",
    "MAX_LOG",
    "MAX_POST_HISTORY",
    "MAX_QUEUE_ITEMS",
    "MAX_REASONS",
    "AlreadyHandled",
    "LogEntry",
    "ModerationDone",
    "ModerationQueue",
    "PostModeration",
    "QueueItem",
    "ReasonView",
    "ReportTarget",
    "action_target",
    "can_open_queue",
    "dismiss_reports",
    "hide_content",
    "moderation_queue",
    "open_report_count",
    "post_moderation",
    "report_content",
    "report_target",
    "restore_content",
]
