"""The licence annual report: the 46 fields, material changes (风险差异清单) and the eight-step calendar.

* :func:`load_fields` reads the catalogue ``core/reporting/fields.toml`` (DOMAIN.md §8).
* :func:`compute_fields` gives each field's value for year Y, last year's (from the stored submission
  when there is one, else from the data), the change, the material-change rule it trips, the
  evidence to prepare, and the SQL each computed field ran, compiled for the engine in use.
* :func:`compute_changes` is the risk difference list: one entry per material change (DOMAIN.md §3).
* :func:`checklist` / :func:`mark_step` / :func:`deadline_colour` keep the reporting calendar (§2).
  Reading the calendar never writes: a year without stored steps reads as the eight default steps,
  and the rows are created by the demo build or by an explicit action (:func:`ensure_checklist`,
  which :func:`mark_step` calls).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.infra.rules import Rules, load_rules
from core.semantic import cubes, rollup, sources
from core.semantic.cubes import Filters
from core.semantic.metrics import METRICS, compute_metrics

FIELDS_FILE = Path(__file__).with_name("fields.toml")
FORMS: dict[str, tuple[str, str]] = {
    "basic": ("企业基本情况表", "Company basics"),
    "economics": ("企业经济效益表", "Economics"),
    "service": ("企业服务质量表", "Service quality"),
    "business": ("呼叫中心业务表", "Call-centre business"),
}
TOPICS: tuple[str, ...] = ("seats", "outbound_share", "equity", "key_script", "sites", "numbers")


@dataclass(frozen=True)
class Field:
    """One field of the annual report catalogue."""

    id: str
    form: str
    name_zh: str
    name_en: str
    unit: str
    source: str
    published: bool
    compare: str
    topic: str | None = None

    @property
    def kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def ref(self) -> str:
        return self.source.split(":", 1)[1]


def load_fields(path: Path | str = FIELDS_FILE) -> list[Field]:
    """The field catalogue, in order."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [Field(**{**{"topic": None}, **f}) for f in data["field"]]


# --------------------------------------------------------------------------------------------
# Field values
# --------------------------------------------------------------------------------------------


def _year(y: int) -> tuple[date, date]:
    return date(y, 1, 1), date(y, 12, 31)


def _small(engine: Engine, table: sa.Table) -> pl.DataFrame:
    return db.read_frame(engine, sa.select(*table.columns))


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def register_at(engine: Engine, day: date) -> dict[str, float]:
    """The shareholder register in force on ``day``: the latest snapshot on or before it."""
    frame = _small(engine, schema.shareholders)
    if frame.height == 0:
        return {}
    frame = frame.with_columns(pl.col("as_of").map_elements(_as_date, return_dtype=pl.Date))
    frame = frame.filter(pl.col("as_of") <= day)
    if frame.height == 0:
        return {}
    latest = frame["as_of"].max()
    snap = frame.filter(pl.col("as_of") == latest)
    return {r["holder"]: float(r["share_pct"]) for r in snap.iter_rows(named=True)}


def _licences_at(engine: Engine, day: date) -> list[dict[str, Any]]:
    frame = _small(engine, schema.licences)
    out = []
    for r in frame.iter_rows(named=True):
        if (r["business_code"] or "").upper() != "B24":
            continue
        start, end = _as_date(r["valid_from"]), _as_date(r["valid_to"])
        if (start is None or start <= day) and (end is None or end >= day):
            out.append(r)
    return out


def coverage_at(engine: Engine, day: date) -> list[str]:
    """Provinces covered by the B24 licences valid on ``day`` (sorted)."""
    provinces: set[str] = set()
    for r in _licences_at(engine, day):
        provinces |= {p.strip() for p in (r["coverage"] or "").replace(",", ",").split(",") if p.strip()}
    return sorted(provinces)


def sites_open_at(engine: Engine, day: date) -> pl.DataFrame:
    """Sites open on ``day``."""
    frame = _small(engine, schema.sites)
    keep = [
        (_as_date(r["opened_on"]) or date.min) <= day
        and (r["closed_on"] is None or (_as_date(r["closed_on"]) or date.max) > day)
        for r in frame.iter_rows(named=True)
    ]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean)) if frame.height else frame


