"""The pub/sub hub: events published after commit reach every subscriber.

Events are small JSON dicts naming what changed (``{"type": "post.created",
"post_id": 7}``), never rendered HTML and never content: the websocket
endpoint re-checks visibility and renders for each receiver. Each process fans
events out locally to its sockets; with Redis, one subscription per process
carries the events between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger("esn.realtime")

Event = dict[str, Any]

# A socket that cannot keep up loses its oldest events rather than stalling
# the publisher or growing without bound.
QUEUE_SIZE = 256


class Subscription:
    """One socket's view of the hub: the channels it listens to and its queue."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.channels: set[str] = set()
        self.queue: asyncio.Queue[tuple[str, Event]] = asyncio.Queue(QUEUE_SIZE)

    def add(self, channel: str) -> None:
        """Start receiving ``channel``."""
        self.channels.add(channel)
        self.hub._listeners.setdefault(channel, set()).add(self)

    def remove(self, channel: str) -> None:
        """Stop receiving ``channel`` at once."""
        self.channels.discard(channel)
        listeners = self.hub._listeners.get(channel)
        if listeners is not None:
            listeners.discard(self)
            if not listeners:
                del self.hub._listeners[channel]

    def close(self) -> None:
        """Leave every channel."""
        for channel in list(self.channels):
            self.remove(channel)

    def deliver(self, channel: str, event: Event) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait((channel, event))

    async def __aiter__(self) -> AsyncIterator[tuple[str, Event]]:
        while True:
            yield await self.queue.get()


class Hub:
    """In-process pub/sub: the default, for one app process."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[Subscription]] = {}

    async def start(self) -> None:
        """Open connections (nothing to do in process)."""

    async def stop(self) -> None:
        """Close connections."""

    def subscribe(self) -> Subscription:
        """A new subscription with no channels yet."""
        return Subscription(self)

    async def publish(self, channel: str, event: Event) -> None:
        """Send ``event`` to every subscriber of ``channel``. Call after commit."""
        self._fan_out(channel, event)

    def _fan_out(self, channel: str, event: Event) -> None:
        # No awaits here: one slow socket must never hold up the others.
        for subscription in list(self._listeners.get(channel, ())):
            subscription.deliver(channel, event)


class RedisHub(Hub):
    """Pub/sub across processes through Redis (ESN_BROADCAST_URL=redis://…).

    One pattern subscription per process; events published by any process come
    back through it and are fanned out locally.
    """

    PREFIX = "esn:"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(self.url)
        self._pubsub = self._redis.pubsub()
        await self._pubsub.psubscribe(f"{self.PREFIX}*")
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def publish(self, channel: str, event: Event) -> None:
        await self._redis.publish(self.PREFIX + channel, json.dumps(event))

    async def _listen(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # a dropped connection: wait, then resubscribe
                log.exception("redis pub/sub failed; retrying")
                await asyncio.sleep(1)
                continue
            if message is None or message.get("type") != "pmessage":
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            try:
                event = json.loads(message["data"])
            except (TypeError, ValueError):
                continue
            self._fan_out(channel.removeprefix(self.PREFIX), event)


def create_hub(broadcast_url: str) -> Hub:
    """The hub for ESN_BROADCAST_URL: ``memory://`` or ``redis://…``."""
    if broadcast_url.startswith(("redis://", "rediss://")):
        return RedisHub(broadcast_url)
    return Hub()
