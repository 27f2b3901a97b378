"""Live delivery under load: many open /ws sockets, posts published one by one,
and how long each post took to reach each socket.

The sockets live in child processes (``python -m esn_tools.bench.live``, one per
``SOCKETS_PER_PROCESS`` sockets) so that nothing the caller does delays a
reception. Caller and child speak JSON lines: the caller writes the child's
configuration on its stdin, the child answers ``ready`` once its sockets are
open and have their first frame, the caller writes ``collect`` after the last
post, and the child answers ``result`` with its reception times, then closes
its sockets and exits. The child also exits when its stdin closes, so it never
outlives a caller that died.

Send and reception times are both ``time.monotonic()``: CLOCK_MONOTONIC is
one clock for the whole Linux system, so times taken in different processes
can be subtracted.

Each post carries a marker of its own in its text (the run's random marker
plus the post's number); a socket's reception of post ``i`` is the first frame
with that marker. This needs neither the post's id from the POST's response
(a redirect) nor any assumption about ids or about other posts being made
meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import resource
import secrets
import statistics
import sys
import time
from collections import Counter, deque
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from esn_tools.bench.types import BenchSession, LiveFigures

log = logging.getLogger("esn_tools.bench")

T = TypeVar("T")

#: One client process holds at most this many sockets (its event loop is the
#: limit: with 2 cores, one process keeps up with 5,000 sockets).
SOCKETS_PER_PROCESS = 5_000
#: Sockets opened at once: enough to open thousands quickly, few enough not
#: to overflow the server's accept queue (uvicorn's backlog is 2,048).
CONNECT_BATCH = 200
#: Gap between two posts, after the previous one was answered.
POST_INTERVAL = 0.2
#: Time allowed per socket to open, on top of ``timeout``, for the connect phase
#: (one worker on 2 busy cores opened 4,000 sockets in 130 s).
CONNECT_SECONDS_PER_SOCKET = 0.04
#: Time a child has to close its sockets and exit after reporting.
CLOSE_SECONDS = 15.0

BELL_TARGET = 'hx-target="#bell-count"'
POST_ID = re.compile(r'id="post-(\d+)"')


class LiveBenchError(RuntimeError):
    """The live-delivery measurement could not be made (server gone, client failed...)."""


# --- the server's processes ---------------------------------------------------------


def _state_and_parent(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent pid, from /proc; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may itself contain spaces and parentheses.
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def _is_helper(pid: int) -> bool:
    """multiprocessing's resource tracker: a child of the server that serves nothing."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"resource_tracker" in command or b"semaphore_tracker" in command


def server_worker_pids(server_pid: int) -> list[int]:
    """The processes serving requests: uvicorn's worker children, or the server itself.

    uvicorn with ``--workers N`` is a supervisor whose children (started with
    multiprocessing's spawn, beside its resource tracker) serve; with one
    worker the process serves by itself.
    """
    server = _state_and_parent(server_pid)
    # A killed server stays a zombie until its parent waits for it.
    if server is None or server[0] in "ZX":
        raise LiveBenchError(f"the server process {server_pid} is not running")
    children = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            child = _state_and_parent(int(entry.name))
            if child is not None and child[1] == server_pid and child[0] not in "ZX":
                children.append(int(entry.name))
    workers = sorted(pid for pid in children if not _is_helper(pid))
    return workers or [server_pid]


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MiB (VmRSS)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError as exc:
        raise LiveBenchError(f"cannot read the memory of process {pid}: {exc}") from exc
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LiveBenchError(f"process {pid} has no resident memory (a zombie?)")


def server_rss_mb(server_pid: int) -> list[float]:
    """Resident memory of each of the server's workers, in MiB."""
    return [rss_mb(pid) for pid in server_worker_pids(server_pid)]


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --- the client process -------------------------------------------------------------


