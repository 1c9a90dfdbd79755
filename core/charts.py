"""Pure figure builders: a frame (or page data) in, a plotly Figure out; keyword-only options.

No Streamlit here: the pages, the monthly HTML report and the investor pack draw the same figures.
Chinese text needs a CJK font where the figure is rendered to PNG (kaleido uses the system
Chromium, which finds Noto Sans CJK when installed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl

if TYPE_CHECKING:
    from core.asset_pack import YearScores

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ("#1F4E79", "#2E7D32", "#C77C02", "#8E24AA", "#00838F")
BAND_COLOURS = {"low": "#2E7D32", "medium": "#F9A825", "high": "#EF6C00", "critical": "#C62828"}
RISK_SCALE = [[0.0, "#E8F5E9"], [0.3, "#FFF59D"], [0.6, "#FFB74D"], [0.8, "#E53935"], [1.0, "#8E0000"]]


def _layout(fig: go.Figure, *, title: str | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=title,
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def radar_figure(pack: list[YearScores], *, lang: str = "zh") -> go.Figure:
    """The five-dimension radar, one closed trace per year (up to three years overlaid)."""
    from core.asset_pack import DIMENSIONS

    labels = [zh if lang == "zh" else en for _, zh, en in DIMENSIONS]
    fig = go.Figure()
    for i, y in enumerate(pack):
        values = [y.scores[k] if y.scores[k] is not None else 0.0 for k, _, _ in DIMENSIONS]
        fig.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=[*labels, labels[0]],
                name=str(y.year),
                fill="toself",
                opacity=0.55 if i < len(pack) - 1 else 0.8,
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    fig.update_layout(polar={"radialaxis": {"range": [0, 100], "tickvals": [20, 40, 60, 80, 100]}})
    return _layout(fig, title="合规资产五维度" if lang == "zh" else "Five compliance dimensions", height=480)


def pack_trend_figure(pack: list[YearScores], *, lang: str = "zh") -> go.Figure:
    """Each dimension's score across the years (lines)."""
    from core.asset_pack import DIMENSIONS

    fig = go.Figure()
    years = [str(y.year) for y in pack]
    for i, (key, zh, en) in enumerate(DIMENSIONS):
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[y.scores[key] for y in pack],
                name=zh if lang == "zh" else en,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    fig.update_yaxes(range=[0, 105])
    return _layout(fig, title="三年趋势" if lang == "zh" else "Three-year trend")


def risk_heatmap_figure(frame: pl.DataFrame, *, lang: str = "zh", max_rows: int = 30) -> go.Figure:
    """Entity × period risk scores (frame from :func:`core.risk.compute_risk`).

    Rows are the ``max_rows`` entities with the highest peak score, riskiest on top; each cell's
    hover shows the score, band and top rules. A missing cell (no activity) stays blank.
    """
    if frame.height == 0:
        return _layout(go.Figure(), title="无数据" if lang == "zh" else "No data")
    data = frame.with_columns(pl.col("entity").fill_null("—"))
    order = (
        data.group_by("entity")
        .agg(pl.col("score").max().alias("peak"))
        .sort(["peak", "entity"], descending=[True, False])
        .head(max_rows)["entity"]
        .to_list()
    )
    periods = sorted(data["period"].unique().to_list())
    lookup = {(r["entity"], r["period"]): r for r in data.iter_rows(named=True)}
    z, text = [], []
    for ent in order:
        z.append([lookup[(ent, p)]["score"] if (ent, p) in lookup else None for p in periods])
        text.append([
            (f"{lookup[(ent, p)]['band']}<br>{', '.join(lookup[(ent, p)]['top_rules'])}" if (ent, p) in lookup else "")
            for p in periods
        ])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=periods,
            y=order,
            text=text,
            zmin=0,
            zmax=100,
            colorscale=RISK_SCALE,
            hovertemplate="%{y} · %{x}<br>score %{z:.0f}<br>%{text}<extra></extra>",
            colorbar={"title": "风险分" if lang == "zh" else "Risk"},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return _layout(fig, height=max(320, 26 * len(order) + 120))


