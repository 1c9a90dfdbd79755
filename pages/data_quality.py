"""数据质量 / Data quality: what the imported data gets wrong, counted over the sidebar period.

Each check of ``core.reporting.quality.run_checks`` shows its count, a severity badge, what to do, and a
few example rows. Customer ids are never shown in clear: any example column about the callee is
masked with ``core.infra.privacy.mask_id`` here too, whatever core returns.
"""

from __future__ import annotations

import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.home import Filters
from core.reporting.quality import EXAMPLES, Check, quality_score
from ui import downloads, errors, glue, importer, pagekit, shell
from ui.examples import example_frame

SEVERITY_BADGE = {"error": "red", "warning": "orange", "info": "gray"}
SEVERITY_ICON = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def render_summary(checks: tuple[Check, ...], lang: str) -> None:
    """How many checks, how many found something, and the weighted score."""
    failed = [c for c in checks if not c.passed]
    columns = st.columns(3)
    columns[0].metric(t("dq.checks", lang), fmt(len(checks), "num0", lang), border=True)
    columns[1].metric(t("dq.failed", lang), fmt(len(failed), "num0", lang), border=True)
    columns[2].metric(
        t("dq.score", lang),
        fmt(quality_score(list(checks)), "pct0", lang),
        help=t("dq.score_help", lang),
        border=True,
    )


def render_check(check: Check, index: int, lang: str) -> None:
    """One check: label, badge, count, what to do, and its examples."""
    with st.container(border=True):
        head, count = st.columns([4, 1], vertical_alignment="center")
        with head:
            st.markdown(f"**{check.label(lang)}**")
            if check.passed:
                st.badge(t("quality.passed", lang), color="green", icon=":material/check:")
            else:
                st.badge(
                    t(f"severity.{check.severity}", lang),
                    color=SEVERITY_BADGE.get(check.severity, "gray"),  # type: ignore[arg-type]
                    icon=SEVERITY_ICON.get(check.severity),
                )
        count.metric(t("quality.col_count", lang), fmt(check.count, "num0", lang))
        if check.passed:
            return
        st.caption(f"{t('quality.col_hint', lang)}: {check.hint_zh if lang == 'zh' else check.hint_en}")
        frame = example_frame(check.examples)
        if frame.height:
            expanded = check.severity in ("error", "warning")
            with st.expander(t("dq.examples", lang, n=min(EXAMPLES, frame.height)), expanded=expanded):
                downloads.table(frame, f"dq.examples.{index}", f"data-quality-{check.id}", lang=lang)


def render_passed(checks: list[Check], lang: str) -> None:
    """The checks that found nothing, compactly: a green badge each, two to a row."""
    if not checks:
        return
    st.markdown(f"**{t('dq.passed', lang, n=len(checks))}**")
    with st.container(border=True):
        columns = st.columns(2)
        for i, check in enumerate(checks):
            with columns[i % 2]:
                st.badge(check.label(lang), color="green", icon=":material/check:")


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.data_quality", ctx)
    with errors.guard(lang, ctx.url):
        importer.render_import(lang)  # upload and import files (ui/importer.py)
        if pagekit.no_calls(ctx):
            return
        sel = ctx.selection
        version = ctx.version or ""
        pagekit.period_heading(sel.start, sel.end, lang, compare=False)
        st.caption(t("dq.scope", lang))
        if sel.filters.sites or sel.filters.teams or sel.filters.campaigns:
            st.info(t("dq.filters_ignored", lang), icon=":material/filter_alt_off:")
        overview = glue.load_home(ctx.url, version, sel.start, sel.end, Filters())
        if overview.current.total_calls == 0:
            st.info(
                t(
                    "dq.empty_period",
                    lang,
                    start=fmt(sel.start, "date"),
                    end=fmt(sel.end, "date"),
                    latest=fmt(ctx.latest_call, "date"),
                ),
                icon=":material/event_busy:",
            )
        checks = glue.load_quality(ctx.url, version, sel.start, sel.end)
        render_summary(checks, lang)
        # Problems first (errors, then warnings, then notes), then the checks that passed.
        order = {"error": 0, "warning": 1, "info": 2}
        failing = sorted(
            ((i, c) for i, c in enumerate(checks) if not c.passed),
            key=lambda ic: (order.get(ic[1].severity, 3), ic[0]),
        )
        for index, check in failing:
            render_check(check, index, lang)
        render_passed([c for c in checks if c.passed], lang)


render()