@dataclass
class ClientConfig:
    """What one client process is told: which sockets to open and how."""

    ws_url: str
    origin: str
    #: One Cookie header per session; socket ``g`` uses ``cookies[g % len(cookies)]``.
    cookies: list[str]
    first: int
    count: int
    marker: str
    batch: int
    open_timeout: float
    #: time.monotonic() after which no more sockets are opened.
    connect_deadline: float
    #: Seconds after which the process gives up on its caller and exits.
    lifetime: float


def _failure(exc: BaseException) -> str:
    """A short reason a socket could not open, to count alike failures together."""
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else "without a close frame"
        return f"closed {code}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    return type(exc).__name__


class _Socket:
    """One open socket and the first time each post reached it."""

    def __init__(self, connection: ClientConnection, marker: re.Pattern[str]) -> None:
        self.connection = connection
        self.marker = marker
        self.received: dict[int, float] = {}
        self.post_ids: dict[int, int] = {}
        self.closed_early = False
        self.task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        try:
            async for frame in self.connection:
                # Taken first: what follows is the harness's own work.
                now = time.monotonic()
                if not isinstance(frame, str):
                    continue
                found = self.marker.search(frame)
                if found is None:
                    continue
                index = int(found.group(1))
                if index not in self.received:
                    self.received[index] = now
                    post_id = POST_ID.search(frame)
                    if post_id is not None:
                        self.post_ids[index] = int(post_id.group(1))
        except ConnectionClosed:
            pass
        self.closed_early = True

    def has_all(self, posts: int) -> bool:
        return self.closed_early or len(self.received) >= posts


async def _open_socket(config: ClientConfig, number: int) -> ClientConnection:
    """Open socket ``number`` and wait for its first frame, the bell."""
    loop = asyncio.get_running_loop()
    within = max(0.1, min(config.open_timeout, config.connect_deadline - time.monotonic()))
    started = loop.time()
    connection = await connect(
        config.ws_url,
        origin=Origin(config.origin),
        additional_headers={"Cookie": config.cookies[number % len(config.cookies)]},
        # A browser tab would negotiate compression; the harness must not pay
        # for it while measuring the server.
        compression=None,
        open_timeout=within,
        # The server pings; the client answers without pinging 5,000 times itself.
        ping_interval=None,
        close_timeout=2,
        max_size=2**22,
        proxy=None,
        user_agent_header="esn-bench",
    )
    try:
        left = max(0.1, within - (loop.time() - started))
        first = await asyncio.wait_for(connection.recv(), left)
        if not isinstance(first, str) or BELL_TARGET not in first:
            raise LiveBenchError("the first frame was not the bell")
    except BaseException:
        await connection.close()
        raise
    return connection


async def _open_all(
    config: ClientConfig, marker: re.Pattern[str]
) -> tuple[list[_Socket], Counter[str]]:
    """Open the sockets batch by batch; how many failed and why is counted, not raised."""
    sockets: list[_Socket] = []
    failures: Counter[str] = Counter()
    numbers = range(config.first, config.first + config.count)
    for start in range(0, len(numbers), config.batch):
        batch = numbers[start : start + config.batch]
        if time.monotonic() >= config.connect_deadline:
            failures["not tried: connect deadline passed"] += len(batch)
            continue
        outcomes = await asyncio.gather(
            *(_open_socket(config, number) for number in batch), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, ClientConnection):
                sockets.append(_Socket(outcome, marker))
            else:
                failures[_failure(outcome)] += 1
    return sockets, failures


def _emit(message: dict[str, Any]) -> None:
    """One JSON line to the caller."""
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _stdin_reader() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def _next_command(reader: asyncio.StreamReader, within: float) -> dict[str, Any] | None:
    """The caller's next command; None when it went away or said nothing in time."""
    try:
        line = await asyncio.wait_for(reader.readline(), max(0.0, within))
    except TimeoutError:
        return None
    if not line:
        return None
    command: dict[str, Any] = json.loads(line)
    return command


