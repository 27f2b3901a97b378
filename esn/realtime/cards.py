"""New posts rendered once per process, not once per socket.

When a post is published, every socket of a process that listens to its
stream needs the same card. Reading it once and rendering it once per kind of
reader (language and what they may do with it) keeps the work per post
constant, whatever the number of sockets: each socket then only checks, in
memory, that its person may read the post, and puts its own CSRF token in.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from esn.stream import service as stream
from esn.stream.service import PostView

# A burst of deliveries for one post lasts well under this; a later event
# about the same post (an edit) is read again.
KEEP_SECONDS = 10.0
MAX_ENTRIES = 512


class SharedPostCards:
    """The shared reads and renderings of new posts, for one process."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._views: dict[int, tuple[float, asyncio.Future[PostView | None]]] = {}
        self._html: dict[tuple[Any, ...], tuple[float, str]] = {}
        # Rendered in place of each reader's CSRF token, then replaced by it.
        # Random, so no text a person writes can take its place.
        self.token_placeholder = f"csrf-{secrets.token_hex(16)}"

    async def view(self, post_id: int) -> PostView | None:
        """The post as every reader's card starts from (read once for everyone)."""
        entry = self._views.get(post_id)
        if entry is None:
            now = time.monotonic()
            self._forget(now)
            future: asyncio.Future[PostView | None] = asyncio.get_running_loop().create_future()
            self._views[post_id] = (now, future)
            try:
                async with self._session_factory() as db:
                    shared = await stream.shared_post_view(db, post_id)
                # A new post is never hidden; one hidden by the time it is read
                # is not pushed at all: the card is shared by readers whose
                # right to see hidden content differs (author, moderators).
                if shared is not None and shared.hidden:
                    shared = None
                future.set_result(shared)
            except BaseException as error:
                del self._views[post_id]
                future.set_exception(error)
                # Nobody else may be waiting: mark the exception as seen.
                future.exception()
                raise
            return future.result()
        return await asyncio.shield(entry[1])

    def html(self, key: tuple[Any, ...], render: Callable[[], str], csrf_token: str) -> str:
        """The card for readers described by ``key``, rendered at most once."""
        now = time.monotonic()
        entry = self._html.get(key)
        if entry is None:
            entry = (now, render())
            self._html[key] = entry
        return entry[1].replace(self.token_placeholder, csrf_token)

    def _forget(self, now: float) -> None:
        """Drop what is older than KEEP_SECONDS (called once per new post)."""
        if len(self._views) < MAX_ENTRIES and len(self._html) < MAX_ENTRIES * 4:
            stale = [key for key, (at, _f) in self._views.items() if now - at > KEEP_SECONDS]
            for key in stale:
                del self._views[key]
            old = [key for key, (at, _h) in self._html.items() if now - at > KEEP_SECONDS]
            for rendered in old:
                del self._html[rendered]
            return
        self._views.clear()
        self._html.clear()
