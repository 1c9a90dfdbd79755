"""The refresh benchmark at a tiny scale: one more day imported and refreshed incrementally leaves the
rollups equal to a full rebuild's (``agree: yes``), and the refresh was the partial one. Nothing here
looks at times."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import refresh_bench


def test_refresh_benchmark_runs_and_the_incremental_refresh_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLCENTER_SALT_FILE", str(tmp_path / "salt"))
    code = refresh_bench.main(["--scale", "0.02", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agree: yes" in out
    steps = [line[:34].strip() for line in out.splitlines()]
    for step in ("import (canonical CSV)", "refresh of the day touched", "full rebuild (as before) of it"):
        assert step in steps
    # The scratch copy is gone; the shared year is kept.
    assert not list(tmp_path.glob("*/refresh.duckdb"))
    assert list(tmp_path.glob("*/callcenter.duckdb"))
