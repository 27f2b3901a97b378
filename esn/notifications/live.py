"""The bell's live update: a person's unread count, rendered for their open pages.

Called by the websocket (esn.realtime) for every ``notification`` event on the
person's own channel, and once when a socket starts listening (which also
catches up on what was missed while a dropped socket reconnected). Never
imports esn.realtime: ``LiveReader`` below is what it needs from the socket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.core.events import LiveEvent
from esn.notifications import service
from esn.notifications.events import BellChanged

# (CSS selector of the target, htmx swap style, HTML)
Swap = tuple[str, str, str]
RenderTemplate = Callable[..., str]


class LiveReader(Protocol):
    """What rendering for one socket's person may use."""

    @property
    def user(self) -> User:
        """The person, as of the socket's last session check."""

    def session(self) -> AsyncSession:
        """A database session to read with (``async with``)."""


Renderer = Callable[
    [str, str, Mapping[str, Any], RenderTemplate, LiveReader], Awaitable[Sequence[Swap]]
]


async def render_bell(
    event_type: str,
    channel: str,
    payload: Mapping[str, Any],
    render_template: RenderTemplate,
    reader: LiveReader,
) -> list[Swap]:
    """The reader's bell with their unread count now."""
    async with reader.session() as db:
        unread = await service.unread_count(db, reader.user)
    bell = render_template("notifications/_bell.html", unread=unread)
    return [("#bell-count", "outerHTML", bell)]


def on_open(user_id: int) -> Sequence[LiveEvent]:
    """What a socket of ``user_id`` shows first, once it listens: their bell."""
    return [BellChanged(user_id)]


# The notifications' live events and who renders each (the app registers them).
RENDERERS: Mapping[str, Renderer] = {BellChanged.type: render_bell}
