"""`esn bench`: the real server under load, 1 worker then 2, reads, writes, live.

The steps: migrate and, when empty, seed the database; pick personas and pages
by SQL; then for each worker count start uvicorn exactly as `esn serve` does
(plus ESN_BENCH=1), pinned to one core with the load generators on another,
and measure reads with wrk, writes under read load, SQL statements per page
and live delivery. The server is stopped whatever happens.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import platform
import re
import resource
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console
from sqlalchemy import make_url

from esn.settings import PROJECT_ROOT, Settings
from esn_tools.bench import report
from esn_tools.bench.live import measure_live_delivery
from esn_tools.bench.personas import Targets, count_users, load_targets
from esn_tools.bench.server import ServerProcess, running_server
from esn_tools.bench.types import BenchSession, LatencyFigures
from esn_tools.bench.writes import send_writes
from esn_tools.bench.wrk import (
    ensure_wrk,
    finish_wrk,
    lua_script,
    median_by_rps,
    run_wrk,
    start_wrk,
    wrk_version,
)
from esn_tools.scale import SCALES

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TRIVIAL = "trivial"
HOME_PAGES = 5
LONGEST_RETRY_SECONDS = 60
_MORE_LINK = re.compile(r'class="stream-more"><a href="([^"]+)"')


class BenchError(RuntimeError):
    """The benchmark cannot run (the message says why, for the operator)."""


@dataclass(frozen=True)
class BenchOptions:
    """What `esn bench` was asked; None means the default for the mode."""

    scale: str | None = None
    quick: bool = False
    json_path: Path | None = None
    duration: int | None = None
    workers: tuple[int, ...] = (1, 2)
    # None: ESN_DATABASE_URL through Settings, or a throwaway SQLite file with --quick.
    database_url: str | None = None
    redis_url: str = DEFAULT_REDIS_URL
    concurrency: tuple[int, ...] | None = None
    runs: int | None = None


@dataclass(frozen=True)
class Plan:
    """The concrete amounts of one benchmark."""

    scale: str
    concurrency: tuple[int, ...]
    seconds: int
    runs: int
    warmup_seconds: int
    write_rate: float
    write_seconds: int
    write_read_concurrency: int
    socket_counts: tuple[int, ...]
    live_posts: int
    live_timeout: float
    # Different people behind the live sockets and the writes.
    socket_people: int


def make_plan(options: BenchOptions) -> Plan:
    """Defaults for a full or a quick run, overridden by what was asked."""
    scale = (options.scale or ("XS" if options.quick else "S")).upper()
    if scale not in SCALES:
        raise BenchError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    if options.quick:
        seconds = options.duration or 1
        return Plan(
            scale=scale,
            # Low concurrency: every 1-second run still completes requests on a busy machine.
            concurrency=options.concurrency or (2,),
            seconds=seconds,
            runs=options.runs or 1,
            warmup_seconds=0,
            write_rate=5.0,
            write_seconds=max(2, seconds),
            write_read_concurrency=8,
            socket_counts=(50,),
            live_posts=3,
            live_timeout=10.0,
            socket_people=10,
        )
    seconds = options.duration or 5
    return Plan(
        scale=scale,
        concurrency=options.concurrency or (1, 8, 32, 64),
        seconds=seconds,
        runs=options.runs or 3,
        warmup_seconds=max(1, seconds // 2),
        write_rate=50.0,
        write_seconds=seconds,
        write_read_concurrency=8,
        socket_counts=(1000, 5000),
        live_posts=20,
        live_timeout=30.0,
        socket_people=50,
    )


@dataclass(frozen=True)
class Endpoint:
    """One page read under load, as ``persona``."""

    key: str
    label: str
    path: str
    persona: str


@dataclass
class _Context:
    """What every step of one benchmark shares."""

    plan: Plan
    console: Console
    targets: Targets
    wrk: str
    script: Path
    server_cpu: int | None
    load_cpu: int | None
    notes: list[str] = field(default_factory=list)


# --- database --------------------------------------------------------------------


def _migrate(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def _seed(database_url: str, scale: str, console: Console) -> None:
    """Load the synthetic company of ``scale`` into the empty database."""
    from esn_tools.scale import ScaleRefused, seed_scale

    try:
        summary = seed_scale(database_url, scale, quiet=True)
    except ScaleRefused as exc:
        raise BenchError(f"cannot seed scale {scale}: {exc}") from exc
    console.print(f"Seeded scale {summary.scale} in {summary.seconds:.1f} s.")


@contextmanager
def _database(options: BenchOptions) -> Iterator[tuple[str, Path | None, bool]]:
    """The database URL, the server's var/ folder (None: the default), throwaway or not."""
    if options.database_url:
        yield options.database_url, None, False
    elif options.quick:
        with tempfile.TemporaryDirectory(prefix="esn-bench-") as folder:
            path = Path(folder) / "bench.sqlite3"
            yield f"sqlite+aiosqlite:///{path}", Path(folder) / "var", True
    else:
        yield Settings.from_env().database_url, None, False


