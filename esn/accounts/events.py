"""What ending a session tells open pages once committed."""

from __future__ import annotations

from dataclasses import dataclass

from esn.core.channels import session_channel
from esn.core.events import LiveEvent


@dataclass(frozen=True)
class SessionEnded(LiveEvent):
    """One of ``user_id``'s sessions ended (logout, password change, deactivation)."""

    type = "session.ended"
    user_id: int

    @property
    def channel(self) -> str:
        return session_channel(self.user_id)

    def payload(self) -> dict[str, object]:
        return {"type": self.type}
