"""Pure figure builders: a frame (or page data) in, a plotly Figure out; keyword-only options.

No Streamlit here: the pages, the monthly HTML report and the investor pack draw the same figures.
Chinese text needs a CJK font where the figure is rendered to PNG (kaleido uses the system
Chromium, which finds Noto Sans CJK when installed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import plotly.graph_objects as go
import polars as pl

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ("#1F4E79", "#2E7D32", "#C77C02", "#8E24AA", "#00838F")
RISK_SCALE = [[0.0, "#E8F5E9"], [0.3, "#FFF59D"], [0.6, "#FFB74D"], [0.8, "#E53935"], [1.0, "#8E0000"]]

#: One axis of a multi-dimension score figure: (key in the scores, Chinese label, English label).
Dimension = tuple[str, str, str]


class YearOfScores(Protocol):
    """One year of scores as the pack figures read it (e.g. :class:`core.reporting.asset_pack.YearScores`)."""

    @property
    def year(self) -> int: ...

    @property
    def scores(self) -> Mapping[str, float | None]: ...


def _layout(fig: go.Figure, *, title: str | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=title,
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        paper_bgcolor="white",
        plot_bgcolor="white",
        # Untitled figures (the pages put the title above the chart) carry the legend on top, where
        # it cannot collide with rotated tick labels; automargin keeps every tick label inside.
        legend={"orientation": "h", "y": -0.15}
        if title
        else {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def radar_figure(
    pack: Sequence[YearOfScores], *, dimensions: Sequence[Dimension], lang: str = "zh"
) -> go.Figure:
    """The multi-dimension radar (the asset pack's five), one closed trace per year (up to three
    years overlaid); a missing score is drawn at 0."""
    labels = [zh if lang == "zh" else en for _, zh, en in dimensions]
    fig = go.Figure()
    for i, y in enumerate(pack):
        values = [y.scores[k] if y.scores[k] is not None else 0.0 for k, _, _ in dimensions]
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
    fig = _layout(fig, title="合规资产五维度" if lang == "zh" else "Five compliance dimensions", height=480)
    # Room for the axis names beside the circle ("Licence boundary" was cut at the right edge).
    fig.update_layout(margin={"l": 125, "r": 125})
    return fig


def pack_trend_figure(
    pack: Sequence[YearOfScores], *, dimensions: Sequence[Dimension], lang: str = "zh"
) -> go.Figure:
    """Each dimension's score across the years (lines)."""
    fig = go.Figure()
    years = [str(y.year) for y in pack]
    for i, (key, zh, en) in enumerate(dimensions):
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
    fig.update_xaxes(type="category")  # years as labels: plotly would put 2,023.5 between them
    return _layout(fig, title="三年趋势" if lang == "zh" else "Three-year trend")


