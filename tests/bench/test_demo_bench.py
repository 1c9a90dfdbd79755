"""The demo benchmark at a tiny scale: every step runs and loads exactly the rows generated. No timing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import demo_bench as dbench
from core.demo import company as demo


def test_every_engine_loads_exactly_the_generated_rows(tmp_path: Path) -> None:
    """generate, then load into DuckDB and SQLite (each in its own process): the same rows and calls."""
    frames = demo.generate(end=dbench.END, seed=7, scale=0.002)
    rows = sum(f.height for f in frames.values())
    calls = frames["calls"].height

    results = dbench.run(0.002, ["duckdb", "sqlite"], tmp_path, build=False, say=lambda _m: None)

    assert [r.step for r in results] == ["generate", "load duckdb", "load sqlite"]
    for r in results:
        assert r.note == "", (r.step, r.note)
        assert (r.rows, r.calls) == (rows, calls), r.step
        assert r.seconds is not None and r.seconds > 0
        assert r.peak_mb is not None and r.peak_mb > 0
    assert [r.index_seconds is not None for r in results] == [False, True, True]
    table = dbench.format_table(results)
    assert table.splitlines()[0].split() == [
        "step",
        "rows",
        "calls",
        "seconds",
        "rows/s",
        "calls/s",
        "×",
        "duckdb",
        "peak",
        "MB",
        "+MB",
        "index",
        "s",
    ]
    assert [line.split()[:3] for line in table.splitlines()[1:4]] == [
        ["generate", f"{rows:,}", f"{calls:,}"],
        ["load", "duckdb", f"{rows:,}"],
        ["load", "sqlite", f"{rows:,}"],
    ]


def test_rates_and_ratios_are_computed_from_the_figures() -> None:
    """1,000 rows in 2 s is 500 rows/s; a load taking 4 s against DuckDB's 2 s is 2.0×; a failed step shows —."""
    results = [
        dbench.StepResult("generate", rows=1000, calls=100, seconds=0.5, peak_mb=100.0),
        dbench.StepResult("load duckdb", rows=1000, calls=100, seconds=2.0, peak_mb=150.0, added_mb=50.0),
        dbench.StepResult("load sqlite", rows=1000, calls=100, seconds=4.0, peak_mb=120.0, added_mb=20.0),
        dbench.StepResult("load mysql", note="Cannot connect"),
    ]
    assert results[1].rows_per_s == 500.0 and results[1].calls_per_s == 50.0
    assert results[3].rows_per_s is None
    lines = dbench.format_table(results).splitlines()
    assert lines[1].split() == ["generate", "1,000", "100", "0.50", "2,000", "200", "100", "—", "—"]
    assert lines[2].split() == [
        "load",
        "duckdb",
        "1,000",
        "100",
        "2.00",
        "500",
        "50",
        "1.0×",
        "150",
        "50",
        "—",
    ]
    assert lines[3].split() == [
        "load",
        "sqlite",
        "1,000",
        "100",
        "4.00",
        "250",
        "25",
        "2.0×",
        "120",
        "20",
        "—",
    ]
    assert lines[4].split() == ["load", "mysql", "—", "—", "—", "—", "—", "—", "—", "—", "Cannot", "connect"]


def test_an_unreachable_server_is_a_note_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A load step against a closed port returns the plain connection message and no figures."""
    monkeypatch.setenv("CALLCENTER_BENCH_PG_URL", "postgresql+psycopg://u:s3cret@127.0.0.1:9/none")
    result = dbench.run_step("load postgresql", scale=0.002, seed=7, workdir=tmp_path)
    assert result.rows is None and result.seconds is None
    assert result.note.startswith(
        "Cannot connect to the database postgresql+psycopg://u:***@127.0.0.1:9/none"
    )


def test_steps_and_unknown_engines() -> None:
    """The steps are generate, a load per engine, then the DuckDB build; an unknown engine is refused."""
    assert dbench.steps_for(["sqlite", "mysql"], build=True) == [
        "generate",
        "load sqlite",
        "load mysql",
        "build duckdb",
    ]
    assert dbench.steps_for([], build=False) == ["generate"]
    with pytest.raises(ValueError, match="oracle"):
        dbench.steps_for(["duckdb", "oracle"], build=False)
    assert dbench.main(["--engines", "oracle"]) == 2
