"""今日监控 / Today: since midnight, per campaign, caller number and site, refreshing itself.

The live part is one ``st.fragment(run_every=…)`` (interval: ``CALLCENTER_TODAY_REFRESH`` seconds,
default 30): only it reruns, so the sidebar and the page stay put while the figures change. Each
refresh reads :func:`core.pagedata.today.build_today` afresh through ``ui.glue.load_today`` (never
cached); when another process holds the DuckDB file for longer than ``glue.LOCK_WAIT_S`` the page
keeps showing what it read last. A database without calls today offers the newest day with calls,
labelled as that day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.today import STALE_MINUTES, Flag, TodayData, risk_view_params, today_flags
from core.reporting.charts import today_figure
from core.semantic.metrics import METRICS
from ui import errors, glue, pagekit, shell

KEY_LATEST = "today_latest"
#: Session-state key of the last data read (shown while the database is busy).
LAST = "_today_last"
LAST_LOG = "_today_last_log"

#: How each flag's value and limit are formatted.
FLAG_FORMATS = {
    "abandon_rate": "pct1",
    "marking_answer_rate": "pct1",
    "marking_short_share": "pct1",
}


def risk_link(entity_kind: str, entity: str, data: TodayData, lang: str) -> str:
    """The relative address of the risk page's view of the entity's day (``risk?from=…``)."""
    return "risk?" + urlencode(risk_view_params(entity_kind, entity, data.day, lang))


def flag_text(flag: Flag, lang: str) -> str:
    """One red or amber item in words, its figures formatted."""
    code = FLAG_FORMATS.get(flag.signal)

    def show(value: Any) -> str:
        if code is not None:
            return fmt(value, code, lang)
        return fmt(value, "num0", lang) if isinstance(value, int | float) else str(value)

    return t(
        f"today.flag.{flag.signal}", lang, entity=flag.entity, value=show(flag.value), limit=show(flag.limit)
    )


def render_status(data: TodayData, lang: str, *, replay: bool) -> None:
    """Which day and moment the figures are of, the newest record, and the stale-feed warning."""
    newest = "—" if data.newest_call_at is None else f"{data.newest_call_at:%Y-%m-%d %H:%M:%S}"
    st.subheader(t("today.as_of", lang, day=fmt(data.day, "date"), time=f"{data.now:%H:%M:%S}"))
    st.caption(t("today.newest", lang, at=newest))
    if data.stale and not replay:
        minutes = "—" if data.stale_minutes_now is None else fmt(data.stale_minutes_now, "num0", lang)
        st.warning(
            t("today.stale", lang, minutes=minutes, limit=STALE_MINUTES), icon=":material/sensors_off:"
        )


def render_kpis(data: TodayData, limit: float, lang: str) -> None:
    """The company's figures since midnight, and the agents logged in now."""
    total = data.totals()
    cols = st.columns(7)
    cols[0].metric(t("today.kpi.calls", lang), fmt(total["outbound_calls"], "num0", lang), border=True)
    cols[1].metric(METRICS["connect_rate"].label(lang), fmt(total["connect_rate"], "pct1", lang), border=True)
    cols[2].metric(
        METRICS["abandon_rate"].label(lang),
        fmt(total["abandon_rate"], "pct1", lang),
        help=t("today.limit", lang, limit=fmt(limit, "pct0", lang)),
        border=True,
    )
    cols[3].metric(t("today.kpi.outside", lang), fmt(total["outside_hours_calls"], "num0", lang), border=True)
    cols[4].metric(t("today.kpi.dnc", lang), fmt(total["dnc_calls"], "num0", lang), border=True)
    cols[5].metric(t("today.kpi.cap", lang), fmt(total["over_cap_calls"], "num0", lang), border=True)
    cols[6].metric(
        t("today.kpi.seats", lang),
        f"{fmt(data.logged_in_now, 'num0', lang)} / {fmt(data.declared_seats, 'num0', lang)}",
        border=True,
    )


def render_flags(flags: list[Flag], data: TodayData, lang: str) -> None:
    """The red (then amber) items, each with a link to the risk page's view of it."""
    st.markdown(f"**{t('today.red_heading', lang)}**")
    if not flags:
        st.success(t("today.all_clear", lang), icon=":material/check_circle:")
        return
    lines = []
    for flag in sorted(flags, key=lambda f: f.level != "red"):
        mark = ":red[●]" if flag.level == "red" else ":orange[●]"
        link = risk_link(flag.entity_kind, flag.entity, data, lang)
        lines.append(f"- {mark} {flag_text(flag, lang)} · [{t('today.view', lang)}]({link})")
    st.markdown("\n".join(lines))


