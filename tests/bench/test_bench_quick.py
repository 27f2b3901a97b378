"""`esn bench --quick` end to end: a real server, wrk, writes, live sockets, the JSON."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esn.cli import app
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

# The pages every dataset has; the home pages come on top, two per persona.
PAGES = {"trivial", "plaintext", "group", "profile", "topic", "post", "notifications"}


@pytest.fixture
def bench_database() -> Iterator[str | None]:
    """A scratch PostgreSQL database under ESN_TEST_DATABASE_URL; None: a throwaway SQLite."""
    base_url = os.environ.get("ESN_TEST_DATABASE_URL")
    if not base_url:
        yield None
        return
    with scratch_postgres_database(base_url, "bench") as url:
        yield url


def test_quick_bench_measures_every_page(tmp_path: Path, bench_database: str | None) -> None:
    figures_file = tmp_path / "bench.json"
    arguments = ["bench", "--quick", "--json", str(figures_file)]
    if bench_database:
        arguments += ["--database-url", bench_database]
    # ESN_DATABASE_URL unset: --quick makes its own database; var/ stays the test's own.
    env = {"ESN_DATABASE_URL": None, "ESN_VAR_DIR": str(tmp_path / "var")}

    outcome = CliRunner().invoke(app, arguments, env=env)

    assert outcome.exit_code == 0, outcome.output
    assert "Reads, 1 worker" in outcome.output
    result = json.loads(figures_file.read_text())
    assert result["machine"]["cores"] >= 1
    assert result["dataset"]["scale"] == "XS"
    assert result["dataset"]["counts"]["posts"] > 0
    personas = set(result["personas"])
    assert personas == {"typical", "many", "nothing"}
    expected = PAGES | {f"home_p{page}_{name}" for page in (1, 5) for name in personas}

    assert set(result["workers"]) == {"1", "2"}
    for workers, run in result["workers"].items():
        assert "skipped" not in run, f"{workers} workers: {run.get('skipped')}"
        assert set(run["endpoints"]) == expected
        for key, endpoint in run["endpoints"].items():
            assert endpoint["concurrency"], key
            for concurrency, figures in endpoint["concurrency"].items():
                where = f"{workers} workers, {key} at c={concurrency}"
                assert figures["rps"] > 0, where
                assert figures["errors"] == 0, where
                assert figures["ratio_to_trivial"] > 0, where
        for figures in run["endpoints"]["trivial"]["concurrency"].values():
            assert figures["ratio_to_trivial"] == 1.0
        for name in personas:
            assert run["queries_per_request"][f"home_p1_{name}"] > 0
        writes = run["writes"]["figures"]
        for kind in ("post", "comment", "reaction"):
            assert writes[kind]["requests"] > 0, kind
            assert writes[kind]["errors"] == 0, kind
        assert run["rss_mb"]["idle"]
