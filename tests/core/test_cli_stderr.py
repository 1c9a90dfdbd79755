"""``python -m core`` writes nothing to stderr when it succeeds: DuckDB 2.0's bindings print
"nanobind: leaked instances" at interpreter exit once a result was read through the Arrow C stream
(core.infra.db.read_frame), and ``core.infra.db.quiet_teardown`` keeps that off the user's screen."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from core.infra import db
from tests.fixtures import call_row, load_tables

ROOT = Path(__file__).resolve().parents[2]


def test_a_successful_command_prints_its_result_and_nothing_on_stderr(tmp_path: Path) -> None:
    """Two outbound calls in January 2025 (c1 answered, c2 not): ``metrics`` prints 2 outbound calls."""
    url = f"duckdb:///{tmp_path / 'cc.duckdb'}"
    calls = [
        call_row("c1", datetime(2025, 1, 6, 10), talk=40),
        call_row("c2", datetime(2025, 1, 7, 11), disposition="no_answer"),
    ]
    load_tables(db.make_engine(url), {"calls": calls}).dispose()
    args = [
        "metrics",
        "--db",
        url,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--metrics",
        "outbound_calls",
    ]
    env = {k: v for k, v in os.environ.items() if k != "CALLCENTER_DB_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split() == ["outbound_calls", "--------------", "2"]
