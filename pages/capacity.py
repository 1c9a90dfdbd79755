"""坐席产能健康度 / Seat-capacity health: seats, concurrency, occupancy, talk hours, people, staffing.

Page data from :func:`core.pagedata.capacity.build_capacity` for the chosen period (cards, daily peaks,
agent-month distribution) and for the 13 months ending with it (monthly seats, occupancy and
people, so that a one-month view still shows a trend; the ±30 % band is drawn around the seats
declared the day before those 13 months, i.e. a year earlier), and from
:func:`core.pagedata.staffing.compute_staffing` (Erlang C per half-hour) summarised by
:func:`core.pagedata.staffing.summarise_staffing`.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.infra.periods import add_months
from core.pagedata.capacity import CapacityData
from core.pagedata.staffing import STATUSES, StaffingSummary
from core.reporting.charts import (
    agent_hours_figure,
    daily_peak_figure,
    line_figure,
    occupancy_figure,
    people_figure,
    seats_figure,
    staffing_heatmap_figure,
)
from core.semantic.metrics import METRICS
from ui import downloads, errors, glue, pagekit, shell
from ui.kpi import render_kpis

TREND_MONTHS = 13


def trend_start(start: date, end: date) -> date:
    """First day of the trend window: 13 months ending with the period, or the period if longer."""
    return min(start, add_months(end.replace(day=1), -(TREND_MONTHS - 1)))


def _labels(lang: str, *keys: str) -> dict[str, str]:
    return {k: METRICS[k].label(lang) for k in keys}


def render_seats(data: CapacityData, trend: CapacityData, lang: str) -> None:
    """Declared vs in-use seats by month (±30 % band), and peak concurrency by day."""
    left, right = st.columns(2, gap="large")
    with left:
        pagekit.chart_heading("capacity.seats", lang, help_key="capacity.seats_help")
        labels = _labels(lang, "declared_seats", "peak_concurrent_agents") | {
            "band": t("capacity.band", lang)
        }
        fig = seats_figure(trend.monthly, band=trend.seat_band, labels=labels)
        fig.update_xaxes(type="category")
        downloads.chart(fig, "capacity.seats", name="seats-by-month", lang=lang)
    with right:
        pagekit.chart_heading("capacity.daily_peak", lang, help_key="capacity.daily_peak_help")
        over = int(data.daily_peak["over_declared"].sum()) if data.daily_peak.height else 0
        labels = {
            "peak": METRICS["peak_concurrent_agents"].label(lang),
            "over": t("capacity.over_declared", lang),
            "declared_seats": METRICS["declared_seats"].label(lang),
        }
        downloads.chart(
            daily_peak_figure(data.daily_peak, labels=labels), "capacity.daily", name="daily-peak"
        )
        if over:
            st.warning(t("capacity.over_days", lang, n=fmt(over, "num0", lang)), icon=":material/warning:")
        else:
            st.caption(t("capacity.no_over_days", lang))


def render_occupancy_and_people(trend: CapacityData, lang: str) -> None:
    """Occupancy against the healthy band; hires, leavers, headcount and outsourced share."""
    low, high = glue.load_occupancy_band()
    left, right = st.columns(2, gap="large")
    with left:
        pagekit.chart_heading("capacity.occupancy", lang, help_key="capacity.occupancy_help")
        labels = _labels(lang, "occupancy") | {
            "band": t("capacity.healthy", lang, low=fmt(low, "pct0", lang), high=fmt(high, "pct0", lang))
        }
        fig = occupancy_figure(trend.monthly, labels=labels, band=(low, high))
        downloads.chart(fig, "capacity.occupancy", name="occupancy", lang=lang)
    with right:
        pagekit.chart_heading("capacity.people", lang)
        fig = people_figure(trend.monthly, labels=_labels(lang, "hires", "leavers", "headcount_end"))
        downloads.chart(fig, "capacity.people", name="people", lang=lang)
    pagekit.chart_heading("capacity.outsourced", lang)
    fig = line_figure(
        trend.monthly, x="month", ys=_labels(lang, "outsourced_share", "attrition_rate"), percent=True
    )
    fig.update_xaxes(type="category")
    fig.update_layout(height=300)
    downloads.chart(fig, "capacity.outsourced", name="outsourced-attrition", lang=lang)


def render_agent_hours(data: CapacityData, lang: str) -> None:
    """Effective talk hours per agent-month by team, and the outliers by name."""
    st.subheader(t("capacity.hours", lang))
    st.caption(t("capacity.hours_help", lang))
    if data.agent_months.height == 0:
        st.caption(t("pages.no_rows", lang))
        return
    labels = {
        "outlier": t("capacity.outlier", lang),
        "effective_talk_hours": METRICS["effective_talk_hours"].label(lang),
    }
    left, right = st.columns([3, 2], gap="large")
    with left:
        fig = agent_hours_figure(data.agent_months, labels=labels, lang=lang)
        downloads.chart(fig, "capacity.hours", name="agent-month-hours", lang=lang)
    with right:
        st.markdown(f"**{t('capacity.outliers', lang, n=data.outliers.height)}**")
        shown = data.outliers.with_columns(
            data.outliers["outlier"].replace_strict(
                {"low": t("capacity.low", lang), "high": t("capacity.high", lang)}, default=""
            )
        )
        table = pagekit.metric_table(
            shown,
            lang,
            dims={
                "agent": t("touch.dim.agent", lang),
                "team": t("touch.dim.team", lang),
                "month": t("capacity.month", lang),
                "outlier": t("capacity.outlier", lang),
            },
            formats={"effective_talk_hours": (METRICS["effective_talk_hours"].label(lang), "num1")},
        )
        downloads.table(table, "capacity.outliers", "agent-month-outliers", lang=lang)


def render_staffing(summary: StaffingSummary, lang: str) -> None:
    """Inbound half-hours under- and overstaffed by Erlang C: counts, heatmap, worst cells."""
    st.subheader(t("capacity.staffing", lang))
    st.caption(t("capacity.staffing_help", lang))
    if summary.intervals == 0:
        st.caption(t("capacity.no_inbound", lang))
        return
    columns = st.columns(len(STATUSES))
    for column, row in zip(columns, summary.by_status.iter_rows(named=True), strict=True):
        column.metric(
            t(f"capacity.status.{row['status']}", lang),
            fmt(row["intervals"], "num0", lang),
            delta=fmt(row["share"], "pct1", lang),
            delta_color="off",
            delta_arrow="off",
            delta_description=t("capacity.of_intervals", lang, n=fmt(summary.intervals, "num0", lang)),
            border=True,
        )
    labels = {
        "mean_gap": t("capacity.mean_gap", lang),
        "understaffed": t("capacity.status.understaffed", lang),
        "overstaffed": t("capacity.status.overstaffed", lang),
    }
    pagekit.chart_heading("capacity.gap_map", lang, help_key="capacity.gap_map_help")
    fig = staffing_heatmap_figure(summary.cells, value="mean_gap", lang=lang, labels=labels)
    downloads.chart(fig, "capacity.gap", name="staffing-gap", lang=lang)
    left, right = st.columns(2, gap="large")
    for column, status, frame in (
        (left, "understaffed", summary.worst_understaffed),
        (right, "overstaffed", summary.worst_overstaffed),
    ):
        with column:
            st.markdown(f"**{t(f'capacity.worst.{status}', lang)}**")
            shown = frame.with_columns(
                frame["weekday"].map_elements(lambda d: t(f"pages.weekday.{d}", lang), return_dtype=pl.String)
            )
            table = pagekit.metric_table(
                shown,
                lang,
                dims={"weekday": t("capacity.weekday", lang), "slot_start": t("capacity.slot", lang)},
                formats={
                    "intervals": (t("capacity.intervals", lang), "num0"),
                    f"{status}_share": (t("capacity.share", lang), "pct0"),
                    "mean_gap": (t("capacity.mean_gap", lang), "num1"),
                },
            )
            downloads.table(table, f"capacity.worst.{status}", f"staffing-{status}", lang=lang)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang, sel = ctx.lang, ctx.selection
    shell.page_header("page.capacity", ctx)
    with errors.guard(lang, ctx.url):
        if pagekit.no_calls(ctx):
            return
        version = ctx.version or ""
        data = glue.load_capacity(ctx.url, version, sel.start, sel.end, sel.filters)
        pagekit.period_heading(sel.start, sel.end, lang)
        peak = next((k.value for k in data.kpis if k.key == "peak_concurrent_agents"), None)
        # Seats declared and people on the roster are not activity: without a session or a call
        # there is nothing to judge (an empty period, or a filter that matches no agent).
        if data.agent_months.height == 0 and not peak:
            pagekit.nothing_in_period(ctx, "pages.what_agents")
            return
        render_kpis(data.kpis, lang)
        first = trend_start(sel.start, sel.end)
        trend = (
            data if first == sel.start else glue.load_capacity(ctx.url, version, first, sel.end, sel.filters)
        )
        render_seats(data, trend, lang)
        render_occupancy_and_people(trend, lang)
        render_agent_hours(data, lang)
        render_staffing(glue.load_staffing(ctx.url, version, sel.start, sel.end, sel.filters), lang)


render()
