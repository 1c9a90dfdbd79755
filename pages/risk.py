"""外呼合规风险热力图 / Outbound risk heatmap: entity × day or week, the cell behind a score, ranked lists.

The scores come from :func:`core.compliance.risk.compute_risk` (through ``ui.glue.load_risk``). A cell is
chosen by clicking it in the heatmap (the figure carries one invisible marker per cell, since
plotly cannot select heatmap cells) or with the two select boxes under it, which tests and
keyboard users drive; the cell then shows its score, band, top rules with their sources and, per
rule, one page of the calls behind it (:func:`core.compliance.risk.select_rule_calls`, customer ids masked).
Every choice lives in the URL: ``?risk_by=campaign&risk_grain=week&risk_cell=C08&risk_period=2025-09-08``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from core.compliance.risk import ENTITIES, RiskRule
from core.compliance.risk_lists import RANKED_LISTS
from core.infra.i18n import fmt, t
from core.reporting.charts import risk_heatmap_figure
from ui import downloads, errors, glue, pagekit, shell

GRAINS = ("day", "week")
KEY_ENTITY = "risk.entity"
KEY_GRAIN = "risk.grain"
KEY_HEATMAP = "risk.heatmap"
KEY_HANDLED = "risk.heatmap.handled"  # the last click applied to the select boxes
KEY_CELL = "risk.cell.entity"
KEY_PERIOD = "risk.cell.period"
KEY_CALL_TABS = "risk.calls.tab"
KEY_LIST_TABS = "risk.lists.tab"
QP_ENTITY = "risk_by"
QP_GRAIN = "risk_grain"
QP_CELL = "risk_cell"
QP_PERIOD = "risk_period"
NULL_VALUE = "—"  # how a cell without an entity value (e.g. robot calls without an agent) is named
PAGE_SIZE = 50
HEATMAP_ROWS = 30
RANK_TOP = 10
BAND_BADGE = {"low": "green", "medium": "orange", "high": "red", "critical": "red"}
CALL_COLUMNS = {
    "call_id": "touch.call.id",
    "started_at": "touch.call.started_at",
    "campaign_id": "touch.dim.campaign",
    "agent_id": "touch.dim.agent",
    "caller_number": "touch.dim.caller_number",
    "callee_id": "touch.call.callee",
    "callee_province": "touch.dim.province",
    "disposition": "touch.call.disposition",
}


def _rule_labels(rules: tuple[RiskRule, ...], lang: str) -> dict[str, str]:
    return {r.id: r.label(lang) for r in rules}


def _band_labels(lang: str) -> dict[str, str]:
    return {b: t(f"risk.band.{b}", lang) for b in BAND_BADGE}


def render_controls(lang: str) -> tuple[str, str]:
    """Entity and grain, seeded from the URL."""
    pagekit.url_choice(KEY_ENTITY, QP_ENTITY, ENTITIES, "campaign")
    pagekit.url_choice(KEY_GRAIN, QP_GRAIN, GRAINS, "week")
    left, right, _ = st.columns([2, 2, 3])
    entity = left.selectbox(
        t("risk.entity", lang), ENTITIES, key=KEY_ENTITY, format_func=lambda e: t(f"risk.entity.{e}", lang)
    )
    grain = right.segmented_control(
        t("risk.grain", lang),
        GRAINS,
        key=KEY_GRAIN,
        required=True,
        format_func=lambda g: t(f"risk.grain.{g}", lang),
    )
    return str(entity), str(grain or "week")


def _clicked_cell(event: Any) -> tuple[str, str] | None:
    """(entity label, period) of the cell a click selected, or None."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    if not points:
        return None
    point = points[0]
    x, y = point.get("x"), point.get("y")
    return (str(y), str(x)) if x is not None and y is not None else None


def render_heatmap(frame: pl.DataFrame, rules: tuple[RiskRule, ...], lang: str) -> None:
    """The heatmap (click a cell to choose it) with its PNG download."""
    entities = frame["entity"].n_unique()
    pagekit.chart_heading("risk.heatmap", lang)
    st.caption(
        t(
            "risk.heatmap_help",
            lang,
            shown=fmt(min(entities, HEATMAP_ROWS), "num0", lang),
            total=fmt(entities, "num0", lang),
        )
    )
    fig = risk_heatmap_figure(
        frame,
        lang=lang,
        max_rows=HEATMAP_ROWS,
        rule_labels=_rule_labels(rules, lang),
        band_labels=_band_labels(lang),
        selectable=True,
    )
    event = st.plotly_chart(
        fig,
        key=KEY_HEATMAP,
        on_select="rerun",
        selection_mode="points",
        config=downloads.PLOTLY_CONFIG,
        theme=None,
    )
    st.download_button(
        t("download.png", lang),
        data=lambda: downloads.png_bytes(fig),
        file_name="risk-heatmap.png",
        mime="image/png",
        key=f"{KEY_HEATMAP}.png",
        on_click="ignore",
        icon=":material/image:",
        type="tertiary",
    )
    clicked = _clicked_cell(event)
    if clicked is not None and clicked != st.session_state.get(KEY_HANDLED):
        # A new click: it chooses the cell (the select boxes below are drawn after this).
        st.session_state[KEY_HANDLED] = clicked
        st.session_state[KEY_CELL], st.session_state[KEY_PERIOD] = clicked