def risk_heatmap_figure(
    frame: pl.DataFrame,
    *,
    lang: str = "zh",
    max_rows: int = 30,
    rule_labels: dict[str, str] | None = None,
    band_labels: dict[str, str] | None = None,
    selectable: bool = False,
) -> go.Figure:
    """Entity × period risk scores (frame from :func:`core.compliance.risk.compute_risk`).

    Rows are the ``max_rows`` entities with the highest peak score, riskiest on top; each cell's
    hover shows the score, band and top rules (``rule_labels``/``band_labels`` translate the ids).
    A missing cell (no activity) stays blank.

    ``selectable`` adds a second trace: one invisible square marker at the centre of every grid
    cell (empty ones too, with an empty score), so that a click on a cell can be reported as a
    point selection (plotly cannot select heatmap cells; Streamlit's ``on_select`` sees only
    selectable traces). The hover then comes from that trace, and any point of the plot area
    picks the nearest cell centre (``hoverdistance = -1``), i.e. the cell under the pointer.
    """
    if frame.height == 0:
        return _layout(go.Figure(), title="无数据" if lang == "zh" else "No data")
    rules_txt = rule_labels or {}
    bands_txt = band_labels or {}
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

    def describe(cell: dict[str, Any] | None) -> str:
        if cell is None:
            return ""
        top = ", ".join(rules_txt.get(rid, rid) for rid in cell["top_rules"])
        return (
            f"{bands_txt.get(cell['band'], cell['band'])}<br>{top}"
            if top
            else bands_txt.get(cell["band"], cell["band"])
        )

    z, text = [], []
    for ent in order:
        z.append([lookup[(ent, p)]["score"] if (ent, p) in lookup else None for p in periods])
        text.append([describe(lookup.get((ent, p))) for p in periods])
    score_word = "风险分" if lang == "zh" else "Risk score"
    hover = f"%{{y}} · %{{x}}<br>{score_word} %{{z:.0f}}<br>%{{text}}<extra></extra>"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=periods,
            y=order,
            text=text,
            zmin=0,
            zmax=100,
            colorscale=RISK_SCALE,
            hovertemplate=hover,
            hoverinfo="skip" if selectable else None,
            colorbar={"title": "风险分" if lang == "zh" else "Risk"},
            xgap=1,
            ygap=1,
        )
    )
    if selectable:
        xs = [p for _ in order for p in periods]
        ys = [ent for ent in order for _ in periods]
        scores = [score for row in z for score in row]
        texts = [line for row in text for line in row]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker={"symbol": "square", "size": 18, "opacity": 0},
                customdata=[["" if s is None else f"{s:.0f}", t] for s, t in zip(scores, texts, strict=True)],
                hovertemplate=f"%{{y}} · %{{x}}<br>{score_word} %{{customdata[0]}}<br>%{{customdata[1]}}<extra></extra>",
                showlegend=False,
                name="cells",
            )
        )
        fig.update_layout(hovermode="closest", hoverdistance=-1, clickmode="event+select", dragmode=False)
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


def funnel_figure(
    frame: pl.DataFrame, *, labels: dict[str, str], texts: list[str] | None = None
) -> go.Figure:
    """The outbound → connected → effective funnel (frame: stage, value).

    ``texts`` (one per stage, e.g. from :func:`core.infra.i18n.fmt`) replace plotly's own number format
    (``50.254k``) inside the bars; the share of the first stage follows either way.
    """
    fig = go.Figure(
        go.Funnel(
            y=[labels.get(s, s) for s in frame["stage"].to_list()],
            x=frame["value"].to_list(),
            text=texts,
            textinfo="text+percent initial" if texts is not None else "value+percent initial",
            marker={"color": list(PALETTE[: frame.height])},
        )
    )
    return _layout(fig, height=320)


