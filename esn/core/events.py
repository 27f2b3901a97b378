"""Typed events: recorded by services while they write, sent by the commit.

A service says what happened on the session it writes with
(``record(db, PostCreated(...))``) and never talks to the hub, the mailer or
any other outlet itself. ``database.EventSession.commit`` hands the recorded
events to the session's router once the rows are saved; a rollback drops them,
so nothing is announced for work that did not happen (the idea of Zulip's
``send_event_on_commit``).

Live events name their channel (built in ``esn.core.channels``, the only place
channel names are made) and carry ids only, never content: whoever receives
one re-checks what its reader may see before showing anything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol, TypeVar

log = logging.getLogger("esn.events")

# Where a session keeps its recorded events and its router (Session.info keys).
PENDING = "esn.pending_events"
ROUTER = "esn.event_router"


@dataclass(frozen=True)
class Event:
    """Something that happened and must be told once it is committed."""


@dataclass(frozen=True)
class LiveEvent(Event):
    """An event announced to open pages on one channel, as a small JSON payload.

    ``type`` is the name pages and the websocket endpoint know it by; the
    dataclass fields (ids only) travel with it.
    """

    type: ClassVar[str]

    @property
    def channel(self) -> str:
        """The channel it is announced on."""
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        """What travels on the channel: the type and the fields."""
        return {"type": self.type, **asdict(self)}


class HasInfo(Protocol):
    """A unit of work that can carry events: a database session."""

    @property
    def info(self) -> dict[Any, Any]: ...


def record(db: HasInfo, *events: Event) -> None:
    """Send ``events`` when ``db`` commits; forget them if it rolls back."""
    db.info.setdefault(PENDING, []).extend(events)


def take_pending(db: HasInfo) -> list[Event]:
    """The events recorded on ``db`` and not sent yet, now taken off it."""
    pending: list[Event] = db.info.pop(PENDING, [])
    return pending


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]


class EventRouter:
    """Sends each committed event to the outlets registered for its class.

    One event is sent once per commit even if recorded twice (three
    notifications to one person ring their bell once). An outlet that fails
    is logged and the others go on: the write is already committed.
    """

    def __init__(self) -> None:
        self._outlets: list[tuple[type[Event], Handler]] = []

    def on(self, kind: type[E], outlet: Callable[[E], Awaitable[None]]) -> None:
        """Send every event of ``kind`` (or a subclass) to ``outlet``."""
        self._outlets.append((kind, outlet))

    async def send(self, events: Sequence[Event]) -> None:
        """Deliver ``events`` in the order they were recorded, each once."""
        for event in dict.fromkeys(events):
            for kind, outlet in self._outlets:
                if isinstance(event, kind):
                    try:
                        await outlet(event)
                    except Exception:
                        log.exception("could not send %s", type(event).__name__)