def select_numbers_used(year: int, *, kinds: tuple[str, ...] | None = None) -> sa.Select[Any]:
    """Distinct registered caller numbers used by outbound calls in the year (optionally of some kinds)."""
    k, n = schema.calls, schema.numbers
    t0, t1 = cubes.period_bounds(*_year(year))
    conds = [k.c.direction == "out", k.c.started_at >= t0, k.c.started_at < t1, n.c.registered == sa.true()]
    if kinds:
        conds.append(n.c.kind.in_(kinds))
    return (
        sa.select(sa.func.count(sa.distinct(k.c.caller_number)).label("n"))
        .select_from(k.join(n, n.c.number == k.c.caller_number))
        .where(*conds)
    )


def select_client_industries(year: int) -> sa.Select[Any]:
    """Client industries of campaigns with calls in the year."""
    k, c = schema.calls, schema.campaigns
    t0, t1 = cubes.period_bounds(*_year(year))
    used = sa.select(k.c.campaign_id).where(k.c.started_at >= t0, k.c.started_at < t1).distinct().subquery()
    return (
        sa.select(c.c.client_industry)
        .where(c.c.campaign_id.in_(sa.select(used.c.campaign_id)))
        .distinct()
        .order_by(c.c.client_industry)
    )


def numbers_used(engine: Engine, year: int, *, kinds: tuple[str, ...] | None = None) -> int:
    """The count :func:`select_numbers_used` gives, read from ``rollup_numbers_monthly`` when the
    rollups are current (a calendar year is whole months), else from the calls."""
    t0, t1 = cubes.period_bounds(*_year(year))
    with engine.connect() as conn:
        stored = rollup.current(conn)
    query = rollup.select_numbers_used(t0, t1, kinds) if stored else select_numbers_used(year, kinds=kinds)
    return int(_scalar(engine, query) or 0)


def client_industries(engine: Engine, year: int) -> list[str]:
    """The client industries :func:`select_client_industries` gives (nulls and blanks left out), the
    year's campaigns read from ``rollup_calls_monthly`` when the rollups are current."""
    with engine.connect() as conn:
        stored = rollup.current(conn)
    query = select_client_industries(year)
    if stored:
        c = schema.campaigns.c
        used = rollup.select_campaigns_used(*cubes.period_bounds(*_year(year))).subquery()
        query = (
            sa.select(c.client_industry)
            .where(c.campaign_id.in_(sa.select(used.c.campaign_id)))
            .distinct()
            .order_by(c.client_industry)
        )
    return [str(x) for x in db.read_frame(engine, query)["client_industry"].to_list() if x]


def _scalar(engine: Engine, query: sa.Select[Any]) -> Any:
    frame = db.read_frame(engine, query)
    return frame.row(0)[0] if frame.height else None


@dataclass
class _YearData:
    metrics: dict[str, Any]
    derived: dict[str, Any]
    manual: dict[str, Any]


def _year_data(engine: Engine, year: int, fields: list[Field], rules: Rules) -> _YearData:
    start, end = _year(year)
    keys = sorted({f.ref for f in fields if f.kind == "metric"} | {"outbound_calls", "out_of_coverage_calls"})
    values = compute_metrics(engine, start, end, metrics=keys, rules=rules).row(0, named=True)
    by_purpose = compute_metrics(engine, start, end, by=["purpose"], metrics=["outbound_calls"], rules=rules)
    marketing = by_purpose.filter(pl.col("purpose") == "marketing")["outbound_calls"].sum()
    register = register_at(engine, end)
    derived = {
        "shareholders": "; ".join(f"{h} {p:g}%" for h, p in sorted(register.items(), key=lambda x: -x[1]))
        or None,
        "licence_coverage": ",".join(coverage_at(engine, end)) or None,
        "site_provinces": ",".join(sorted(set(sites_open_at(engine, end)["province"].to_list()))) or None,
        "marketing_outbound_calls": int(marketing or 0),
        "registered_numbers_used": numbers_used(engine, year),
        "numbers_95_96_used": numbers_used(engine, year, kinds=("95", "96")),
        "out_of_coverage_share": (values["out_of_coverage_calls"] / values["outbound_calls"])
        if values["outbound_calls"]
        else None,
        "client_industries": ",".join(client_industries(engine, year)) or None,
    }
    company = _small(engine, schema.company)
    finance = _small(engine, schema.finance).filter(pl.col("year") == year)
    lic = _licences_at(engine, end)
    manual: dict[str, Any] = {}
    if company.height:
        for k, v in company.row(0, named=True).items():
            manual[f"company.{k}"] = ("是" if v else "否") if k == "listed" and v is not None else v
    if finance.height:
        for k, v in finance.row(0, named=True).items():
            manual[f"finance.{k}"] = v
    if lic:
        manual["licences.licence_no"] = ",".join(str(r["licence_no"]) for r in lic)
        valid_to = [d for r in lic if (d := _as_date(r["valid_to"])) is not None]
        manual["licences.valid_to"] = max(valid_to).isoformat() if valid_to else None
    return _YearData(values, derived, manual)


