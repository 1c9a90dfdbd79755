"""监管仪表盘 / Regulatory dashboard: the licence annual report year at a glance.

For the chosen report year Y (filed by 31 March of Y+1): the deadline countdown, the eight-step
calendar (editable, saved in the database), the credit score estimate, the risk difference list,
the 46 report fields with their SQL, and the exports (draft report and difference list as Excel,
the monthly dashboard as offline HTML). Everything is computed once by ``core`` into one
:class:`core.pagedata.regulatory.RegulatoryData`, through the cached loader ``ui.glue.load_regulatory``;
this page only draws it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from core.infra.i18n import fmt, t
from core.infra.periods import month_end
from core.pagedata.regulatory import RegulatoryData
from core.pagedata.report import last_complete_year
from core.reporting import exports
from core.reporting.charts import credit_components_figure, credit_gauge_figure
from core.reporting.credit import LABELS as CREDIT_LABELS
from core.reporting.credit import CreditEstimate
from core.reporting.regulatory import FORMS
from core.semantic.metrics import METRICS
from ui import downloads, errors, glue, pagekit, shell

KEY_YEAR = "reg.year"
QP_YEAR = "year"
KEY_STEP = "reg.step"
KEY_FORM = "reg.form"
KEY_SQL = "reg.sql_field"
SAVED_FLAG = "reg.saved_step"

BADGE = {"green": "green", "amber": "orange", "red": "red", "grey": "gray"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------------------------------------------
# Year and deadline
# ----------------------------------------------------------------------------------------------


def year_options(years: tuple[int, ...], latest: date | None, today: date) -> tuple[list[int], int]:
    """The report years offered (newest first) and the default: the last complete year of the data."""
    default = last_complete_year(latest) if latest is not None else today.year - 1
    offered = sorted({y for y in years if y <= default} | {default}, reverse=True)
    return offered, default


def render_year(options: list[int], default: int, lang: str) -> int:
    """The report-year picker (kept in the URL as ``?year=``)."""
    pagekit.url_choice(KEY_YEAR, QP_YEAR, [str(y) for y in options], str(default))
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    chosen = left.selectbox(
        t("reg.year", lang),
        options=[str(y) for y in options],
        format_func=lambda y: t("reg.year_option", lang, year=y, filing=int(y) + 1),
        key=KEY_YEAR,
    )
    right.caption(t("reg.company_wide", lang))
    pagekit.sync_url({QP_YEAR: chosen})
    return int(chosen)


def _days_text(days: int, lang: str) -> str:
    if days > 0:
        return t("reg.in_days", lang, n=fmt(days, "num0", lang))
    if days < 0:
        return t("reg.days_ago", lang, n=fmt(-days, "num0", lang))
    return t("reg.today_is", lang)


def render_deadline(data: RegulatoryData, lang: str) -> None:
    """Days to 31 March of Y+1, the deadline colour, and the three hard dates."""
    st.subheader(t("reg.deadline", lang))
    year, today, dates, colour = data.year, data.today, data.hard_dates, data.deadline_colour
    st.badge(t(f"reg.colour.{colour}", lang), color=BADGE[colour], icon=":material/schedule:")  # type: ignore[arg-type]
    columns = st.columns(3)
    for column, (name, day) in zip(columns, dates.items(), strict=True):
        column.metric(
            t(f"reg.hard.{name}", lang, date=fmt(day, "date")),
            _days_text((day - today).days, lang),
            border=True,
        )
    st.caption(
        t(
            "reg.deadline_caption",
            lang,
            year=year,
            deadline=fmt(dates["deadline"], "date"),
            today=fmt(today, "date"),
        )
    )


# ----------------------------------------------------------------------------------------------
# The eight steps
# ----------------------------------------------------------------------------------------------


def checklist_table(steps: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The steps as a display table in ``lang``."""
    what = "what_en" if lang == "en" else "what_zh"
    return pl.DataFrame(
        {
            t("reg.col.step", lang): [str(s) for s in steps["step"]],
            t("reg.col.due", lang): [fmt(d, "date") for d in steps["due_on"]],
            t("reg.col.what", lang): steps[what].to_list(),
            t("reg.col.status", lang): [t(f"reg.status.{s}", lang) for s in steps["status"]],
            t("reg.col.done_on", lang): [fmt(d, "date") for d in steps["done_on"]],
            t("reg.col.owner", lang): [v or "—" for v in steps["owner"].to_list()],
            t("reg.col.signer", lang): [v or "—" for v in steps["signer"].to_list()],
            t("reg.col.note", lang): [v or "" for v in steps["note"].to_list()],
        },
        schema_overrides={t("reg.col.note", lang): pl.String},
    )


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def render_step_form(ctx: shell.PageContext, year: int, steps: pl.DataFrame, today: date) -> None:
    """Pick a step; mark it done (with a date), set owner, signer and note; save to the database."""
    lang = ctx.lang
    what = "what_en" if lang == "en" else "what_zh"
    labels = {int(r["step"]): r[what] for r in steps.iter_rows(named=True)}
    with st.expander(t("reg.edit_step", lang), icon=":material/edit_calendar:"):
        step = st.selectbox(
            t("reg.step_pick", lang),
            options=list(labels),
            format_func=lambda s: t("reg.step_option", lang, step=s, what=labels[s]),
            key=KEY_STEP,
        )
        row = steps.filter(pl.col("step") == step).row(0, named=True)
        prefix = f"reg.ck.{year}.{step}"
        with st.form(key=f"{prefix}.form", border=False):
            left, right = st.columns(2)
            done = left.checkbox(t("reg.done", lang), value=row["done_on"] is not None, key=f"{prefix}.done")
            done_on = right.date_input(
                t("reg.done_on", lang),
                value=row["done_on"] or today,
                key=f"{prefix}.done_on",
                format="YYYY-MM-DD",
            )
            owner = left.text_input(t("reg.owner", lang), value=row["owner"] or "", key=f"{prefix}.owner")
            signer = right.text_input(
                t("reg.signer", lang), value=row["signer"] or "", key=f"{prefix}.signer"
            )
            note = st.text_area(t("reg.note", lang), value=row["note"] or "", key=f"{prefix}.note", height=80)
            submitted = st.form_submit_button(t("reg.save", lang), type="primary", icon=":material/save:")
        if submitted:
            glue.save_step(
                ctx.url,
                year,
                int(step),
                done_on=(done_on if isinstance(done_on, date) else today) if done else None,
                owner=_text(owner),
                signer=_text(signer),
                note=_text(note),
            )
            st.session_state[SAVED_FLAG] = int(step)
            st.rerun()


