"""The import benchmark at a tiny size: each file is imported in its own process and every row is
accounted for (one row in ten is a fork folded into the call before it); the verdict lines say
what the figures mean. Nothing here looks at times."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import import_bench


def test_import_benchmark_imports_every_row_of_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = import_bench.main(["--sizes", "2000,4000", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1,800 (+200 forks folded)" in out
    assert "3,600 (+400 forks folded)" in out
    assert "speed at 4,000 rows:" in out  # the largest file (none reaches a million)
    assert "MB at 2,000 rows" in out and "MB at 4,000 (" in out  # memory from the smallest to the largest


def _run(read: int, seconds: float, peak: float) -> dict[str, float]:
    return {"read": read, "seconds": seconds, "peak_mb": peak}


def test_verdict_judges_speed_at_a_million_rows_and_flatness_from_there() -> None:
    runs = [_run(500_000, 5.0, 500), _run(1_000_000, 8.0, 550), _run(2_000_000, 16.0, 600)]
    assert import_bench.verdict(runs).splitlines() == [
        "speed at 1,000,000 rows: 125,000 rows/s (target 100,000: met)",
        "memory as the file grows: peak 550 MB at 1,000,000 rows, 600 MB at 2,000,000 (+9% for 2x the rows; flat: yes)",
    ]
    grown = [_run(1_000_000, 12.5, 500), _run(4_000_000, 50.0, 800)]
    assert import_bench.verdict(grown).splitlines() == [
        "speed at 1,000,000 rows: 80,000 rows/s (target 100,000: missed)",
        "memory as the file grows: peak 500 MB at 1,000,000 rows, 800 MB at 4,000,000 (+60% for 4x the rows; flat: no)",
    ]
    assert import_bench.verdict([]) == "no import ran"
