"""Figure builders of core.reporting.charts: their traces carry exactly the values of the frames they draw."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.infra import db
from core.reporting import charts
from core.reporting.asset_pack import DIMENSIONS, YearScores
from tests.fixtures import DEMO_END, DemoBuilds


def risk_frame() -> pl.DataFrame:
    """Four cells of three entities in two weeks, one entity value missing (an agent-less cell)."""
    return pl.DataFrame(
        {
            "entity": ["C08", "C08", "C03", None],
            "period": ["2025-09-01", "2025-09-08", "2025-09-08", "2025-09-01"],
            "score": [99.5, 85.0, 40.25, 12.0],
            "band": ["critical", "critical", "medium", "low"],
            "top_rules": [["dnc", "outside_hours"], ["dnc"], ["abandon"], []],
        }
    )


def test_risk_heatmap_z_equals_scores() -> None:
    """Rows riskiest first, columns in period order, z = score per cell, blank where no cell exists."""
    fig = charts.risk_heatmap_figure(risk_frame())
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert list(heat.y) == ["C08", "C03", "—"]
    assert list(heat.x) == ["2025-09-01", "2025-09-08"]
    assert [list(row) for row in heat.z] == [[99.5, 85.0], [None, 40.25], [12.0, None]]
    assert (heat.zmin, heat.zmax) == (0, 100)
    assert heat.text[0][0] == "critical<br>dnc, outside_hours"
    assert heat.text[2][0] == "low"  # no rule: the band alone


def test_risk_heatmap_translates_and_limits_rows() -> None:
    """Band and rule ids are shown by their labels; max_rows keeps the riskiest entities."""
    fig = charts.risk_heatmap_figure(
        risk_frame(),
        lang="en",
        max_rows=2,
        rule_labels={"dnc": "DNC calls"},
        band_labels={"critical": "Critical"},
    )
    (heat,) = fig.data
    assert list(heat.y) == ["C08", "C03"]
    assert heat.text[0][0] == "Critical<br>DNC calls, outside_hours"
    assert "Risk score" in heat.hovertemplate


def test_selectable_heatmap_has_one_marker_per_cell() -> None:
    """The click layer: one invisible marker at every grid cell (empty ones too), scores as text."""
    fig = charts.risk_heatmap_figure(risk_frame(), selectable=True)
    heat, cells = fig.data
    assert heat.hoverinfo == "skip"
    assert cells.type == "scatter" and cells.marker.opacity == 0
    assert list(zip(cells.y, cells.x, strict=True)) == [
        ("C08", "2025-09-01"),
        ("C08", "2025-09-08"),
        ("C03", "2025-09-01"),
        ("C03", "2025-09-08"),
        ("—", "2025-09-01"),
        ("—", "2025-09-08"),
    ]
    assert [c[0] for c in cells.customdata] == ["100", "85", "", "40", "12", ""]
    assert fig.layout.hoverdistance == -1 and fig.layout.clickmode == "event+select"


def test_empty_risk_frame_gives_a_titled_empty_figure() -> None:
    """No cells: no trace, a 'no data' title in the language asked for."""
    empty = risk_frame().head(0)
    assert charts.risk_heatmap_figure(empty).layout.title.text == "无数据"
    assert len(charts.risk_heatmap_figure(empty, lang="en").data) == 0


@pytest.fixture(scope="module")
def demo_risk(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """compute_risk by campaign and week over September 2025 of a 2 % demo."""
    from core.compliance.risk import compute_risk

    demo_2pc = demo_builds.copy(tmp_path_factory.mktemp("charts") / "demo.duckdb", DEMO_END, 0.02)
    engine = db.make_engine(demo_2pc.url)
    try:
        return compute_risk(engine, date(2025, 9, 1), date(2025, 9, 30), entity="campaign", grain="week")
    finally:
        engine.dispose()


def test_heatmap_values_equal_the_risk_frame(demo_risk: pl.DataFrame) -> None:
    """On the demo, every (entity, period) cell of the heatmap holds that cell's score, and only those."""
    fig = charts.risk_heatmap_figure(demo_risk, max_rows=100)
    heat = fig.data[0]
    drawn = {
        (ent, per): z
        for ent, row in zip(heat.y, heat.z, strict=True)
        for per, z in zip(heat.x, row, strict=True)
        if z is not None
    }
    expected = {(r["entity"], r["period"]): r["score"] for r in demo_risk.iter_rows(named=True)}
    assert drawn == expected
    assert heat.y[0] == "C08"  # the rogue campaign is the riskiest row


