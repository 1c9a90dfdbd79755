"""总览 / Overview: the headline figures of the last complete month (or the chosen period)."""

from __future__ import annotations

import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.home import HomeData
from ui import errors, glue, shell
from ui.kpi import render_headlines


def render_period(data: HomeData, lang: str) -> None:
    """Which period the cards show and what they are compared with."""
    if data.whole_month:
        st.subheader(t("home.month", lang, month=fmt(data.period_start, "month", lang)))
    else:
        st.subheader(
            t("home.range", lang, start=fmt(data.period_start, "date"), end=fmt(data.period_end, "date"))
        )
    st.caption(
        t(
            "home.period",
            lang,
            start=fmt(data.period_start, "date"),
            end=fmt(data.period_end, "date"),
            prev_start=fmt(data.previous_start, "date"),
            prev_end=fmt(data.previous_end, "date"),
        )
    )


def render_footer(ctx: shell.PageContext) -> None:
    """The database in use (password hidden) and the data version."""
    lang = ctx.lang
    st.divider()
    st.caption(
        f"{t('home.database', lang)}: `{glue.display_url(ctx.url)}` · "
        f"{t('home.data_version', lang)}: `{ctx.version or '—'}` · "
        f"{t('home.latest_call', lang)}: {fmt(ctx.latest_call, 'date')}"
    )


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.home", ctx)
    with errors.guard(lang, ctx.url):
        if shell.show_problem(ctx):
            return
        if ctx.latest_call is None:
            st.info(t("home.no_calls_db", lang), icon=":material/database:")
            render_footer(ctx)
            return
        sel = ctx.selection
        data = glue.load_home(ctx.url, ctx.version or "", sel.start, sel.end, sel.filters)
        render_period(data, lang)
        if data.current.total_calls == 0:
            if data.filtered:
                st.info(t("home.no_match", lang), icon=":material/filter_alt_off:")
            else:
                st.info(
                    t(
                        "home.empty_period",
                        lang,
                        start=fmt(sel.start, "date"),
                        end=fmt(sel.end, "date"),
                        latest=fmt(ctx.latest_call, "date"),
                    ),
                    icon=":material/event_busy:",
                )
        else:
            render_headlines(data, lang)
        render_footer(ctx)


render()
