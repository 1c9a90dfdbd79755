"""The live benchmark at a tiny scale: one call and then 300 more appended to a watched file are in the
database after two polls, exactly (the year's calls + 1 + 300), and the figures are printed. Then the
latency part: one call of campaign LIVE-BENCH at 21:20 (after its 21:00 window end), the clock pinned to
21:30 that day, reaches today's data (1 call, 1 outside hours) and exactly one alert naming LIVE-BENCH
reaches the bench's local 企业微信 receiver. Nothing here looks at times."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import live_bench


def test_live_benchmark_counts_the_batch_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLCENTER_SALT_FILE", str(tmp_path / "salt"))
    code = live_bench.main(["--scale", "0.02", "--workdir", str(tmp_path), "--calls", "300"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "+ 1 + 300: yes" in out
    steps = [line[:40].strip() for line in out.splitlines()]
    for step in (
        "import (canonical lines, position)",
        "one poll: check + import + refresh",
        "record written -> in the Today data",
        "record written -> alert at the receiver",
    ):
        assert step in steps
    assert "LIVE-BENCH in today's data (1 call, 1 outside hours): yes" in out
    assert "one alert naming LIVE-BENCH at the receiver: yes" in out
    assert not list(tmp_path.glob("*/live.duckdb"))  # the scratch copy is gone
