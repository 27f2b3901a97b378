"""The figures the benchmark passes between its parts and writes out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BenchSession:
    """A signed-in person the load generators act as.

    ``cookie`` is the whole Cookie header value (session and CSRF cookies);
    ``csrf_token`` goes in the X-CSRF-Token header of writes (with an Origin
    header equal to the server's base URL).
    """

    user_id: int
    cookie: str
    csrf_token: str


@dataclass
class LatencyFigures:
    """One endpoint at one concurrency: throughput and latency."""

    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    requests: int


@dataclass
class LiveFigures:
    """Live delivery of new posts to many open websockets."""

    sockets: int
    connected: int
    posts: int
    expected: int
    received: int
    lost: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rss_idle_mb: list[float] = field(default_factory=list)
    rss_with_sockets_mb: list[float] = field(default_factory=list)