def line_figure(
    frame: pl.DataFrame, *, x: str, ys: dict[str, str], percent: bool = False, title: str | None = None
) -> go.Figure:
    """Lines of several columns over ``x`` (``ys``: column → legend label)."""
    fig = go.Figure()
    for i, (col, label) in enumerate(ys.items()):
        fig.add_trace(
            go.Scatter(
                x=frame[x].to_list(),
                y=frame[col].to_list(),
                name=label,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title=title)


def seats_figure(
    frame: pl.DataFrame, *, band: tuple[float, float] | None, labels: dict[str, str], x: str = "month"
) -> go.Figure:
    """Declared seats vs peak concurrent agents, with the ±30 % material-change band."""
    fig = go.Figure()
    xs = frame[x].to_list()
    if band is not None and xs:
        fig.add_trace(
            go.Scatter(
                x=[*xs, *xs[::-1]],
                y=[band[1]] * len(xs) + [band[0]] * len(xs),
                fill="toself",
                fillcolor="rgba(198,40,40,0.08)",
                line={"width": 0},
                name=labels.get("band", "±30%"),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Bar(
            x=xs,
            y=frame["declared_seats"].to_list(),
            name=labels.get("declared_seats", "declared"),
            marker={"color": "#90A4AE"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=frame["peak_concurrent_agents"].to_list(),
            mode="lines+markers",
            name=labels.get("peak_concurrent_agents", "peak"),
            line={"color": PALETTE[0]},
        )
    )
    return _layout(fig)


def bar_figure(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    percent: bool = False,
    colour: str | None = None,
    horizontal: bool = False,
    title: str | None = None,
) -> go.Figure:
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


def today_figure(frame: pl.DataFrame, *, labels: Mapping[str, str], limit: float) -> go.Figure:
    """Today per campaign: stacked bars of connected and other outbound calls (their sum is the
    campaign's calls since midnight), and the abandon rate as red-or-grey diamonds on a right axis
    with the limit as a dashed line.

    ``frame`` is ``TodayData.by["campaign"]`` (``entity``, ``outbound_calls``, ``connected_calls``,
    ``abandon_rate``); ``labels`` names ``connected``, ``other``, ``abandon_rate`` and ``limit``
    for the legend; a campaign above ``limit`` gets a red diamond.
    """
    xs = [str(v) for v in frame["entity"].to_list()]
    connected = frame["connected_calls"].to_list()
    other = [n - c for n, c in zip(frame["outbound_calls"].to_list(), connected, strict=True)]
    rates = frame["abandon_rate"].to_list()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=xs, y=connected, name=labels["connected"], marker={"color": PALETTE[1]}))
    fig.add_trace(go.Bar(x=xs, y=other, name=labels["other"], marker={"color": "#90A4AE"}))
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=rates,
            name=labels["abandon_rate"],
            mode="markers",
            yaxis="y2",
            marker={
                "symbol": "diamond",
                "size": 12,
                "color": [OVER_COLOUR if r is not None and r > limit else "#616161" for r in rates],
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[limit] * len(xs),
            name=labels["limit"],
            mode="lines",
            yaxis="y2",
            line={"color": OVER_COLOUR, "dash": "dash", "width": 1},
        )
    )
    top = max([limit * 2, *[r for r in rates if r is not None]])
    fig.update_layout(
        barmode="stack",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, top * 1.1],
            "showgrid": False,
        },
    )
    fig.update_xaxes(type="category")
    return _layout(fig, height=360)


WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OVER_COLOUR = "#C62828"


