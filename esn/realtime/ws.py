"""The /ws websocket: live updates for one open page of one signed-in person.

Protocol (htmx 4's own hx-ws extension on <body>, see templates/base.html):

- The page connects to ``/ws?sources=company,group:3&posts=7,8``: the streams
  and posts it shows. Later it may send ``{"sources": "...", "posts": "..."}``
  (an ``hx-ws:send`` element, e.g. in a "More" page) to follow more.
- The socket listens only to the channels of those its person may read (see
  esn.realtime.channels), plus the person's own bell, memberships and sessions.
  Once listening, it sends what the app has every page show first (the
  bell's count): the first frame of every socket.
- Each event goes to the renderer its domain registered for its type
  (esn.realtime.live.LiveRenderers, built by the app from esn/stream/live.py
  and esn/notifications/live.py): it checks again what this person may see and
  answers what to swap, rendered with the page's templates in their language.
  This endpoint sends that as HTML made of ``<hx-partial>`` elements that htmx
  swaps by target: a new post at the top of the page's stream, a comment at the
  end of its conversation, counts and the bell replaced, deleted things removed.
- A "membership" event re-checks every channel at once (a member removed from
  a private group stops receiving it); a "session" event, and a timer, re-check
  the session: logged out or deactivated closes the socket with 1008.

Publishing never waits on sockets: the hub queues each event per socket and
this endpoint drains its own queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketDisconnect

from esn import policy
from esn.accounts import service as accounts
from esn.accounts.models import User
from esn.core.channels import MEMBERSHIP, SESSION, kind_of, post_channel
from esn.core.i18n import LOCALE_NAMES, get_locale, set_locale
from esn.realtime.cards import SharedCards
from esn.realtime.channels import LiveRequest, allowed_channels, group_roles
from esn.realtime.hub import Event, Hub, Subscription
from esn.realtime.live import LiveReader, LiveRenderers
from esn.web.csrf import CSRF_FIELD

log = logging.getLogger("esn.realtime")

# 1008 "policy violation": not signed in, another site's page, or signed out.
# htmx's extension does not reconnect after it (it does after 1001, 1006, 1011…).
CLOSE_REFUSED = 1008
SESSION_CHECK_SECONDS = 30.0
MAX_MESSAGE_CHARS = 20_000


def origin_allowed(websocket: WebSocket) -> bool:
    """The page must come from this site: ESN_BASE_URL's origin or the host asked.

    Browsers always send Origin with a websocket; without this check any site
    could open a socket with the person's cookie (cross-site websocket hijacking).
    """
    origin = websocket.headers.get("origin")
    if not origin:
        return False
    settings = websocket.app.state.settings
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    allowed = {settings.base_origin, f"{scheme}://{websocket.url.netloc}"}
    return origin.rstrip("/") in allowed


async def live_updates(websocket: WebSocket) -> None:
    """The websocket endpoint: refuse, or follow what the page shows until it leaves."""
    if not origin_allowed(websocket):
        # Before accepting: the server answers the handshake with 403.
        await websocket.close(CLOSE_REFUSED)
        return
    actor: User | None = websocket.state.user
    token: str | None = websocket.state.session_token
    await websocket.accept()
    if actor is None or token is None or not policy.can_receive_live(actor):
        # Accepted then closed with 1008, so the page stops trying again.
        await websocket.close(CLOSE_REFUSED)
        return
    params = websocket.query_params
    wanted = LiveRequest.parse(params.get("sources", ""), params.get("posts", ""))
    await LiveSocket(websocket, actor, token, wanted).run()


class LiveSessions:
    """Every open socket of this process, its session re-checked with all the others.

    Logging out or deactivating publishes an event that closes the sockets at
    once; this check catches what ends silently (expiry, a password reset).
    One query per 500 sessions every SESSION_CHECK_SECONDS, rather than one
    per socket, which at thousands of sockets starved the connection pool.
    """

    BATCH = 500

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._sockets: dict[str, set[LiveSocket]] = {}

    def add(self, socket: LiveSocket) -> None:
        """Include ``socket`` in the checks."""
        self._sockets.setdefault(socket.token, set()).add(socket)

    def discard(self, socket: LiveSocket) -> None:
        """Leave ``socket`` out from now on."""
        sockets = self._sockets.get(socket.token)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._sockets[socket.token]

    async def run(self) -> None:
        """Check every SESSION_CHECK_SECONDS until cancelled (the app's lifespan)."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(min(1.0, SESSION_CHECK_SECONDS))
            if loop.time() - last >= SESSION_CHECK_SECONDS:
                last = loop.time()
                try:
                    await self.check()
                except Exception:
                    log.exception("could not re-check the sessions of live sockets")

    async def check(self) -> None:
        """Tell each socket whether its session still holds, and as whom."""
        tokens = list(self._sockets)
        for start in range(0, len(tokens), self.BATCH):
            batch = tokens[start : start + self.BATCH]
            async with self._session_factory() as db:
                users = await accounts.users_for_sessions(db, batch)
            for token in batch:
                for socket in list(self._sockets.get(token, ())):
                    await socket.session_checked(users.get(token))


class LiveSocket:
    """One open socket: its person, what its page asked for, and its subscription."""

    def __init__(self, websocket: WebSocket, actor: User, token: str, wanted: LiveRequest):
        self.websocket = websocket
        self.actor = actor
        self.token = token
        self.wanted = wanted
        state = websocket.app.state
        self.hub: Hub = state.hub
        self.session_factory = state.session_factory
        self.sessions: LiveSessions = state.live_sessions
        self.subscription: Subscription = self.hub.subscribe()
        self.cards: SharedCards = state.live_cards
        self.renderers: LiveRenderers = state.live_renderers
        # The person's role in each of their groups, kept with the channels,
        # so a new post is checked without a query per socket.
        self.group_roles: dict[int, str] = {}
        # Database work is never cancelled halfway (a connection cancelled
        # mid-query is slow to give back): the socket stops between events.
        self._busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._stopping = False

    async def run(self) -> None:
        """Listen until the page leaves or the session ends."""
        tasks: set[asyncio.Task[None]] = set()
        try:
            await self.refresh_channels()
            # Listening from now on: what every page shows first (the bell's
            # count, which also catches up on what a dropped socket missed).
            assert self.actor.id is not None
            for channel, event in self.renderers.opening(self.actor.id):
                html = await self.render(channel, event)
                if html:
                    await self.websocket.send_text(html)
            tasks = {asyncio.create_task(self._read()), asyncio.create_task(self._pump())}
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                error = task.exception()
                if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                    log.error("live socket failed", exc_info=error)
                    # 1011: htmx's extension reconnects after a server error.
                    with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
                        await self.websocket.close(1011)
        finally:
            # Also when the server shuts down and cancels this endpoint.
            self._stopping = True
            self.subscription.close()
            await self._settle()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        """Mark a stretch of work that must finish before the tasks are cancelled."""
        self._busy += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._quiet.set()

    async def _settle(self, within: float = 5.0) -> None:
        """Wait (boundedly) until no task is in the middle of its work."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), within)

    async def refresh_channels(self) -> None:
        """Listen to exactly the channels this person may read now; drop the rest at once."""
        async with self.session_factory() as db:
            channels = await allowed_channels(db, self.actor, self.wanted)
            roles = await group_roles(db, self.actor)
        self.subscription.replace(channels)
        self.group_roles = roles

    async def still_signed_in(self) -> bool:
        """Check the session again; close the socket when it ended or the person left."""
        async with self.session_factory() as db:
            user = await accounts.user_for_session(db, self.token)
        if user is None or not policy.can_receive_live(user):
            self.subscription.close()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
                await self.websocket.close(CLOSE_REFUSED)
            return False
        self.actor = user
        if user.locale:
            set_locale(user.locale)
        return True

    async def _read(self) -> None:
        """What the page sends: asks to follow more sources or posts."""
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text and len(text) <= MAX_MESSAGE_CHARS:
                with self._working():
                    await self._asked(text)

    async def _asked(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        more = LiveRequest.parse(str(data.get("sources", "")), str(data.get("posts", "")))
        if more.sources or more.posts:
            self.wanted.add(more.sources, more.posts)
            await self.refresh_channels()

    async def _pump(self) -> None:
        """Deliver events from this socket's queue (LiveSessions re-checks the session)."""
        self.sessions.add(self)
        try:
            while not self._stopping:
                channel, event = await self.subscription.get()
                with self._working():
                    if not await self._deliver(channel, event):
                        return
        finally:
            self.sessions.discard(self)

    async def session_checked(self, user: User | None) -> None:
        """The periodic check's answer: the session's person now, or None if it ended."""
        if user is not None and policy.can_receive_live(user):
            self.actor = user
            return
        self.subscription.close()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
            await self.websocket.close(CLOSE_REFUSED)

    async def _deliver(self, channel: str, event: Event) -> bool:
        """Act on one event; False when the socket was closed."""
        kind = kind_of(channel)
        if kind == SESSION:
            return await self.still_signed_in()
        if kind == MEMBERSHIP:
            await self.refresh_channels()
            return True
        html = await self._render_safely(channel, event)
        if html and not self._stopping:
            await self.websocket.send_text(html)
        return True

    async def _render_safely(self, channel: str, event: Event) -> str | None:
        # A fragment that fails to render is logged and skipped: the socket,
        # and the other updates it carries, go on.
        try:
            return await self.render(channel, event)
        except Exception:
            log.exception("could not render %s for a live socket", event.get("type"))
            return None

    # --- rendering -----------------------------------------------------------------

    def _template(self, name: str, /, **context: Any) -> str:
        """Render a page template for this person, as their page would."""
        templates = self.websocket.app.state.templates
        state = self.websocket.state
        full: dict[str, Any] = {
            "request": self.websocket,
            "current_user": self.actor,
            "csrf_token": getattr(state, "csrf_token", ""),
            "csrf_field": CSRF_FIELD,
            "locale": get_locale(),
            "locales": LOCALE_NAMES,
            **context,
        }
        return str(templates.get_template(name).render(full))

    def _reader(self) -> LiveReader:
        """This person, as the domains' renderers see them."""
        return LiveReader(
            user=self.actor,
            render_template=self._template,
            group_roles=self.group_roles,
            csrf_token=getattr(self.websocket.state, "csrf_token", ""),
            session_factory=self.session_factory,
            cards=self.cards,
            follow=self._follow_post,
        )

    def _follow_post(self, post_id: int) -> None:
        """Also listen to a post the page now shows: a new post a renderer just
        showed, which it did only because this person may read it."""
        self.wanted.add((), (post_id,))
        self.subscription.add(post_channel(post_id))

    async def render(self, channel: str, event: Event) -> str | None:
        """The HTML this person's page needs for ``event``, or None when nothing changes
        for them (including everything they may not see)."""
        return await self.renderers.render(channel, event, self._reader())
