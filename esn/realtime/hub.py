"""The pub/sub hub: events published after commit reach every subscriber.

Events are small JSON dicts naming what changed (``{"type": "post.created",
"post_id": 7}``), never rendered HTML and never content: the websocket
endpoint re-checks visibility and renders for each receiver. Each process fans
events out locally to its sockets; with Redis, one pattern subscription per
process carries the events between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

    def replace(self, channels: Iterable[str]) -> None:
        """Listen to exactly ``channels``: the others are dropped at once."""
        wanted = set(channels)
        for channel in self.channels - wanted:
            self.remove(channel)
        for channel in wanted - self.channels:
            self.add(channel)

    def close(self) -> None:
        """Leave every channel."""
        for channel in list(self.channels):
            self.remove(channel)

    def deliver(self, channel: str, event: Event) -> None:
        """Queue ``event`` without waiting; the oldest is dropped when full."""
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait((channel, event))

    async def get(self) -> tuple[str, Event]:
        """The next event for this subscription, still listened to when it is taken.

        An event queued just before its channel was dropped (a member removed
        from a group) is discarded here, not shown.
        """
        while True:
            channel, event = await self.queue.get()
            if channel in self.channels:
                return channel, event

    async def __aiter__(self) -> AsyncIterator[tuple[str, Event]]:
        while True:
            yield await self.get()


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

    def listener_count(self, channel: str) -> int:
        """How many local subscriptions listen to ``channel``."""
        return len(self._listeners.get(channel, ()))

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
    back through it and are fanned out locally. ``start`` returns only once
    Redis has confirmed the subscription, so nothing published afterwards is
    missed; a dropped connection is reopened and resubscribed by the listener.
    Messages published while the connection is down are lost: live updates
    are a convenience on top of pages that always show the truth on reload.

    An optional ``channel_prefix`` query parameter in the URL keeps several
    esn instances (or test runs) on one Redis apart; the default is ``esn:``.
    """

    DEFAULT_PREFIX = "esn:"
    CONFIRM_TIMEOUT = 10.0
    RETRY_DELAY = 1.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.prefix = _split_prefix(url, self.DEFAULT_PREFIX)
        # Names this process's connections in Redis's CLIENT LIST.
        self.client_name = f"esn-hub-{os.getpid()}-{secrets.token_hex(3)}"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and subscribe; raises if Redis cannot be reached or never confirms."""
        from redis.asyncio import Redis

        # The health check pings an idle subscription now and then, so a
        # connection that died silently (no RST) is noticed and reopened.
        self._redis = Redis.from_url(
            self.url,
            health_check_interval=15,
            socket_keepalive=True,
            client_name=self.client_name,
        )
        self._pubsub = self._redis.pubsub()
        try:
            await self._pubsub.psubscribe(f"{self.prefix}*")
            await asyncio.wait_for(self._confirmed(), self.CONFIRM_TIMEOUT)
        except BaseException:
            await self._close_connections()
            raise
        self._task = asyncio.create_task(self._listen(), name="esn-redis-hub")

    async def _confirmed(self) -> None:
        while True:
            message = await self._pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "psubscribe":
                return

    async def stop(self) -> None:
        """Stop listening and close both connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def publish(self, channel: str, event: Event) -> None:
        """Publish through Redis; a failure is logged, never raised (the write is committed)."""
        try:
            await self._redis.publish(self.prefix + channel, json.dumps(event))
        except Exception:
            log.exception("could not publish %s to redis", channel)

    async def _listen(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                # redis-py reconnects and resubscribes on the next read; wait so
                # a Redis that is down is not hammered.
                log.exception("redis pub/sub failed; reconnecting")
                await asyncio.sleep(self.RETRY_DELAY)
                continue
            if message is None or message.get("type") != "pmessage":
                continue
            self._receive(message["channel"], message["data"])

    def _receive(self, raw_channel: bytes | str, data: bytes | str) -> None:
        channel = raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        if not channel.startswith(self.prefix):
            return
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            log.warning("ignored a malformed event on %s", channel)
            return
        if isinstance(event, dict):
            self._fan_out(channel.removeprefix(self.prefix), event)


def _split_prefix(url: str, default: str) -> tuple[str, str]:
    """Take esn's own ``channel_prefix`` parameter out of a Redis URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = default
    kept = []
    for name, value in query:
        if name == "channel_prefix":
            prefix = value
        else:
            kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept))), prefix


def create_hub(broadcast_url: str) -> Hub:
    """The hub for ESN_BROADCAST_URL: ``memory://`` or ``redis://…``."""
    if broadcast_url.startswith(("redis://", "rediss://")):
        return RedisHub(broadcast_url)
    return Hub()