def _value(field: Field, data: _YearData) -> Any:
    if field.kind == "metric":
        return data.metrics.get(field.ref)
    if field.kind == "derived":
        return data.derived.get(field.ref)
    return data.manual.get(field.ref)


def stored_submission(engine: Engine, year: int) -> dict[str, Any] | None:
    """The payload of the stored submission for ``year`` (keys: field ids or metric keys), if any."""
    rs = schema.report_submissions
    frame = db.read_frame(engine, sa.select(rs.c.payload).where(rs.c.year == year))
    if frame.height == 0 or frame["payload"][0] is None:
        return None
    try:
        payload = json.loads(frame["payload"][0])
    except (TypeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def _from_submission(field: Field, payload: dict[str, Any] | None) -> tuple[bool, Any]:
    if not payload:
        return False, None
    for key in (field.id, field.ref):
        if key in payload:
            return True, payload[key]
    return False, None


def field_change(field: Field, current: Any, previous: Any) -> float | None:
    """Relative change for counts, points for rates, none for text."""
    if field.compare == "none" or current is None or previous is None:
        return None
    try:
        cur, prev = float(current), float(previous)
    except (TypeError, ValueError):
        return None
    if field.compare == "points":
        return cur - prev
    return None if prev == 0 else cur / prev - 1


def compute_fields(
    engine: Engine,
    year: int,
    *,
    rules: Rules | None = None,
    with_sql: bool = True,
    changes: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every field of the catalogue for ``year``.

    Args:
        engine: the database.
        year: the report year Y (compared with Y − 1).
        rules: the rules in force (default: ``core/infra/rules.toml``).
        with_sql: also compile the SQL each computed field ran (the ``sql`` key; None otherwise).
        changes: the difference list of ``year`` as :func:`compute_changes` returned it for the same
            rules, when the caller already has it (it marks the material fields); computed when None.

    Returns:
        One row per field: id, form, name_zh, name_en, unit, value, previous, previous_source
        ('submission' or 'data'), data_previous (last year from the data), change, material (bool),
        rule, evidence (list), source, published, sql (for computed fields).
    """
    rules = rules or load_rules()
    fields = load_fields()
    cur = _year_data(engine, year, fields, rules)
    prev = _year_data(engine, year - 1, fields, rules)
    payload = stored_submission(engine, year - 1)
    if changes is None:
        changes = compute_changes(engine, year, rules=rules)
    by_topic = {c["topic"]: c for c in changes}
    rows = []
    for f in fields:
        value = _value(f, cur)
        data_prev = _value(f, prev)
        found, submitted = _from_submission(f, payload)
        previous = submitted if found else data_prev
        change = by_topic.get(f.topic) if f.topic else None
        rows.append(
            {
                "id": f.id,
                "form": f.form,
                "name_zh": f.name_zh,
                "name_en": f.name_en,
                "unit": f.unit,
                "value": value,
                "previous": previous,
                "previous_source": "submission" if found else "data",
                "data_previous": data_prev,
                "change": field_change(f, value, previous),
                "material": change is not None,
                "rule": change["rule"] if change else None,
                "evidence": change["evidence"] if change else [],
                "source": f.source,
                "published": f.published,
                "sql": field_sql(engine, f, year, rules=rules) if with_sql else None,
            }
        )
    return rows


def field_sql(engine: Engine, field: Field, year: int, *, rules: Rules | None = None) -> str | None:
    """The SQL a computed field ran with ``rules`` (default: ``core/infra/rules.toml``), compiled for the
    engine in use (``None`` for manual entries)."""
    start, end = _year(year)
    ctx = cubes.make_ctx(engine, start, end, Filters(), rules or load_rules())
    queries: list[Any] = []
    if field.kind == "metric":
        for base in METRICS[field.ref].needs:
            queries += cubes.explain(ctx, base)
    elif field.ref in ("registered_numbers_used", "numbers_95_96_used"):
        kinds = ("95", "96") if field.ref == "numbers_95_96_used" else None
        queries.append(select_numbers_used(year, kinds=kinds))
    elif field.ref == "client_industries":
        queries.append(select_client_industries(year))
    elif field.ref == "marketing_outbound_calls":
        queries.append(sources.select_calls(ctx, ["purpose"], ["outbound_calls"]))
    elif field.ref == "out_of_coverage_share":
        queries.append(sources.select_calls(ctx, [], ["out_of_coverage_calls", "outbound_calls"]))
    elif field.ref == "shareholders":
        queries.append(sa.select(*schema.shareholders.columns))
    elif field.ref == "licence_coverage":
        lic = schema.licences
        queries.append(
            sa.select(
                lic.c.licence_no, lic.c.business_code, lic.c.coverage, lic.c.valid_from, lic.c.valid_to
            ).where(lic.c.business_code == "B24")
        )
    elif field.ref == "site_provinces":
        st = schema.sites
        queries.append(sa.select(st.c.site_id, st.c.province, st.c.opened_on, st.c.closed_on))
    if not queries:
        return None
    seen: list[str] = []
    for q in queries:
        text = compile_sql(engine, q)
        if text not in seen:
            seen.append(text)
    return ";\n\n".join(seen) + ";"


def compile_sql(engine: Engine, query: Any) -> str:
    """A query as SQL text for the engine, with parameters inlined where the dialect can render them."""
    try:
        return str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # noqa: BLE001 - some dialects cannot render some literals; show placeholders then
        compiled = query.compile(dialect=engine.dialect)
        params = ", ".join(f"{k}={v!r}" for k, v in compiled.params.items())
        return f"{compiled}\n-- parameters: {params}"


# --------------------------------------------------------------------------------------------
# Material changes: the risk difference list
# --------------------------------------------------------------------------------------------


def _rel(cur: float | None, prev: float | None) -> float | None:
    """Relative change, rounded to 9 decimals so that 70/100 − 1 is exactly −0.3 (not −0.30000000000000004):
    the thresholds are "more than 30 %", and float noise must not decide a material change."""
    if cur is None or prev is None or prev == 0:
        return None
    return round(cur / prev - 1, 9)


def compute_changes(engine: Engine, year: int, *, rules: Rules | None = None) -> list[dict[str, Any]]:
    """The material changes of ``year`` against ``year − 1`` (DOMAIN.md §3), in topic order.

    Each entry: topic, rule (Chinese, as the report is written), rule_en, previous, current, change,
    evidence (list of documents), detail.
    Previous values come from the stored submission of ``year − 1`` when it holds them.
    """
    rules = rules or load_rules()
    m = rules.data["material"]
    out: list[dict[str, Any]] = []
    y0, y1 = _year(year)
    p0, p1 = _year(year - 1)
    keys = ["declared_seats", "peak_concurrent_agents", "outbound_share"]
    cur = compute_metrics(engine, y0, y1, metrics=keys, rules=rules).row(0, named=True)
    prev = compute_metrics(engine, p0, p1, metrics=keys, rules=rules).row(0, named=True)
    payload = stored_submission(engine, year - 1) or {}
    for k in keys:
        if k in payload and payload[k] is not None:
            prev[k] = payload[k]

    # Seats: declared or in use.
    limit = float(m["seats"]["max_relative_change"])
    labels = (
        ("declared_seats", "申报坐席数", "Declared seats"),
        ("peak_concurrent_agents", "在用坐席数", "Seats in use"),
    )
    for key, label, label_en in labels:
        ch = _rel(cur[key], prev[key])
        if ch is not None and abs(ch) > limit:
            out.append(
                _change(
                    "seats",
                    m,
                    f"{label}变化 {ch:+.1%},超过 ±{limit:.0%}",
                    prev[key],
                    cur[key],
                    ch,
                    key,
                    f"{label_en} changed {ch:+.1%}, beyond ±{limit:.0%}",
                )
            )

    # Outbound share.
    mode = m["outbound_share"].get("mode", "points")
    lim = float(m["outbound_share"]["max_change"])
    a, b = prev["outbound_share"], cur["outbound_share"]
    if a is not None and b is not None:
        ch = round(b - a, 9) if mode == "points" else _rel(b, a)
        if ch is not None and abs(ch) > lim:
            unit = "个百分点" if mode == "points" else ""
            shown = f"{ch * 100:+.1f}{unit}" if mode == "points" else f"{ch:+.1%}"
            out.append(
                _change(
                    "outbound_share",
                    m,
                    f"外呼占比变化 {shown},超过 {lim * 100:.0f}{unit or '%'}",
                    a,
                    b,
                    ch,
                    "outbound_share",
                    f"Outbound share changed {ch * 100:+.1f} percentage points, beyond {lim * 100:.0f}"
                    if mode == "points"
                    else f"Outbound share changed {ch:+.1%}, beyond {lim * 100:.0f}%",
                )
            )

    # Equity.
    before, after = register_at(engine, p1), register_at(engine, y1)
    min_pp = float(m["equity"]["min_stake_change_pp"])
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    moved = sorted(h for h in set(before) & set(after) if round(abs(after[h] - before[h]), 9) >= min_pp)
    if added or removed or moved:
        parts, parts_en = [], []
        if added:
            parts.append("新增股东 " + "、".join(f"{h}({after[h]:g}%)" for h in added))
            parts_en.append("new shareholders " + ", ".join(f"{h} ({after[h]:g}%)" for h in added))
        if removed:
            parts.append("退出股东 " + "、".join(removed))
            parts_en.append("shareholders gone " + ", ".join(removed))
        if moved:
            parts.append("持股变化 " + "、".join(f"{h} {before[h]:g}%→{after[h]:g}%" for h in moved))
            parts_en.append(
                "stakes changed " + ", ".join(f"{h} {before[h]:g}% → {after[h]:g}%" for h in moved)
            )
        out.append(
            _change(
                "equity",
                m,
                ";".join(parts),
                _fmt_register(before),
                _fmt_register(after),
                None,
                "equity",
                "; ".join(parts_en),
            )
        )

    # Key scripts: a new approved version (not the first) in Y, used by an outbound campaign after approval.
    for sid, version, approved in _new_key_versions(engine, year):
        calls = _calls_with_script_after(engine, sid, approved, y1)
        if calls > 0:
            out.append(
                _change(
                    "key_script",
                    m,
                    f"关键话术 {sid} 第 {version} 版于 {approved:%Y-%m-%d} 审批并用于外呼",
                    f"v{version - 1}",
                    f"v{version}",
                    None,
                    sid,
                    f"Key script {sid} version {version} approved on {approved:%Y-%m-%d} and used for outbound calls",
                )
            )

    # Sites and coverage.
    s_before = set(sites_open_at(engine, p1)["site_id"].to_list())
    s_after = set(sites_open_at(engine, y1)["site_id"].to_list())
    c_before, c_after = coverage_at(engine, p1), coverage_at(engine, y1)
    if s_before != s_after or c_before != c_after:
        bits, bits_en = [], []
        if s_after - s_before:
            bits.append("新开场地 " + "、".join(sorted(s_after - s_before)))
            bits_en.append("sites opened " + ", ".join(sorted(s_after - s_before)))
        if s_before - s_after:
            bits.append("关闭场地 " + "、".join(sorted(s_before - s_after)))
            bits_en.append("sites closed " + ", ".join(sorted(s_before - s_after)))
        if c_before != c_after:
            bits.append("许可覆盖范围变更")
            bits_en.append("licence coverage changed")
        out.append(
            _change(
                "sites",
                m,
                ";".join(bits),
                ",".join(sorted(s_before)) + " | " + ",".join(c_before),
                ",".join(sorted(s_after)) + " | " + ",".join(c_after),
                None,
                "sites",
                "; ".join(bits_en),
            )
        )

    # Registered caller numbers in use.
    n_prev = numbers_used(engine, year - 1)
    n_cur = numbers_used(engine, year)
    lim_n = float(m["numbers"]["max_relative_change"])
    ch_n = _rel(n_cur, n_prev)
    if ch_n is not None and abs(ch_n) > lim_n:
        out.append(
            _change(
                "numbers",
                m,
                f"在用登记码号数量变化 {ch_n:+.1%},超过 ±{lim_n:.0%}",
                n_prev,
                n_cur,
                ch_n,
                "numbers",
                f"Registered caller numbers in use changed {ch_n:+.1%}, beyond ±{lim_n:.0%}",
            )
        )
    return out


def _change(
    topic: str,
    m: dict[str, Any],
    rule: str,
    previous: Any,
    current: Any,
    change: float | None,
    detail: str,
    rule_en: str,
) -> dict[str, Any]:
    return {
        "topic": topic,
        "rule": rule,
        "rule_en": rule_en,
        "previous": previous,
        "current": current,
        "change": change,
        "evidence": list(m[topic]["evidence"]),
        "source": m[topic].get("source"),
        "detail": detail,
    }


def _fmt_register(reg: dict[str, float]) -> str:
    return "; ".join(f"{h} {p:g}%" for h, p in sorted(reg.items(), key=lambda x: -x[1]))


def _new_key_versions(engine: Engine, year: int) -> list[tuple[str, int, datetime]]:
    s = schema.scripts
    t0, t1 = cubes.period_bounds(*_year(year))
    frame = db.read_frame(
        engine,
        sa.select(s.c.script_id, s.c.version, s.c.approved_at).where(
            s.c.key_script == sa.true(), s.c.version > 1, s.c.approved_at >= t0, s.c.approved_at < t1
        ),
    )
    return [(r[0], int(r[1]), r[2]) for r in frame.sort("script_id", "version").iter_rows()]


def _calls_with_script_after(engine: Engine, script_id: str, approved: datetime, end: date) -> int:
    k, c = schema.calls, schema.campaigns
    _, t1 = cubes.period_bounds(end, end)
    q = (
        sa.select(sa.func.count())
        .select_from(k.join(c, c.c.campaign_id == k.c.campaign_id))
        .where(
            c.c.script_id == script_id,
            k.c.direction == "out",
            k.c.started_at >= approved,
            k.c.started_at < t1,
        )
    )
    return int(_scalar(engine, q) or 0)


# --------------------------------------------------------------------------------------------
# The eight-step calendar (DOMAIN.md §2)
# --------------------------------------------------------------------------------------------

STEPS: tuple[tuple[int, tuple[int, int] | None, str, str], ...] = (
    (
        1,
        (1, 15),
        "确认年报系统账号,完成法人手机核验",
        "Confirm the filing account; verify the legal representative's phone",
    ),
    (
        2,
        (1, 31),
        "数据对齐会:审计、IT、人力、业务、财务",
        "Data alignment meeting: audit, IT, HR, business, finance",
    ),
    (
        3,
        (2, 15),
        "抽取、清洗、交叉验证各字段底表",
        "Extract, clean and cross-validate every field's source data",
    ),
    (4, None, "初版年报 + 风险差异清单,老板签字", "Draft report + risk difference list, signed by the boss"),
    (
        5,
        (3, 10),
        "与属地管局预沟通差异清单",
        "Pre-communicate the difference list with the provincial regulator",
    ),
    (6, (3, 31), "修订并提交正式年报", "Revise and submit the formal report"),
    (7, (4, 15), "取得提交回执,更新投资人专区", "Obtain the receipt; update the investor page"),
    (
        8,
        (4, 30),
        "拆分核心数据为三张内部报告,纳入 Q2 OKR",
        "Split the core data into the three internal reports for Q2 OKR",
    ),
)


def step_due(report_year: int, step: int) -> date:
    """Due date of a step for report year Y (the dates fall in Y+1; step 4 is the end of February)."""
    md = STEPS[step - 1][1]
    if md is None:
        return date(report_year + 1, 3, 1) - timedelta(days=1)
    return date(report_year + 1, md[0], md[1])


def step_status(due_on: date, done_on: date | None, today: date) -> str:
    """done, due (open, not yet late) or overdue (open past its due date)."""
    if done_on is not None:
        return "done"
    return "overdue" if today > due_on else "due"


def deadline_colour(report_year: int, today: date, *, step6_done: bool) -> str:
    """green, amber (from 1 March) or red (from 25 March) while step 6 is open; grey once it is done.

    >>> deadline_colour(2025, date(2026, 2, 28), step6_done=False)
    'green'
    >>> deadline_colour(2025, date(2026, 3, 1), step6_done=False)
    'amber'
    >>> deadline_colour(2025, date(2026, 3, 25), step6_done=False)
    'red'
    >>> deadline_colour(2025, date(2026, 3, 25), step6_done=True)
    'grey'
    """
    if step6_done:
        return "grey"
    y = report_year + 1
    if today >= date(y, 3, 25):
        return "red"
    if today >= date(y, 3, 1):
        return "amber"
    return "green"


def hard_dates(report_year: int) -> dict[str, date]:
    """The deadline (31 Mar), the end of the grace month (30 Apr) and the lock date (1 May)."""
    y = report_year + 1
    return {"deadline": date(y, 3, 31), "grace_end": date(y, 4, 30), "locked": date(y, 5, 1)}


#: The checklist's columns and their types, whatever the engine returned.
CHECKLIST_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int64(),
    "step": pl.Int64(),
    "due_on": pl.Date(),
    "done_on": pl.Date(),
    "owner": pl.String(),
    "signer": pl.String(),
    "note": pl.String(),
}


def default_step(report_year: int, step: int) -> dict[str, Any]:
    """A step as it stands before anyone acted on it: due per DOMAIN.md §2, not done, no owner."""
    return {
        "year": report_year,
        "step": step,
        "due_on": step_due(report_year, step),
        "done_on": None,
        "owner": None,
        "signer": None,
        "note": None,
    }


def ensure_checklist(engine: Engine, report_year: int) -> None:
    """Store the eight steps of a report year that are missing (due dates per DOMAIN.md §2).

    A write, for an explicit action (:func:`mark_step` calls it); reading the calendar with
    :func:`checklist` does not need it.
    """
    ck = schema.checklist
    have = set(db.read_frame(engine, sa.select(ck.c.step).where(ck.c.year == report_year))["step"].to_list())
    rows = [default_step(report_year, s) for s in range(1, 9) if s not in have]
    if rows:
        db.load_frame(engine, ck, pl.DataFrame(rows, schema=CHECKLIST_SCHEMA))


def checklist(engine: Engine, report_year: int, today: date) -> pl.DataFrame:
    """The eight steps of a report year with their status on ``today``; reading writes nothing.

    A step without a stored row reads as :func:`default_step` (due per DOMAIN.md §2, not done).

    Returns:
        Eight rows in step order: year, step, due_on, done_on (date or null), owner, signer, note,
        status ('done', 'due' or 'overdue' on ``today``), what_zh, what_en.
    """
    ck = schema.checklist
    stored = db.read_frame(engine, sa.select(*ck.columns).where(ck.c.year == report_year))
    by_step = {int(r["step"]): r for r in stored.iter_rows(named=True)}
    rows = []
    for s in range(1, 9):
        row = {**default_step(report_year, s), **by_step.get(s, {})}
        row["due_on"], row["done_on"] = _as_date(row["due_on"]), _as_date(row["done_on"])
        rows.append(row)
    frame = pl.DataFrame(rows, schema=CHECKLIST_SCHEMA)
    status = [step_status(r["due_on"], r["done_on"], today) for r in frame.iter_rows(named=True)]
    return frame.with_columns(
        pl.Series("status", status, dtype=pl.String),
        pl.Series("what_zh", [STEPS[s - 1][2] for s in frame["step"]], dtype=pl.String),
        pl.Series("what_en", [STEPS[s - 1][3] for s in frame["step"]], dtype=pl.String),
    )


def mark_step(
    engine: Engine,
    report_year: int,
    step: int,
    *,
    done_on: date | None,
    owner: str | None = None,
    signer: str | None = None,
    note: str | None = None,
) -> None:
    """Record a step's completion (or reopen it with ``done_on=None``), its owner, signer and note."""
    if not 1 <= step <= 8:
        raise ValueError("step must be 1..8")
    ensure_checklist(engine, report_year)
    ck = schema.checklist
    values = {"done_on": done_on, "owner": owner, "signer": signer, "note": note}
    stmt: sa.Executable = sa.update(ck).where(ck.c.year == report_year, ck.c.step == step).values(**values)
    if db.dialect_of(engine) == "clickhouse":
        # ClickHouse has no transactional UPDATE; a synchronous mutation does the same here.
        sets = ", ".join(f"{k} = {_ch_literal(v)}" for k, v in values.items())
        stmt = sa.text(
            f"ALTER TABLE checklist UPDATE {sets} WHERE year = {int(report_year)} AND step = {int(step)} "
            "SETTINGS mutations_sync = 1"
        )
    with engine.begin() as conn:
        conn.execute(stmt)


def _ch_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, date):
        return f"toDate('{value.isoformat()}')"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