def _links(frame: pl.DataFrame, entity_kind: str, data: TodayData, lang: str) -> list[str]:
    return [
        risk_link(entity_kind, "" if e is None else str(e), data, lang) for e in frame["entity"].to_list()
    ]


def _with_link(table: pl.DataFrame, links: list[str], lang: str) -> pl.DataFrame:
    return table.with_columns(pl.Series(t("today.col.link", lang), links, dtype=pl.String))


def _link_config(lang: str) -> dict[str, Any]:
    return {t("today.col.link", lang): st.column_config.LinkColumn(display_text=t("today.view", lang))}


def render_campaigns(data: TodayData, lang: str) -> None:
    """Per campaign: calls, rates, the zero-tolerance counts, its window's end and its newest call."""
    frame = data.by["campaign"].with_columns(
        pl.col("last_call_at").dt.strftime("%H:%M:%S").alias("last_call"),
    )
    table = pagekit.metric_table(
        frame,
        lang,
        dims={"entity": t("today.col.campaign", lang)},
        formats={
            "outbound_calls": (t("today.col.calls", lang), "num0"),
            "connected_calls": (t("today.col.connected", lang), "num0"),
            "connect_rate": (METRICS["connect_rate"].label(lang), "pct1"),
            "abandon_rate": (METRICS["abandon_rate"].label(lang), "pct1"),
            "outside_hours_calls": (t("today.col.outside", lang), "num0"),
            "dnc_calls": (t("today.col.dnc", lang), "num0"),
            "over_cap_calls": (t("today.col.cap", lang), "num0"),
            "blocked_region_calls": (t("today.col.blocked", lang), "num0"),
        },
    )
    times = pagekit.metric_table(
        frame,
        lang,
        dims={"window_end": t("today.col.window_end", lang), "last_call": t("today.col.last_call", lang)},
    )
    table = _with_link(
        pl.concat([table, times], how="horizontal"), _links(frame, "campaign", data, lang), lang
    )
    st.markdown(f"**{t('today.by_campaign', lang)}**")
    st.dataframe(table, hide_index=True, column_config=_link_config(lang), key="today.campaigns")


def render_numbers(data: TodayData, rules: Any, lang: str) -> None:
    """Per caller number: calls, answer rate, short-call share and the marking verdict."""
    frame = data.by["caller_number"].with_columns(
        pl.col("marking_risk").cast(pl.Boolean).cast(pl.String).alias("marking"),
    )
    table = pagekit.metric_table(
        frame,
        lang,
        dims={"entity": t("today.col.number", lang)},
        formats={
            "outbound_calls": (t("today.col.calls", lang), "num0"),
            "connect_rate": (METRICS["connect_rate"].label(lang), "pct1"),
            "short_share": (t("today.col.short_share", lang), "pct1"),
        },
    )
    verdict = [t(f"pages.bool.{v == 'true'}", lang) for v in frame["marking"].to_list()]
    table = table.with_columns(pl.Series(t("today.col.marking", lang), verdict, dtype=pl.String))
    table = _with_link(table, _links(frame, "caller_number", data, lang), lang)
    st.markdown(f"**{t('today.by_number', lang)}**")
    m = rules.data["marking"]
    st.caption(
        t(
            "today.marking_thresholds",
            lang,
            volume=fmt(m["max_daily_calls"], "num0", lang),
            min_calls=fmt(m.get("min_calls", 0), "num0", lang),
            answer=fmt(m["min_answer_rate"], "pct0", lang),
            min_connected=fmt(m.get("min_connected", 1), "num0", lang),
            seconds=fmt(m["short_seconds"], "num0", lang),
            short=fmt(m["max_short_share"], "pct0", lang),
        )
    )
    st.dataframe(table, hide_index=True, column_config=_link_config(lang), key="today.numbers")


def render_seats(data: TodayData, lang: str) -> None:
    """Per site: agents logged in now against the declared seats."""
    st.markdown(f"**{t('today.by_site', lang)}**")
    table = pagekit.metric_table(
        data.seats.rename({"site": "entity"}),
        lang,
        dims={"entity": t("today.col.site", lang)},
        formats={
            "logged_in_now": (t("today.col.logged_in", lang), "num0"),
            "declared_seats": (t("today.col.declared", lang), "num0"),
        },
    )
    st.dataframe(table, hide_index=True, key="today.seats")


