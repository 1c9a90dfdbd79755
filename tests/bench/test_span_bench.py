"""The multi-year benchmark at a tiny scale: it builds the demo once, reads every part from a fresh process
and says how many calls the range holds; bad options exit 2 with one line. Nothing here looks at times."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import span_bench
from core.infra import db, schema


def test_span_benchmark_builds_the_demo_once_and_reads_every_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--scale", "0.02", "--workdir", str(tmp_path), "--start", "2024-04-01", "--end", "2025-03-31"]
    assert span_bench.main(args) == 0
    out = capsys.readouterr().out
    path = next(tmp_path.glob("demo-scale0.02-end2025-03-31/callcenter.duckdb"))
    engine = db.make_engine(f"duckdb:///{path}", create_dirs=False)
    k = schema.calls.c
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count()).where(k.started_at >= "2024-04-01", k.started_at < "2025-04-01")
        ).scalar_one()
    engine.dispose()
    # The count it prints is the range's (the demo's last 12 of its 36 months).
    assert f": {n:,} calls in the range;" in out
    assert n > 0
    parts = [line.split()[0] for line in out.splitlines() if re.match(r"^(touch|capacity|risk) +\d", line)]
    assert parts == ["touch", "capacity", "risk"]
    # Twelve whole months: the by-month cuts have a row per month.
    assert re.search(r"touch by month +[\d.]+ s +12 rows", out)
    assert re.search(r"capacity by month +[\d.]+ s +12 rows", out)
    # Built once: a second run reuses the database (no "building" line).
    assert span_bench.main(args) == 0
    assert "building the demo" not in capsys.readouterr().out


def test_bad_options_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert span_bench.main(["--start", "2025-06-01", "--end", "2025-05-01", "--db", "duckdb:///x"]) == 2
    assert capsys.readouterr().err.strip() == "error: --end is before --start"
    with pytest.raises(SystemExit) as exc:
        span_bench.main(["--start", "2025-13-01"])
    assert exc.value.code == 2
    assert "not a date (YYYY-MM-DD): '2025-13-01'" in capsys.readouterr().err
