"""The bell's live update: a person's unread count, rendered for their open pages.

Called by the websocket (esn.realtime) for every ``notification`` event on the
person's own channel, and once when a socket starts listening (which also
catches up on what was missed while a dropped socket reconnected). Never
imports esn.realtime: ``NotificationsReader`` below (esn.core.live's reader
and who they are) is what it needs from the socket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from esn.accounts.models import User
from esn.core.events import LiveEvent
from esn.core.live import Frame, LiveReader, Renderer, Swap
from esn.notifications import service
from esn.notifications.events import BellChanged


class NotificationsReader(LiveReader, Protocol):
    """What rendering the bell for one socket's person may use, beyond any reader."""

    @property
    def user(self) -> User:
        """The person, as of the socket's last session check."""


async def render_bell(frame: Frame, reader: NotificationsReader) -> list[Swap]:
    """The reader's bell with their unread count now."""
    async with reader.session() as db:
        unread = await service.unread_count(db, reader.user)
    bell = reader.render("notifications/_bell.html", unread=unread)
    return [("#bell-count", "outerHTML", bell)]


def on_open(user_id: int) -> Sequence[LiveEvent]:
    """What a socket of ``user_id`` shows first, once it listens: their bell."""
    return [BellChanged(user_id)]


# The notifications' live events and who renders each (the app registers them).
RENDERERS: Mapping[str, Renderer[NotificationsReader]] = {BellChanged.type: render_bell}