def daily_peak_figure(frame: pl.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """Peak concurrent agents per day against the declared seats; days above the seats in red.

    ``frame`` is :attr:`core.pagedata.capacity.CapacityData.daily_peak` (day, peak_concurrent_agents,
    declared_seats, over_declared). Two bar traces (within / over the declared seats) and a step
    line of the declared seats; ``labels`` names them (keys ``peak``, ``over``, ``declared_seats``).
    """
    fig = go.Figure()
    for over, key, colour in ((False, "peak", PALETTE[0]), (True, "over", OVER_COLOUR)):
        part = frame.filter(pl.col("over_declared") == over)
        fig.add_trace(
            go.Bar(
                x=part["day"].to_list(),
                y=part["peak_concurrent_agents"].to_list(),
                name=labels.get(key, key),
                marker={"color": colour},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=frame["day"].to_list(),
            y=frame["declared_seats"].to_list(),
            name=labels.get("declared_seats", "declared"),
            mode="lines",
            line={"color": "#455A64", "shape": "hv", "width": 2},
        )
    )
    fig.update_layout(barmode="overlay", bargap=0.15)
    fig.update_xaxes(type="category", nticks=16)
    return _layout(fig, height=360)


def agent_hours_figure(frame: pl.DataFrame, *, labels: dict[str, str], lang: str = "zh") -> go.Figure:
    """Effective talk hours per agent-month as one box per team, the named outliers as red points.

    ``frame`` is :attr:`core.pagedata.capacity.CapacityData.agent_months` (agent, team, month,
    effective_talk_hours, outlier). The boxes draw every agent-month of the team (whiskers at
    1.5·IQR, as the outlier rule); the outlier trace carries the agent id in its hover.
    """
    data = frame.with_columns(pl.col("team").fill_null("—"))
    fig = go.Figure()
    for i, team in enumerate(sorted(data["team"].unique().to_list())):
        part = data.filter(pl.col("team") == team)
        fig.add_trace(
            go.Box(
                y=part["effective_talk_hours"].to_list(),
                name=team,
                boxpoints=False,
                marker={"color": PALETTE[i % len(PALETTE)]},
                showlegend=False,
            )
        )
    out = data.filter(pl.col("outlier") != "")
    unit = "小时" if lang == "zh" else "h"
    fig.add_trace(
        go.Scatter(
            x=out["team"].to_list(),
            y=out["effective_talk_hours"].to_list(),
            text=[f"{a} · {m}" for a, m in zip(out["agent"].to_list(), out["month"].to_list(), strict=True)],
            mode="markers",
            marker={"color": OVER_COLOUR, "size": 9, "symbol": "diamond"},
            name=labels.get("outlier", "outlier"),
            hovertemplate=f"%{{text}}<br>%{{y:.1f}} {unit}<extra></extra>",
        )
    )
    fig.update_yaxes(title=labels.get("effective_talk_hours", ""), rangemode="tozero")
    return _layout(fig, height=400)


def people_figure(frame: pl.DataFrame, *, labels: dict[str, str], x: str = "month") -> go.Figure:
    """Hires and leavers as bars, the headcount at each month's end as a line (one axis: people)."""
    xs = frame[x].to_list()
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=xs, y=frame["hires"].to_list(), name=labels.get("hires", "hires"), marker={"color": PALETTE[1]}
        )
    )
    fig.add_trace(
        go.Bar(
            x=xs,
            y=frame["leavers"].to_list(),
            name=labels.get("leavers", "leavers"),
            marker={"color": OVER_COLOUR},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=frame["headcount_end"].to_list(),
            name=labels.get("headcount_end", "headcount"),
            mode="lines+markers",
            line={"color": PALETTE[0]},
        )
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    return _layout(fig, height=360)


def occupancy_figure(
    frame: pl.DataFrame, *, labels: dict[str, str], band: tuple[float, float] | None = None, x: str = "month"
) -> go.Figure:
    """Occupancy by month (a fraction), the healthy occupancy band shaded."""
    fig = line_figure(frame, x=x, ys={"occupancy": labels.get("occupancy", "occupancy")}, percent=True)
    if band is not None:
        fig.add_hrect(
            y0=band[0],
            y1=band[1],
            fillcolor="rgba(46,125,50,0.10)",
            line_width=0,
            annotation_text=labels.get("band", ""),
            annotation_position="top left",
        )
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, height=360)


def staffing_heatmap_figure(
    cells: pl.DataFrame, *, value: str = "mean_gap", lang: str = "zh", labels: dict[str, str] | None = None
) -> go.Figure:
    """Weekday × half-hour heatmap of the staffing gap (agents logged in − Erlang C requirement).

    ``cells`` is :attr:`core.pagedata.staffing.StaffingSummary.cells`. Negative (understaffed) is red,
    positive (overstaffed) blue, centred on zero; the hover adds the shares of under- and
    overstaffed intervals. Columns are the half-hours that occur in the data, in order.
    """
    names = labels or {}
    days = WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN
    slots = cells.select("slot", "slot_start").unique().sort("slot")
    lookup = {(r["weekday"], r["slot"]): r for r in cells.iter_rows(named=True)}
    z, custom = [], []
    for d in range(1, 8):
        row, row_custom = [], []
        for s in slots["slot"].to_list():
            cell = lookup.get((d, s))
            row.append(None if cell is None else cell[value])
            row_custom.append(
                [None, None] if cell is None else [cell["understaffed_share"], cell["overstaffed_share"]]
            )
        z.append(row)
        custom.append(row_custom)
    values = [v for r in z for v in r if v is not None]
    reach = max([abs(v) for v in values] + [1.0])
    under, over = names.get("understaffed", "understaffed"), names.get("overstaffed", "overstaffed")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=slots["slot_start"].to_list(),
            y=list(days),
            customdata=custom,
            zmin=-reach,
            zmax=reach,
            zmid=0,
            colorscale="RdBu",
            colorbar={"title": names.get(value, value)},
            hovertemplate=f"%{{y}} %{{x}}<br>{names.get(value, value)} %{{z:.1f}}<br>"
            f"{under} %{{customdata[0]:.0%}} · {over} %{{customdata[1]:.0%}}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="category", nticks=24)
    return _layout(fig, height=340)


