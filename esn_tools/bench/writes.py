"""Writes at a fixed rate, as browsers send them: posts, comments, reactions.

Open loop: a write starts every 1/rate seconds whether or not the previous
ones have answered, so a slow server shows up as latency and a falling
achieved rate, not as a politely slower client.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from esn.stream.models import COMPANY_SOURCE, ReactionKind
from esn_tools.bench.types import BenchSession, LatencyFigures

WRITE_KINDS = ("post", "comment", "reaction")


@dataclass
class _Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_figures(latencies_ms: Sequence[float], errors: int, seconds: float) -> LatencyFigures:
    """Figures of one write kind; rps is the achieved rate of successful writes."""
    ordered = sorted(latencies_ms)
    return LatencyFigures(
        rps=len(ordered) / seconds if seconds > 0 else 0.0,
        p50_ms=_percentile(ordered, 0.50),
        p99_ms=_percentile(ordered, 0.99),
        max_ms=ordered[-1] if ordered else 0.0,
        errors=errors,
        requests=len(ordered) + errors,
    )


def _write_request(
    kind: str, number: int, run_id: str, post_id: int
) -> tuple[str, dict[str, str], dict[str, tuple[str, bytes, str]] | None]:
    """Path, form fields and files of write ``number``, as the page's forms send them."""
    if kind == "post":
        # The composer is multipart with an empty file input; unique text, or
        # the same post sent twice in a minute is taken as a double click.
        fields = {
            "source": COMPANY_SOURCE,
            "stream": "stream",
            "next": "/",
            "body": f"Bench post {run_id}-{number}: load test, please ignore. #bench",
        }
        return "/posts", fields, {"attachments": ("", b"", "application/octet-stream")}
    if kind == "comment":
        return (
            f"/posts/{post_id}/comments",
            {"body": f"Bench comment {run_id}-{number}", "parent_id": ""},
            None,
        )
    kinds = list(ReactionKind)
    return (
        f"/posts/{post_id}/reactions",
        {"kind": kinds[number % len(kinds)].value, "next": ""},
        None,
    )


async def _send(
    client: httpx.AsyncClient,
    session: BenchSession,
    kind: str,
    number: int,
    run_id: str,
    post_id: int,
    outcome: _Outcome,
) -> None:
    path, fields, files = _write_request(kind, number, run_id, post_id)
    headers = {
        "cookie": session.cookie,
        "x-csrf-token": session.csrf_token,
        "origin": str(client.base_url).rstrip("/"),
        # htmx sends these; comments and reactions answer with a fragment.
        "hx-request": "true",
    }
    started = time.perf_counter()
    try:
        response = await client.post(path, data=fields, files=files, headers=headers)
    except httpx.HTTPError:
        outcome.errors += 1
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    # A new post answers 303 to the page it came from; the others 200.
    if response.status_code in (200, 303):
        outcome.latencies_ms.append(elapsed_ms)
    else:
        outcome.errors += 1


async def send_writes(
    base_url: str,
    sessions: Sequence[BenchSession],
    *,
    post_id: int,
    rate: float,
    seconds: float,
) -> dict[str, LatencyFigures]:
    """Send ``rate`` writes a second for ``seconds``, rotating kinds and people.

    Returns the figures of each kind, plus ``all`` for every write together.
    """
    if not sessions:
        raise ValueError("writes need at least one session")
    run_id = secrets.token_hex(3)
    outcomes = {kind: _Outcome() for kind in WRITE_KINDS}
    interval = 1.0 / rate
    total = max(1, int(rate * seconds))
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    tasks: list[asyncio.Task[None]] = []
    people = itertools.cycle(sessions)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=30.0, limits=limits, follow_redirects=False
    ) as client:
        started = time.perf_counter()
        for number in range(total):
            delay = started + number * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = WRITE_KINDS[number % len(WRITE_KINDS)]
            tasks.append(
                asyncio.create_task(
                    _send(client, next(people), kind, number, run_id, post_id, outcomes[kind])
                )
            )
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    figures = {
        kind: latency_figures(outcome.latencies_ms, outcome.errors, elapsed)
        for kind, outcome in outcomes.items()
    }
    every = [ms for outcome in outcomes.values() for ms in outcome.latencies_ms]
    errors = sum(outcome.errors for outcome in outcomes.values())
    figures["all"] = latency_figures(every, errors, elapsed)
    return figures
