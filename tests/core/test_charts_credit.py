"""core.reporting.charts: the credit gauge and the credit components bar (traces, not pixels)."""

from __future__ import annotations

from core.reporting.charts import credit_components_figure, credit_gauge_figure

GRADES = [("AA", 100), ("A", 80), ("B", 60), ("C", 0)]


def test_gauge_value_threshold_and_bands() -> None:
    """One indicator with the score, the veto line at 80, bands C 0–60, B 60–80, A 80–100."""
    fig = credit_gauge_figure(77.49, threshold=80, grades=GRADES)
    (trace,) = fig.data
    assert trace.type == "indicator"
    assert trace.value == 77.49
    assert trace.gauge.threshold.value == 80
    assert [tuple(step.range) for step in trace.gauge.steps] == [(0, 60), (60, 80), (80, 100)]
    assert trace.gauge.bar.color == "#C62828"  # below the threshold: red
    assert credit_gauge_figure(85, threshold=80, grades=GRADES).data[0].gauge.bar.color == "#2E7D32"


def test_components_bar() -> None:
    """One bar per component, labelled with its weight; the text is points earned / weight."""
    fig = credit_components_figure(
        {"timeliness": 100.0, "rule_breaches": 37.5},
        {"timeliness": 15.0, "rule_breaches": 20.0},
        labels={"timeliness": "报送及时性", "rule_breaches": "外呼违规"},
        points_label="得分",
    )
    (bar,) = fig.data
    assert list(bar.y) == ["报送及时性 (15%)", "外呼违规 (20%)"]
    assert list(bar.x) == [100.0, 37.5]
    assert list(bar.text) == ["15.0 / 15", "7.5 / 20"]
    assert list(bar.marker.color) == ["#2E7D32", "#C62828"]
