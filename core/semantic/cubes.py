"""The planner: every requested base by any dimensions, one query per source, through the rollups
when they can answer, joined on the dimensions.

Each source (:data:`SOURCE_IMPL`) implements one protocol: the dimensions it can cut by, how it
computes its bases by those dimensions, and the SQL it runs on the raw tables (:func:`explain`,
shown beside an annual-report field). Its query builders are in :mod:`core.semantic.sources`; the
bases themselves are declared in :mod:`core.semantic.bases`. Bases whose source is small or not a
query (declared seats, the roster, peak concurrency) are finished here in polars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.infra.rules import Rules
from core.semantic import bases as B
from core.semantic import rollup
from core.semantic.bases import BASE_SOURCE as BASE_SOURCE
from core.semantic.bases import BASES
from core.semantic.context import DIMENSIONS as DIMENSIONS
from core.semantic.context import INT_DIMS, ROSTER_DIMS, SEAT_DIMS, SESSION_DIMS, Ctx, small
from core.semantic.context import Filters as Filters
from core.semantic.context import call_filter_conditions as call_filter_conditions
from core.semantic.context import make_ctx as make_ctx
from core.semantic.context import period_bounds as period_bounds
from core.semantic.sources import (
    _campaign_agents,
    _customers_from_rollup,
    select_active,
    select_calls,
    select_calls_rollup,
    select_complaints,
    select_customers,
    select_dnc,
    select_peak_pieces,
    select_per_callee,
    select_per_callee_cells,
    select_qa,
    select_sessions,
)


def _buckets(ctx: Ctx, dims: Sequence[str]) -> list[tuple[dict[str, Any], date, date]]:
    """Time buckets for the Python-side sources: ({dim: value}, first day, last day), clipped to the period."""
    if "day" in dims:
        days = [ctx.start + timedelta(days=i) for i in range((ctx.end - ctx.start).days + 1)]
        return [
            ({"day": d.isoformat(), **({"month": d.strftime("%Y-%m")} if "month" in dims else {})}, d, d)
            for d in days
        ]
    if "month" in dims:
        out = []
        d = ctx.start.replace(day=1)
        while d <= ctx.end:
            nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
            out.append(
                ({"month": d.strftime("%Y-%m")}, max(d, ctx.start), min(nxt - timedelta(days=1), ctx.end))
            )
            d = nxt
        return out
    return [({}, ctx.start, ctx.end)]


def _seats_frame(ctx: Ctx, dims: Sequence[str]) -> pl.DataFrame:
    sites = small(ctx, "sites")
    seats = small(ctx, "site_seats")
    rows = []
    for bucket, _, last in _buckets(ctx, dims):
        per_site: dict[str, int] = {}
        for s in sites.iter_rows(named=True):
            if ctx.filters.sites and s["site_id"] not in ctx.filters.sites:
                continue
            opened, closed = _as_date(s["opened_on"]), _as_date(s["closed_on"])
            if (opened is not None and opened > last) or (closed is not None and closed <= last):
                continue
            decl = [
                (_as_date(r["effective_from"]), r["declared_seats"])
                for r in seats.iter_rows(named=True)
                if r["site_id"] == s["site_id"] and (_as_date(r["effective_from"]) or date.min) <= last
            ]
            per_site[s["site_id"]] = int(max(decl)[1]) if decl else 0
        if "site" in dims:
            rows += [{**bucket, "site": sid, "declared_seats": n} for sid, n in per_site.items()]
        else:
            rows.append({**bucket, "declared_seats": sum(per_site.values())})
    return _frame(rows, dims, {"declared_seats": pl.Int64})


def _roster_frame(ctx: Ctx, dims: Sequence[str]) -> pl.DataFrame:
    agents = small(ctx, "agents")
    if ctx.filters.sites:
        agents = agents.filter(pl.col("site_id").is_in(ctx.filters.sites))
    if ctx.filters.teams:
        agents = agents.filter(pl.col("team").is_in(ctx.filters.teams))
    if ctx.filters.campaigns:
        ids = db.read_frame(ctx.db, _campaign_agents(ctx))["agent_id"].to_list()
        agents = agents.filter(pl.col("agent_id").is_in(ids))
    groups = [g for g in ("team", "site") if g in dims]
    col = {"team": "team", "site": "site_id"}
    rows = []
    hired = [_as_date(x) for x in agents["hired_on"].to_list()]
    left = [_as_date(x) for x in agents["left_on"].to_list()]
    keys = (
        [tuple(r) for r in agents.select([col[g] for g in groups]).iter_rows()]
        if groups
        else [()] * agents.height
    )
    for bucket, first, last in _buckets(ctx, dims):
        before = first - timedelta(days=1)
        acc: dict[tuple[Any, ...], list[int]] = {}
        for h, lft, key in zip(hired, left, keys, strict=True):
            v = acc.setdefault(key, [0, 0, 0, 0])
            if h is not None and h <= last and (lft is None or lft > last):
                v[0] += 1
            if h is not None and h <= before and (lft is None or lft > before):
                v[1] += 1
            if h is not None and first <= h <= last:
                v[2] += 1
            if lft is not None and first <= lft <= last:
                v[3] += 1
        for key, (end_n, start_n, hires, leavers) in acc.items():
            rows.append(
                {
                    **bucket,
                    **dict(zip(groups, key, strict=True)),
                    "headcount_end": end_n,
                    "headcount_start": start_n,
                    "hires": hires,
                    "leavers": leavers,
                }
            )
        if not acc and not groups:
            rows.append({**bucket, "headcount_end": 0, "headcount_start": 0, "hires": 0, "leavers": 0})
    return _frame(rows, dims, {b: pl.Int64 for b in ("headcount_end", "headcount_start", "hires", "leavers")})


def _peak_frame(ctx: Ctx, dims: Sequence[str]) -> pl.DataFrame:
    groups = [g for g in ("team", "site", "agent") if g in dims]
    raw = db.read_frame(ctx.db, select_peak_pieces(ctx, groups))
    epoch0 = date(1970, 1, 1)
    raw = raw.with_columns(
        pl.col("mid")
        .cast(pl.Int64)
        .map_elements(lambda m: (epoch0 + timedelta(days=m // 86400)).isoformat(), return_dtype=pl.String)
        .alias("day")
    ).filter((pl.col("day") >= ctx.start.isoformat()) & (pl.col("day") <= ctx.end.isoformat()))
    raw = raw.rename({f"g_{g}": g for g in groups})
    if "month" in dims:
        raw = raw.with_columns(pl.col("day").str.slice(0, 7).alias("month"))
    keys = [d for d in dims if d in ("month", "day", *groups)]
    if keys:
        out = raw.group_by(keys).agg(pl.col("peak").max().cast(pl.Int64).alias("peak_concurrent_agents"))
    else:
        peak = raw["peak"].max()
        out = pl.DataFrame({"peak_concurrent_agents": [int(peak) if isinstance(peak, int | float) else 0]})
    return _conform_dims(out, dims)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _frame(rows: list[dict[str, Any]], dims: Sequence[str], bases: dict[str, Any]) -> pl.DataFrame:
    schema_ = {d: (pl.Int64 if d in INT_DIMS else pl.String) for d in dims} | bases
    return pl.DataFrame(rows, schema=schema_) if rows else pl.DataFrame(schema=schema_)


def _conform_dims(frame: pl.DataFrame, dims: Sequence[str]) -> pl.DataFrame:
    """Rename ``d_*`` columns to the dimension names and give every dimension one type."""
    frame = frame.rename({c: c[2:] for c in frame.columns if c.startswith("d_")})
    formats = {"month": "%Y-%m", "day": "%Y-%m-%d"}
    casts = []
    for d in dims:
        if d not in frame.columns:
            continue
        if d in formats and frame.schema[d].is_temporal():  # month / day keys as dates (sql.month_key)
            casts.append(pl.col(d).dt.strftime(formats[d]))
        else:
            casts.append(pl.col(d).cast(pl.Int64 if d in INT_DIMS else pl.String))
    return frame.with_columns(casts) if casts else frame


def compute_bases(
    engine: Engine | sa.Connection,
    start: date,
    end: date,
    *,
    by: list[str],
    bases: Sequence[str],
    filters: Filters,
    rules: Rules,
    sparse: bool = False,
    rolled: bool | None = None,
) -> pl.DataFrame:
    """Every requested base aggregate by ``by``, one query per source, joined on the dimensions.

    ``engine`` may be an open connection (used and left open: a caller computing several cuts opens
    the database once). ``rolled``: whether :mod:`core.semantic.rollup`'s tables are current, when the caller
    has just checked on that connection (``None``: checked here).

    ``sparse``: the caller joins the result onto cells it has from elsewhere, so combinations
    where every base is 0 may be left out (fewer rows grouped and returned).

    Count-like bases are 0 (not null) where a source has no rows for a dimension value that
    another source has; bases whose source cannot cut by one of the dimensions are null.
    """
    ctx = make_ctx(engine.engine if isinstance(engine, sa.Connection) else engine, start, end, filters, rules)
    by_source: dict[str, list[str]] = {}
    for b in bases:
        by_source.setdefault(BASE_SOURCE[b], []).append(b)
    ctx.cache["sources"] = set(by_source)
    ctx.cache["sparse"] = sparse
    frames: list[pl.DataFrame] = []
    not_applicable: list[str] = []
    with db.connection(engine) as conn:
        ctx.conn = conn
        ctx.rollup = rollup.current(conn) if rolled is None else rolled
        for source, names in by_source.items():
            if not set(by) <= SOURCE_DIMS[source] or (
                source == "seats" and (filters.teams or filters.campaigns)
            ):
                not_applicable += names
                continue
            frames.append(_run_source(ctx, source, by, names))
        ctx.conn = None
    if frames:
        out = _merge(frames, by)
        applicable = [b for b in bases if b not in not_applicable]
        out = out.with_columns(pl.col(b).fill_null(0).cast(pl.Int64) for b in applicable)
    else:
        out = pl.DataFrame({d: [] for d in by})
    if not by and out.height == 0:
        out = pl.DataFrame([{}])
    return out.with_columns(pl.lit(None, dtype=pl.Int64).alias(b) for b in not_applicable)


def _merge(frames: list[pl.DataFrame], by: Sequence[str]) -> pl.DataFrame:
    """Frames of different bases side by side, one row per combination of ``by`` found in any
    (outer joins; a missing value is null, filled by the caller). The small frames are joined
    to each other first, so a large cube is rebuilt once, not once per small frame."""
    if len(frames) == 1:
        return frames[0]
    if not by:
        return pl.concat(frames, how="horizontal")
    ordered = sorted(frames, key=lambda f: f.height)
    out = ordered[0]
    for other in ordered[1:]:
        out = out.join(other, on=list(by), how="full", coalesce=True, nulls_equal=True)
    columns = [*by, *[c for f in frames for c in f.columns if c not in by]]
    return out.select(columns)


def _active_frame(ctx: Ctx, dims: Sequence[str]) -> pl.DataFrame:
    """Active agents by ``dims``, read once per computation: with ``by=["month"]`` the active and
    agent-month sources ask for the very same query."""
    key = "active:" + ",".join(dims)
    if key not in ctx.cache:
        quick = ctx.rollup and (set(dims) <= rollup.DIMS or set(dims) <= rollup.HOURLY_DIMS)
        ctx.cache[key] = db.read_frame(ctx.db, select_active(ctx, dims, from_rollup=quick))
    frame: pl.DataFrame = ctx.cache[key]
    return frame


def _run_calls(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame:
    rolled = []
    if ctx.rollup and (set(by) <= rollup.DIMS or set(by) <= rollup.HOURLY_DIMS):
        daily = set(by) <= rollup.DIMS
        rolled = [n for n in names if B.cube_answers(n, ctx.rules, daily=daily)]
    rest = [n for n in names if n not in rolled]
    parts = [db.read_frame(ctx.db, q) for q in _rollup_selects(ctx, by, rolled)]
    if rest:
        narrow = (bool(parts) or ctx.cache.get("sparse", False)) and all(BASES[n].is_count for n in rest)
        parts.append(db.read_frame(ctx.db, select_calls(ctx, by, rest, matching_only=narrow)))
    return _merge([_conform_dims(part, by) for part in parts], by)


def _rollup_selects(ctx: Ctx, by: list[str], rolled: list[str]) -> list[Any]:
    """The queries that sum ``rolled`` from the call cubes: one, from the smallest cube answering all
    (:func:`core.semantic.rollup.calls_cube`); or, when only the bases narrowed on the caller number,
    the callee province and the day (:data:`core.semantic.rollup.NUMBERS_BASES`) keep the monthly cube
    from answering the rest, company-wide (no filter) by dimensions
    :data:`core.semantic.rollup.numbers_daily` has, two: those bases from it and the rest from the
    monthly cube, instead of one scan of the daily cube."""
    if not rolled:
        return []
    numbered = [n for n in rolled if n in rollup.NUMBERS_BASES]
    others = [n for n in rolled if n not in numbered]
    if (
        numbered
        and ctx.filters.key() == Filters().key()
        and set(by) <= rollup.NUMBERS_DIMS
        and not rollup.monthly_answers(ctx.start, ctx.end, by, rolled, ctx.rules)
        and (not others or rollup.monthly_answers(ctx.start, ctx.end, by, others, ctx.rules))
    ):
        split = [select_calls_rollup(ctx, by, numbered, cube=rollup.numbers_daily)]
        return split + ([select_calls_rollup(ctx, by, others)] if others else [])
    return [select_calls_rollup(ctx, by, rolled)]


def _run_customers(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame:
    quick = _customers_from_rollup(ctx, by, names) if ctx.rollup else None
    if quick is not None:
        return quick
    return db.read_frame(ctx.db, select_customers(ctx, by, names))


def _run_dnc(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame:
    stored = ctx.rollup and set(by) <= rollup.DIMS and ctx.conn is not None and rollup.dnc_current(ctx.conn)
    return db.read_frame(ctx.db, select_dnc(ctx, by, names, stored=bool(stored)))


def _run_per_callee(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame:
    cells_elsewhere = "calls" in ctx.cache.get("sources", ()) or ctx.cache.get("sparse", False)
    frame = db.read_frame(ctx.db, select_per_callee(ctx, by, names, breaches_only=cells_elsewhere))
    if by and not cells_elsewhere:
        # Only customers who can breach a rule are windowed (per_callee_windowed); the cells of
        # everyone else's calls still exist, with zero breaches.
        cells = _conform_dims(db.read_frame(ctx.db, select_per_callee_cells(ctx, by)), by)
        frame = cells.join(_conform_dims(frame, by), on=by, how="left", nulls_equal=True)
    return frame


def _run_agent_months(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame:
    dims = by if "month" in by else [*by, "month"]
    monthly = _conform_dims(_active_frame(ctx, dims), dims)
    if by:
        return monthly.group_by(by).agg(pl.col("active_agents").sum().alias("agent_months"))
    return pl.DataFrame({"agent_months": [int(monthly["active_agents"].sum() or 0)]})


def _read(select: Any) -> Any:
    """A source that is one query: run it."""
    return lambda ctx, by, names: db.read_frame(ctx.db, select(ctx, by, names))


def _whole_table(table: sa.Table) -> Any:
    return lambda ctx, by, names: [sa.select(*table.columns)]


@dataclass(frozen=True, kw_only=True)
class Source:
    """A source of bases (:data:`core.semantic.bases.SOURCES`): the dimensions it can cut by, how it
    computes its bases by those dimensions (in the database, through the rollups when they can
    answer), and the SQL it runs on the raw tables (shown beside an annual-report field)."""

    name: str
    dims: frozenset[str]
    run: Callable[[Ctx, list[str], list[str]], pl.DataFrame]
    explain: Callable[[Ctx, list[str], list[str]], list[Any]]


_ALL = frozenset(DIMENSIONS)
SOURCE_IMPL: dict[str, Source] = {
    s.name: s
    for s in (
        Source(name="calls", dims=_ALL, run=_run_calls, explain=lambda c, by, n: [select_calls(c, by, n)]),
        Source(
            name="customers",
            dims=_ALL,
            run=_run_customers,
            explain=lambda c, by, n: [select_customers(c, by, n)],
        ),
        Source(name="dnc", dims=_ALL, run=_run_dnc, explain=lambda c, by, n: [select_dnc(c, by, n)]),
        Source(
            name="percallee",
            dims=_ALL,
            run=_run_per_callee,
            explain=lambda c, by, n: [select_per_callee(c, by, n)],
        ),
        Source(
            name="sessions",
            dims=frozenset(SESSION_DIMS),
            run=_read(select_sessions),
            explain=lambda c, by, n: [select_sessions(c, by, n)],
        ),
        Source(
            name="active",
            dims=_ALL,
            run=lambda c, by, n: _active_frame(c, by),
            explain=lambda c, by, n: [select_active(c, by)],
        ),
        Source(
            name="agent_months",
            dims=_ALL,
            run=_run_agent_months,
            explain=lambda c, by, n: [select_active(c, [*by, "month"] if "month" not in by else by)],
        ),
        Source(
            name="peak",
            dims=frozenset(SESSION_DIMS),
            run=lambda c, by, n: _peak_frame(c, by),
            explain=lambda c, by, n: [
                select_peak_pieces(c, [g for g in ("team", "site", "agent") if g in by])
            ],
        ),
        Source(
            name="seats",
            dims=frozenset(SEAT_DIMS),
            run=lambda c, by, n: _seats_frame(c, by),
            explain=_whole_table(schema.site_seats),
        ),
        Source(
            name="roster",
            dims=frozenset(ROSTER_DIMS),
            run=lambda c, by, n: _roster_frame(c, by),
            explain=_whole_table(schema.agents),
        ),
        Source(
            name="complaints",
            dims=_ALL,
            run=_read(select_complaints),
            explain=lambda c, by, n: [select_complaints(c, by, n)],
        ),
        Source(name="qa", dims=_ALL, run=_read(select_qa), explain=lambda c, by, n: [select_qa(c, by, n)]),
    )
}
#: The dimensions each source can cut by.
SOURCE_DIMS: dict[str, set[str]] = {name: set(s.dims) for name, s in SOURCE_IMPL.items()}


def explain(ctx: Ctx, name: str, by: Sequence[str] = ()) -> list[Any]:
    """The SQL (SQLAlchemy ``Select`` objects) the base ``name`` runs on the raw tables, by ``by``."""
    return SOURCE_IMPL[BASE_SOURCE[name]].explain(ctx, list(by), [name])


def _run_source(ctx: Ctx, source: str, by: list[str], names: list[str]) -> pl.DataFrame:
    frame = _conform_dims(SOURCE_IMPL[source].run(ctx, by, names), by)
    keep = [*by, *[n for n in names if n in frame.columns]]
    return frame.select(keep)