def test_radar_has_five_axes_per_year() -> None:
    """One closed trace per year: five dimension axes plus the first repeated; missing scores as 0."""
    keys = [k for k, _, _ in DIMENSIONS]
    years = [
        YearScores(2023, dict(zip(keys, [90.0, 80.0, 70.0, 60.0, 50.0], strict=True)), {}),
        YearScores(2024, dict(zip(keys, [91.0, 81.0, None, 61.0, 51.0], strict=True)), {}),
        YearScores(2025, dict(zip(keys, [92.0, 82.0, 72.0, 62.0, 52.0], strict=True)), {}),
    ]
    fig = charts.radar_figure(years, dimensions=DIMENSIONS)
    assert [tr.name for tr in fig.data] == ["2023", "2024", "2025"]
    labels = [zh for _, zh, _ in DIMENSIONS]
    for trace, year in zip(fig.data, years, strict=True):
        assert trace.type == "scatterpolar"
        assert list(trace.theta) == [*labels, labels[0]]
        values = [year.scores[k] if year.scores[k] is not None else 0.0 for k in keys]
        assert list(trace.r) == [*values, values[0]]
    assert list(charts.radar_figure(years, dimensions=DIMENSIONS, lang="en").data[0].theta)[:5] == [
        en for _, _, en in DIMENSIONS
    ]


def test_funnel_stages_and_values() -> None:
    """One funnel trace: the stages by their labels, the counts, our texts when given."""
    frame = pl.DataFrame(
        {"stage": ["outbound_calls", "connected_calls", "effective_calls"], "value": [1000, 400, 250]}
    )
    labels = {"outbound_calls": "外呼量", "connected_calls": "外呼接通量", "effective_calls": "有效通话量"}
    (funnel,) = charts.funnel_figure(frame, labels=labels).data
    assert funnel.type == "funnel"
    assert list(funnel.y) == ["外呼量", "外呼接通量", "有效通话量"]
    assert list(funnel.x) == [1000, 400, 250]
    assert funnel.textinfo == "value+percent initial"
    (texted,) = charts.funnel_figure(frame, labels=labels, texts=["1,000", "400", "250"]).data
    assert list(texted.text) == ["1,000", "400", "250"] and texted.textinfo == "text+percent initial"


def test_hour_weekday_grid() -> None:
    """Seven weekday rows, one column per hour present; each cell the frame's rate, None where absent."""
    frame = pl.DataFrame(
        {"weekday": [1, 1, 3, 7], "hour": [9, 10, 9, 20], "effective_rate": [0.30, 0.25, 0.40, 0.10]}
    )
    (heat,) = charts.hour_weekday_figure(frame).data
    assert list(heat.y) == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert list(heat.x) == ["09:00", "10:00", "20:00"]
    assert [list(row) for row in heat.z] == [
        [0.30, 0.25, None],
        [None, None, None],
        [0.40, None, None],
        [None, None, None],
        [None, None, None],
        [None, None, None],
        [None, None, 0.10],
    ]


def monthly() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": ["2025-07", "2025-08", "2025-09"],
            "declared_seats": [75, 75, 100],
            "peak_concurrent_agents": [57, 80, 58],
            "occupancy": [0.71, 0.5, None],
            "hires": [3, 0, 1],
            "leavers": [1, 2, 0],
            "headcount_end": [66, 64, 65],
        }
    )


def test_seats_figure_with_band() -> None:
    """Band (a closed polygon at ±30 %), declared seats as bars, peak concurrency as a line."""
    fig = charts.seats_figure(monthly(), band=(52.5, 97.5), labels={"band": "±30%"})
    band, declared, peak = fig.data
    assert band.fill == "toself" and band.name == "±30%"
    assert list(band.y) == [97.5, 97.5, 97.5, 52.5, 52.5, 52.5]
    assert list(band.x) == ["2025-07", "2025-08", "2025-09", "2025-09", "2025-08", "2025-07"]
    assert declared.type == "bar" and list(declared.y) == [75, 75, 100]
    assert peak.type == "scatter" and list(peak.y) == [57, 80, 58]
    assert [tr.type for tr in charts.seats_figure(monthly(), band=None, labels={}).data] == ["bar", "scatter"]