def render_checklist(ctx: shell.PageContext, year: int, steps: pl.DataFrame, today: date) -> None:
    """The eight steps with status, and the edit form under them."""
    lang = ctx.lang
    st.subheader(t("reg.checklist", lang))
    saved = st.session_state.pop(SAVED_FLAG, None)
    if saved is not None:
        st.success(t("reg.step_saved", lang, step=saved), icon=":material/check_circle:")
    done = int(steps["done_on"].is_not_null().sum())
    overdue = int((steps["status"] == "overdue").sum())
    st.caption(t("reg.checklist_progress", lang, done=done, overdue=overdue))
    downloads.table(checklist_table(steps, lang), "reg.checklist", f"checklist-{year}", lang=lang)
    render_step_form(ctx, year, steps, today)


# ----------------------------------------------------------------------------------------------
# Credit estimate
# ----------------------------------------------------------------------------------------------


def render_credit(est: CreditEstimate, grades: list[tuple[str, float]], lang: str) -> None:
    """The estimate as a gauge, its components as bars, the verdict against 80, the improvements."""
    st.subheader(t("reg.credit", lang))
    st.caption(t("reg.credit_caption", lang))
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{t('reg.credit_gauge', lang)}**")
        gauge = credit_gauge_figure(est.score, threshold=est.threshold, grades=grades)
        downloads.chart(gauge, "reg.credit_gauge", name=f"credit-estimate-{est.year}", lang=lang)
    with right:
        st.markdown(f"**{t('reg.credit_components', lang)}**")
        labels = {k: (zh if lang == "zh" else en) for k, (zh, en) in CREDIT_LABELS.items()}
        bars = credit_components_figure(
            est.components, est.weights, labels=labels, points_label=t("reg.points", lang)
        )
        downloads.chart(bars, "reg.credit_components", name=f"credit-components-{est.year}", lang=lang)
    score = fmt(est.score, "num1", lang)
    threshold = fmt(est.threshold, "num0", lang)
    if est.passes:
        st.success(t("reg.credit_pass", lang, score=score, grade=est.grade, threshold=threshold))
    else:
        consequences = (
            "、".join(zh for zh, _ in est.consequences)
            if lang == "zh"
            else "; ".join(en for _, en in est.consequences)
        )
        st.error(
            t(
                "reg.credit_fail",
                lang,
                score=score,
                grade=est.grade,
                threshold=threshold,
                consequences=consequences,
            ),
            icon=":material/warning:",
        )
    if est.improvements:
        st.markdown(f"**{t('reg.improvements', lang)}**")
        st.markdown(
            "\n".join(
                "- "
                + t(
                    "reg.improvement",
                    lang,
                    label=i["label_zh"] if lang == "zh" else i["label_en"],
                    score=fmt(i["score"], "num1", lang),
                    gain=fmt(i["gain"], "num1", lang),
                    advice=i["advice_zh"] if lang == "zh" else i["advice_en"],
                )
                for i in est.improvements
            )
        )


