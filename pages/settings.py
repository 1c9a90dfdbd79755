"""设置 / Settings: the database in use, its tables and row counts, the schema check.

Issue 5 adds the rules in force, an override upload, and the company profile and finance entries.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.db import schema_error
from core.i18n import fmt, t
from core.schema import TABLE_NAMES
from ui import errors, glue, shell


def render_database(ctx: shell.PageContext) -> None:
    """URL (password hidden), engine and where the URL came from."""
    lang = ctx.lang
    st.subheader(t("settings.database", lang))
    left, middle, right = st.columns([3, 1, 1])
    left.markdown(f"**{t('settings.url', lang)}**  \n`{glue.display_url(ctx.url)}`")
    middle.markdown(f"**{t('settings.engine', lang)}**  \n{glue.engine_name(ctx.url)}")
    right.markdown(f"**{t('settings.data_version', lang)}**  \n`{ctx.version or '—'}`")
    st.caption(f"{t('settings.source', lang)}: {glue.url_source()} — {t('settings.source_hint', lang)}")


def render_schema(ctx: shell.PageContext) -> None:
    """Schema check result and the row count of every table present."""
    lang = ctx.lang
    st.subheader(t("settings.schema", lang))
    problems = glue.schema_problems(ctx.url)
    if problems:
        errors.render_error(schema_error(problems), lang, ctx.url)
    else:
        st.success(t("settings.schema_ok", lang, n=len(TABLE_NAMES)), icon=":material/check_circle:")
    missing = {p.table for p in problems if p.column is None}
    present = tuple(name for name in TABLE_NAMES if name not in missing)
    if not present:
        return
    # Without a data version (incomplete schema) the counts are keyed by the problems instead.
    version = ctx.version or f"problems:{len(problems)}"
    counts = glue.load_row_counts(ctx.url, version, present)
    st.subheader(t("settings.row_counts", lang))
    frame = pl.DataFrame(
        {
            t("settings.table", lang): list(counts),
            t("settings.rows", lang): [fmt(n, "num0", lang) for n in counts.values()],
        }
    )
    # A static table: it prints and screenshots as it looks (a data grid draws on a canvas).
    st.table(frame, hide_index=True, border="horizontal", width=480)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.settings", ctx)
    with errors.guard(lang, ctx.url):
        render_database(ctx)
        # A bad URL or an unreachable server makes the schema check raise: the guard shows it.
        render_schema(ctx)


render()
