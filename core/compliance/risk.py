"""Outbound compliance risk (DOMAIN.md §6–§7): signals per rule, a combined score, and the calls behind.

For an entity (caller number, campaign, team, agent, callee province) and a grain (day, week, month)
each rule of ``core/infra/rules.toml`` ``[risk.*]`` gives a count and a severity in 0..1:

* ``count`` rules are zero tolerance: severity 1 from the first breach, and each breach multiplies in
  again, so the rule's factor in the score is ``(1 − w)^count``;
* ``rate_high`` / ``rate_low`` rules are 0 on the good side of ``warning``, 1 past ``critical`` and
  linear between; their factor is ``1 − w·s``.

``score = 100 × (1 − Π factors)``: one critical breach is enough to turn a cell red, and several
moderate ones add up. Bands: under 30 low, 30–60 medium, 60–80 high, 80 and over critical.

All counts come from :func:`core.semantic.cubes.compute_bases` by entity and day (aggregated in the database,
window functions for the per-callee caps); weeks and months are sums of days, except the abandon
rule, which keeps the worst day (its limit is per campaign per day).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema, sql
from core.infra.privacy import mask_id
from core.infra.rules import Rules, level, load_rules
from core.semantic import bases, cubes, rollup, sources
from core.semantic.context import CallFrom
from core.semantic.cubes import Filters

ENTITIES: tuple[str, ...] = ("caller_number", "campaign", "team", "agent", "callee_province")
GRAINS: tuple[str, ...] = ("day", "week", "month")
BANDS: tuple[str, ...] = ("low", "medium", "high", "critical")


@dataclass(frozen=True, kw_only=True)
class Signal:
    """How one risk rule of ``[risk.*]`` reads the bases (:mod:`core.semantic.bases`).

    Attributes:
        count: for a ``count`` rule, the base whose daily sum is its number of breaches.
        bases: the other daily bases the rule's value is computed from.
        behind: the base whose rows are "the calls behind" a cell of the rule (complaint rules:
            a complaints base; the calls are those the complaints name).
        params: rule parameters read by the scoring beyond those of its bases (dotted keys).
    """

    count: str | None = None
    bases: tuple[str, ...] = ()
    behind: str | None = None
    params: tuple[str, ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        """Every base the rule's daily figures need."""
        return (*((self.count,) if self.count else ()), *self.bases)


#: The risk signals, by rule id (the ``[risk.<id>]`` sections of ``core/infra/rules.toml``).
SIGNALS: dict[str, Signal] = {
    # Zero-tolerance rules: the base declared with ``rule=<id>`` counts their breaches.
    **{b.rule: Signal(count=b.name) for b in bases.BASES.values() if b.rule is not None},
    # Rules judged on a rate or on a day's figures.
    "abandon": Signal(
        bases=("abandoned_outbound", "connected_calls"),
        behind="abandoned_outbound",
        params=("risk.abandon.min_base",),
    ),
    "recording": Signal(
        bases=("connected_recorded_purpose", "recorded_connected_purpose"),
        behind="unrecorded_connected_purpose",
    ),
    "marking": Signal(
        bases=("outbound_calls", "connected_calls", "marking_short_calls"),
        behind="outbound_calls",
        params=(
            "marking.min_answer_rate",
            "marking.max_short_share",
            "marking.max_daily_calls",
            "marking.min_calls",
            "marking.min_connected",
        ),
    ),
    "complaint_reply": Signal(
        bases=("complaints", "complaints_replied"),
        behind="complaints_unreplied",
    ),
}
#: For each count rule, the base aggregate that counts its breaches.
COUNT_BASES: dict[str, str] = {rid: s.count for rid, s in SIGNALS.items() if s.count is not None}
#: Every base the risk pass reads by entity and day (a cell is active with an outbound call or a complaint).
DAILY_BASES: tuple[str, ...] = tuple(
    dict.fromkeys(["outbound_calls", "complaints", *[b for s in SIGNALS.values() for b in s.reads]])
)


@dataclass(frozen=True)
class RiskRule:
    """One rule of ``[risk.*]`` with its levels and the source of its default."""

    id: str
    kind: str
    weight: float
    warning: float | None
    critical: float | None
    label_zh: str
    label_en: str
    source: str

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