# --- machine -----------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpus() -> tuple[int | None, int | None]:
    """The server's core and the load generator's, when there are two to pin to."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2 or shutil.which("taskset") is None:
        return None, None
    return usable[0], usable[1]


def _allow_many_sockets() -> None:
    """Raise the open-file limit to its maximum; the server inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def machine_info(wrk: str, server_cpu: int | None, load_cpu: int | None) -> dict[str, Any]:
    """Where the figures were measured."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version(wrk),
        "server_cpu": server_cpu,
        "load_cpu": load_cpu,
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


# --- one server --------------------------------------------------------------------


def _sessions(http: httpx.Client, user_ids: list[int]) -> dict[int, BenchSession]:
    found = {}
    for user_id in dict.fromkeys(user_ids):
        response = http.get("/_bench/session", params={"user_id": user_id})
        if response.status_code != 200:
            raise BenchError(f"/_bench/session?user_id={user_id} answered {response.status_code}")
        data = response.json()
        found[user_id] = BenchSession(user_id, data["cookie"], data["csrf_token"])
    return found


def _home_page(http: httpx.Client, session: BenchSession, page: int) -> tuple[str, int]:
    """The path of home page ``page`` by following "More", and the page reached."""
    path = "/"
    for reached in range(1, page):
        response = http.get(path, headers={"cookie": session.cookie})
        match = _MORE_LINK.search(response.text)
        if match is None:
            return path, reached
        path = html.unescape(match.group(1))
    return path, page


def _endpoints(
    ctx: _Context, http: httpx.Client, sessions: dict[str, BenchSession]
) -> list[Endpoint]:
    targets = ctx.targets
    found = [
        Endpoint(TRIVIAL, "trivial", "/_bench/trivial", "typical"),
        Endpoint("plaintext", "plaintext", "/_bench/plaintext", "typical"),
    ]
    for name in targets.personas():
        found.append(Endpoint(f"home_p1_{name}", f"home p1 {name}", "/", name))
    # The same people deeper in their stream: keyset paging must not slow down.
    for name in targets.personas():
        path, reached = _home_page(http, sessions[name], HOME_PAGES)
        label = f"home p{HOME_PAGES} {name}"
        if reached < HOME_PAGES:
            ctx.notes.append(f"the home stream of '{name}' ends at page {reached}")
            label = f"home p{reached}(end) {name}"
        found.append(Endpoint(f"home_p{HOME_PAGES}_{name}", label, path, name))
    if targets.group_slug:
        path = f"/groups/{quote(targets.group_slug)}"
        found.append(Endpoint("group", "group", path, "typical"))
    if targets.profile_handle:
        path = f"/people/{quote(targets.profile_handle)}"
        found.append(Endpoint("profile", "profile", path, "typical"))
    if targets.topic_tag:
        path = f"/topics/{quote(targets.topic_tag)}"
        found.append(Endpoint("topic", "topic", path, "typical"))
    if targets.post_id:
        path = f"/posts/{targets.post_id}"
        found.append(Endpoint("post", "post", path, "typical"))
    found.append(Endpoint("notifications", "notifications", "/notifications", "typical"))
    return found


def _probe(
    http: httpx.Client,
    server: ServerProcess,
    endpoints: list[Endpoint],
    sessions: dict[str, BenchSession],
) -> dict[str, int | None]:
    """One GET of each page: it must answer 200; X-Query-Count is its SQL statements."""
    queries: dict[str, int | None] = {}
    for endpoint in endpoints:
        response = http.get(endpoint.path, headers={"cookie": sessions[endpoint.persona].cookie})
        if response.status_code != 200:
            raise BenchError(
                f"{endpoint.path} answered {response.status_code}, not 200; the server said:\n"
                + server.log_tail()
            )
        count = response.headers.get("x-query-count")
        queries[endpoint.key] = int(count) if count is not None else None
    return queries


def _settle(ctx: _Context, server: ServerProcess, after: str) -> None:
    """Let the server finish what the last load left it before measuring again."""
    if not server.wait_until_idle():
        ctx.notes.append(f"the server was still busy 2 minutes after {after}")


def _read_load(
    ctx: _Context,
    server: ServerProcess,
    url: str,
    cookie: str,
    *,
    label: str,
    connections: int,
    seconds: int,
) -> LatencyFigures:
    """One wrk run, then a pause until the server is idle again.

    A run in which no answer came back says nothing about throughput (every
    request took longer than the run): it is made again, four times longer.
    """
    for attempt_seconds in (seconds, min(seconds * 4, LONGEST_RETRY_SECONDS)):
        figures = run_wrk(
            ctx.wrk,
            url,
            connections=connections,
            seconds=attempt_seconds,
            script=ctx.script,
            cookie=cookie,
            cpu=ctx.load_cpu,
        )
        _settle(ctx, server, f"{label} at c={connections}")
        if figures.requests:
            break
        ctx.notes.append(
            f"{label} at c={connections}: nothing answered within {attempt_seconds} s"
            + ("" if attempt_seconds > seconds else "; measured again for longer")
        )
    return figures


def _measure_reads(
    ctx: _Context,
    server: ServerProcess,
    endpoints: list[Endpoint],
    sessions: dict[str, BenchSession],
    queries: dict[str, int | None],
    workers: int,
) -> dict[str, Any]:
    plan = ctx.plan
    measured: dict[str, dict[int, LatencyFigures]] = {}
    for endpoint in endpoints:
        url = server.base_url + endpoint.path
        cookie = sessions[endpoint.persona].cookie
        if plan.warmup_seconds:
            _read_load(
                ctx,
                server,
                url,
                cookie,
                label=f"{endpoint.label} (warm-up)",
                connections=8,
                seconds=plan.warmup_seconds,
            )
        measured[endpoint.key] = {}
        for concurrency in plan.concurrency:
            runs = [
                _read_load(
                    ctx,
                    server,
                    url,
                    cookie,
                    label=f"{workers}w {endpoint.label}",
                    connections=concurrency,
                    seconds=plan.seconds,
                )
                for _ in range(plan.runs)
            ]
            figures = median_by_rps(runs)
            measured[endpoint.key][concurrency] = figures
            ctx.console.print(
                f"  {workers}w {endpoint.label:<22} c={concurrency:<3}"
                f" {report.rps_text(figures.rps):>8} rps  p99 {figures.p99_ms:7.1f} ms"
                + (f"  [red]{figures.errors} errors[/]" if figures.errors else ""),
                highlight=False,
            )
    return {
        endpoint.key: {
            "label": endpoint.label,
            "path": endpoint.path,
            "persona": endpoint.persona,
            "queries": queries.get(endpoint.key),
            "concurrency": {
                str(concurrency): report.latency_dict(figures, measured[TRIVIAL][concurrency].rps)
                for concurrency, figures in measured[endpoint.key].items()
            },
        }
        for endpoint in endpoints
    }


def _measure_writes(
    ctx: _Context,
    server: ServerProcess,
    typical: BenchSession,
    writers: list[BenchSession],
) -> dict[str, Any]:
    plan = ctx.plan
    assert ctx.targets.post_id is not None
    home_reads = start_wrk(
        ctx.wrk,
        server.base_url + "/",
        connections=plan.write_read_concurrency,
        seconds=plan.write_seconds,
        script=ctx.script,
        cookie=typical.cookie,
        cpu=ctx.load_cpu,
    )
    try:
        figures = asyncio.run(
            send_writes(
                server.base_url,
                writers,
                post_id=ctx.targets.post_id,
                rate=plan.write_rate,
                seconds=plan.write_seconds,
            )
        )
    except BaseException:
        home_reads.kill()
        home_reads.wait()
        raise
    home_read = finish_wrk(home_reads, plan.write_seconds)
    _settle(ctx, server, "the writes")
    return {
        "rate": plan.write_rate,
        "seconds": plan.write_seconds,
        "read_concurrency": plan.write_read_concurrency,
        "figures": {kind: report.latency_dict(value) for kind, value in figures.items()},
        "home_read": report.latency_dict(home_read),
    }


def _measure_live(
    ctx: _Context,
    server: ServerProcess,
    publisher: BenchSession,
    listeners: list[BenchSession],
    notes: list[str],
) -> list[dict[str, Any]]:
    results = []
    for sockets in ctx.plan.socket_counts:
        try:
            figures = measure_live_delivery(
                server.base_url,
                listeners,
                publisher,
                sockets=sockets,
                posts=ctx.plan.live_posts,
                server_pid=server.pid,
                timeout=ctx.plan.live_timeout,
            )
        except Exception as exc:  # one failed measurement must not lose the others
            notes.append(f"live delivery with {sockets} sockets failed: {exc}")
            continue
        finally:
            _settle(ctx, server, f"{sockets} live sockets")
        ctx.console.print(
            f"  live {sockets} sockets: {figures.connected} connected,"
            f" {figures.received}/{figures.expected} received, p99 {figures.p99_ms:.1f} ms",
            highlight=False,
        )
        results.append(report.live_dict(figures))
    return results


def _with_channel_prefix(redis_url: str) -> str:
    """A prefix of our own, so other esn instances on this Redis hear nothing."""
    separator = "&" if "?" in redis_url else "?"
    return f"{redis_url}{separator}channel_prefix=esn-bench-{secrets.token_hex(4)}:"


def _redis_problem(redis_url: str) -> str | None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(redis_url, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except RedisError as exc:
        return f"Redis at {redis_url} is unreachable ({exc})"
    return None


def _measure_server(
    ctx: _Context,
    server: ServerProcess,
    http: httpx.Client,
    workers: int,
    notes: list[str],
    lap: Callable[[str], None],
) -> dict[str, Any]:
    """Sessions, probes, reads, writes and live delivery against a running server."""
    targets = ctx.targets
    rss: dict[str, dict[str, float]] = {"idle": server.rss_mb()}
    personas = targets.personas()
    by_id = _sessions(
        http,
        [persona.user_id for persona in personas.values()] + targets.socket_user_ids,
    )
    sessions = {name: by_id[persona.user_id] for name, persona in personas.items()}
    endpoints = _endpoints(ctx, http, sessions)
    queries = _probe(http, server, endpoints, sessions)
    lap("sessions_and_probes")
    result: dict[str, Any] = {
        "endpoints": _measure_reads(ctx, server, endpoints, sessions, queries, workers),
        "queries_per_request": queries,
    }
    lap("reads")
    rss["after_reads"] = server.rss_mb()
    writers = [by_id[user_id] for user_id in targets.socket_user_ids]
    if targets.post_id is not None:
        result["writes"] = _measure_writes(ctx, server, sessions["typical"], writers)
        rss["after_writes"] = server.rss_mb()
    else:
        notes.append("writes skipped: no company post to comment on")
    lap("writes")
    result["live"] = _measure_live(ctx, server, sessions["typical"], writers, notes)
    lap("live")
    rss["end"] = server.rss_mb()
    result["rss_mb"] = rss
    result["server_pid"] = server.pid
    return result


def _run_workers(
    ctx: _Context,
    workers: int,
    database_url: str,
    var_dir: Path | None,
    redis_url: str,
    log_dir: Path,
) -> dict[str, Any]:
    """Every measurement against one server with ``workers`` processes."""
    notes: list[str] = []
    broadcast_url = "memory://"
    if workers > 1:
        problem = _redis_problem(redis_url)
        if problem:
            return {"skipped": f"{workers} workers need Redis for live updates: {problem}"}
        broadcast_url = _with_channel_prefix(redis_url)
    ctx.console.print(f"[bold]Server with {workers} worker(s)[/] ({broadcast_url})")
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[phase] = round(now - clock, 1)
        clock = now

    with (
        running_server(
            database_url=database_url,
            workers=workers,
            broadcast_url=broadcast_url,
            var_dir=var_dir,
            log_path=log_dir / f"server-{workers}w.log",
            cpu=ctx.server_cpu,
        ) as server,
        httpx.Client(base_url=server.base_url, timeout=60.0) as http,
    ):
        lap("startup")
        try:
            result = _measure_server(ctx, server, http, workers, notes, lap)
        except httpx.HTTPError as exc:
            raise BenchError(f"{exc!r}; the server said:\n{server.log_tail()}") from exc
    lap("shutdown")
    result["seconds"] = timings
    result["broadcast"] = "redis" if workers > 1 else "memory"
    result["notes"] = notes
    return result


def run_bench(options: BenchOptions, console: Console | None = None) -> dict[str, Any]:
    """Run the whole benchmark; print the tables, write ``json_path``; return the figures."""
    console = console or Console()
    plan = make_plan(options)
    notes: list[str] = []
    with ExitStack() as stack:
        database_url, var_dir, throwaway = stack.enter_context(_database(options))
        shown = make_url(database_url).render_as_string(hide_password=True)
        console.print(f"Database: {shown}" + (" (throwaway)" if throwaway else ""))
        _migrate(database_url)
        existing_people = asyncio.run(count_users(database_url))
        if existing_people == 0:
            console.print(f"Seeding scale {plan.scale}…")
            _seed(database_url, plan.scale, console)
        else:
            notes.append(
                f"the database already had {existing_people} people: measured as it is,"
                f" scale {plan.scale} was not seeded"
            )
        try:
            targets = asyncio.run(load_targets(database_url, plan.socket_people))
        except LookupError as exc:
            raise BenchError(str(exc)) from exc
        wrk = ensure_wrk()
        _allow_many_sockets()
        server_cpu, load_cpu = _cpus()
        if server_cpu is None:
            notes.append("fewer than 2 usable cores (or no taskset): nothing is pinned")
        ctx = _Context(
            plan=plan,
            console=console,
            targets=targets,
            wrk=wrk,
            script=stack.enter_context(lua_script()),
            server_cpu=server_cpu,
            load_cpu=load_cpu,
            notes=notes,
        )
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="esn-bench-log-")))
        result: dict[str, Any] = {
            "machine": machine_info(wrk, server_cpu, load_cpu),
            "plan": {
                "concurrency": list(plan.concurrency),
                "seconds": plan.seconds,
                "runs": plan.runs,
                "warmup_seconds": plan.warmup_seconds,
                "quick": options.quick,
            },
            "dataset": {
                "database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
                "database_version": targets.database_version,
                # None: the data was already there, whatever its size.
                "scale": plan.scale if existing_people == 0 else None,
                "counts": targets.counts,
            },
            "personas": {
                name: {
                    "user_id": persona.user_id,
                    "follows": persona.follows,
                    "memberships": persona.memberships,
                }
                for name, persona in targets.personas().items()
            },
            "workers": {},
            "notes": notes,
        }
        notes.extend(targets.notes)
        load = result["machine"]["load_average_at_start"]
        if load > 0.5:
            notes.append(
                f"the machine was already busy (load average {load}): every figure is pessimistic"
            )
        for workers in options.workers:
            result["workers"][str(workers)] = _run_workers(
                ctx, workers, database_url, var_dir, options.redis_url, log_dir
            )
    result["notes"] = list(dict.fromkeys(notes))
    report.print_report(console, result)
    if options.json_path is not None:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        options.json_path.write_text(json.dumps(result, indent=2) + "\n")
        console.print(f"Figures written to {options.json_path}.")
    return result
