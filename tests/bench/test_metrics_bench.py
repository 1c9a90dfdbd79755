"""The metrics benchmark's comparison, at a tiny scale: DuckDB, SQLite and the pandas baseline agree.

The pandas baseline computes DOMAIN.md §5 from raw rows without :mod:`core`, so this is also an
independent check of the SQL behind the touch and capacity pages. Nothing here looks at times.
"""

from __future__ import annotations

from pathlib import Path

from bench import metrics_bench as mb


def test_three_engines_agree_on_every_metric_of_the_touch_and_capacity_pages(tmp_path: Path) -> None:
    spec = mb.DataSpec(scale=0.02, year=2025)
    report = mb.benchmark(spec, tmp_path, ("duckdb", "sqlite", "pandas"), say=lambda _msg: None)

    assert [r.engine for r in report.runs] == ["duckdb", "sqlite", "pandas"]
    assert report.reference == "duckdb"
    for run in report.runs[1:]:
        assert run.differences == [], run.differences[:10]
    assert report.agree
    # The cuts are all there and not trivially empty: twelve months, every metric of both pages.
    ref = report.runs[0].results
    assert [r["month"] for r in ref["touch by month"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert len(ref["capacity by month"]) == 12
    total = ref["touch total"][0]
    assert total["outbound_calls"] > 0 and 0 < total["effective_rate"] < 1
    cap = ref["capacity total"][0]
    assert set(mb.CAPACITY_METRICS) <= cap.keys()
    assert cap["peak_concurrent_agents"] > 0 and cap["declared_seats"] > 0
    assert report.values_compared >= 12 * (len(mb.TOUCH_METRICS) + len(mb.CAPACITY_METRICS))
    text = mb.format_report(report)
    assert "agree:" in text and "sqlite" in text and "pandas" in text
    # The full risk computation of the year runs on the same DuckDB file, every entity with cells.
    assert report.risk is not None
    assert set(report.risk["entities"]) == {"caller_number", "campaign", "team", "agent", "callee_province"}
    assert all(int(e["cells"]) > 0 for e in report.risk["entities"].values())
    assert "target risk of the year" in text


def test_a_changed_value_is_reported_as_a_difference() -> None:
    cut = mb.CUTS[0]
    ref = {cut.name: [{m: 1 for m in cut.metrics}]}
    other = {cut.name: [{**{m: 1 for m in cut.metrics}, "connect_rate": 1 + 1e-6}]}
    n, diffs = mb.compare(ref, other)
    assert n == len(cut.metrics)
    assert len(diffs) == 1 and "connect_rate" in diffs[0]
    assert mb.compare(ref, {cut.name: [{**ref[cut.name][0], "connect_rate": None}]})[1]
    assert not mb.compare(ref, {cut.name: [{**ref[cut.name][0], "connect_rate": 1 + 1e-12}]})[1]
