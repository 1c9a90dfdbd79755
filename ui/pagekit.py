"""Small pieces shared by the touch, capacity and risk pages.

* page selections that live in the URL (``?risk_by=campaign&risk_grain=week …``): seeded from the
  query string on a new session, validated against the current choices, written back after the run;
* display tables: metric columns formatted by :func:`core.infra.i18n.fmt` under their registry labels;
* the period heading and the "nothing to show" messages every page needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.infra.periods import previous_period, whole_months, year_earlier
from core.semantic.metrics import METRICS
from ui import downloads, shell


def url_choice(key: str, qp: str, options: Sequence[str], default: str | None) -> None:
    """Seed the widget ``key`` from ``?qp=`` on a new session; repair a value no longer offered.

    Call before drawing the widget (which then takes its value from ``st.session_state[key]``).
    """
    valid = list(options)
    if key not in st.session_state:
        wanted = st.query_params.get(qp)
        st.session_state[key] = wanted if wanted in valid else default
    elif st.session_state[key] not in valid:
        st.session_state[key] = default


def sync_url(values: Mapping[str, str | None]) -> None:
    """Write the page's own query parameters (None removes one); only when they changed."""
    for name, value in values.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value


def period_label(start: date, end: date, lang: str) -> str:
    """``2025年9月`` for one whole month, else ``2025-09-01 至 2025-09-30``."""
    if whole_months(start, end) == 1:
        return fmt(start, "month", lang)
    return t("pages.range", lang, start=fmt(start, "date"), end=fmt(end, "date"))


def period_heading(start: date, end: date, lang: str, *, compare: bool = True) -> None:
    """The period as a subheader, and the periods the changes compare with as a caption."""
    st.subheader(period_label(start, end, lang))
    if compare:
        prev, ago = previous_period(start, end), year_earlier(start, end)
        st.caption(
            t(
                "pages.compare",
                lang,
                prev=t("pages.range", lang, start=fmt(prev[0], "date"), end=fmt(prev[1], "date")),
                ago=t("pages.range", lang, start=fmt(ago[0], "date"), end=fmt(ago[1], "date")),
            )
        )


def no_calls(ctx: shell.PageContext) -> bool:
    """Show the database problem, or "no calls at all", in place; return whether the page must stop."""
    if shell.show_problem(ctx):
        return True
    if ctx.latest_call is None:
        st.info(t("home.no_calls_db", ctx.lang), icon=":material/database:")
        return True
    return False


def nothing_in_period(ctx: shell.PageContext, what: str) -> None:
    """The message for a period (or a filter) without the activity a page draws.

    ``what`` names the activity (``pages.what_outbound`` …); a filter that matches nothing gets
    its own message, so the user knows which of the two to change.
    """
    lang, sel = ctx.lang, ctx.selection
    filtered = bool(sel.filters.sites or sel.filters.teams or sel.filters.campaigns)
    if filtered:
        st.info(t("pages.no_match", lang, what=t(what, lang)), icon=":material/filter_alt_off:")
    else:
        st.info(
            t(
                "pages.empty_period",
                lang,
                what=t(what, lang),
                start=fmt(sel.start, "date"),
                end=fmt(sel.end, "date"),
                latest=fmt(ctx.latest_call, "date"),
            ),
            icon=":material/event_busy:",
        )


def metric_table(
    frame: pl.DataFrame,
    lang: str,
    *,
    dims: Mapping[str, str],
    metrics: Sequence[str] = (),
    formats: Mapping[str, tuple[str, str]] | None = None,
) -> pl.DataFrame:
    """A display table: ``dims`` (column → header) as text, then each metric as ``fmt`` text.

    ``metrics`` are registry keys (label and format from :data:`core.semantic.metrics.METRICS`);
    ``formats`` adds other numeric columns as ``column → (header, format code)``. Missing values
    show as ``—``; columns absent from ``frame`` are skipped.
    """
    columns: dict[str, list[str]] = {}
    for col, header in dims.items():
        if col in frame.columns:
            columns[header] = ["—" if v is None else str(v) for v in frame[col].to_list()]
    specs: dict[str, tuple[str, str]] = {k: (METRICS[k].label(lang), METRICS[k].fmt) for k in metrics}
    specs.update(formats or {})
    for col, (header, code) in specs.items():
        if col in frame.columns:
            columns[header] = [fmt(v, code, lang) for v in frame[col].to_list()]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def chart_heading(title_key: str, lang: str, *, help_key: str | None = None) -> None:
    """A chart's title (with an optional one-line explanation as a caption)."""
    st.markdown(f"**{t(title_key, lang)}**")
    if help_key:
        st.caption(t(help_key, lang))


def static_table(frame: pl.DataFrame, key: str, name: str, lang: str) -> None:
    """A table drawn as static HTML (long text wraps, prints and screenshots whole), with the same
    CSV and Excel downloads as :func:`ui.downloads.table` (keys ``{key}.csv`` / ``{key}.xlsx``)."""
    st.table(frame, hide_index=True, border="horizontal")
    downloads.table_downloads(frame, key, name, lang=lang)


def lazy_tabs(labels: Sequence[str], key: str) -> list[Any]:
    """Tabs that draw only the open one (``on_change="rerun"``): a hidden tab costs no table.

    Each data grid is a heavy element in the browser; drawing five breakdown tables to show one
    doubled the time a page took to appear. Callers skip a tab whose ``open`` is False. The open
    tab's label is ``st.session_state[key]`` (tests set it to switch tabs).
    """
    if key in st.session_state and st.session_state[key] not in labels:
        del st.session_state[key]  # e.g. after a language switch: back to the first tab
    return list(st.tabs(list(labels), key=key, on_change="rerun"))
