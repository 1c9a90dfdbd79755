"""合规资产包 / Compliance asset pack: five compliance dimensions for up to three years.

The radar overlays the years, the trend shows each dimension across them, the benchmark sentence
appears only when ``core.reporting.asset_pack.benchmark_sentence`` can claim it for every year shown, and the
investor page downloads as one self-contained HTML file (``core.reporting.asset_pack.pack_html``).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.report import last_complete_year
from core.reporting.asset_pack import DIMENSIONS, YearScores, benchmark_sentence, pack_html
from core.reporting.charts import pack_trend_figure, radar_figure
from core.semantic.metrics import METRICS
from ui import downloads, errors, glue, shell

KEY_YEARS = "pack.years"
MAX_YEARS = 3


def default_years(years: tuple[int, ...], latest: date) -> list[int]:
    """The last three years up to the last complete one (a partial year is offered, not preselected)."""
    complete = [y for y in years if y <= last_complete_year(latest)]
    return (complete or list(years))[-MAX_YEARS:]


def scores_table(pack: list[YearScores], lang: str) -> pl.DataFrame:
    """Years × the five scores, then the figures behind them."""
    columns: dict[str, list[str]] = {t("pack.col.year", lang): [str(y.year) for y in pack]}
    for key, zh, en in DIMENSIONS:
        columns[zh if lang == "zh" else en] = [fmt(y.scores[key], "num1", lang) for y in pack]
    # The figures behind the scores (the QA score is the pass rate itself, so it is not repeated).
    for key in ("complaints_per_10k", "occupancy"):
        columns[METRICS[key].label(lang)] = [fmt(y.figures.get(key), METRICS[key].fmt, lang) for y in pack]
    columns[t("pack.col.benchmark", lang)] = [fmt(y.figures.get("benchmark"), "per10k2", lang) for y in pack]
    columns[t("pack.col.marked", lang)] = [
        f"{len(y.figures.get('numbers_at_marking_risk') or [])} / {y.figures.get('numbers_used', 0)}"
        for y in pack
    ]
    return pl.DataFrame(columns)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.asset_pack", ctx)
    with errors.guard(lang, ctx.url):
        if shell.show_problem(ctx):
            return
        if ctx.latest_call is None:
            st.info(t("home.no_calls_db", lang), icon=":material/database:")
            return
        version = ctx.version or ""
        years = glue.load_report_years(ctx.url, version)
        latest_complete = last_complete_year(ctx.latest_call)
        if KEY_YEARS not in st.session_state:
            st.session_state[KEY_YEARS] = default_years(years, ctx.latest_call)
        left, right = st.columns([2, 3], vertical_alignment="bottom")
        chosen = left.multiselect(
            t("pack.years", lang),
            options=list(years),
            format_func=lambda y: str(y) if y <= latest_complete else t("pack.partial_year", lang, year=y),
            key=KEY_YEARS,
            max_selections=MAX_YEARS,
            placeholder=t("pack.pick_years", lang),
        )
        right.caption(t("pack.company_wide", lang))
        if not chosen:
            st.info(t("pack.pick_years", lang), icon=":material/calendar_month:")
            return
        pack = list(glue.load_pack(ctx.url, version, tuple(sorted(chosen))))
        sentence = benchmark_sentence(pack, lang)
        if sentence:
            st.success(f"**{sentence}**", icon=":material/workspace_premium:")
        radar_col, trend_col = st.columns(2)
        with radar_col:
            downloads.chart(
                radar_figure(pack, dimensions=DIMENSIONS, lang=lang),
                "pack.radar",
                name="asset-pack-radar",
                lang=lang,
            )
        with trend_col:
            # The radar's height, so that both download buttons line up.
            trend = pack_trend_figure(pack, dimensions=DIMENSIONS, lang=lang)
            downloads.chart(trend, "pack.trend", name="asset-pack-trend", lang=lang, height=480)
        st.subheader(t("pack.scores", lang))
        st.caption(t("pack.scores_caption", lang))
        span = "-".join(str(y.year) for y in pack)
        downloads.table(scores_table(pack, lang), "pack.scores", f"asset-pack-{span}", lang=lang, static=True)
        company = (glue.load_company(ctx.url, version) or {}).get("name") or "—"
        downloads.file_button(
            t("pack.download", lang),
            lambda: pack_html(pack, company=str(company), lang=lang).encode("utf-8"),
            file_name=f"compliance-asset-pack-{span}.html",
            mime="text/html",
            key="pack.download",
            primary=True,
            icon=":material/share:",
        )


render()