async def run_client(config: ClientConfig, reader: asyncio.StreamReader) -> None:
    """Open the sockets, report, wait for "collect", report the receptions, close."""
    given_up_at = time.monotonic() + config.lifetime
    marker = re.compile(re.escape(config.marker) + r"p(\d+)q")
    sockets, failures = await _open_all(config, marker)
    try:
        _emit({"event": "ready", "connected": len(sockets), "failures": dict(failures)})
        command = await _next_command(reader, given_up_at - time.monotonic())
        if command is None or command.get("command") != "collect":
            return
        posts = int(command["posts"])
        deadline = float(command["deadline"])
        caller_gone = asyncio.create_task(reader.readline())
        while time.monotonic() < deadline and not caller_gone.done():
            if all(socket.has_all(posts) for socket in sockets):
                break
            # Only the end of the run waits on this: receptions are timed as they come.
            await asyncio.sleep(0.1)
        caller_gone.cancel()
        post_ids: dict[int, int] = {}
        for socket in sockets:
            for index, post_id in socket.post_ids.items():
                post_ids.setdefault(index, post_id)
        _emit(
            {
                "event": "result",
                "times": [[socket.received.get(i) for i in range(posts)] for socket in sockets],
                "closed_early": sum(socket.closed_early for socket in sockets),
                "post_ids": post_ids,
                # To tell whether the clients themselves were short of CPU.
                "cpu_seconds": time.process_time(),
            }
        )
    finally:
        await _close_all(sockets)


async def _close_all(sockets: list[_Socket]) -> None:
    """Close every socket politely, within CLOSE_SECONDS; exiting drops the rest."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(
                *(socket.connection.close() for socket in sockets), return_exceptions=True
            ),
            CLOSE_SECONDS - 2,
        )
    for socket in sockets:
        socket.task.cancel()
    await asyncio.gather(*(socket.task for socket in sockets), return_exceptions=True)


async def _client_main() -> None:
    reader = await _stdin_reader()
    line = await asyncio.wait_for(reader.readline(), 30)
    if not line:
        raise LiveBenchError("no configuration on stdin")
    config = ClientConfig(**json.loads(line))
    await run_client(config, reader)


def _raise_file_limit() -> None:
    """Thousands of sockets need thousands of descriptors: take the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    """The client process: ``python -m esn_tools.bench.live``, configured on stdin."""
    _raise_file_limit()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        asyncio.run(_client_main())
    else:
        uvloop.run(_client_main())


# --- the caller ---------------------------------------------------------------------