# ----------------------------------------------------------------------------------------------
# Difference list and fields
# ----------------------------------------------------------------------------------------------


def _value_text(value: Any, code: str | None, lang: str) -> str:
    """A report value for display: numbers through fmt with ``code``, lists and text as they are."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("reg.yes" if value else "reg.no", lang)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, int | float) and code is not None:
        return fmt(value, code, lang)
    return str(value)


#: Display format of a field value by its unit in core/reporting/fields.toml.
UNIT_FMT: dict[str, str | None] = {
    "count": "num0",
    "pct": "pct1",
    "wan": "num2",
    "hours": "hours1",
    "per10k": "per10k2",
    "text": None,
    "list": None,
    "date": None,
}


def _change_text(change: float | None, compare: str, lang: str) -> str:
    if change is None:
        return "—"
    return fmt(change, "pp1" if compare == "points" else "pct1", lang, signed=True)


def changes_table(changes: list[dict[str, Any]], lang: str) -> pl.DataFrame:
    """The difference list as a display table (rates as %, changes of shares in points)."""
    rows = []
    for c in changes:
        topic = c["topic"]
        share = topic == "outbound_share"
        code = "pct1" if share else "num0"
        rows.append(
            {
                t("reg.col.topic", lang): t(f"reg.topic.{topic}", lang),
                t("reg.col.rule", lang): c["rule_en"] if lang == "en" else c["rule"],
                t("reg.col.previous", lang): _value_text(c["previous"], code, lang),
                t("reg.col.current", lang): _value_text(c["current"], code, lang),
                t("reg.col.change", lang): _change_text(c["change"], "points" if share else "relative", lang),
                t("reg.col.evidence", lang): "、".join(c["evidence"]),
                t("reg.col.source", lang): c.get("source") or "—",
            }
        )
    return pl.DataFrame(rows)


def render_change_card(row: dict[str, str], lang: str) -> None:
    """One material change as a card: topic, what changed, the figures, the evidence to prepare."""
    with st.container(border=True):
        st.badge(row[t("reg.col.topic", lang)], color="red", icon=":material/report:")
        st.markdown(row[t("reg.col.rule", lang)])
        previous, current, change = (row[t(f"reg.col.{c}", lang)] for c in ("previous", "current", "change"))
        st.caption(t("reg.change_figures", lang, previous=previous, current=current, change=change))
        st.markdown(t("reg.evidence_line", lang, items=row[t("reg.col.evidence", lang)]))
        st.caption(t("reg.basis_line", lang, basis=row[t("reg.col.source", lang)]))


def render_changes(year: int, changes: list[dict[str, Any]], lang: str) -> None:
    """Each material change with its figures, the rule it trips and the evidence to prepare."""
    st.subheader(t("reg.changes", lang))
    st.caption(t("reg.changes_caption", lang, year=year, prev=year - 1))
    if not changes:
        st.success(t("reg.no_changes", lang, year=year), icon=":material/verified:")
        return
    st.error(t("reg.changes_count", lang, n=len(changes)), icon=":material/report:")
    frame = changes_table(changes, lang)
    columns = st.columns(2)
    for i, row in enumerate(frame.iter_rows(named=True)):
        with columns[i % 2]:
            render_change_card(row, lang)
    downloads.table_downloads(frame, "reg.changes", f"difference-list-{year}", lang=lang)


def _source_text(source: str, lang: str) -> str:
    kind, _, ref = source.partition(":")
    if kind == "metric" and ref in METRICS:
        return t("reg.source.metric", lang, label=METRICS[ref].label(lang))
    return t(f"reg.source.{kind}", lang, ref=ref) if kind in ("derived", "manual") else source


def fields_table(fields: list[dict[str, Any]], lang: str) -> pl.DataFrame:
    """The 46 fields as a display table in ``lang``."""
    compare = {f["id"]: ("points" if f["unit"] == "pct" else "relative") for f in fields}
    rows = []
    for f in fields:
        code = UNIT_FMT.get(f["unit"])
        rows.append(
            {
                t("reg.col.id", lang): f["id"],
                t("reg.col.form", lang): FORMS[f["form"]][0 if lang == "zh" else 1],
                t("reg.col.field", lang): f["name_zh"] if lang == "zh" else f["name_en"],
                t("reg.col.value", lang): _value_text(f["value"], code, lang),
                t("reg.col.previous", lang): _value_text(f["previous"], code, lang),
                t("reg.col.change", lang): _change_text(f["change"], compare[f["id"]], lang),
                t("reg.col.material", lang): t("reg.yes", lang) if f["material"] else "",
                t("reg.col.prev_source", lang): t(f"reg.prev.{f['previous_source']}", lang),
                t("reg.col.source", lang): _source_text(f["source"], lang),
            }
        )
    return pl.DataFrame(rows)


#: Column widths of the fields table in pixels: nine columns fit a 1440 px screen beside the sidebar.
FIELD_WIDTHS = {
    "id": 48,
    "form": 112,
    "field": 150,
    "value": 140,
    "previous": 140,
    "change": 66,
    "material": 76,
    "prev_source": 72,
    "source": 150,
}


def _field_widths(lang: str) -> dict[str, Any]:
    return {t(f"reg.col.{c}", lang): st.column_config.TextColumn(width=w) for c, w in FIELD_WIDTHS.items()}


def render_fields(ctx: shell.PageContext, year: int, fields: list[dict[str, Any]]) -> None:
    """The fields (filterable by form) and the SQL each computed field ran."""
    lang = ctx.lang
    st.subheader(t("reg.fields", lang, n=len(fields)))
    st.caption(t("reg.fields_caption", lang))
    forms = ["all", *FORMS]
    form = st.segmented_control(
        t("reg.form_pick", lang),
        options=forms,
        format_func=lambda f: t("reg.form_all", lang) if f == "all" else FORMS[f][0 if lang == "zh" else 1],
        key=KEY_FORM,
        default="all",
        required=True,
    )
    shown = [f for f in fields if form in (None, "all") or f["form"] == form]
    downloads.table(
        fields_table(shown, lang),
        "reg.fields",
        f"annual-report-fields-{year}",
        lang=lang,
        height=420,
        column_config=_field_widths(lang),
    )
    with st.expander(t("reg.sql", lang), icon=":material/code:"):
        with_sql = {f["id"]: f for f in fields if f.get("sql")}
        if not with_sql:
            st.info(t("reg.no_sql", lang))
            return
        chosen = st.selectbox(
            t("reg.sql_pick", lang),
            options=list(with_sql),
            format_func=lambda i: (
                f"{i} · {with_sql[i]['name_zh'] if lang == 'zh' else with_sql[i]['name_en']}"
            ),
            key=KEY_SQL,
        )
        st.caption(t("reg.sql_caption", lang, engine=glue.engine_name(ctx.url)))
        st.code(with_sql[chosen]["sql"], language="sql", wrap_lines=True)


# ----------------------------------------------------------------------------------------------
# Exports
# ----------------------------------------------------------------------------------------------


def _workbook(write: Callable[[Path], Path]) -> bytes:
    """Run an exports writer into a temporary file and return the bytes."""
    with tempfile.TemporaryDirectory() as folder:
        return write(Path(folder) / "export.xlsx").read_bytes()


def render_exports(
    ctx: shell.PageContext, year: int, fields: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    """Draft report and difference list to Excel (signature blocks), the monthly report to HTML."""
    lang, url = ctx.lang, ctx.url
    month = ctx.selection.end.replace(day=1)
    st.subheader(t("reg.exports", lang))
    version = glue.rules_in_force().provenance()  # named in the workbooks' properties and sheets
    with st.container(horizontal=True, gap="small"):
        downloads.file_button(
            t("reg.export_report", lang),
            lambda: _workbook(
                lambda p: exports.write_report_xlsx(p, year, fields, changes, rules_version=version)
            ),
            file_name=f"annual-report-draft-{year}.xlsx",
            mime=XLSX,
            key="reg.export_report",
            primary=True,
            icon=":material/table_view:",
        )
        downloads.file_button(
            t("reg.export_changes", lang),
            lambda: _workbook(lambda p: exports.write_changes_xlsx(p, year, changes, rules_version=version)),
            file_name=f"difference-list-{year}.xlsx",
            mime=XLSX,
            key="reg.export_changes",
            icon=":material/table_view:",
        )
        downloads.file_button(
            t("reg.export_monthly", lang, month=fmt(month, "month", lang)),
            lambda: glue.monthly_report_html(url, month, lang).encode("utf-8"),
            file_name=f"regulatory-dashboard-{month:%Y-%m}.html",
            mime="text/html",
            key="reg.export_monthly",
            icon=":material/description:",
        )
    st.caption(
        t(
            "reg.exports_caption",
            lang,
            start=fmt(month, "date"),
            end=fmt(month_end(month), "date"),
            month=f"{month:%Y-%m}",
        )
    )


# ----------------------------------------------------------------------------------------------
# The page
# ----------------------------------------------------------------------------------------------


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.regulatory", ctx)
    with errors.guard(lang, ctx.url):
        if shell.show_problem(ctx):
            return
        version = ctx.version or ""
        today = glue.today()
        years = glue.load_report_years(ctx.url, version)
        options, default = year_options(years, ctx.latest_call, today)
        year = render_year(options, default, lang)
        with st.spinner(t("reg.loading", lang)):
            data = glue.load_regulatory(ctx.url, version, year, today)
        render_deadline(data, lang)
        render_checklist(ctx, year, data.checklist, today)
        if ctx.latest_call is None:
            st.info(t("home.no_calls_db", lang), icon=":material/database:")
            return
        if not data.has_calls or data.credit is None:
            st.info(t("reg.no_year_data", lang, year=year), icon=":material/event_busy:")
            return
        render_credit(data.credit, list(data.credit_grades), lang)
        render_changes(year, data.changes, lang)
        render_fields(ctx, year, data.fields)
        render_exports(ctx, year, data.fields, data.changes)


render()
