"""The benchmark's figures as JSON-ready dicts and as Rich tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from esn_tools.bench.types import LatencyFigures, LiveFigures


def latency_dict(figures: LatencyFigures, trivial_rps: float | None = None) -> dict[str, Any]:
    """One measurement, rounded for reading; ``ratio_to_trivial`` when a ceiling is given."""
    data: dict[str, Any] = {
        "rps": round(figures.rps, 1),
        "p50_ms": round(figures.p50_ms, 2),
        "p99_ms": round(figures.p99_ms, 2),
        "max_ms": round(figures.max_ms, 2),
        "errors": figures.errors,
        "requests": figures.requests,
    }
    if trivial_rps is not None:
        data["ratio_to_trivial"] = round(figures.rps / trivial_rps, 3) if trivial_rps else 0.0
    return data


def live_dict(figures: LiveFigures) -> dict[str, Any]:
    """Live delivery figures, rounded for reading."""
    data = asdict(figures)
    for key in ("p50_ms", "p99_ms", "max_ms"):
        data[key] = round(data[key], 2)
    for key in ("rss_idle_mb", "rss_with_sockets_mb"):
        data[key] = [round(value, 1) for value in data[key]]
    return data


def rps_text(value: float) -> str:
    """Requests per second, with a decimal when there are few."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _workers_label(workers: str) -> str:
    return f"{workers} worker" + ("" if workers == "1" else "s")


def _reads_table(workers: str, run: dict[str, Any]) -> Table:
    table = Table(
        title=f"Reads, {_workers_label(workers)} (latency in ms; ×triv: rps over trivial's)",
        title_justify="left",
    )
    table.add_column("endpoint", no_wrap=True)
    for name in ("c", "rps", "p50", "p99", "max", "err", "×triv", "SQL"):
        table.add_column(name, justify="right")
    for endpoint in run["endpoints"].values():
        first = True
        for concurrency, figures in endpoint["concurrency"].items():
            errors = str(figures["errors"])
            table.add_row(
                endpoint["label"] if first else "",
                concurrency,
                rps_text(figures["rps"]),
                _ms(figures["p50_ms"]),
                _ms(figures["p99_ms"]),
                _ms(figures["max_ms"]),
                f"[bold red]{errors}[/]" if figures["errors"] else errors,
                f"{figures['ratio_to_trivial']:.2f}",
                str(endpoint.get("queries", "")) if first else "",
            )
            first = False
    return table


def _writes_table(workers: str, writes: dict[str, Any]) -> Table:
    table = Table(
        title=(
            f"Writes under read load, {_workers_label(workers)}: {writes['rate']:g}/s asked"
            f" for {writes['seconds']:g} s, home read at c={writes['read_concurrency']} (ms)"
        ),
        title_justify="left",
    )
    table.add_column("write", no_wrap=True)
    for name in ("done/s", "p50", "p99", "max", "err"):
        table.add_column(name, justify="right")
    for kind, figures in writes["figures"].items():
        table.add_row(
            kind,
            f"{figures['rps']:.1f}",
            _ms(figures["p50_ms"]),
            _ms(figures["p99_ms"]),
            _ms(figures["max_ms"]),
            str(figures["errors"]),
        )
    read = writes["home_read"]
    table.add_row(
        "(home read)",
        rps_text(read["rps"]),
        _ms(read["p50_ms"]),
        _ms(read["p99_ms"]),
        _ms(read["max_ms"]),
        str(read["errors"]),
    )
    return table


def _live_table(workers: str, live: list[dict[str, Any]]) -> Table:
    table = Table(
        title=f"Live delivery, {_workers_label(workers)} (latency in ms, RSS in MiB per worker)",
        title_justify="left",
    )
    for name in (
        "sockets",
        "open",
        "posts",
        "expected",
        "got",
        "lost",
        "p50",
        "p99",
        "max",
        "RSS idle",
        "RSS open",
    ):
        table.add_column(name, justify="right")
    for figures in live:
        table.add_row(
            str(figures["sockets"]),
            str(figures["connected"]),
            str(figures["posts"]),
            str(figures["expected"]),
            str(figures["received"]),
            str(figures["lost"]),
            _ms(figures["p50_ms"]),
            _ms(figures["p99_ms"]),
            _ms(figures["max_ms"]),
            " ".join(f"{value:.0f}" for value in figures["rss_idle_mb"]),
            " ".join(f"{value:.0f}" for value in figures["rss_with_sockets_mb"]),
        )
    return table


def print_report(console: Console, result: dict[str, Any]) -> None:
    """Every table of a benchmark result."""
    machine = result["machine"]
    dataset = result["dataset"]
    console.print(
        f"[bold]{machine['cpu_model']}[/], {machine['cores']} cores, Python {machine['python']},"
        f" {dataset['database_version']}, scale {dataset['scale'] or 'as found'}:"
        f" {dataset['counts']['users']} people, {dataset['counts']['posts']} posts,"
        f" {dataset['counts']['comments']} comments, {dataset['counts']['follows']} follows.",
        highlight=False,
    )
    for workers, run in result["workers"].items():
        if "skipped" in run:
            console.print(f"{_workers_label(workers)}: skipped ({run['skipped']}).")
            continue
        console.print(_reads_table(workers, run))
        if "writes" in run:
            console.print(_writes_table(workers, run["writes"]))
        if run.get("live"):
            console.print(_live_table(workers, run["live"]))
        rss = ", ".join(
            f"{moment}: " + " ".join(f"{name} {mb:.0f}" for name, mb in figures.items())
            for moment, figures in run["rss_mb"].items()
        )
        console.print(f"RSS MiB ({_workers_label(workers)}): {rss}", highlight=False)
        phases = ", ".join(f"{phase} {seconds:g}" for phase, seconds in run["seconds"].items())
        console.print(f"Seconds ({_workers_label(workers)}): {phases}", highlight=False)
        for note in run.get("notes", []):
            console.print(f"[yellow]note[/]: {note}", highlight=False)
    for note in result.get("notes", []):
        console.print(f"[yellow]note[/]: {note}", highlight=False)
