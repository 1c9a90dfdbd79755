"""The risk benchmark at a tiny scale: every entity at once equals each entity alone, on DuckDB and
SQLite (the digests of the five risk frames agree). Nothing here looks at times."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import risk_bench


def test_risk_benchmark_runs_and_all_modes_and_engines_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = risk_bench.main(
        ["--scale", "0.02", "--workdir", str(tmp_path), "--engines", "duckdb,sqlite", "--each"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agree: yes" in out
    assert "duckdb all, duckdb each, sqlite all, sqlite each" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("duckdb ", "sqlite "))]
    cells = {(r[0], r[1]): r for r in rows if r[1] != "TOTAL"}
    # Five entities per engine and mode, each with cells (the demo has calls every week).
    assert len([r for r in rows if r[1] == "caller_number"]) == 4
    assert all(int(r[-3]) > 0 for r in cells.values())
