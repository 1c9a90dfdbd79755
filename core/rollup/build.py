"""Building the rollups of :mod:`core.semantic.rollup`: every table filled from the calls in one transaction.

The tables and the rules for using them are declared in :mod:`core.semantic.rollup` (which the query planner
reads); filling them needs the planner's own query builders (:mod:`core.semantic.cubes`), so the build lives
here, above both: ``core.rollup.build → core.semantic.cubes → core.semantic.rollup``, with no cycle.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema, sql
from core.infra.rules import load_rules
from core.semantic import bases, cubes, rollup, sources


def refresh(target: Engine | str | None) -> float | None:
    """Rebuild the rollups from the calls in one transaction; the seconds it took, or ``None`` when the
    database has no calls table yet. On every engine (MariaDB commits at each CREATE TABLE and
    ClickHouse has no transactions: there the state row, written last, is what makes the new
    tables current, so a reader never uses a half-built rollup).

    ``target`` is an engine or a database URL (``None``: the default database, as ``--db``).
    """
    engine = target if isinstance(target, Engine) else db.make_engine(db.resolve_url(target))
    if not rollup.supported(engine):
        return None
    t = time.perf_counter()
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(schema.calls.name):
            return None
        lo, hi = conn.execute(
            sa.select(sa.func.min(schema.calls.c.started_at), sa.func.max(schema.calls.c.started_at))
        ).one()
        rollup.drop_tables(conn)
        rollup.create_tables(conn)
        if lo is not None:
            start, end = rollup._as_date(lo), rollup._as_date(hi)
            ctx = cubes.make_ctx(engine, start, end, cubes.Filters(), load_rules())
            for cube in (rollup.calls_daily, rollup.calls_hourly, rollup.dnc_daily):
                dims = rollup.CUBE_DIMS[cube.name]
                if cube is rollup.dnc_daily:
                    counts: tuple[str, ...] = ("dnc_calls",)
                    q = sources.select_dnc(ctx, dims, counts).subquery("q")
                else:
                    counts = (
                        (*rollup.CUBE_COUNTS, *rollup.HOUR_COUNTS)
                        if cube is rollup.calls_daily
                        else rollup.CUBE_COUNTS
                    )
                    q = sources.select_calls(ctx, dims, counts).subquery("q")
                filled = sa.select(
                    sql.to_stored_time(ctx.dialect, q.c[f"d_{dims[0]}"]),
                    *[q.c[f"d_{d}"] for d in dims[1:]],
                    *[sa.func.coalesce(q.c[b], 0) for b in counts],
                )
                conn.execute(cube.insert().from_select([c.name for c in cube.columns], filled))
            windows = _select_windows(ctx)
            keep = sa.select(*[windows.c[c.name] for c in rollup.callee_windows.columns]).where(
                sa.or_(windows.c.n24 >= 2, windows.c.since_abandon <= rollup.MAX_RECALL_HOURS * 3600)
            )
            conn.execute(
                rollup.callee_windows.insert().from_select(
                    [c.name for c in rollup.callee_windows.columns], keep
                )
            )
            conn.execute(
                rollup.customer_months.insert().from_select(
                    [c.name for c in rollup.customer_months.columns], _select_customer_months(ctx.dialect)
                )
            )
        now = datetime.now()
        conn.execute(
            rollup.state.insert().values(name="calls", fingerprint=rollup.fingerprint(conn), built_at=now)
        )
        conn.execute(
            rollup.state.insert().values(name="dnc", fingerprint=rollup.dnc_fingerprint(conn), built_at=now)
        )
    return time.perf_counter() - t


def _select_windows(ctx: Any) -> Any:
    """Every outbound call of the customers who have two calls within 24 h or a call within
    :data:`rollup.MAX_RECALL_HOURS` after an abandoned one, with its window counts
    (:func:`core.semantic.sources.windowed_calls`, rule-free form).

    Those customers are found first with one sort of all outbound calls by a 64-bit hash of the
    customer (cheaper to sort than the 64-character id): a hash shared by two customers can only
    add customers, whose exact windows are then computed on their own ids.
    """
    k = schema.calls.c
    ep = sql.epoch(ctx.dialect, k.started_at)
    h = sql.hash64(ctx.dialect, k.callee_id)
    per_call = (
        sa.select(h.label("h"), ep.label("ep"), (k.disposition == "abandoned").label("ab"))
        .where(k.direction == "out", k.callee_id.is_not(None))
        .subquery("p")
    )
    p = per_call.c
    gap = p.ep - sa.func.lag(p.ep).over(partition_by=p.h, order_by=p.ep)
    last_ab = sa.func.max(sa.case((p.ab, p.ep), else_=None)).over(
        partition_by=p.h, order_by=p.ep, range_=(None, -1)
    )
    marked = sa.select(p.h, gap.label("gap"), (p.ep - last_ab).label("since")).subquery("g")
    close = (
        sa.select(marked.c.h)
        .where(sa.or_(marked.c.gap < 24 * 3600, marked.c.since <= rollup.MAX_RECALL_HOURS * 3600))
        .distinct()
    )
    return sources.windowed_calls(ctx, [h.in_(close)], None, since=True)


def _select_customer_months(dialect: str = "duckdb") -> sa.Select[Any]:
    k = schema.calls.c
    month = sa.extract("month", k.started_at)
    effective = bases.effective_voice(k)
    bit = sql.bit(dialect, sa.cast(month, sa.Integer) - 1)

    def flag(m: int, cond: Any = None) -> Any:
        hit = month == m if cond is None else sa.and_(month == m, cond)
        return sa.func.max(sa.case((hit, 1), else_=0))

    return (
        sa.select(
            sa.cast(sa.extract("year", k.started_at), sa.Integer).label("year"),
            k.callee_id,
            *[flag(m).label(f"r{m:02d}") for m in rollup.MONTHS],
            *[flag(m, effective).label(f"e{m:02d}") for m in rollup.MONTHS],
            sql.bit_or(dialect, bit).label("rmask"),
            sql.bit_or(dialect, sa.case((effective, bit), else_=0)).label("emask"),
        )
        .where(k.direction == "out", k.disposition == "answered", k.callee_id.is_not(None))
        .group_by(sa.extract("year", k.started_at), k.callee_id)
    )