class _ClientProcess:
    """A running client process and the end of its stderr, for error messages."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self._drain = asyncio.create_task(self._read_stderr())

    @classmethod
    async def start(cls, config: ClientConfig) -> _ClientProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "esn_tools.bench.live",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # The result line holds every reception time.
            limit=2**28,
        )
        client = cls(process)
        # Cookies go through the pipe, not the command line others can read.
        client.send(asdict(config))
        return client

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.stderr_tail.append(line.decode(errors="replace").rstrip())

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def receive(self, event: str, deadline: float) -> dict[str, Any]:
        """The child's next message, which must be ``event``, before ``deadline``."""
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(
                self.process.stdout.readline(), max(0.0, deadline - time.monotonic())
            )
        except TimeoutError:
            raise LiveBenchError(
                f"the websocket client process {self.process.pid} did not report"
                f" {event!r} in time{self._stderr()}"
            ) from None
        if not line:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 2)
                await asyncio.wait_for(asyncio.shield(self._drain), 2)
            raise LiveBenchError(
                f"the websocket client process {self.process.pid} exited"
                f" ({self.process.returncode}) before reporting {event!r}{self._stderr()}"
            )
        message: dict[str, Any] = json.loads(line)
        if message.get("event") != event:
            raise LiveBenchError(f"expected {event!r} from a client process, got {message}")
        return message

    def _stderr(self) -> str:
        return (":\n" + "\n".join(self.stderr_tail)) if self.stderr_tail else ""

    async def stop(self) -> None:
        """Let the child close its sockets and exit; kill it if it takes too long."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), CLOSE_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drain, 2)
        self._drain.cancel()


async def _publish(
    base_url: str,
    publisher: BenchSession,
    marker: str,
    posts: int,
    interval: float,
    request_seconds: float,
    server_pid: int,
) -> list[float]:
    """Post ``posts`` times to the company stream; when each POST was sent.

    A post the server fails to answer in time, or answers with a server error,
    is a result, not a harness failure: it is logged, and counts as lost on
    every socket unless it arrives anyway. A refusal (4xx) means the harness
    is misconfigured (session, CSRF token, form) and raises, as does a server
    process that died.
    """
    headers = {
        "Origin": base_url,
        "X-CSRF-Token": publisher.csrf_token,
        "Cookie": publisher.cookie,
    }
    sent: list[float] = []
    answered: list[float] = []
    failed: list[str] = []
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=request_seconds, trust_env=False
    ) as http:
        for index in range(posts):
            if index:
                await asyncio.sleep(interval)
            body = f"Live delivery check {index + 1} of {posts} ({marker}p{index}q)"
            form = {"source": "company", "body": body, "next": "/", "stream": "stream"}
            started = time.monotonic()
            sent.append(started)
            try:
                response = await http.post("/posts", data=form)
            except httpx.HTTPError as exc:
                server_worker_pids(server_pid)  # raises if the server is gone
                failed.append(f"post {index + 1}: {exc!r}")
                continue
            answered.append(time.monotonic() - started)
            if response.status_code >= 500:
                failed.append(f"post {index + 1}: HTTP {response.status_code}")
            elif response.status_code != 303:
                raise LiveBenchError(
                    f"post {index + 1} was refused: HTTP {response.status_code}"
                    f" {response.text[:300]!r}"
                )
    if failed:
        log.warning("%d of %d posts failed: %s", len(failed), posts, "; ".join(failed))
    if answered:
        log.info(
            "posts answered in %.0f ms (median), %.0f ms (slowest)",
            statistics.median(answered) * 1000,
            max(answered) * 1000,
        )
    return sent


async def _all(coroutines: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Every result, or the first error with the other coroutines cancelled."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _ws_url(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws?sources=company"


async def _measure(
    base_url: str,
    sessions: list[BenchSession],
    publisher: BenchSession,
    *,
    sockets: int,
    posts: int,
    server_pid: int,
    wait_seconds: float,
    post_interval: float,
    batch: int,
    processes: int,
) -> LiveFigures:
    rss_idle = server_rss_mb(server_pid)
    marker = f"livebench{secrets.token_hex(4)}"
    cookies = [session.cookie for session in sessions]
    connect_deadline = time.monotonic() + wait_seconds + sockets * CONNECT_SECONDS_PER_SOCKET
    # Long enough for every phase; the child exits by itself after it.
    lifetime = (
        (connect_deadline - time.monotonic())
        + posts * (post_interval + wait_seconds)
        + wait_seconds
    )
    shares = [sockets // processes + (i < sockets % processes) for i in range(processes)]
    clients: list[_ClientProcess] = []
    began = time.monotonic()
    try:
        first = 0
        for share in shares:
            config = ClientConfig(
                ws_url=_ws_url(base_url),
                origin=base_url,
                cookies=cookies,
                first=first,
                count=share,
                marker=marker,
                # The server sees one batch from each process at once.
                batch=max(1, batch // processes),
                open_timeout=wait_seconds,
                connect_deadline=connect_deadline,
                lifetime=lifetime,
            )
            clients.append(await _ClientProcess.start(config))
            first += share
        ready = await _all(
            [client.receive("ready", connect_deadline + wait_seconds) for client in clients]
        )
        connected = sum(int(message["connected"]) for message in ready)
        failures: Counter[str] = Counter()
        for message in ready:
            failures.update(message["failures"])
        if failures:
            log.warning(
                "%d of %d sockets did not open: %s",
                sockets - connected,
                sockets,
                ", ".join(f"{reason} ({count})" for reason, count in failures.most_common()),
            )
        rss_with_sockets = server_rss_mb(server_pid)
        log.info("%d sockets open in %.1f s", connected, time.monotonic() - began)

        sent = await _publish(
            base_url, publisher, marker, posts, post_interval, wait_seconds, server_pid
        )
        deadline = sent[-1] + wait_seconds
        log.info("%d posts published in %.1f s", posts, time.monotonic() - sent[0])
        for client in clients:
            client.send({"command": "collect", "posts": posts, "deadline": deadline})
        results = await _all(
            [client.receive("result", deadline + CLOSE_SECONDS) for client in clients]
        )
        log.info("receptions collected %.1f s after the last post", time.monotonic() - sent[-1])
    finally:
        await asyncio.gather(*(client.stop() for client in clients))

    latencies: list[float] = []
    closed_early = 0
    post_ids: dict[str, int] = {}
    for result in results:
        closed_early += int(result["closed_early"])
        post_ids.update(result["post_ids"])
        for row in result["times"]:
            for index, received_at in enumerate(row):
                if received_at is not None and received_at <= deadline:
                    latencies.append((received_at - sent[index]) * 1000)
    log.info(
        "websocket clients used %.1f s of CPU over %.1f s; post ids %s",
        sum(float(result["cpu_seconds"]) for result in results),
        time.monotonic() - began,
        ", ".join(str(post_ids[key]) for key in sorted(post_ids, key=int)),
    )
    if closed_early:
        log.warning("%d sockets were closed by the server during the run", closed_early)
    latencies.sort()
    expected = connected * posts
    return LiveFigures(
        sockets=sockets,
        connected=connected,
        posts=posts,
        expected=expected,
        received=len(latencies),
        lost=expected - len(latencies),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(latencies[-1], 1) if latencies else 0.0,
        rss_idle_mb=rss_idle,
        rss_with_sockets_mb=rss_with_sockets,
    )


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def measure_live_delivery(
    base_url: str,
    sessions: list[BenchSession],
    publisher: BenchSession,
    *,
    sockets: int,
    posts: int,
    server_pid: int,
    timeout: float = 30.0,
    post_interval: float = POST_INTERVAL,
    batch: int = CONNECT_BATCH,
    processes: int | None = None,
) -> LiveFigures:
    """Open ``sockets`` websockets on the company stream, publish ``posts`` posts, and
    measure how long each took to reach each socket.

    ``sessions`` are spread over the sockets round-robin; ``publisher`` makes the
    posts. Sockets that fail to open are counted (``connected``), not raised; a
    reception later than ``timeout`` after the last post counts as lost. The
    server's worker processes (found from ``server_pid``) are weighed before the
    sockets open and once they all have their first frame.

    Raises LiveBenchError when the measurement itself fails: the server is gone,
    a post is refused, or a client process dies. Every phase is bounded in time.
    """
    if sockets < 1 or posts < 1:
        raise ValueError("sockets and posts must be at least 1")
    if not sessions:
        raise ValueError("at least one session is needed for the sockets")
    base_url = base_url.rstrip("/")
    if processes is None:
        processes = math.ceil(sockets / SOCKETS_PER_PROCESS)
    processes = max(1, min(processes, sockets))
    return _run(
        _measure(
            base_url,
            sessions,
            publisher,
            sockets=sockets,
            posts=posts,
            server_pid=server_pid,
            wait_seconds=timeout,
            post_interval=post_interval,
            batch=batch,
            processes=processes,
        )
    )


if __name__ == "__main__":
    main()