def choose_cell(frame: pl.DataFrame, lang: str) -> tuple[str, str]:
    """The two select boxes (entity value, period), defaulting to the riskiest cell."""
    named = frame.with_columns(pl.col("entity").fill_null(NULL_VALUE))
    order = (
        named.group_by("entity")
        .agg(pl.col("score").max().alias("peak"))
        .sort(["peak", "entity"], descending=[True, False])["entity"]
        .to_list()
    )
    periods = sorted(named["period"].unique().to_list())
    top = named.sort(["score", "period", "entity"], descending=[True, False, False]).row(0, named=True)
    pagekit.url_choice(KEY_CELL, QP_CELL, order, top["entity"])
    pagekit.url_choice(KEY_PERIOD, QP_PERIOD, periods, top["period"])
    st.markdown(f"**{t('risk.choose', lang)}**")
    left, right, _ = st.columns([2, 2, 3])
    value = left.selectbox(t("risk.cell_entity", lang), order, key=KEY_CELL)
    period = right.selectbox(t("risk.cell_period", lang), periods, key=KEY_PERIOD)
    return str(value), str(period)


def render_cell(
    ctx: shell.PageContext,
    frame: pl.DataFrame,
    entity: str,
    value: str,
    period: str,
    rules: tuple[RiskRule, ...],
) -> None:
    """Score, band and top rules of one cell, and the calls behind each top rule."""
    lang = ctx.lang
    raw_value = None if value == NULL_VALUE else value
    match = frame.filter(
        (pl.col("entity").is_null() if raw_value is None else pl.col("entity") == raw_value)
        & (pl.col("period") == period)
    )
    label = t(f"risk.entity.{entity}", lang)
    if match.height == 0:
        st.subheader(t("risk.cell_title", lang, entity=label, value=value, period=period))
        st.info(t("risk.cell_empty", lang), icon=":material/info:")
        return
    cell = match.row(0, named=True)
    first, last = cell["period_start"], cell["period_end"]
    days = (
        fmt(first, "date")
        if first == last
        else t("pages.range", lang, start=fmt(first, "date"), end=fmt(last, "date"))
    )
    st.subheader(t("risk.cell_title", lang, entity=label, value=value, period=days))
    in_period = frame.filter(pl.col("period") == period).height
    by_id = {r.id: r for r in rules}
    cols = st.columns(4)
    cols[0].metric(t("risk.score", lang), fmt(cell["score"], "num0", lang), border=True)
    with cols[1].container(border=True):
        st.markdown(f"<small>{t('risk.band', lang)}</small>", unsafe_allow_html=True)
        st.badge(t(f"risk.band.{cell['band']}", lang), color=BAND_BADGE.get(cell["band"], "gray"))
    cols[2].metric(
        t("risk.rank", lang),
        t("risk.rank_of", lang, rank=cell["rank"], n=fmt(in_period, "num0", lang)),
        border=True,
    )
    triggered = sum(1 for r in rules if (cell.get(f"s_{r.id}") or 0) > 0)
    cols[3].metric(t("risk.triggered", lang), fmt(triggered, "num0", lang), border=True)
    top = list(cell["top_rules"] or [])
    if not top:
        st.success(t("risk.no_rules", lang), icon=":material/check_circle:")
        return
    st.markdown(f"**{t('risk.top_rules', lang)}**")
    rows = pl.DataFrame(
        {
            t("risk.rule", lang): [by_id[r].label(lang) if r in by_id else r for r in top],
            t("risk.count", lang): [fmt(cell.get(f"n_{r}"), "num0", lang) for r in top],
            t("risk.severity", lang): [fmt(cell.get(f"s_{r}"), "pct0", lang) for r in top],
            t("risk.source", lang): [by_id[r].source if r in by_id else "" for r in top],
        }
    )
    pagekit.static_table(rows, "risk.cell.rules", f"risk-{entity}-{value}-{period}-rules", lang)
    st.markdown(f"**{t('risk.calls', lang)}**")
    tabs = pagekit.lazy_tabs([by_id[r].label(lang) if r in by_id else r for r in top], KEY_CALL_TABS)
    for tab, rule_id in zip(tabs, top, strict=True):
        if tab.open is False:
            continue
        with tab:
            render_rule_calls(ctx, rule_id, entity, raw_value, cell)


