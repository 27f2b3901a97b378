"""The pub/sub hub: in process, and through a real Redis between "processes"."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio

from esn.realtime.hub import QUEUE_SIZE, Hub, RedisHub, Subscription, create_hub
from tests.conftest import _free_port

WAIT = 5.0


async def next_event(subscription: Subscription, within: float = WAIT) -> tuple[str, dict]:
    """The next event this subscription takes, or fail after ``within`` seconds."""
    return await asyncio.wait_for(subscription.get(), within)


async def nothing_queued(subscription: Subscription) -> bool:
    """True when the subscription has nothing to take right now."""
    await asyncio.sleep(0)
    return subscription.queue.empty()


# --- in process ------------------------------------------------------------------------


async def test_memory_hub_delivers_to_the_channel_subscribers_only() -> None:
    hub = Hub()
    group = hub.subscribe()
    group.add("source:group:3")
    company = hub.subscribe()
    company.add("source:company")

    await hub.publish("source:group:3", {"type": "post.created", "post_id": 7})

    assert await next_event(group) == ("source:group:3", {"type": "post.created", "post_id": 7})
    assert await nothing_queued(company)


async def test_dropped_channel_stops_at_once_even_for_queued_events() -> None:
    hub = Hub()
    subscription = hub.subscribe()
    subscription.replace({"source:group:3", "user:1"})
    await hub.publish("source:group:3", {"type": "post.created", "post_id": 7})
    # Removed from the group after the event was queued but before it was taken.
    subscription.replace({"user:1"})
    await hub.publish("user:1", {"type": "notification"})
    assert await next_event(subscription) == ("user:1", {"type": "notification"})
    assert hub.listener_count("source:group:3") == 0


async def test_a_full_queue_loses_its_oldest_events_not_the_publisher() -> None:
    hub = Hub()
    subscription = hub.subscribe()
    subscription.add("user:1")
    for number in range(QUEUE_SIZE + 10):
        await hub.publish("user:1", {"n": number})
    assert subscription.queue.qsize() == QUEUE_SIZE
    assert (await next_event(subscription))[1] == {"n": 10}


async def test_closed_subscription_leaves_no_listener_behind() -> None:
    hub = Hub()
    subscription = hub.subscribe()
    subscription.replace({"a", "b"})
    subscription.close()
    assert hub.listener_count("a") == hub.listener_count("b") == 0
    assert not hub._listeners


def test_broadcast_url_picks_the_backend() -> None:
    assert type(create_hub("memory://")) is Hub
    redis_hub = create_hub("redis://127.0.0.1:6379/0?channel_prefix=acme:")
    assert isinstance(redis_hub, RedisHub)
    assert redis_hub.prefix == "acme:"
    assert redis_hub.url == "redis://127.0.0.1:6379/0"
    assert isinstance(create_hub("redis://127.0.0.1:6379/0"), RedisHub)
    assert create_hub("redis://127.0.0.1:6379/0").prefix == "esn:"  # type: ignore[attr-defined]


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
async def redis_hubs(redis_url: str, channel_prefix: str) -> AsyncIterator[list[RedisHub]]:
    """Two started hubs on one Redis and one prefix: two app processes, in effect."""
    url = f"{redis_url}?channel_prefix={channel_prefix}"
    hubs = [RedisHub(url), RedisHub(url)]
    for hub in hubs:
        await hub.start()
    yield hubs
    for hub in hubs:
        await hub.stop()


async def test_redis_carries_events_between_processes(redis_hubs: list[RedisHub]) -> None:
    first, second = redis_hubs
    here = first.subscribe()
    here.add("post:7")
    there = second.subscribe()
    there.add("post:7")

    await first.publish("post:7", {"type": "comment.created", "post_id": 7, "comment_id": 9})

    expected = ("post:7", {"type": "comment.created", "post_id": 7, "comment_id": 9})
    assert await next_event(there) == expected
    assert await next_event(here) == expected


async def test_redis_keeps_every_event_and_their_order(redis_hubs: list[RedisHub]) -> None:
    first, second = redis_hubs
    there = second.subscribe()
    there.add("user:1")
    for number in range(200):
        await first.publish("user:1", {"n": number})
    received = [(await next_event(there))[1]["n"] for _ in range(200)]
    assert received == list(range(200))


async def test_an_event_published_right_after_start_is_received(
    redis_url: str, channel_prefix: str, redis_hubs: list[RedisHub]
) -> None:
    publisher = redis_hubs[0]
    for attempt in range(10):
        fresh = RedisHub(f"{redis_url}?channel_prefix={channel_prefix}")
        await fresh.start()
        try:
            subscription = fresh.subscribe()
            subscription.add("source:company")
            await publisher.publish("source:company", {"attempt": attempt})
            assert (await next_event(subscription))[1] == {"attempt": attempt}
        finally:
            await fresh.stop()


async def test_other_instances_on_the_same_redis_are_not_heard(
    redis_url: str, redis_hubs: list[RedisHub]
) -> None:
    other = RedisHub(f"{redis_url}?channel_prefix=another-company-{id(redis_hubs)}:")
    await other.start()
    try:
        there = redis_hubs[1].subscribe()
        there.add("source:company")
        await other.publish("source:company", {"from": "elsewhere"})
        await redis_hubs[0].publish("source:company", {"from": "us"})
        assert (await next_event(there))[1] == {"from": "us"}
    finally:
        await other.stop()


async def test_malformed_messages_on_redis_are_ignored(
    redis_url: str, channel_prefix: str, redis_hubs: list[RedisHub]
) -> None:
    there = redis_hubs[1].subscribe()
    there.add("user:1")
    raw = redis.asyncio.Redis.from_url(redis_url)
    try:
        await raw.publish(f"{channel_prefix}user:1", b"\xff not json")
        await raw.publish(f"{channel_prefix}user:1", "[1, 2]")
    finally:
        await raw.aclose()
    await redis_hubs[0].publish("user:1", {"ok": True})
    assert (await next_event(there))[1] == {"ok": True}


async def test_unreachable_redis_fails_at_start() -> None:
    hub = RedisHub(f"redis://127.0.0.1:{_free_port()}/0")
    with pytest.raises(redis.ConnectionError):
        await hub.start()


class RedisServer:
    """A redis-server of our own, to stop and start again under a hub."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [
                binary,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis server on a free port."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_hub_survives_a_redis_restart(own_redis: RedisServer) -> None:
    hub = RedisHub(own_redis.url)
    await hub.start()
    try:
        subscription = hub.subscribe()
        subscription.add("user:1")
        await hub.publish("user:1", {"n": "before"})
        assert (await next_event(subscription))[1] == {"n": "before"}

        own_redis.stop()
        # Publishing while Redis is down is logged, never raised to the caller.
        await hub.publish("user:1", {"n": "lost"})
        own_redis.start()

        # Pub/sub keeps nothing while nobody listens: publish until the hub is back.
        async def back() -> dict:
            while True:
                await hub.publish("user:1", {"n": "after"})
                try:
                    return (await next_event(subscription, 0.5))[1]
                except TimeoutError:
                    continue

        assert await asyncio.wait_for(back(), 20) == {"n": "after"}
    finally:
        await hub.stop()


async def test_hub_resubscribes_when_its_connection_is_killed(
    redis_url: str, channel_prefix: str, redis_hubs: list[RedisHub]
) -> None:
    publisher, listener = redis_hubs
    subscription = listener.subscribe()
    subscription.add("user:1")
    admin = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        clients = await admin.client_list(_type="pubsub")
        ours = [c["id"] for c in clients if c.get("name") == listener.client_name]
        assert ours, "the hub's subscription connection is not in CLIENT LIST"
        for client_id in ours:
            await admin.client_kill_filter(_id=client_id)
    finally:
        await admin.aclose()

    async def back() -> dict:
        while True:
            await publisher.publish("user:1", {"n": "after"})
            try:
                return (await next_event(subscription, 0.5))[1]
            except TimeoutError:
                continue

    assert await asyncio.wait_for(back(), 20) == {"n": "after"}