def risk_rules(rules: Rules | None = None) -> list[RiskRule]:
    """The risk rules in force, with each source resolved to its text."""
    rules = rules or load_rules()
    out = []
    for rid, spec in rules.data["risk"].items():
        source = str(spec.get("source", ""))
        if source.endswith(".source"):  # a reference to another section's source
            with contextlib.suppress(KeyError):
                source = str(rules.get(source))
        out.append(
            RiskRule(
                id=rid,
                kind=str(spec["kind"]),
                weight=float(spec["weight"]),
                warning=level(rules, rid, "warning"),
                critical=level(rules, rid, "critical"),
                label_zh=str(spec.get("label_zh", rid)),
                label_en=str(spec.get("label_en", rid)),
                source=source,
            )
        )
    return out


def severity(rule: RiskRule, value: float | None) -> float:
    """Severity 0..1 of a rate rule for ``value`` (``None``: nothing to judge, 0).

    >>> r = RiskRule("abandon", "rate_high", 0.8, 0.0, 0.03, "", "", "")
    >>> severity(r, 0.015), severity(r, 0.03), severity(r, 0.0)
    (0.5, 1.0, 0.0)
    >>> low = RiskRule("recording", "rate_low", 0.5, 1.0, 0.95, "", "", "")
    >>> severity(low, 0.975), severity(low, 0.9), severity(low, 1.0)
    (0.5, 1.0, 0.0)
    """
    if value is None or rule.warning is None or rule.critical is None:
        return 0.0
    if rule.kind == "rate_high":
        if value <= rule.warning:
            return 0.0
        if value >= rule.critical:
            return 1.0
        return (value - rule.warning) / (rule.critical - rule.warning)
    if value >= rule.warning:
        return 0.0
    if value <= rule.critical:
        return 1.0
    return (rule.warning - value) / (rule.warning - rule.critical)


def combine(contributions: list[tuple[float, float, int]]) -> float:
    """``100 × (1 − Π (1 − w·s)^n)`` over (weight, severity, times) triples.

    >>> combine([(0.85, 1.0, 1)])
    85.0
    >>> round(combine([(0.3, 0.5, 1), (0.3, 0.5, 1), (0.3, 0.5, 1)]), 2)
    38.59
    """
    keep = 1.0
    for w, s, n in contributions:
        keep *= (1.0 - w * s) ** n
    return round(100.0 * (1.0 - keep), 6)


def band(score: float, rules: Rules | None = None) -> str:
    """The band of a score: low, medium, high or critical."""
    cuts = (rules or load_rules()).data.get("risk_bands", {})
    if score >= cuts.get("critical", 80):
        return "critical"
    if score >= cuts.get("high", 60):
        return "high"
    if score >= cuts.get("medium", 30):
        return "medium"
    return "low"


def _period_expr(grain: str) -> pl.Expr:
    day = pl.col("day").str.to_date()
    if grain == "day":
        return pl.col("day")
    if grain == "week":
        return day.dt.truncate("1w").dt.strftime("%Y-%m-%d")
    return pl.col("day").str.slice(0, 7)


def period_range(period: str, grain: str) -> tuple[date, date]:
    """The inclusive days of a period label (``2025-09-08`` for a day or a week's Monday, ``2025-09``)."""
    if grain == "month":
        first = date.fromisoformat(period + "-01")
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return first, nxt - timedelta(days=1)
    first = date.fromisoformat(period)
    return (first, first + timedelta(days=6)) if grain == "week" else (first, first)


def compute_risk(
    engine: Engine,
    start: date,
    end: date,
    *,
    entity: str,
    grain: str = "week",
    filters: Filters | None = None,
    rules: Rules | None = None,
) -> pl.DataFrame:
    """Risk per entity value and period.

    Returns:
        Columns: ``entity`` (the value), ``period`` (day, the Monday of a week, or ``YYYY-MM``),
        ``period_start``, ``period_end``, ``score`` (0–100), ``band``, ``rank`` (1 = riskiest in
        its period), ``top_rules`` (list of rule ids, most contributing first), and per rule
        ``n_<rule>`` (its count: breaches, days over the limit, or calls short of the target) and
        ``s_<rule>`` (severity 0..1). Cells with no activity are absent.

    Raises:
        ValueError: unknown entity or grain.
    """
    return compute_risk_all(
        engine, start, end, entities=(entity,), grain=grain, filters=filters, rules=rules
    )[entity]


