"""设置 / Settings: the database in use, its tables and row counts, the schema check, the rules in
force (with an override upload), and the company profile and finance entries the report uses.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import streamlit as st

from core.compliance.risk import risk_rules
from core.infra.db import schema_error
from core.infra.i18n import fmt, t
from core.infra.rules import Rules, RulesError
from core.infra.schema import TABLE_NAMES
from core.reporting.profile import COMPANY_COLUMNS, FINANCE_COLUMNS, ProfileError
from ui import downloads, errors, glue, shell

KEY_UPLOAD = "settings.rules_upload"
DONE_UPLOAD = "settings.rules_upload_done"
KEY_FIN_YEAR = "settings.fin_year"
FLASH = "settings.flash"


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


# ----------------------------------------------------------------------------------------------
# Rules in force and the override
# ----------------------------------------------------------------------------------------------


def _rule_level(value: float | None, kind: str, lang: str) -> str:
    if value is None:
        return "—"
    return fmt(value, "pct1", lang) if kind != "count" else fmt(value, "num0", lang)


def risk_rules_table(rules: Rules, lang: str) -> pl.DataFrame:
    """The risk rules (core.compliance.risk.risk_rules) with weights, levels and sources."""
    rows = risk_rules(rules)
    return pl.DataFrame(
        {
            t("settings.col.rule", lang): [r.label(lang) for r in rows],
            t("settings.col.kind", lang): [t(f"settings.kind.{r.kind}", lang) for r in rows],
            t("settings.col.weight", lang): [fmt(r.weight, "num2", lang) for r in rows],
            t("settings.col.warning", lang): [_rule_level(r.warning, r.kind, lang) for r in rows],
            t("settings.col.critical", lang): [_rule_level(r.critical, r.kind, lang) for r in rows],
            t("settings.col.source", lang): [r.source for r in rows],
        }
    )


def _window(pair: list[str]) -> str:
    return f"{pair[0]}–{pair[1]}"


def thresholds_table(rules: Rules, lang: str) -> pl.DataFrame:
    """The key thresholds of the rules file, each with the source of its default."""
    d = rules.data
    m = d["material"]
    sep = "、" if lang == "zh" else ", "
    windows = [_window(d["window"]["default"])] + [
        f"{name} {_window(v)}"
        for group in ("by_industry", "by_purpose")
        for name, v in d["window"].get(group, {}).items()
    ]
    share = m["outbound_share"]
    share_limit = (
        fmt(share["max_change"], "pp1", lang)
        if share.get("mode", "points") == "points"
        else fmt(share["max_change"], "pct0", lang)
    )
    rows: list[tuple[str, str, str]] = [
        ("window", sep.join(windows), d["window"]["source"]),
        ("blocked", sep.join(d["blocked_regions"]["provinces"]), d["blocked_regions"]["source"]),
        (
            "caps",
            t("settings.val.caps", lang, day=d["caps"]["per_24h"], five=d["caps"]["per_5min"]),
            d["caps"]["source"],
        ),
        ("abandon", fmt(d["abandon"]["limit"], "pct1", lang), d["abandon"]["source"]),
        ("recall", t("settings.val.hours", lang, n=d["abandon"]["recall_hours"]), d["abandon"]["source"]),
        (
            "recording",
            t(
                "settings.val.recording",
                lang,
                share=fmt(d["recording"]["coverage"], "pct0", lang),
                purposes=sep.join(d["recording"]["purposes"]),
            ),
            d["recording"]["source"],
        ),
        (
            "marking",
            t(
                "settings.val.marking",
                lang,
                answer=fmt(d["marking"]["min_answer_rate"], "pct0", lang),
                short=fmt(d["marking"]["max_short_share"], "pct0", lang),
                seconds=d["marking"]["short_seconds"],
                calls=d["marking"]["max_daily_calls"],
            ),
            d["marking"]["source"],
        ),
        (
            "complaints",
            t(
                "settings.val.complaints",
                lang,
                channels=sep.join(d["complaints"]["red_channels"]),
                reply=fmt(d["complaints"]["min_reply_rate"], "pct0", lang),
            ),
            d["complaints"]["source"],
        ),
        ("material_seats", fmt(m["seats"]["max_relative_change"], "pct0", lang), m["seats"]["source"]),
        ("material_share", share_limit, share["source"]),
        ("material_numbers", fmt(m["numbers"]["max_relative_change"], "pct0", lang), m["numbers"]["source"]),
        ("credit", fmt(d["credit"]["threshold"], "num0", lang), d["credit"]["source"]),
        (
            "occupancy",
            f"{fmt(d['healthy_occupancy']['low'], 'pct0', lang)}–{fmt(d['healthy_occupancy']['high'], 'pct0', lang)}",
            d["healthy_occupancy"]["source"],
        ),
    ]
    return pl.DataFrame(
        {
            t("settings.col.setting", lang): [t(f"settings.th.{key}", lang) for key, _, _ in rows],
            t("settings.col.value", lang): [value for _, value, _ in rows],
            t("settings.col.source", lang): [source for _, _, source in rows],
        }
    )


def _rules_message(exc: RulesError, lang: str) -> str:
    return exc.zh if lang == "zh" else exc.en


def _shown(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def diff_text(diff: list[tuple[str, Any, Any]]) -> str:
    """``key: old → new; …`` (what a version changed against the rules then in force)."""
    return "; ".join(f"{k}: {_shown(old)} → {_shown(new)}" for k, old, new in diff) or "—"


def versions_table(versions: list[Any], live: int, lang: str) -> pl.DataFrame:
    """Every stored rules version, newest first: who, when, what, the diff, the note."""
    rows = list(reversed(versions))
    return pl.DataFrame(
        {
            t("settings.col.version", lang): [f"v{v.version_id}" for v in rows],
            t("settings.col.at", lang): [f"{v.created_at:%Y-%m-%d %H:%M:%S}" for v in rows],
            t("settings.col.actor", lang): [v.actor for v in rows],
            t("settings.col.action", lang): [
                t(f"settings.action.{v.action}", lang)
                + (f" v{v.source_version}" if v.source_version is not None else "")
                for v in rows
            ],
            t("settings.col.in_force", lang): ["✓" if v.version_id == live else "" for v in rows],
            t("settings.col.diff", lang): [diff_text(v.diff) for v in rows],
            t("settings.col.note", lang): [v.note for v in rows],
        },
        schema={
            t(f"settings.col.{c}", lang): pl.String()
            for c in ("version", "at", "actor", "action", "in_force", "diff", "note")
        },
    )


def render_override(lang: str) -> None:
    """Upload a TOML override: validated by meaning, stored as a new rules version only when it passes."""
    note = st.text_input(t("settings.override_note", lang), key="settings.rules_note")
    propose = st.checkbox(t("settings.override_propose", lang), key="settings.rules_propose")
    uploaded = st.file_uploader(
        t("settings.override", lang), type=["toml"], key=KEY_UPLOAD, help=t("settings.override_help", lang)
    )
    if uploaded is not None and st.session_state.get(DONE_UPLOAD) != uploaded.file_id:
        st.session_state[DONE_UPLOAD] = uploaded.file_id
        try:
            v = glue.save_rules_override(
                uploaded.getvalue(), uploaded.name, note=note or None, propose=propose
            )
        except RulesError as exc:
            st.session_state[FLASH] = (
                "error",
                t("settings.override_bad", lang, detail=_rules_message(exc, lang)),
            )
        else:
            key = "settings.override_proposed" if propose else "settings.override_saved"
            st.session_state[FLASH] = ("success", t(key, lang, name=uploaded.name, id=v.version_id))


def render_versions(lang: str) -> None:
    """The stored versions, the pending proposals (approve) and a restore of any version."""
    st.markdown(f"**{t('settings.versions', lang)}**")
    versions = glue.rule_version_list()
    if not versions:
        st.caption(t("settings.versions_none", lang))
        return
    try:
        live = glue.rules_version_key(glue.database_url())
    except RulesError:
        live = -1
    downloads.table(
        versions_table(versions, live, lang), "settings.versions", "rules-versions", lang=lang, static=True
    )
    for p in glue.pending_rule_proposals():
        if st.button(
            t("settings.approve", lang, id=p.version_id, actor=p.actor),
            key=f"settings.approve.{p.version_id}",
        ):
            try:
                v = glue.approve_rule_proposal(p.version_id)
            except RulesError as exc:
                st.session_state[FLASH] = ("error", _rules_message(exc, lang))
            else:
                st.session_state[FLASH] = (
                    "success",
                    t("settings.approved", lang, pid=p.version_id, id=v.version_id),
                )
            st.rerun()
    choices = [0, *(v.version_id for v in versions if v.in_force_kind and v.version_id != live)]
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    pick = left.selectbox(
        t("settings.restore_pick", lang), choices, format_func=lambda n: f"v{n}", key="settings.restore_pick"
    )
    if right.button(t("settings.restore", lang), key="settings.restore", icon=":material/history:"):
        try:
            v = glue.restore_rule_version(int(pick))
        except RulesError as exc:
            st.session_state[FLASH] = ("error", _rules_message(exc, lang))
        else:
            st.session_state[FLASH] = ("success", t("settings.restored", lang, src=pick, id=v.version_id))
        st.rerun()


def render_rules(lang: str) -> None:
    """Which rules version is in force, the override upload, the versions, the risk rules and the key thresholds."""
    st.subheader(t("settings.rules", lang))
    render_override(lang)
    rules: Rules | None = None
    broken: RulesError | None = None
    try:
        rules = glue.rules_in_force()
    except RulesError as exc:  # a stored version that no longer fits core/infra/rules.toml
        broken = exc
    if (
        rules is not None
        and rules.version is not None
        and st.button(
            t("settings.override_remove", lang), key="settings.rules_remove", icon=":material/restart_alt:"
        )
    ):
        v = glue.remove_rules_override()
        st.session_state[FLASH] = ("success", t("settings.override_removed", lang, id=v.version_id))
        st.rerun()
    flash = st.session_state.pop(FLASH, None)
    if flash is not None:
        kind, message = flash
        (st.error if kind == "error" else st.success)(message)
    if rules is None:
        assert broken is not None
        st.error(t("settings.override_broken", lang, detail=_rules_message(broken, lang)))
        render_versions(lang)
        return
    version = str(rules.data.get("version", "—"))
    if rules.version is None:
        st.caption(t("settings.rules_default", lang, version=version))
    else:
        live = next(v for v in glue.rule_version_list() if v.version_id == rules.version)
        st.caption(
            t(
                "settings.rules_version",
                lang,
                id=rules.version,
                at=f"{live.created_at:%Y-%m-%d %H:%M}",
                actor=live.actor,
                version=version,
            )
        )
    render_versions(lang)
    st.markdown(f"**{t('settings.risk_rules', lang)}**")
    downloads.table(
        risk_rules_table(rules, lang), "settings.risk_rules", "risk-rules", lang=lang, static=True
    )
    st.markdown(f"**{t('settings.thresholds', lang)}**")
    downloads.table(
        thresholds_table(rules, lang), "settings.thresholds", "rule-thresholds", lang=lang, static=True
    )


# ----------------------------------------------------------------------------------------------
# Company profile and finance entries
# ----------------------------------------------------------------------------------------------


def _flash_profile() -> None:
    flash = st.session_state.pop(FLASH + ".profile", None)
    if flash is not None:
        st.success(flash, icon=":material/check_circle:")


def render_company(ctx: shell.PageContext, editable: bool) -> None:
    """The company profile as a form (saved to the company table)."""
    lang = ctx.lang
    company: dict[str, Any] = glue.load_company(ctx.url, ctx.version or "") or {}
    original = company.get("name")
    st.markdown(f"**{t('settings.company', lang)}**")
    if not company:
        st.caption(t("settings.no_company", lang))
    with st.form("settings.company_form"):
        values: dict[str, Any] = {}
        columns = st.columns(3)
        for i, column in enumerate(COMPANY_COLUMNS):
            label = t(f"settings.company.{column}", lang)
            key = f"settings.company.{column}"
            with columns[i % 3]:
                if column == "listed":
                    values[column] = st.checkbox(label, value=bool(company.get(column)), key=key)
                elif column == "registered_capital_wan":
                    values[column] = st.number_input(
                        label, value=company.get(column), min_value=0.0, step=100.0, key=key
                    )
                else:
                    values[column] = st.text_input(label, value=company.get(column) or "", key=key)
        submitted = st.form_submit_button(
            t("settings.save_company", lang), disabled=not editable, icon=":material/save:"
        )
    if submitted:
        try:
            glue.save_company(ctx.url, values, original)
        except ProfileError as exc:
            st.error(exc.message(lang))
        else:
            st.session_state[FLASH + ".profile"] = t("settings.company_saved", lang)
            st.rerun()


def render_finance(ctx: shell.PageContext, editable: bool) -> None:
    """The finance entries (万元) as a table, and a form for one year."""
    lang = ctx.lang
    version = ctx.version or ""
    frame = glue.load_finance(ctx.url, version)
    st.markdown(f"**{t('settings.finance', lang)}**")
    if frame.height:
        shown = pl.DataFrame(
            {
                t("settings.finance.year", lang): [str(y) for y in frame["year"]],
                **{
                    t(f"settings.finance.{c}", lang): [fmt(v, "num2", lang) for v in frame[c].to_list()]
                    for c in FINANCE_COLUMNS
                },
            }
        )
        downloads.table(shown, "settings.finance_table", "finance", lang=lang)
    else:
        st.caption(t("settings.no_finance", lang))
    known = {int(y) for y in frame["year"].to_list()} if frame.height else set()
    data_years = set(glue.load_report_years(ctx.url, version))
    latest = ctx.latest_call or glue.today()
    years = sorted(known | data_years | {latest.year - 1}, reverse=True)
    default = latest.year - 1 if ctx.latest_call is None or latest.month < 12 else latest.year
    year = st.selectbox(
        t("settings.finance.year", lang),
        options=years,
        index=years.index(default) if default in years else 0,
        key=KEY_FIN_YEAR,
    )
    row = frame.filter(pl.col("year") == year).row(0, named=True) if year in known else {}
    with st.form(f"settings.finance_form.{year}"):
        values: dict[str, Any] = {}
        columns = st.columns(len(FINANCE_COLUMNS))
        for column_widget, column in zip(columns, FINANCE_COLUMNS, strict=True):
            values[column] = column_widget.number_input(
                t(f"settings.finance.{column}", lang),
                value=row.get(column),
                min_value=0.0,
                step=10.0,
                key=f"settings.finance.{year}.{column}",
            )
        submitted = st.form_submit_button(
            t("settings.save_finance", lang, year=year), disabled=not editable, icon=":material/save:"
        )
    if submitted:
        try:
            glue.save_finance(ctx.url, int(year), values)
        except ProfileError as exc:
            st.error(exc.message(lang))
        else:
            st.session_state[FLASH + ".profile"] = t("settings.finance_saved", lang, year=year)
            st.rerun()


def render_profile(ctx: shell.PageContext) -> None:
    """Company profile and finance entries; read-only with a message on ClickHouse."""
    lang = ctx.lang
    st.subheader(t("settings.profile", lang))
    st.caption(t("settings.profile_caption", lang))
    _flash_profile()
    editable = glue.profile_editable(ctx.url)
    if not editable:
        st.info(t("settings.readonly", lang, engine=glue.engine_name(ctx.url)), icon=":material/lock:")
    render_company(ctx, editable)
    render_finance(ctx, editable)


def render() -> None:
    """Draw the page."""
    ctx = shell.page_context()
    lang = ctx.lang
    shell.page_header("page.settings", ctx)
    with errors.guard(lang, ctx.url):
        render_database(ctx)
        # A bad URL or an unreachable server makes the schema check raise: the guard shows it.
        render_schema(ctx)
    if ctx.ok:
        # The rules in force are a version stored in the database: shown when it can be read (the
        # guard above has said why it cannot, once).
        with errors.guard(lang, ctx.url):
            render_rules(lang)
        with errors.guard(lang, ctx.url):
            render_profile(ctx)


render()
