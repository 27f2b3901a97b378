"""Notifications: recorded in the caller's transaction, delivered after commit.

The public surface of the notifications domain: other domains use
``from esn.notifications import service as notifications`` and the names
below, never the modules of this package. Other domains call ``notify``
while they write; the commit rings the bell and queues the email.

Reading goes through ``policy.visible_notifications_clause``: a notification
about a post or group the person may no longer see is not listed, counted,
emailed or put in a digest.
"""

from __future__ import annotations

from esn.notifications.service.emails import (
    Locale,
    email_notification,
    excerpt,
    local_time,
    recipient_locale,
)
from esn.notifications.service.preferences import (
    NotificationSettings,
    digest_frequency,
    notification_settings,
    save_notification_settings,
)
from esn.notifications.service.reading import (
    PAGE_SIZE,
    NotificationPage,
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from esn.notifications.service.recording import channel_for, notify
from esn.notifications.service.rows import NotificationRow, visible_row

__all__ = [
    "PAGE_SIZE",
    "Locale",
    "NotificationPage",
    "NotificationRow",
    "NotificationSettings",
    "channel_for",
    "digest_frequency",
    "email_notification",
    "excerpt",
    "list_notifications",
    "local_time",
    "mark_all_read",
    "mark_read",
    "notification_settings",
    "notify",
    "recipient_locale",
    "save_notification_settings",
    "unread_count",
    "visible_row",
]