def compute_risk_all(
    engine: Engine,
    start: date,
    end: date,
    *,
    entities: Sequence[str] = ENTITIES,
    grain: str = "week",
    filters: Filters | None = None,
    rules: Rules | None = None,
) -> dict[str, pl.DataFrame]:
    """:func:`compute_risk` for several entities at once, from one pass over the calls.

    The daily counts are read once by day and every entity together (one query per source, the
    per-customer window functions included) and summed to each entity in memory; every count is
    a sum, so each entity's figures are exactly those of its own query. The risk page and the
    monthly report use this: switching the entity then costs nothing.
    """
    bad = [e for e in entities if e not in ENTITIES]
    if bad or not entities:
        raise ValueError(f"unknown entity {', '.join(map(repr, bad))}; choose from {', '.join(ENTITIES)}")
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; choose from {', '.join(GRAINS)}")
    rules = rules or load_rules()
    entities = list(dict.fromkeys(entities))
    # Whole weeks and months: widen the period to the grain's edges so every cell is complete.
    lo, hi = _widen(start, end, grain)
    filters = filters or Filters()
    # One connection for every query (opening a large DuckDB file costs tens of ms each time).
    with engine.connect() as conn:
        return _risk_all(conn, start, lo, hi, entities, grain, filters, rules)


def _risk_all(
    conn: sa.Connection,
    start: date,
    lo: date,
    hi: date,
    entities: list[str],
    grain: str,
    filters: Filters,
    rules: Rules,
) -> dict[str, pl.DataFrame]:
    current = rollup.current(conn)
    if len(entities) > 1 and current:
        # DuckDB with current rollups: the counts the rollup holds are summed per entity in the
        # database (one small query each); the rest (per-customer windows, DNC, outside hours,
        # complaints) is read once for every entity together, only where it is not zero.
        quick = [b for b in DAILY_BASES if b in rollup.daily_bases(rules)]
        rest = [b for b in DAILY_BASES if b not in quick]
        fine = _fine_cube(conn, lo, hi, entities, rest, filters, rules, sparse=True, rolled=current)
        out: dict[str, pl.DataFrame] = {}
        owns: dict[str, pl.DataFrame] = {}

        def quick_by(entity: str) -> pl.DataFrame:
            if entity not in owns:
                if entity == "team":  # the agents' figures summed by their team (one read of the cube)
                    owns[entity] = _by_team(conn, quick_by("agent"), quick)
                else:
                    owns[entity] = cubes.compute_bases(
                        conn,
                        lo,
                        hi,
                        by=[entity, "day"],
                        bases=quick,
                        filters=filters,
                        rules=rules,
                        rolled=current,
                    )
            return owns[entity]

        for entity in entities:
            own = quick_by(entity)
            extra = fine.group_by(entity, "day").agg(pl.col(b).sum() for b in rest)
            daily = own.join(extra, on=[entity, "day"], how="full", coalesce=True, nulls_equal=True)
            daily = daily.with_columns(pl.col(b).fill_null(0) for b in DAILY_BASES)
            out[entity] = _score_entity(daily, entity, start, grain, rules)
        return out
    fine = _fine_cube(conn, lo, hi, entities, list(DAILY_BASES), filters, rules, rolled=current)
    out = {}
    for entity in entities:
        daily = (
            fine
            if len(entities) == 1
            else fine.group_by(entity, "day").agg(pl.col(b).sum() for b in DAILY_BASES)
        )
        out[entity] = _score_entity(daily, entity, start, grain, rules)
    return out