def credit_gauge_figure(
    score: float, *, threshold: float, grades: list[tuple[str, float]], title: str | None = None
) -> go.Figure:
    """The credit estimate as a gauge 0–100: grade bands, the veto threshold as a red line.

    ``grades`` are ``(grade, floor)`` pairs as in ``[credit] grades`` of the rules file, highest
    first (``[("AA", 100), ("A", 80), ("B", 60), ("C", 0)]``); bands above 100 are not drawn.
    """
    colours = {0: "#FDECEA", 1: "#FFF4E0", 2: "#E8F5E9", 3: "#C8E6C9"}
    floors = sorted((min(float(f), 100.0), g) for g, f in grades)
    steps = []
    for i, (floor, _) in enumerate(floors):
        top = floors[i + 1][0] if i + 1 < len(floors) else 100.0
        if top > floor:
            steps.append({"range": [floor, top], "color": colours.get(i, "#E8F5E9")})
    bar = "#2E7D32" if score >= threshold else "#C62828"
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=score,
            number={"valueformat": ".1f", "font": {"size": 44}},
            gauge={
                "axis": {"range": [0, 100], "tickvals": [0, 20, 40, 60, 80, 100]},
                "bar": {"color": bar, "thickness": 0.3},
                "steps": steps,
                "threshold": {
                    "line": {"color": "#C62828", "width": 4},
                    "thickness": 0.85,
                    "value": threshold,
                },
            },
            domain={"x": [0, 1], "y": [0, 1]},
        )
    )
    fig = _layout(fig, title=title, height=300)
    fig.update_layout(margin={"l": 30, "r": 30, "t": 50 if title else 20, "b": 10})
    return fig


def credit_components_figure(
    components: dict[str, float], weights: dict[str, float], *, labels: dict[str, str], points_label: str
) -> go.Figure:
    """Each component's score (0–100) as a horizontal bar, labelled with its weight and points earned.

    The bar's text is ``points earned / weight`` (``Σ weight × score / 100`` is the estimate).
    """
    keys = list(components)
    scores = [components[k] for k in keys]
    names = [f"{labels.get(k, k)} ({weights[k]:g}%)" for k in keys]
    text = [f"{weights[k] * components[k] / 100:.1f} / {weights[k]:g}" for k in keys]
    colours = ["#2E7D32" if v >= 80 else "#F9A825" if v >= 60 else "#C62828" for v in scores]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=names,
            orientation="h",
            text=text,
            textposition="outside",
            marker={"color": colours},
            cliponaxis=False,  # the "points / weight" text of a full bar stays whole
            hovertemplate="%{y}<br>%{x:.1f}<br>" + points_label + " %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 100], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_yaxes(autorange="reversed", type="category")
    fig = _layout(fig, height=300)
    fig.update_layout(margin={"l": 10, "r": 70, "t": 20, "b": 30}, showlegend=False)
    return fig


def figure_png(fig: go.Figure, *, width: int = 1200, height: int | None = None) -> bytes:
    """The figure as PNG bytes (kaleido with the system Chromium)."""
    png: bytes = fig.to_image(
        format="png", width=width, height=height or int(fig.layout.height or 420), scale=2
    )
    return png


__all__: list[Any] = [
    "agent_hours_figure",
    "bar_figure",
    "credit_components_figure",
    "credit_gauge_figure",
    "daily_peak_figure",
    "figure_png",
    "funnel_figure",
    "hour_weekday_figure",
    "line_figure",
    "occupancy_figure",
    "pack_trend_figure",
    "people_figure",
    "radar_figure",
    "risk_heatmap_figure",
    "seats_figure",
    "staffing_heatmap_figure",
    "today_figure",
]
