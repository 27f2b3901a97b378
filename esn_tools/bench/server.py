"""The real server under test: uvicorn in a subprocess, as `esn serve` runs it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ServerError(RuntimeError):
    """The server did not start (its log's last lines are in the message)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read_proc(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (scanning /proc: works without CONFIG_PROC_CHILDREN)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read_proc(f"/proc/{entry}/stat")
        # The command name is in parentheses and may contain spaces.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry))
    return sorted(children)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time one process has used so far (0 once it is gone)."""
    fields = _read_proc(f"/proc/{pid}/stat").rpartition(")")[2].split()
    if len(fields) < 13:
        return 0.0
    # utime and stime, fields 14 and 15 of stat, counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process in MiB, None once it is gone."""
    for line in _read_proc(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


@dataclass
class ServerProcess:
    """A running server: its master process, base URL and log file."""

    process: subprocess.Popen[bytes]
    base_url: str
    workers: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The worker processes (the master itself serves when there is one worker)."""
        if self.workers == 1:
            return [self.pid]
        return [
            pid
            for pid in child_pids(self.pid)
            if "spawn_main" in _read_proc(f"/proc/{pid}/cmdline")
        ]

    def rss_mb(self) -> dict[str, float]:
        """Resident memory per process: the master, then each worker."""
        figures: dict[str, float] = {}
        master = rss_mb(self.pid)
        if master is not None:
            figures["master" if self.workers > 1 else "server"] = round(master, 1)
        if self.workers > 1:
            for number, pid in enumerate(self.worker_pids(), start=1):
                worker = rss_mb(pid)
                if worker is not None:
                    figures[f"worker {number}"] = round(worker, 1)
        return figures

    def cpu_seconds(self) -> float:
        """CPU time used by the master and its workers."""
        pids = {self.pid, *self.worker_pids()}
        return sum(cpu_seconds(pid) for pid in pids)

    def wait_until_idle(
        self, timeout: float = 120.0, interval: float = 0.2, busy_share: float = 0.05
    ) -> bool:
        """Wait until the server stops burning CPU; False if it is still busy at ``timeout``.

        A load generator that stops leaves requests the server still works
        through (it does not cancel a view whose client left), and they would
        slow the next measurement down.
        """
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(interval)
            after = self.cpu_seconds()
            if after - before <= interval * busy_share:
                return True
            before = after
        return False

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_seconds: float = 15.0) -> None:
        """Stop gracefully, then kill what is left of the process group."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace_seconds)
        # The server leads its own process group: workers it left behind go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


def server_command(port: int, workers: int, cpu: int | None) -> list[str]:
    """uvicorn with the options `esn serve` uses, pinned to ``cpu`` when given."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "esn.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        # Same as `esn serve`: live fragments go out uncompressed.
        "--ws-per-message-deflate",
        "false",
        "--timeout-graceful-shutdown",
        "5",
    ]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    return command


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def running_server(
    *,
    database_url: str,
    workers: int,
    broadcast_url: str,
    var_dir: Path | None,
    log_path: Path,
    cpu: int | None,
    startup_timeout: float = 60.0,
) -> Iterator[ServerProcess]:
    """A benchmark server (ESN_BENCH=1) for the block, always stopped afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "ESN_BENCH": "1",
            "ESN_DATABASE_URL": database_url,
            "ESN_BROADCAST_URL": broadcast_url,
            "ESN_HOST": "127.0.0.1",
            "ESN_PORT": str(port),
            "ESN_BASE_URL": base_url,
        }
    )
    env.pop("ESN_DEBUG", None)
    if var_dir is not None:
        env["ESN_VAR_DIR"] = str(var_dir)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            server_command(port, workers, cpu),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own session: Ctrl-C reaches the harness, which stops it cleanly.
            start_new_session=True,
        )
    server = ServerProcess(process=process, base_url=base_url, workers=workers, log_path=log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _healthy(base_url):
            if process.poll() is not None:
                raise ServerError(f"the server exited at startup:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerError(f"the server did not become healthy:\n{server.log_tail()}")
            time.sleep(0.2)
        # Every worker runs its own startup; wait until all of them exist.
        while workers > 1 and len(server.worker_pids()) < workers:
            if time.monotonic() > deadline:
                raise ServerError(f"only some workers started:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