def _by_team(conn: sa.Connection, by_agent: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Counts by agent and day summed by the agent's team: what grouping the calls by the roster's team
    gives (no team for calls without an agent or with one missing from the roster), every count being a sum."""
    return _with_team(conn, by_agent).group_by("team", "day").agg(pl.col(b).sum() for b in names)


def _with_team(engine: Engine | sa.Connection, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with an ``agent`` column) and each agent's team from the roster, as the query's join
    would give it: no team for calls without an agent or with one missing from the roster."""
    roster = sa.select(schema.agents.c.agent_id.label("agent"), schema.agents.c.team)
    # Typed: an empty roster read from some engines has columns of no type (polars' Null).
    teams = db.read_frame(engine, roster).cast({"agent": pl.String, "team": pl.String}).unique("agent")
    return frame.with_columns(pl.col("agent").cast(pl.String)).join(teams, on="agent", how="left")


def _fine_cube(
    engine: Engine | sa.Connection,
    lo: date,
    hi: date,
    entities: list[str],
    bases: list[str],
    filters: Filters,
    rules: Rules,
    *,
    sparse: bool = False,
    rolled: bool | None = None,
) -> pl.DataFrame:
    """``bases`` by day and every entity at once. Team is the agent's team: with the agent among
    the dimensions it is looked up afterwards (as the query's join would: no team for calls
    without an agent or one missing from the roster)."""
    team_later = "team" in entities and len(entities) > 1
    dims = [e for e in entities if not (team_later and e == "team")]
    if team_later and "agent" not in dims:
        dims.append("agent")
    fine = cubes.compute_bases(
        engine,
        lo,
        hi,
        by=[*dims, "day"],
        bases=bases,
        filters=filters,
        rules=rules,
        sparse=sparse,
        rolled=rolled,
    )
    return _with_team(engine, fine) if team_later else fine


def _score_entity(daily: pl.DataFrame, entity: str, start: date, grain: str, rules: Rules) -> pl.DataFrame:
    """The cells of one entity from its daily counts (entity × day)."""
    rr = {r.id: r for r in risk_rules(rules)}
    min_base = int(rules.data["risk"].get("abandon", {}).get("min_base", 0))
    answered_or_dropped = pl.col("connected_calls") + pl.col("abandoned_outbound")
    daily = daily.with_columns(
        pl.when(answered_or_dropped >= max(min_base, 1))
        .then(pl.col("abandoned_outbound").cast(pl.Float64) / answered_or_dropped)
        .otherwise(None)
        .alias("abandon_day"),
        _marking_day(rules, entity).alias("marking_day"),
        _period_expr(grain).alias("period"),
    )
    limit = float(rules.get("abandon.limit"))
    cells = daily.group_by(entity, "period").agg(
        *[pl.col(b).sum().alias(b) for b in DAILY_BASES],
        pl.col("abandon_day").max().alias("abandon_worst"),
        (pl.col("abandon_day") > limit).sum().alias("abandon_days_over"),
        pl.col("marking_day").sum().alias("marking_days"),
    )
    cells = cells.filter((pl.col("outbound_calls") > 0) | (pl.col("complaints") > 0)).filter(
        pl.col("period") >= _period_label(start, grain)
    )
    rows = [_score_cell(cell, rr, rules, entity, grain) for cell in cells.iter_rows(named=True)]
    frame = _frame(rows, rr) if rows else _empty(rr)
    if frame.height:
        # Ties are broken by the entity's name so that the order is the same on every run and engine.
        frame = frame.sort(
            ["period", "score", "entity"], descending=[False, True, False], nulls_last=True
        ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("period").alias("rank"))
    return frame


def marking_flags(rules: Rules) -> dict[str, pl.Expr]:
    """The three marking-risk tests of a caller-number day (``[marking]`` of the rules), each a
    boolean over the day's ``outbound_calls``, ``connected_calls`` and ``marking_short_calls``:

    * ``volume``: more than ``max_daily_calls`` outbound calls;
    * ``answer_rate``: at least ``min_calls`` calls and connected / calls below ``min_answer_rate``;
    * ``short_share``: at least ``min_connected`` connected calls and short / connected at or above
      ``max_short_share``.

    A day is at marking risk when any is true (the risk page's rule and the Today page use these).
    """
    m = rules.data["marking"]
    n, conn, short = pl.col("outbound_calls"), pl.col("connected_calls"), pl.col("marking_short_calls")
    return {
        "volume": n > m["max_daily_calls"],
        "answer_rate": (n >= m.get("min_calls", 0)) & (conn.cast(pl.Float64) < m["min_answer_rate"] * n),
        "short_share": (conn >= max(m.get("min_connected", 1), 1))
        & (short.cast(pl.Float64) >= m["max_short_share"] * conn),
    }


def _marking_day(rules: Rules, entity: str) -> pl.Expr:
    """1 on a caller-number day at marking risk (only meaningful for the caller_number entity)."""
    if entity != "caller_number":
        return pl.lit(0)
    flags = marking_flags(rules)
    risky = flags["volume"] | flags["answer_rate"] | flags["short_share"]
    out: pl.Expr = risky.cast(pl.Int64)
    return out


def _widen(start: date, end: date, grain: str) -> tuple[date, date]:
    if grain == "week":
        return start - timedelta(days=start.weekday()), end + timedelta(days=6 - end.weekday())
    if grain == "month":
        first = start.replace(day=1)
        nxt = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
        return first, nxt - timedelta(days=1)
    return start, end


def _period_label(d: date, grain: str) -> str:
    if grain == "week":
        return (d - timedelta(days=d.weekday())).isoformat()
    if grain == "month":
        return d.strftime("%Y-%m")
    return d.isoformat()


def _score_cell(
    cell: dict[str, Any], rr: dict[str, RiskRule], rules: Rules, entity: str, grain: str
) -> dict[str, Any]:
    counts: dict[str, int] = {rid: int(cell[base] or 0) for rid, base in COUNT_BASES.items()}
    counts["marking"] = int(cell["marking_days"] or 0)
    values: dict[str, float | None] = {
        "abandon": cell["abandon_worst"],
        "recording": (cell["recorded_connected_purpose"] / cell["connected_recorded_purpose"])
        if cell["connected_recorded_purpose"]
        else None,
        "complaint_reply": (cell["complaints_replied"] / cell["complaints"]) if cell["complaints"] else None,
    }
    extra_counts = {
        "abandon": int(cell["abandon_days_over"] or 0),
        "recording": int(
            (cell["connected_recorded_purpose"] or 0) - (cell["recorded_connected_purpose"] or 0)
        ),
        "complaint_reply": int((cell["complaints"] or 0) - (cell["complaints_replied"] or 0)),
    }
    out: dict[str, Any] = {"entity": cell[entity], "period": cell["period"]}
    first, last = period_range(cell["period"], grain)
    out["period_start"], out["period_end"] = first, last
    contributions: list[tuple[str, float, float, int]] = []
    for rid, rule in rr.items():
        if rule.kind == "count":
            n = counts.get(rid, 0)
            s = 1.0 if n > 0 else 0.0
            contributions.append((rid, rule.weight, s, n))
        else:
            s = severity(rule, values.get(rid))
            n = extra_counts.get(rid, 0)
            contributions.append((rid, rule.weight, s, 1))
        out[f"n_{rid}"] = n
        out[f"s_{rid}"] = s
    score = combine([(w, s, n) for _, w, s, n in contributions])
    out["score"] = score
    out["band"] = band(score, rules)
    ranked = sorted(
        ((rid, -n * math.log(max(1e-12, 1 - w * s))) for rid, w, s, n in contributions if s > 0),
        key=lambda x: -x[1],
    )
    out["top_rules"] = [rid for rid, _ in ranked[:3]]
    return out


def _frame(rows: list[dict[str, Any]], rr: dict[str, RiskRule]) -> pl.DataFrame:
    """The scored cells as a frame, built column by column with the types of :func:`_empty` (in the
    rows' key order): a third of the time of letting polars infer them row by row. ``top_rules`` (lists
    of rule ids, which hold no comma) goes in as joined text split by polars, ten times faster than
    polars reading 6,000 small lists."""
    types = _empty(rr).schema
    columns = list(rows[0])
    plain = [c for c in columns if c != "top_rules"]
    frame = pl.DataFrame({c: [row[c] for row in rows] for c in plain}, schema={c: types[c] for c in plain})
    if "top_rules" in columns:
        joined = pl.Series("top_rules", [",".join(row["top_rules"]) for row in rows], dtype=pl.String)
        top = joined.str.split(",").list.eval(pl.element().filter(pl.element() != ""))
        frame = frame.with_columns(top.cast(types["top_rules"])).select(columns)
    return frame


def _empty(rr: dict[str, RiskRule]) -> pl.DataFrame:
    schema_: dict[str, Any] = {
        "entity": pl.String,
        "period": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "score": pl.Float64,
        "band": pl.String,
        "top_rules": pl.List(pl.String),
        "rank": pl.Int64,
    }
    for rid in rr:
        schema_[f"n_{rid}"] = pl.Int64
        schema_[f"s_{rid}"] = pl.Float64
    return pl.DataFrame(schema=schema_)


# --------------------------------------------------------------------------------------------
# The calls behind a cell
# --------------------------------------------------------------------------------------------


def select_rule_calls(
    engine: Engine,
    rule_id: str,
    *,
    entity: str,
    value: str | None,
    start: date,
    end: date,
    rules: Rules | None = None,
    filters: Filters | None = None,
    page: int = 0,
    page_size: int = 100,
) -> sa.Select[Any]:
    """The outbound calls that breach ``rule_id`` in a cell (entity = value, start..end), newest first.

    ``filters`` (the sidebar's) apply as they do to the cell's count (:mod:`core.semantic.cubes`).

    For the abandon and marking rules these are the abandoned calls and, for marking, all calls of
    the number in the cell; for recording the unrecorded connected calls; for complaint rules the
    calls named by the complaints received in the cell (whenever the call was made). One page of
    at most 500 rows.
    """
    rules = rules or load_rules()
    t0, t1 = cubes.period_bounds(start, end)
    ctx = cubes.make_ctx(engine, start, end, filters or Filters(), rules)
    signal = SIGNALS[rule_id]
    behind = signal.behind or signal.count
    if behind is None:
        raise KeyError(f"no calls behind rule {rule_id!r}")
    source = bases.BASES[behind].source
    if source == "percallee":
        with engine.connect() as conn:
            ctx.rollup = rollup.current(conn)  # the stored window counts, when current
        windowed = sources.per_callee_windowed(ctx)
        f = CallFrom(windowed, ctx)
        time_col = windowed.c.started_at
    else:
        f = CallFrom(schema.calls, ctx)
        time_col = schema.calls.c.started_at
    k = f.k.c
    if source == "complaints":
        # A complaint counts in the cell of the day it was received (sources.select_complaints), so
        # the calls behind it are the calls named by complaints received in the cell, even when
        # the call itself was made the week before.
        p = schema.complaints
        named = sa.select(p.c.call_id).where(
            bases.condition(ctx, p, behind),
            p.c.call_id.is_not(None),
            p.c.received_at >= t0,
            p.c.received_at < t1,
        )
        cond, window = k.call_id.in_(named), []
    else:
        cond, window = bases.condition(ctx, f, behind), [time_col >= t0, time_col < t1]
    dim = f.dim_expr(entity)
    match = dim.is_(None) if value is None else dim == value
    filtered = f.where_filters()  # before from_clause(): a site or team filter adds the agents join
    size = max(1, min(page_size, 500))
    return (
        sa.select(
            k.call_id,
            k.started_at,
            k.campaign_id,
            k.agent_id,
            k.caller_number,
            k.callee_id,
            k.callee_province,
            k.disposition,
        )
        .select_from(f.from_clause())
        .where(*window, cond, match, *filtered)
        .order_by(time_col.desc(), k.call_id.desc())
        .limit(size)
        .offset(max(page, 0) * size)
    )


def read_rule_calls(engine: Engine, query: sa.Select[Any]) -> pl.DataFrame:
    """Run :func:`select_rule_calls` and mask the customer ids."""
    frame = db.read_frame(engine, query)
    if frame.height == 0:
        return frame
    return frame.with_columns(pl.col("callee_id").map_elements(mask_id, return_dtype=pl.String))


__all__ = [
    "BANDS",
    "ENTITIES",
    "GRAINS",
    "RiskRule",
    "band",
    "combine",
    "compute_risk",
    "compute_risk_all",
    "marking_flags",
    "period_range",
    "read_rule_calls",
    "risk_rules",
    "select_rule_calls",
    "severity",
    "sql",
]
