"""客户触达效率 / Touch efficiency: KPIs, funnel, when to call, trends, breakdowns and a drill-down.

Everything drawn comes from :func:`core.pagedata.touch.build_touch` (through ``ui.glue.load_touch``); the
drill-down goes campaign → its agents (:func:`core.pagedata.touch.build_campaign_agents`) → one page of
their calls (:func:`core.pagedata.touch.select_call_list`, customer ids masked by core). The chosen
campaign and agent live in the URL (``?touch_campaign=C08&touch_agent=A0161``).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.touch import BREAKDOWN_DIMS, TouchData
from core.reporting.charts import bar_figure, funnel_figure, hour_weekday_figure, line_figure
from core.semantic.metrics import METRICS
from ui import downloads, errors, glue, pagekit, shell
from ui.kpi import render_kpis

#: Widget keys and query-string names of the drill-down.
KEY_CAMPAIGN = "touch.drill.campaign"
KEY_AGENT = "touch.drill.agent"
KEY_PAGE = "touch.drill.page"
KEY_BREAKDOWN = "touch.breakdown.tab"
QP_CAMPAIGN = "touch_campaign"
QP_AGENT = "touch_agent"
ALL_AGENTS = "*"
PAGE_SIZE = 50

#: Breakdown tabs: dimension → (tab label key, column header key).
DIM_LABELS = {
    "campaign": "touch.dim.campaign",
    "team": "touch.dim.team",
    "agent": "touch.dim.agent",
    "callee_province": "touch.dim.province",
    "caller_number": "touch.dim.caller_number",
}
TREND_RATES = ("connect_rate", "effective_rate", "effective_of_connected")
#: The metric columns of the tables (a subset of core.pagedata.touch.BREAKDOWN_KEYS that fits a 1440 px screen).
TABLE_KEYS = (
    "outbound_calls",
    "connect_rate",
    "effective_calls",
    "effective_rate",
    "reached_customers",
    "avg_talk_seconds",
    "abandon_rate",
    "complaints_per_10k",
)
CALL_COLUMNS = {
    "call_id": "touch.call.id",
    "started_at": "touch.call.started_at",
    "agent_id": "touch.dim.agent",
    "caller_number": "touch.dim.caller_number",
    "callee_id": "touch.call.callee",
    "callee_province": "touch.dim.province",
    "disposition": "touch.call.disposition",
}


def render_funnel_and_hours(data: TouchData, lang: str) -> None:
    """The funnel beside the hour × weekday heatmap of the effective rate."""
    left, right = st.columns([2, 3], gap="large")
    with left:
        pagekit.chart_heading("touch.funnel", lang, help_key="touch.funnel_help")
        labels = {k: METRICS[k].label(lang) for k in data.funnel["stage"].to_list()}
        texts = [fmt(v, "num0", lang) for v in data.funnel["value"].to_list()]
        fig = funnel_figure(data.funnel, labels=labels, texts=texts)
        downloads.chart(fig, "touch.funnel", name="funnel", lang=lang)
    with right:
        pagekit.chart_heading("touch.when", lang, help_key="touch.when_help")
        fig = hour_weekday_figure(data.heatmap, value="effective_rate", lang=lang)
        downloads.chart(fig, "touch.hours", name="when-to-call", lang=lang)


def render_trends(data: TouchData, lang: str) -> None:
    """Rates and volumes over the 13 months ending with the period."""
    st.subheader(t("touch.trends", lang))
    if data.trend.height == 0:
        st.caption(t("pages.no_trend", lang))
        return
    left, right = st.columns(2, gap="large")
    with left:
        pagekit.chart_heading("touch.trend_rates", lang)
        fig = line_figure(
            data.trend, x="month", ys={k: METRICS[k].label(lang) for k in TREND_RATES}, percent=True
        )
        fig.update_xaxes(type="category")
        downloads.chart(fig, "touch.trend_rates", name="trend-rates", lang=lang)
    with right:
        pagekit.chart_heading("touch.trend_volume", lang)
        fig = bar_figure(data.trend, x="month", y="outbound_calls")
        fig.update_xaxes(type="category")
        downloads.chart(fig, "touch.trend_volume", name="trend-outbound", lang=lang)


def _with_campaign_names(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("campaign").replace_strict(names, default=None, return_dtype=pl.String).alias("campaign_name")
    )


def render_breakdowns(data: TouchData, lang: str, names: dict[str, str]) -> None:
    """One tab per dimension: the touch metrics of every value, busiest first."""
    st.subheader(t("touch.breakdowns", lang))
    tabs = pagekit.lazy_tabs([t(DIM_LABELS[dim], lang) for dim in BREAKDOWN_DIMS], KEY_BREAKDOWN)
    for tab, dim in zip(tabs, BREAKDOWN_DIMS, strict=True):
        if tab.open is False:
            continue
        with tab:
            frame = data.breakdowns[dim]
            if frame.height == 0:
                st.caption(t("pages.no_rows", lang))
                continue
            dims = {dim: t(DIM_LABELS[dim], lang)}
            if dim == "campaign":
                frame = _with_campaign_names(frame, names)
                dims["campaign_name"] = t("touch.campaign_name", lang)
            table = pagekit.metric_table(frame, lang, dims=dims, metrics=TABLE_KEYS)
            downloads.table(table, f"touch.by.{dim}", f"touch-by-{dim}", lang=lang)


def render_drilldown(ctx: shell.PageContext, data: TouchData, names: dict[str, str]) -> None:
    """Campaign → its agents → one page of their calls (customer ids masked)."""
    lang, sel = ctx.lang, ctx.selection
    st.subheader(t("touch.drill", lang))
    st.caption(t("touch.drill_help", lang))
    campaigns = [c for c in data.breakdowns["campaign"]["campaign"].to_list() if c is not None]
    if not campaigns:
        st.caption(t("pages.no_rows", lang))
        return
    pagekit.url_choice(KEY_CAMPAIGN, QP_CAMPAIGN, campaigns, campaigns[0])
    left, right = st.columns(2, gap="large")
    campaign = left.selectbox(
        t("touch.pick_campaign", lang),
        campaigns,
        key=KEY_CAMPAIGN,
        format_func=lambda c: f"{c} · {names[c]}" if names.get(c) else c,
    )
    agents = glue.load_campaign_agents(ctx.url, ctx.version or "", sel.start, sel.end, sel.filters, campaign)
    st.markdown(f"**{t('touch.agents_of', lang, campaign=campaign)}**")
    table = pagekit.metric_table(
        agents,
        lang,
        dims={"agent": t("touch.dim.agent", lang), "team": t("touch.dim.team", lang)},
        metrics=TABLE_KEYS,
    )
    downloads.table(table, "touch.drill.agents", f"touch-{campaign}-agents", lang=lang)
    agent_ids = [a for a in agents["agent"].to_list() if a is not None]
    choices = [ALL_AGENTS, *agent_ids]
    pagekit.url_choice(KEY_AGENT, QP_AGENT, choices, agent_ids[0] if agent_ids else ALL_AGENTS)
    agent = right.selectbox(
        t("touch.pick_agent", lang),
        choices,
        key=KEY_AGENT,
        format_func=lambda a: t("touch.all_agents", lang) if a == ALL_AGENTS else a,
    )
    pagekit.sync_url({QP_CAMPAIGN: campaign, QP_AGENT: agent})
    render_calls(ctx, campaign, None if agent == ALL_AGENTS else agent)


def render_calls(ctx: shell.PageContext, campaign: str, agent: str | None) -> None:
    """One page of the calls of a campaign (and agent), newest first."""
    lang, sel = ctx.lang, ctx.selection
    who = agent or t("touch.all_agents", lang)
    st.markdown(f"**{t('touch.calls_of', lang, campaign=campaign, agent=who)}**")
    # One page widget per campaign and agent: choosing another starts again at page 1.
    page = int(
        st.number_input(
            t("pages.page", lang),
            min_value=1,
            max_value=10_000,
            step=1,
            key=f"{KEY_PAGE}.{campaign}.{agent or ALL_AGENTS}",
            width=160,
        )
    )
    calls = glue.load_call_list(
        ctx.url, ctx.version or "", sel.start, sel.end, sel.filters, campaign, agent, page - 1, PAGE_SIZE
    )
    if calls.height == 0:
        st.caption(t("pages.no_calls_page", lang))
        return
    st.caption(t("pages.page_rows", lang, page=page, size=PAGE_SIZE, n=calls.height))
    shown = calls.with_columns(
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("disposition").map_elements(lambda d: t(f"disp.{d}", lang), return_dtype=pl.String),
    )
    table = pagekit.metric_table(
        shown,
        lang,
        dims={col: t(key, lang) for col, key in CALL_COLUMNS.items()},
        formats={
            "ring_seconds": (t("touch.call.ring", lang), "num0"),
            "talk_seconds": (t("touch.call.talk", lang), "num0"),
        },
    ).with_columns(
        *[
            pl.Series(t(f"touch.call.{col}", lang), [t(f"pages.bool.{bool(v)}", lang) for v in calls[col]])
            for col in ("two_way_voice", "recorded", "robot")
        ]
    )
    downloads.table(table, "touch.drill.calls", f"touch-{campaign}-{agent or 'all'}-calls-p{page}", lang=lang)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang, sel = ctx.lang, ctx.selection
    shell.page_header("page.touch", ctx)
    with errors.guard(lang, ctx.url):
        if pagekit.no_calls(ctx):
            return
        data = glue.load_touch(ctx.url, ctx.version or "", sel.start, sel.end, sel.filters)
        pagekit.period_heading(sel.start, sel.end, lang)
        outbound = int(data.funnel["value"][0]) if data.funnel.height else 0
        if outbound == 0:
            pagekit.nothing_in_period(ctx, "pages.what_outbound")
            return
        render_kpis(data.kpis, lang)
        render_funnel_and_hours(data, lang)
        render_trends(data, lang)
        options = glue.load_filter_options(ctx.url, ctx.version or "")
        names = dict(options.campaigns)
        render_breakdowns(data, lang, names)
        render_drilldown(ctx, data, names)


render()