def hour_weekday_figure(frame: pl.DataFrame, *, value: str = "effective_rate", lang: str = "zh") -> go.Figure:
    """Hour × weekday heatmap of a rate (frame with weekday 1..7, hour 0..23 and ``value``)."""
    days_zh = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    days_en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    hours = sorted(frame["hour"].unique().to_list()) if frame.height else list(range(8, 21))
    lookup = {(r["weekday"], r["hour"]): r[value] for r in frame.iter_rows(named=True)}
    z = [[lookup.get((d, h)) for h in hours] for d in range(1, 8)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{h:02d}:00" for h in hours],
            y=days_zh if lang == "zh" else days_en,
            colorscale="Greens",
            hovertemplate="%{y} %{x}<br>%{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=360)


def funnel_figure(frame: pl.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """The outbound → connected → effective funnel (frame: stage, value)."""
    fig = go.Figure(
        go.Funnel(
            y=[labels.get(s, s) for s in frame["stage"].to_list()],
            x=frame["value"].to_list(),
            textinfo="value+percent initial",
            marker={"color": list(PALETTE[: frame.height])},
        )
    )
    return _layout(fig, height=320)


def line_figure(frame: pl.DataFrame, *, x: str, ys: dict[str, str], percent: bool = False,
                title: str | None = None) -> go.Figure:
    """Lines of several columns over ``x`` (``ys``: column → legend label)."""
    fig = go.Figure()
    for i, (col, label) in enumerate(ys.items()):
        fig.add_trace(go.Scatter(x=frame[x].to_list(), y=frame[col].to_list(), name=label, mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)]}))
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title=title)


def seats_figure(frame: pl.DataFrame, *, band: tuple[float, float] | None, labels: dict[str, str],
                 x: str = "month") -> go.Figure:
    """Declared seats vs peak concurrent agents, with the ±30 % material-change band."""
    fig = go.Figure()
    xs = frame[x].to_list()
    if band is not None and xs:
        fig.add_trace(go.Scatter(x=[*xs, *xs[::-1]], y=[band[1]] * len(xs) + [band[0]] * len(xs), fill="toself",
                                 fillcolor="rgba(198,40,40,0.08)", line={"width": 0}, name=labels.get("band", "±30%"),
                                 hoverinfo="skip"))
    fig.add_trace(go.Bar(x=xs, y=frame["declared_seats"].to_list(), name=labels.get("declared_seats", "declared"),
                         marker={"color": "#90A4AE"}))
    fig.add_trace(go.Scatter(x=xs, y=frame["peak_concurrent_agents"].to_list(), mode="lines+markers",
                             name=labels.get("peak_concurrent_agents", "peak"), line={"color": PALETTE[0]}))
    return _layout(fig)


def bar_figure(frame: pl.DataFrame, *, x: str, y: str, percent: bool = False, colour: str | None = None,
               horizontal: bool = False, title: str | None = None) -> go.Figure:
    """A single-series bar chart."""
    xs, ys = frame[x].to_list(), frame[y].to_list()
    bar = go.Bar(y=xs, x=ys, orientation="h") if horizontal else go.Bar(x=xs, y=ys)
    fig = go.Figure(bar)
    fig.update_traces(marker={"color": colour or PALETTE[0]})
    if percent:
        (fig.update_xaxes if horizontal else fig.update_yaxes)(tickformat=".0%")
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, title=title)


def figure_png(fig: go.Figure, *, width: int = 1200, height: int | None = None) -> bytes:
    """The figure as PNG bytes (kaleido with the system Chromium)."""
    return fig.to_image(format="png", width=width, height=height or int(fig.layout.height or 420), scale=2)


__all__: list[Any] = [
    "bar_figure",
    "figure_png",
    "funnel_figure",
    "hour_weekday_figure",
    "line_figure",
    "pack_trend_figure",
    "radar_figure",
    "risk_heatmap_figure",
    "seats_figure",
]