def test_daily_peak_marks_days_over_the_seats() -> None:
    """Days above the declared seats go to the red trace, the others to the blue one; seats as a step line."""
    frame = pl.DataFrame(
        {
            "day": ["2025-09-01", "2025-09-02", "2025-09-03"],
            "peak_concurrent_agents": [50, 80, 60],
            "declared_seats": [75, 75, 75],
            "over_declared": [False, True, False],
        }
    )
    within, over, seats = charts.daily_peak_figure(frame, labels={"over": "超过申报"}).data
    assert (list(within.x), list(within.y)) == (["2025-09-01", "2025-09-03"], [50, 60])
    assert (list(over.x), list(over.y), over.name) == (["2025-09-02"], [80], "超过申报")
    assert over.marker.color == charts.OVER_COLOUR
    assert list(seats.y) == [75, 75, 75] and seats.line.shape == "hv"


def test_agent_hours_boxes_and_outliers() -> None:
    """One box per team with all its agent-months; the flagged ones as named red points."""
    frame = pl.DataFrame(
        {
            "agent": ["A1", "A2", "A3", "B1"],
            "team": ["甲", "甲", "甲", "乙"],
            "month": ["2025-09"] * 4,
            "effective_talk_hours": [10.0, 11.0, 40.0, 5.0],
            "outlier": ["", "", "high", ""],
        }
    )
    *boxes, points = charts.agent_hours_figure(frame, labels={"outlier": "异常"}).data
    assert [(b.type, b.name, list(b.y)) for b in boxes] == [
        ("box", "乙", [5.0]),
        ("box", "甲", [10.0, 11.0, 40.0]),
    ]
    assert (list(points.x), list(points.y), list(points.text)) == (["甲"], [40.0], ["A3 · 2025-09"])


def test_people_and_occupancy_figures() -> None:
    """Hires and leavers as bars with the headcount line; occupancy as one line over its healthy band."""
    hires, leavers, headcount = charts.people_figure(monthly(), labels={}).data
    assert (list(hires.y), list(leavers.y), list(headcount.y)) == ([3, 0, 1], [1, 2, 0], [66, 64, 65])
    fig = charts.occupancy_figure(monthly(), labels={"occupancy": "占用率"}, band=(0.70, 0.88))
    (line,) = fig.data
    assert line.name == "占用率" and list(line.y) == [0.71, 0.5, None]
    (shape,) = fig.layout.shapes
    assert (shape.y0, shape.y1) == (0.70, 0.88)


def test_staffing_heatmap_gap_cells() -> None:
    """Weekday × slot grid of the mean gap, centred on zero, shares in the hover data."""
    cells = pl.DataFrame(
        {
            "weekday": [1, 1, 6],
            "slot": [18, 19, 18],
            "slot_start": ["09:00", "09:30", "09:00"],
            "mean_gap": [-2.5, 1.0, 4.0],
            "understaffed_share": [1.0, 0.0, 0.0],
            "overstaffed_share": [0.0, 0.5, 1.0],
        }
    )
    (heat,) = charts.staffing_heatmap_figure(cells).data
    assert list(heat.x) == ["09:00", "09:30"]
    assert [list(r) for r in heat.z] == [[-2.5, 1.0], [None, None], [None, None], [None, None], [None, None],
                                         [4.0, None], [None, None]]  # fmt: skip
    assert (heat.zmid, heat.zmin, heat.zmax) == (0, -4.0, 4.0)
    assert list(heat.customdata[0][0]) == [1.0, 0.0]


def test_untitled_figures_keep_legend_and_ticks_inside() -> None:
    """Without a title the legend sits above the plot, and axes push their margins for long tick labels."""
    fig = charts.line_figure(monthly(), x="month", ys={"occupancy": "占用率"}, percent=True)
    assert (fig.layout.legend.y, fig.layout.legend.yanchor) == (1.02, "bottom")
    assert fig.layout.xaxis.automargin is True and fig.layout.yaxis.automargin is True
    assert fig.layout.yaxis.tickformat == ".0%"
    titled = charts.line_figure(monthly(), x="month", ys={"occupancy": "占用率"}, title="T")
    assert titled.layout.legend.y == -0.15
