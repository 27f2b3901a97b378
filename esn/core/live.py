"""What live rendering is made of, shared by the socket and every domain.

A domain renders its own live events (``esn/stream/live.py``,
``esn/notifications/live.py``) as ``async def render_x(frame, reader)``: the
``Frame`` the socket received and the ``LiveReader`` it renders for. It
re-checks what that reader may see and answers the ``Swap``s the page needs
(none for what they may not see); esn.realtime wraps them for htmx.

``LiveReader`` here is what every domain needs; a domain extends it in its own
module with what only it needs (who the reader is, typed with the accounts'
``User``, which core cannot import). The socket's reader satisfies them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

# What to put in the page: (CSS selector of the target, htmx swap style, HTML).
Swap = tuple[str, str, str]

# Ids are PostgreSQL integers: anything larger in an event is not one.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Frame:
    """A live event as a socket received it: its type, the channel it came on, its payload."""

    type: str
    channel: str
    payload: Mapping[str, Any]

    def positive_id(self, name: str) -> int | None:
        """The id ``payload[name]``, or None when it is missing or not a positive id."""
        value = self.payload.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
            return value
        return None


class LiveReader(Protocol):
    """What rendering for one socket's person may use, in every domain."""

    def session(self) -> AsyncSession:
        """A database session to read with (``async with``)."""

    def render(self, template_name: str, /, **context: Any) -> str:
        """A page template rendered for this person, as their page would render it."""


R = TypeVar("R", bound=LiveReader)

# Renders one kind of live event for one reader: the swaps, or none at all.
Renderer = Callable[[Frame, R], Awaitable[Sequence[Swap]]]