def render_rule_calls(
    ctx: shell.PageContext, rule_id: str, entity: str, value: str | None, cell: Mapping[str, Any]
) -> None:
    """One page of the calls behind one rule of the cell, newest first."""
    lang = ctx.lang
    page_key = f"risk.calls.page.{rule_id}.{entity}.{value}.{cell['period']}"
    page = int(
        st.number_input(t("pages.page", lang), min_value=1, max_value=10_000, step=1, key=page_key, width=160)
    )
    calls = glue.load_rule_calls(
        ctx.url,
        ctx.version or "",
        rule_id,
        entity,
        value,
        cell["period_start"],
        cell["period_end"],
        ctx.selection.filters,
        page - 1,
        PAGE_SIZE,
    )
    if calls.height == 0:
        st.caption(t("pages.no_calls_page", lang))
        return
    st.caption(t("pages.page_rows", lang, page=page, size=PAGE_SIZE, n=calls.height))
    shown = calls.with_columns(
        pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("disposition").map_elements(lambda d: t(f"disp.{d}", lang), return_dtype=pl.String),
    )
    table = pagekit.metric_table(shown, lang, dims={col: t(key, lang) for col, key in CALL_COLUMNS.items()})
    name = f"risk-{entity}-{value or 'none'}-{cell['period']}-{rule_id}-p{page}"
    downloads.table(table, f"risk.calls.{rule_id}", name, lang=lang)


def render_rankings(ctx: shell.PageContext, entity: str, rules: tuple[RiskRule, ...]) -> None:
    """The ranked lists of the period: numbers at marking risk, caps, DNC, after hours, abandon days."""
    lang, sel = ctx.lang, ctx.selection
    st.subheader(t("risk.rankings", lang))
    st.caption(t("risk.rankings_help", lang))
    labels = _rule_labels(rules, lang)
    tabs = pagekit.lazy_tabs([t(f"risk.list.{rule_id}", lang) for rule_id, _ in RANKED_LISTS], KEY_LIST_TABS)
    for tab, (rule_id, fixed) in zip(tabs, RANKED_LISTS, strict=True):
        ranked_entity = fixed or entity
        if tab.open is False:
            continue
        with tab:
            st.caption(
                t(
                    f"risk.list_help.{rule_id}",
                    lang,
                    rule=labels.get(rule_id, rule_id),
                    entity=t(f"risk.entity.{ranked_entity}", lang),
                )
            )
            frame = glue.load_risk_ranking(
                ctx.url, ctx.version or "", sel.start, sel.end, sel.filters, ranked_entity, rule_id, RANK_TOP
            )
            if frame.height == 0:
                st.success(t("risk.list_empty", lang), icon=":material/check_circle:")
                continue
            table = pagekit.metric_table(
                frame,
                lang,
                dims={"entity": t(f"risk.entity.{ranked_entity}", lang)},
                formats={
                    "count": (t(f"risk.list_count.{rule_id}", lang), "num0"),
                    "cells": (t("risk.list_days", lang), "num0"),
                    "peak_score": (t("risk.peak_score", lang), "num0"),
                },
            )
            downloads.table(table, f"risk.list.{rule_id}", f"risk-list-{rule_id}-{ranked_entity}", lang=lang)


def render_rules(rules: tuple[RiskRule, ...], lang: str) -> None:
    """The rules in force: kind, weight, levels and the source of each default."""
    st.subheader(t("risk.rules", lang))
    st.caption(t("risk.rules_help", lang))

    def level(rule: RiskRule, value: float | None) -> str:
        return fmt(value, "pct1", lang) if rule.kind != "count" else "—"

    frame = pl.DataFrame(
        {
            t("risk.rule", lang): [r.label(lang) for r in rules],
            t("risk.kind", lang): [t(f"risk.kind.{r.kind}", lang) for r in rules],
            t("risk.weight", lang): [fmt(r.weight, "num2", lang) for r in rules],
            t("risk.warning", lang): [level(r, r.warning) for r in rules],
            t("risk.critical", lang): [level(r, r.critical) for r in rules],
            t("risk.source", lang): [r.source for r in rules],
        }
    )
    pagekit.static_table(frame, "risk.rules", "risk-rules", lang)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang, sel = ctx.lang, ctx.selection
    shell.page_header("page.risk", ctx)
    with errors.guard(lang, ctx.url):
        if pagekit.no_calls(ctx):
            return
        rules = glue.load_risk_rules()
        pagekit.period_heading(sel.start, sel.end, lang, compare=False)
        # The rules version the scores are computed with (its id and time; v0: the shipped defaults).
        st.caption(glue.rules_in_force().provenance_line(lang))
        entity, grain = render_controls(lang)
        frame = glue.load_risk(ctx.url, ctx.version or "", sel.start, sel.end, sel.filters, entity, grain)
        url_state: dict[str, str | None] = {
            QP_ENTITY: entity,
            QP_GRAIN: grain,
            QP_CELL: None,
            QP_PERIOD: None,
        }
        if frame.height == 0:
            pagekit.nothing_in_period(ctx, "pages.what_outbound")
        else:
            render_heatmap(frame, rules, lang)
            value, period = choose_cell(frame, lang)
            url_state |= {QP_CELL: value, QP_PERIOD: period}
            render_cell(ctx, frame, entity, value, period, rules)
            render_rankings(ctx, entity, rules)
        pagekit.sync_url(url_state)
        render_rules(rules, lang)


render()
