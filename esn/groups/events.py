"""What changing memberships tells open pages once committed."""

from __future__ import annotations

from dataclasses import dataclass

from esn.core.channels import membership_channel
from esn.core.events import LiveEvent


@dataclass(frozen=True)
class MembershipChanged(LiveEvent):
    """``user_id`` joined or left a group: their sockets re-check what they may follow."""

    type = "membership"
    user_id: int

    @property
    def channel(self) -> str:
        return membership_channel(self.user_id)

    def payload(self) -> dict[str, object]:
        return {"type": self.type}
