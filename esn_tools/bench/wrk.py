"""Read load with wrk: one run, its figures read back as JSON from a Lua script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from esn_tools.bench.types import LatencyFigures

RESULT_MARKER = "ESN_BENCH_JSON "

# wrk counts only statuses >= 400 as errors; response() counts every answer
# that is not 2xx (a redirect to the login page is a failure here), and done()
# sums the per-thread counters, each thread having its own Lua state.
LUA_SCRIPT = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non_2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local bad_status = 0
  for _, thread in ipairs(threads) do
    bad_status = bad_status + thread:get("non_2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'ESN_BENCH_JSON {"requests":%.0f,"duration_us":%.0f,"p50_us":%.0f,"p99_us":%.0f,' ..
    '"max_us":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"timeout":%.0f,"non_2xx":%.0f}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.timeout, bad_status))
end
"""


class WrkError(RuntimeError):
    """wrk is missing, could not be installed, or gave no figures."""


def ensure_wrk() -> str:
    """The wrk executable, installed with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise WrkError("wrk is not installed and apt-get is not available: install wrk.")
    command = [apt, "install", "-y", "wrk"]
    if os.geteuid() != 0 and shutil.which("sudo"):
        command = ["sudo", "-n", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    found = shutil.which("wrk")
    if result.returncode != 0 or found is None:
        raise WrkError(f"could not install wrk with apt-get: {result.stderr.strip()[-500:]}")
    return found


def wrk_version(executable: str) -> str:
    """wrk's version line (wrk -v prints it and exits with 1)."""
    result = subprocess.run(  # noqa: S603
        [executable, "-v"], capture_output=True, text=True, check=False
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


@contextmanager
def lua_script() -> Iterator[Path]:
    """The reporting script in a temporary file for the duration of the block."""
    with tempfile.TemporaryDirectory(prefix="esn-bench-wrk-") as folder:
        path = Path(folder) / "report.lua"
        path.write_text(LUA_SCRIPT)
        yield path


def wrk_command(
    executable: str,
    url: str,
    *,
    connections: int,
    seconds: int,
    script: Path,
    cookie: str | None,
    cpu: int | None,
) -> list[str]:
    """The command line of one wrk run (pinned to ``cpu`` when given)."""
    command = [
        executable,
        "-t",
        str(max(1, min(connections, 2))),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    return command


def parse_wrk_output(stdout: str) -> LatencyFigures:
    """The figures the Lua script's done() printed."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            raw = json.loads(line.removeprefix(RESULT_MARKER))
            break
    else:
        raise WrkError(f"wrk printed no figures:\n{stdout[-2000:]}")
    seconds = max(raw["duration_us"] / 1e6, 1e-9)
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["non_2xx"]
    return LatencyFigures(
        rps=raw["requests"] / seconds,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=int(errors),
        requests=int(raw["requests"]),
    )


def run_wrk(
    executable: str,
    url: str,
    *,
    connections: int,
    seconds: int,
    script: Path,
    cookie: str | None = None,
    cpu: int | None = None,
) -> LatencyFigures:
    """One wrk run against ``url``."""
    command = wrk_command(
        executable,
        url,
        connections=connections,
        seconds=seconds,
        script=script,
        cookie=cookie,
        cpu=cpu,
    )
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if result.returncode != 0:
        raise WrkError(f"wrk failed ({result.returncode}): {result.stderr.strip()[-1000:]}")
    return parse_wrk_output(result.stdout)


def start_wrk(
    executable: str,
    url: str,
    *,
    connections: int,
    seconds: int,
    script: Path,
    cookie: str | None = None,
    cpu: int | None = None,
) -> subprocess.Popen[str]:
    """A wrk run in the background (read load beside another measurement)."""
    command = wrk_command(
        executable,
        url,
        connections=connections,
        seconds=seconds,
        script=script,
        cookie=cookie,
        cpu=cpu,
    )
    return subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_wrk(process: subprocess.Popen[str], seconds: int) -> LatencyFigures:
    """Wait for a background wrk run and read its figures."""
    try:
        stdout, stderr = process.communicate(timeout=seconds + 60)
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        raise WrkError(f"wrk failed ({process.returncode}): {stderr.strip()[-1000:]}")
    return parse_wrk_output(stdout)


def median_by_rps(runs: Sequence[LatencyFigures]) -> LatencyFigures:
    """The run with the median throughput (the upper one of an even count)."""
    if not runs:
        raise ValueError("no runs")
    ordered = sorted(runs, key=lambda run: run.rps)
    return ordered[len(ordered) // 2]