def alert_table(log: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The alert log as a display table (time, kind, rule, entity, value, threshold, deliveries)."""
    kinds = [t(f"today.kind.{k}", lang) for k in log["kind"].to_list()]
    return pl.DataFrame(
        {
            t("today.col.time", lang): [f"{v:%H:%M:%S}" for v in log["raised_at"].to_list()],
            t("today.col.kind", lang): kinds,
            t("today.col.rule", lang): log["rule_id"].to_list(),
            t("today.col.entity", lang): log["entity"].to_list(),
            t("today.col.value", lang): [fmt(v, "num2", lang) for v in log["value"].to_list()],
            t("today.col.threshold", lang): [fmt(v, "num2", lang) for v in log["threshold"].to_list()],
            t("today.col.delivered", lang): log["delivered"].to_list(),
            t("today.col.failed", lang): log["failed"].to_list(),
            t("today.col.attempts", lang): [fmt(v, "num0", lang) for v in log["attempts"].to_list()],
            t("today.col.message", lang): log["message"].to_list(),
        },
        schema_overrides={t("today.col.time", lang): pl.String},
    )


def render_alerts(url: str, data: TodayData, lang: str, *, fresh: bool = True) -> None:
    """The day's alert log: what was sent, to whom, delivered or failed (``fresh`` False: the
    database was busy a moment ago, so the log read last is shown without waiting again)."""
    st.markdown(f"**{t('today.alerts', lang)}**")
    log: pl.DataFrame | None = None
    if fresh:
        try:
            log = glue.load_alert_log(url, data.day)
            st.session_state[LAST_LOG] = (data.day, log)
        except glue.DatabaseBusy:
            pass
    if log is None:
        day, log = st.session_state.get(LAST_LOG, (data.day, None))
        if log is None or day != data.day:
            log = pl.DataFrame()
    if log.height == 0:
        st.caption(t("today.no_alerts", lang))
        return
    st.dataframe(alert_table(log, lang), hide_index=True, key="today.alerts")


def read(ctx: shell.PageContext, now: datetime | None = None) -> tuple[TodayData | None, bool]:
    """Today's data (or the day at ``now``) and True; while another process holds the file, the last
    data read (of the same day kind: today, or the replayed day) and False."""
    slot = (LAST, now is None)
    try:
        data = glue.load_today(ctx.url, ctx.selection.filters, now)
    except glue.DatabaseBusy:
        last: TodayData | None = st.session_state.get(str(slot))
        if last is None:
            st.info(t("today.busy_first", ctx.lang), icon=":material/hourglass_top:")
            return None, False
        st.info(t("today.busy", ctx.lang, time=f"{last.now:%H:%M:%S}"), icon=":material/hourglass_top:")
        return last, False
    st.session_state[str(slot)] = data
    return data, True


def render_live(ctx: shell.PageContext) -> None:
    """The part that refreshes itself."""
    lang = ctx.lang
    with errors.guard(lang, ctx.url):
        data, fresh = read(ctx)
        if data is None:
            return
        if data.newest_call_at is None:
            st.info(t("today.no_calls_db", lang), icon=":material/database:")
            return
        replay = False
        if data.newest_call_at.date() < data.day:
            newest = data.newest_call_at
            st.info(
                t("today.no_calls", lang, newest=f"{newest:%Y-%m-%d %H:%M:%S}"), icon=":material/event_busy:"
            )
            if not st.toggle(t("today.show_latest", lang, day=fmt(newest, "date")), key=KEY_LATEST):
                render_alerts(ctx.url, data, lang, fresh=fresh)
                return
            replayed, fresh = read(ctx, newest)
            if replayed is None:
                return
            data, replay = replayed, True
            st.warning(
                t("today.replay", lang, day=fmt(data.day, "date"), time=f"{newest:%H:%M:%S}"),
                icon=":material/history:",
            )
        rules = glue.rules_in_force()
        limit = float(rules.data["abandon"]["limit"])
        render_status(data, lang, replay=replay)
        render_kpis(data, limit, lang)
        if data.by["campaign"].height == 0:
            st.info(t("today.no_match", lang), icon=":material/filter_alt_off:")
        render_flags(today_flags(data, rules), data, lang)
        if data.by["campaign"].height:
            pagekit.chart_heading("today.chart", lang)
            labels = {k: t(f"today.chart.{k}", lang) for k in ("connected", "other", "abandon_rate", "limit")}
            st.plotly_chart(
                today_figure(data.by["campaign"], labels=labels, limit=limit),
                key="today.chart",
                config={"displaylogo": False},
            )
            render_campaigns(data, lang)
            render_numbers(data, rules, lang)
        render_seats(data, lang)
        render_alerts(ctx.url, data, lang, fresh=fresh)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.today", ctx)
    with errors.guard(lang, ctx.url):
        if shell.show_problem(ctx):
            return
        interval = glue.today_refresh_seconds()
        st.caption(t("today.scope", lang, seconds=interval))
        st.fragment(render_live, run_every=interval)(ctx)


render()
