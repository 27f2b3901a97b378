"""What notifying someone sends after commit: their bell, and the email they asked for."""

from __future__ import annotations

from dataclasses import dataclass

from esn.core.channels import user_channel
from esn.core.events import Event, LiveEvent


@dataclass(frozen=True)
class BellChanged(LiveEvent):
    """``user_id``'s unread count may have changed."""

    type = "notification"
    user_id: int

    @property
    def channel(self) -> str:
        return user_channel(self.user_id)

    def payload(self) -> dict[str, object]:
        return {"type": self.type}


@dataclass(frozen=True)
class NotificationEmail(Event):
    """Email the notification ``notification_id`` to its recipient (they chose email)."""

    notification_id: int
