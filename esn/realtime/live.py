"""How a socket has the domains render their live events: transport only.

Each domain renders its own events (``esn/stream/live.py``,
``esn/notifications/live.py``). A renderer is given the ``Frame`` (the event's
type, the channel it came on, its payload) and the reader (``LiveReader``: who
they are, a database session, their page's templates, the per-process shared
cards). It re-checks what the reader may see and answers the swaps the page
needs, ``(target, swap, html)``; this module wraps them in htmx 4's
``<hx-partial>`` elements, the wire format.

The app maps event types to renderers (``LiveRenderers``). Domains never
import this module (import-linter contract 2): the vocabulary they share with
it is esn.core.live, and they type the reader by protocols extending its
``LiveReader``, which the reader here satisfies; mypy checks the fit where the
app builds the registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from esn.accounts.models import User
from esn.core.events import LiveEvent
from esn.core.i18n import get_locale
from esn.core.live import Frame, Renderer
from esn.realtime.cards import SharedCards

T = TypeVar("T")


class RenderTemplate(Protocol):
    """Render a page template for the socket's person, as their page would."""

    def __call__(self, name: str, /, **context: Any) -> str: ...


@dataclass
class LiveReader:
    """The person one socket renders for, and what rendering for them may use."""

    user: User
    render_template: RenderTemplate
    group_roles: Mapping[int, str]
    csrf_token: str
    session_factory: async_sessionmaker[AsyncSession]
    cards: SharedCards
    follow: Callable[[int], None]

    def role_in(self, group_id: int) -> str | None:
        """The reader's role in a group (None outside it), known without a query:
        the socket keeps it with its channels."""
        return self.group_roles.get(group_id)

    def session(self) -> AsyncSession:
        """A database session to read with (use it as ``async with``)."""
        return self.session_factory()

    def render(self, template_name: str, /, **context: Any) -> str:
        """A page template rendered for this person, as their page would render it."""
        return self.render_template(template_name, **context)

    async def shared(self, key: Hashable, load: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """What ``load`` reads, read once for every socket of this process (see cards.py)."""
        return await self.cards.shared(key, load)

    def render_shared(self, key: tuple[Hashable, ...], render: Callable[[str], str]) -> str:
        """HTML rendered once for every reader described by ``key`` (in this language
        and time zone: cards show when things happened).

        ``render`` gets the CSRF token to write into forms: a placeholder,
        replaced afterwards by this reader's own token.
        """
        return self.cards.html((get_locale(), self.user.timezone, *key), render, self.csrf_token)

    def follow_post(self, post_id: int) -> None:
        """The page now shows this post: listen to its comments and reactions too."""
        self.follow(post_id)


# Renders one kind of live event for one reader: the swaps, or none at all
# (including whenever the reader may not see what it is about).
LiveRenderer = Renderer[LiveReader]


def partial(target: str, swap: str, html: str = "") -> str:
    """An htmx 4 partial: ``html`` swapped into every element ``target`` selects."""
    opening = Markup('<hx-partial hx-target="{}" hx-swap="{}">').format(target, swap)
    return str(opening) + html + "</hx-partial>"


OpeningEvents = Callable[[int], Sequence[LiveEvent]]


class LiveRenderers:
    """Which renderer each live event type goes to, and what a socket first shows.

    ``on_open`` names the events rendered as soon as a socket of a person
    listens (their bell's count: it also catches up on what was missed while
    a dropped socket reconnected).
    """

    def __init__(
        self, *tables: Mapping[str, LiveRenderer], on_open: OpeningEvents | None = None
    ) -> None:
        self._renderers: dict[str, LiveRenderer] = {}
        for table in tables:
            for event_type, renderer in table.items():
                if event_type in self._renderers:
                    raise ValueError(f"two renderers for live event {event_type!r}")
                self._renderers[event_type] = renderer
        self._on_open = on_open

    def opening(self, user_id: int) -> list[tuple[str, dict[str, Any]]]:
        """(channel, event) to render for a socket of ``user_id`` once it listens."""
        events = self._on_open(user_id) if self._on_open is not None else ()
        return [(event.channel, event.payload()) for event in events]

    async def render(
        self,
        channel: str,
        event: Mapping[str, Any],
        reader: LiveReader,
    ) -> str | None:
        """The frame ``reader``'s page needs for ``event``, or None when nothing changes
        for them (unknown events included)."""
        event_type = event.get("type")
        if not isinstance(event_type, str) or event_type not in self._renderers:
            return None
        renderer = self._renderers[event_type]
        swaps = await renderer(Frame(event_type, channel, event), reader)
        return "".join(partial(*swap) for swap in swaps) or None
