"""What every socket of a process needs alike, read and rendered once, not once per socket.

When a post is published, every socket of a process that listens to its
stream needs the same card. Reading it once and rendering it once per kind of
reader (language and what they may do with it) keeps the work per post
constant, whatever the number of sockets: each socket then only checks, in
memory, that its person may read the post, and puts its own CSRF token in.
What is read and how it is rendered is the domain's business (esn.stream.live);
this cache knows neither.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")

# A burst of deliveries for one post lasts well under this; a later event
# about the same post (an edit) is read again.
KEEP_SECONDS = 10.0
MAX_ENTRIES = 512


class SharedCards:
    """The shared reads and renderings of one process."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._reads: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        self._html: dict[tuple[Hashable, ...], tuple[float, str]] = {}
        # Rendered in place of each reader's CSRF token, then replaced by it.
        # Random, so no text a person writes can take its place.
        self.token_placeholder = f"csrf-{secrets.token_hex(16)}"

    async def shared(self, key: Hashable, load: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """What ``load`` reads for ``key``, read once for everyone (in a session of its own)."""
        entry = self._reads.get(key)
        if entry is None:
            now = time.monotonic()
            self._forget(now)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._reads[key] = (now, future)
            try:
                async with self._session_factory() as db:
                    value = await load(db)
                future.set_result(value)
            except BaseException as error:
                del self._reads[key]
                future.set_exception(error)
                # Nobody else may be waiting: mark the exception as seen.
                future.exception()
                raise
            return value
        return cast(T, await asyncio.shield(entry[1]))

    def html(self, key: tuple[Hashable, ...], render: Callable[[str], str], csrf_token: str) -> str:
        """The HTML for readers described by ``key``, rendered at most once.

        ``render`` receives the placeholder to write where the CSRF token goes;
        the reader's ``csrf_token`` replaces it in what is returned.
        """
        now = time.monotonic()
        entry = self._html.get(key)
        if entry is None:
            entry = (now, render(self.token_placeholder))
            self._html[key] = entry
        return entry[1].replace(self.token_placeholder, csrf_token)

    def _forget(self, now: float) -> None:
        """Drop what is older than KEEP_SECONDS (called once per new read)."""
        if len(self._reads) < MAX_ENTRIES and len(self._html) < MAX_ENTRIES * 4:
            stale = [key for key, (at, _f) in self._reads.items() if now - at > KEEP_SECONDS]
            for key in stale:
                del self._reads[key]
            old = [key for key, (at, _h) in self._html.items() if now - at > KEEP_SECONDS]
            for rendered in old:
                del self._html[rendered]
            return
        self._reads.clear()
        self._html.clear()
