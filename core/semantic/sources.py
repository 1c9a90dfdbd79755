"""The sources' query builders: the SQL of every base, on the calls or on the rollup tables.

``select_*`` functions return SQLAlchemy Core ``Select`` objects and execute nothing; one function,
:func:`core.infra.db.read_frame`, runs them. Every query aggregates in the database and returns integer
counts, integer sums of seconds or exact distinct counts per combination of the requested
dimensions, so raw calls never travel to Python. Sources:

============ ========================================= ==========================================
source       table(s)                                  dimensions it can cut by
============ ========================================= ==========================================
calls        calls (+ agents, campaigns, numbers, dnc, all twelve
             distinct QA call ids)
customers    connected outbound calls, per callee      all twelve
dnc          outbound calls after a DNC entry (+ dnc)  all twelve
per-callee   calls with window functions per callee    all twelve
sessions     agent_sessions (+ agents)                 month, day, team, site, agent
active       sessions ∪ human calls (+ agents)         all twelve (sessions only where they can)
peak         agent_sessions split at midnight          month, day, team, site, agent
seats        sites, site_seats (small: read whole)     month, day, site
roster       agents (small: read whole)                month, day, team, site
complaints   complaints (+ the call it names)          all twelve
qa           qa_reviews (+ the call it names)          all twelve
============ ========================================= ==========================================

Joins only ever go to a table or derived table keyed by the join column (agents by agent_id,
campaigns by campaign_id, numbers by number, dnc reduced to one row per callee, QA reduced to
distinct call ids), so no join can multiply rows (the fan-out trap).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from core.infra import db, schema, sql
from core.semantic import bases as B
from core.semantic import rollup
from core.semantic.bases import BASES
from core.semantic.context import SESSION_DIMS, CallFrom, Ctx, Filters


def select_calls(
    ctx: Ctx, dims: Sequence[str], bases: Sequence[str], *, matching_only: bool = False
) -> sa.Select[Any]:
    """Counts and sums over calls started in the period, grouped by ``dims``: each base's aggregate
    as declared in :mod:`core.semantic.bases`.

    ``matching_only`` (every base a count, :attr:`core.semantic.bases.Base.is_count`): group only
    the calls that some base counts; cells where every base is 0 are then absent (the caller has
    the cells from elsewhere).
    """
    k = schema.calls
    f = CallFrom(k, ctx)
    c = k.c
    dim_cols = [f.dim(d) for d in dims]
    aggs = [B.aggregate(ctx, f, b).label(b) for b in bases]
    query = sa.select(*dim_cols, *aggs).where(
        c.started_at >= ctx.t0, c.started_at < ctx.t1, *f.where_filters()
    )
    if matching_only:
        query = query.where(sa.or_(*[B.condition(ctx, f, b) for b in bases]))
    query = query.select_from(f.from_clause())
    return query.group_by(*dim_cols) if dim_cols else query


def select_calls_rollup(
    ctx: Ctx, dims: Sequence[str], bases: Sequence[str], cube: sa.Table | None = None
) -> sa.Select[Any]:
    """:func:`select_calls` for bases the call cubes answer (:func:`core.semantic.bases.cube_answers`),
    summed from the monthly cube for whole months by its dimensions when it answers every base
    (:func:`core.semantic.rollup.monthly_answers`), else from the daily cube (summed over agents when
    no agent, team or site is asked for or filtered on), or from the hourly one for the hour (same
    dimensions and filters); or from ``cube`` when the caller chose it
    (:data:`core.semantic.rollup.numbers_daily` for its bases: ``core.semantic.cubes._run_calls``)."""
    agentless = not (ctx.filters.sites or ctx.filters.teams)
    r = (
        cube
        if cube is not None
        else rollup.calls_cube(ctx.start, ctx.end, dims, bases, ctx.rules, agentless=agentless)
    )
    f = CallFrom(r, ctx)
    dim_cols = [f.dim(d) for d in dims]
    aggs = [B.cube_aggregate(ctx, f, b).label(b) for b in bases]
    query = sa.select(*dim_cols, *aggs).where(
        r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1, *f.where_filters()
    )
    query = query.select_from(f.from_clause())
    return query.group_by(*dim_cols) if dim_cols else query


def _customers_from_rollup(ctx: Ctx, by: list[str], names: list[str]) -> pl.DataFrame | None:
    """Distinct customers from the rollups, when the cut allows it (whole months, in total or by
    month, no filter): by month, each month's one-month span of :data:`core.semantic.rollup.customer_spans`
    (months without a reached customer left out, as the calls give no row for them); in total, the
    span's row within one year, or across years the customers of
    :data:`core.semantic.rollup.customer_months` counted once (:func:`core.semantic.rollup.select_customers_across_years`)."""
    pieces = rollup.year_pieces(ctx.start, ctx.end)
    if pieces is None or not set(by) <= {"month"} or ctx.filters.key() != Filters().key():
        return None
    keys = {"reached_customers": "reached", "effective_customers": "effective"}
    if not by:
        if len(pieces) == 1:
            query = rollup.select_customer_spans(*pieces[0], by_month=False)
        else:
            query = rollup.select_customers_across_years(pieces, ctx.dialect)
        rows = db.read_frame(ctx.db, query).to_dicts()
        row = rows[0] if rows else {}
        return pl.DataFrame({n: [int(row.get(keys[n]) or 0)] for n in names})
    data: dict[str, list[Any]] = {"month": []} | {n: [] for n in names}
    for year, first, last in pieces:
        for r in db.read_frame(ctx.db, rollup.select_customer_spans(year, first, last, True)).to_dicts():
            if (r["reached"] or 0) > 0:
                data["month"].append(f"{year}-{int(r['month']):02d}")
                for n in names:
                    data[n].append(int(r[keys[n]] or 0))
    return pl.DataFrame(data, schema={"month": pl.String, **{n: pl.Int64 for n in names}})


def select_customers(ctx: Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """Exact distinct customers reached (a connected outbound call) and reached effectively.

    Two levels: the connected outbound calls are first grouped by the dimensions and the
    customer, then the customers are counted per dimension value. This is the same number as
    ``COUNT(DISTINCT CASE WHEN … THEN callee_id END)`` and three to four times faster on
    DuckDB, whose distinct aggregates are not parallel; calls without a customer id count
    for no one.
    """
    k = schema.calls
    f = CallFrom(k, ctx)
    c = k.c
    effective = B.effective_voice(c)
    dim_cols = [f.dim(d) for d in dims]
    per_customer = (
        sa.select(*dim_cols, c.callee_id, sa.func.max(sql.as_int(effective)).label("eff"))
        .where(
            c.started_at >= ctx.t0,
            c.started_at < ctx.t1,
            c.direction == "out",
            c.disposition == "answered",
            c.callee_id.is_not(None),
            *f.where_filters(),
        )
        .select_from(f.from_clause())
        .group_by(*dim_cols, c.callee_id)
        .subquery("pc")
    )
    exprs: dict[str, Callable[[], Any]] = {
        "reached_customers": lambda: sa.func.count(),
        "effective_customers": lambda: sa.func.coalesce(sa.func.sum(per_customer.c.eff), 0),
    }
    outer_dims = [per_customer.c[f"d_{d}"] for d in dims]
    query = sa.select(*outer_dims, *[exprs[b]().label(b) for b in bases]).select_from(per_customer)
    return query.group_by(*outer_dims) if outer_dims else query


def select_dnc(
    ctx: Ctx, dims: Sequence[str], bases: Sequence[str], *, stored: bool = False
) -> sa.Select[Any]:
    """Outbound calls to a customer whose first DNC entry was added before the call.

    An inner join to the (small) DNC list, apart from the other call counts: joined into their
    query, every call would carry the DNC columns through the grouping. ``stored``: summed from
    :data:`core.semantic.rollup.dnc_daily` instead (the caller checked it is current and cuts by its keys).
    The condition is :func:`core.semantic.bases.after_dnc`'s, written as an inner join here (the
    list is small and most calls have no entry, so the join leaves only the candidates).
    """
    if stored:
        r = rollup.dnc_daily
        fr = CallFrom(r, ctx)
        cols = [fr.dim(d) for d in dims]
        q = (
            sa.select(*cols, *[sa.func.sum(r.c.dnc_calls).label(b) for b in bases])
            .where(r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1, *fr.where_filters())
            .select_from(fr.from_clause())
        )
        return q.group_by(*cols) if cols else q
    k = schema.calls
    f = CallFrom(k, ctx)
    c = k.c
    first = B.dnc_first()
    dim_cols = [f.dim(d) for d in dims]
    conds = [c.started_at >= ctx.t0, c.started_at < ctx.t1, c.direction == "out", *f.where_filters()]
    query = (
        sa.select(*dim_cols, *[sa.func.count().label(b) for b in bases])
        .select_from(f.from_clause().join(first, first.c.callee_id == c.callee_id))
        .where(*conds, first.c.first_added < c.started_at)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def _stored_windows(ctx: Ctx) -> Any | None:
    """:func:`per_callee_windowed` from :data:`core.semantic.rollup.callee_windows`, when it is current and
    holds every call that can breach under ``ctx.rules`` (caps of at least one call, a re-call
    look-back of at most :data:`core.semantic.rollup.MAX_RECALL_HOURS`); else ``None``.

    The stored counts are the live ones (the windows look back only, so computing them over all
    the calls or over the period and its look-back gives the same numbers); ``ab_before`` is 1 when
    an abandoned call to the customer started in ``[t − recall_hours, t)``, else 0.
    """
    if not ctx.rollup or not rollup.windows_cover(ctx.rules):
        return None
    r = rollup.callee_windows.c
    lookback = max(24, ctx.rules.recall_hours)
    recent = sa.and_(r.since_abandon.is_not(None), r.since_abandon <= ctx.rules.recall_hours * 3600)
    return (
        sa.select(
            r.call_id,
            r.callee_id,
            r.agent_id,
            r.campaign_id,
            r.caller_number,
            r.callee_province,
            r.started_at,
            r.disposition,
            r.n24,
            r.n5,
            sa.case((recent, 1), else_=0).label("ab_before"),
        )
        .where(r.started_at >= ctx.t0 - timedelta(hours=lookback), r.started_at < ctx.t1)
        .subquery("w")
    )


def windowed_calls(ctx: Ctx, scope: list[Any], candidates: Any | None, *, since: bool = False) -> Any:
    """Outbound calls to known customers within ``scope`` (conditions on the calls) whose customer
    is in ``candidates`` (a subquery of ``callee_id``; ``None``: every customer), with the
    per-callee window counts ``n24`` and ``n5`` (calls to the customer in the preceding 24 h and
    5 minutes, counting this one; calls at the same second ordered by call_id) and either
    ``ab_before`` (abandoned calls to the customer in ``[t − recall_hours, t)``) or, with
    ``since``, ``since_abandon`` (seconds since the latest abandoned call to the customer that
    started at least a second earlier; null without one: the rule-free form :mod:`core.semantic.rollup`
    stores)."""
    k = schema.calls
    d = ctx.dialect
    inner = (
        sa.select(
            k.c.call_id,
            k.c.callee_id,
            k.c.agent_id,
            k.c.campaign_id,
            k.c.caller_number,
            k.c.callee_province,
            k.c.started_at,
            k.c.disposition,
            sql.epoch(d, k.c.started_at).label("ep"),
        )
        .where(
            k.c.direction == "out",
            k.c.callee_id.is_not(None),
            *scope,
            *([] if candidates is None else [k.c.callee_id.in_(candidates)]),
        )
        .subquery("k0")
    )
    callee, ep = inner.c.callee_id, inner.c.ep
    peers = sa.func.count().over(partition_by=[inner.c.callee_id, inner.c.ep])
    peer_rank = sa.func.row_number().over(
        partition_by=[inner.c.callee_id, inner.c.ep], order_by=inner.c.call_id
    )
    later_peers = peers - peer_rank
    n24 = sa.func.count().over(partition_by=callee, order_by=ep, range_=(-(24 * 3600 - 1), 0)) - later_peers
    n5 = sa.func.count().over(partition_by=callee, order_by=ep, range_=(-(5 * 60 - 1), 0)) - later_peers
    abandoned = inner.c.disposition == "abandoned"
    if since:
        last = sa.func.max(sa.case((abandoned, ep), else_=None)).over(
            partition_by=callee, order_by=ep, range_=(None, -1)
        )
        tail = (ep - last).label("since_abandon")
    else:
        ab = sa.func.sum(sql.as_int(abandoned)).over(
            partition_by=callee, order_by=ep, range_=(-(ctx.rules.recall_hours * 3600), -1)
        )
        tail = sa.func.coalesce(ab, 0).label("ab_before")
    return sa.select(inner, n24.label("n24"), n5.label("n5"), tail).subquery("w")


def per_callee_windowed(ctx: Ctx) -> Any:
    """Outbound calls with per-callee window counts: ``n24``, ``n5`` (ties ordered by call_id) and
    ``ab_before`` (> 0 when an abandoned call to the callee started in the preceding
    ``abandon.recall_hours``): see :func:`windowed_calls`. From the rollup when it can answer."""
    stored = _stored_windows(ctx)
    if stored is not None:
        return stored
    k = schema.calls
    lookback = max(24, ctx.rules.recall_hours)
    scope = [k.c.started_at >= ctx.t0 - timedelta(hours=lookback), k.c.started_at < ctx.t1]
    # Only customers who can breach anything need the window functions (sorting every call by
    # customer is the dearest step): a call is over a cap only when its customer has more calls in
    # the window than the smaller cap, and a re-call needs an earlier abandoned call. The rest
    # would give zero counts, so leaving them out changes no number.
    n_calls = sa.func.count()
    least_cap = min(ctx.rules.caps_per_24h, ctx.rules.caps_per_5min)
    candidates = (
        sa.select(k.c.callee_id)
        .where(k.c.direction == "out", k.c.callee_id.is_not(None), *scope)
        .group_by(k.c.callee_id)
        .having(
            sa.or_(
                n_calls > least_cap,
                sa.and_(n_calls >= 2, sql.count_if(k.c.disposition == "abandoned") > 0),
            )
        )
    )
    return windowed_calls(ctx, scope, candidates)


def select_per_callee(
    ctx: Ctx, dims: Sequence[str], bases: Sequence[str], *, breaches_only: bool = False
) -> sa.Select[Any]:
    """Over-cap calls and re-calls after an abandoned call, with window functions per callee.

    A call is over the cap when, counting it, more calls to the same callee started in the
    preceding 24 h (``(t − 24 h, t]``) than ``caps.per_24h``, or in the preceding 5 minutes
    than ``caps.per_5min``, across all caller numbers; calls at the same second are ordered by
    call_id, so each extra call counts once. A re-call after abandon is an outbound call with an
    abandoned outbound call to the same callee in ``[t − 72 h, t)``. Calls up to 72 h before the
    period are read so that windows reaching back across its start are complete.
    """
    windowed = per_callee_windowed(ctx)
    f = CallFrom(windowed, ctx)
    w = windowed.c
    dim_cols = [f.dim(x) for x in dims]
    # The filters first: a site or team filter adds the agents join, which from_clause() must see
    # (built the other way round, the agents table was cross-joined: every call counted once per
    # agent of the filtered team; pinned in tests/core/test_metrics_defs.py).
    conds = [w.started_at >= ctx.t0, *f.where_filters()]
    if breaches_only:  # another source gives the cells; group only the calls that count
        conds.append(
            sa.or_(*[B.condition(ctx, f, b) for b in ("over_cap_calls", "recall_after_abandon_72h")])
        )
    query = (
        sa.select(*dim_cols, *[B.aggregate(ctx, f, b).label(b) for b in bases])
        .select_from(f.from_clause())
        .where(*conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def select_per_callee_cells(ctx: Ctx, dims: Sequence[str]) -> sa.Select[Any]:
    """The dimension values of the outbound calls :func:`select_per_callee` counts (every call
    to a known customer in the period, windowed or not)."""
    k = schema.calls
    f = CallFrom(k, ctx)
    c = k.c
    dim_cols = [f.dim(x) for x in dims]
    conds = [c.started_at >= ctx.t0, c.started_at < ctx.t1, c.direction == "out", c.callee_id.is_not(None)]
    conds += f.where_filters()
    return sa.select(*dim_cols).select_from(f.from_clause()).where(*conds).group_by(*dim_cols)


# --------------------------------------------------------------------------------------------
# Agents: sessions, active agents, peak concurrency, roster, seats
# --------------------------------------------------------------------------------------------


def _campaign_agents(ctx: Ctx) -> Any:
    """Agents who handled a call of the filtered campaigns in the period (for agent-level sources)."""
    k = schema.calls
    return (
        sa.select(k.c.agent_id)
        .where(
            k.c.campaign_id.in_(ctx.filters.campaigns),
            k.c.started_at >= ctx.t0,
            k.c.started_at < ctx.t1,
            k.c.agent_id.is_not(None),
        )
        .distinct()
    )


def _session_dim(ctx: Ctx, name: str, s: Any, a: Any) -> Any:
    d = ctx.dialect
    exprs: dict[str, Callable[[], Any]] = {
        "month": lambda: sql.month_key(d, s.c.login_at),
        "day": lambda: sql.day_key(d, s.c.login_at),
        "team": lambda: a.c.team,
        "site": lambda: a.c.site_id,
        "agent": lambda: s.c.agent_id,
    }
    return exprs[name]().label(f"d_{name}")


def _agent_filters(ctx: Ctx, agent_col: Any, a: Any) -> list[Any]:
    f = ctx.filters
    conds = []
    if f.sites:
        conds.append(a.c.site_id.in_(f.sites))
    if f.teams:
        conds.append(a.c.team.in_(f.teams))
    if f.campaigns:
        conds.append(agent_col.in_(_campaign_agents(ctx)))
    return conds


def select_sessions(ctx: Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """Logged-in seconds of sessions that started in the period (open sessions count 0)."""
    s = schema.agent_sessions
    a = schema.agents.alias("a")
    secs = sql.seconds_between(ctx.dialect, s.c.login_at, s.c.logout_at) - sa.func.coalesce(
        s.c.break_seconds, 0
    )
    dim_cols = [_session_dim(ctx, x, s, a) for x in dims]
    query = (
        sa.select(
            *dim_cols,
            sa.func.sum(sa.case((s.c.logout_at.is_not(None), secs), else_=0)).label("logged_in_seconds"),
        )
        .select_from(s.outerjoin(a, a.c.agent_id == s.c.agent_id))
        .where(s.c.login_at >= ctx.t0, s.c.login_at < ctx.t1, *_agent_filters(ctx, s.c.agent_id, a))
    )
    return query.group_by(*dim_cols) if dim_cols else query


def select_active(ctx: Ctx, dims: Sequence[str], *, from_rollup: bool = False) -> sa.Select[Any]:
    """Distinct agents with a session or a human call in the period, and how many are outsourced.

    With ``from_rollup`` the human calls are read from a call cube (its rows with human calls): the
    monthly one for whole months by its dimensions, else :data:`core.semantic.rollup.calls_daily`
    (dimensions without the hour) or the hourly one (:func:`core.semantic.rollup.calls_cube`).
    """
    k = schema.calls
    if from_rollup:
        k = rollup.calls_cube(ctx.start, ctx.end, dims, (), ctx.rules)
    f = CallFrom(k, ctx)
    human = (
        [k.c.human_calls > 0]
        if from_rollup
        else [k.c.agent_id.is_not(None), sa.func.coalesce(k.c.robot, sa.false()) == sa.false()]
    )
    call_part = sa.select(*[f.dim(x) for x in dims], k.c.agent_id.label("agent_id")).where(
        k.c.started_at >= ctx.t0,
        k.c.started_at < ctx.t1,
        *human,
        *f.where_filters(),
    )
    call_part = call_part.select_from(f.from_clause()).distinct()
    parts = [call_part]
    if set(dims) <= SESSION_DIMS and not ctx.filters.campaigns:
        s = schema.agent_sessions
        a = schema.agents.alias("a")
        parts.append(
            sa.select(*[_session_dim(ctx, x, s, a) for x in dims], s.c.agent_id.label("agent_id"))
            .select_from(s.outerjoin(a, a.c.agent_id == s.c.agent_id))
            .where(s.c.login_at >= ctx.t0, s.c.login_at < ctx.t1, *_agent_filters(ctx, s.c.agent_id, a))
            .distinct()
        )
    u = sa.union(*parts).subquery("u") if len(parts) > 1 else parts[0].subquery("u")
    a2 = schema.agents.alias("a2")
    dim_cols = [u.c[f"d_{x}"] for x in dims]
    query = sa.select(
        *dim_cols,
        sa.func.count(sa.distinct(u.c.agent_id)).label("active_agents"),
        sql.count_distinct_if(u.c.agent_id, a2.c.employment == "outsourced").label("outsourced_agents"),
    ).select_from(u.outerjoin(a2, a2.c.agent_id == u.c.agent_id))
    return query.group_by(*dim_cols) if dim_cols else query


def select_peak_pieces(ctx: Ctx, groups: Sequence[str]) -> sa.Select[Any]:
    """Per day (as a midnight epoch) and group, the peak number of agents logged in at once.

    Sessions are split at midnight so that a session crossing it counts on both days; open
    sessions (no logout) are left out. An agent counts once however many of their sessions
    overlap: a per-agent running count turns their events into "became logged in" (0 → 1) and
    "became logged out" (1 → 0), and only those move the overall count. Logouts sort before
    logins at the same second, so back-to-back sessions do not overlap.
    """
    d = ctx.dialect
    s = schema.agent_sessions
    a = schema.agents.alias("a")
    ep_in = sql.epoch(d, s.c.login_at)
    ep_out = sql.epoch(d, s.c.logout_at)
    group_cols = {"team": a.c.team, "site": a.c.site_id, "agent": s.c.agent_id}
    base = (
        sa.select(
            s.c.agent_id.label("who"),
            ep_in.label("ep_in"),
            ep_out.label("ep_out"),
            *[group_cols[g].label(f"g_{g}") for g in groups],
        )
        .select_from(s.outerjoin(a, a.c.agent_id == s.c.agent_id))
        .where(
            s.c.logout_at.is_not(None),
            s.c.login_at >= ctx.t0 - timedelta(days=1),
            s.c.login_at < ctx.t1,
            *_agent_filters(ctx, s.c.agent_id, a),
        )
        .subquery("s0")
    )
    b = base.c
    midnight = b.ep_in - b.ep_in % 86400
    next_mid = midnight + 86400
    gcols = [b[f"g_{g}"] for g in groups]
    first = sa.select(
        b.who,
        midnight.label("mid"),
        b.ep_in.label("a"),
        sa.case((b.ep_out > next_mid, next_mid), else_=b.ep_out).label("b"),
        *gcols,
    )
    second = sa.select(b.who, next_mid.label("mid"), next_mid.label("a"), b.ep_out.label("b"), *gcols).where(
        b.ep_out > next_mid
    )
    pieces = sa.union_all(first, second).subquery("p")
    p = pieces.c
    pg = [p[f"g_{g}"] for g in groups]
    ins = sa.select(p.who, p.mid, p.a.label("ts"), sa.literal(1).label("delta"), *pg).where(p.b > p.a)
    outs = sa.select(p.who, p.mid, p.b.label("ts"), sa.literal(-1).label("delta"), *pg).where(p.b > p.a)
    ev = sa.union_all(ins, outs).subquery("ev")
    e = ev.c
    eg = [e[f"g_{g}"] for g in groups]
    mine = sa.func.sum(e.delta).over(partition_by=[e.mid, e.who], order_by=[e.ts, e.delta], rows=(None, 0))
    per_agent = sa.select(e.mid, e.ts, e.delta, *eg, mine.label("mine")).subquery("pa")
    pa = per_agent.c
    step = sa.case(
        (sa.and_(pa.delta == 1, pa.mine == 1), 1), (sa.and_(pa.delta == -1, pa.mine == 0), -1), else_=0
    )
    steps = sa.select(pa.mid, pa.ts, pa.delta, *[pa[f"g_{g}"] for g in groups], step.label("step")).subquery(
        "st"
    )
    st = steps.c
    sg = [st[f"g_{g}"] for g in groups]
    running = sa.func.sum(st.step).over(
        partition_by=[st.mid, *sg], order_by=[st.ts, st.delta], rows=(None, 0)
    )
    run = sa.select(st.mid, *sg, running.label("n")).subquery("run")
    rg = [run.c[f"g_{g}"] for g in groups]
    return sa.select(run.c.mid, *rg, sa.func.max(run.c.n).label("peak")).group_by(run.c.mid, *rg)


# --------------------------------------------------------------------------------------------
# Complaints and QA
# --------------------------------------------------------------------------------------------


def _row_count(ctx: Ctx, table: Any, name: str) -> Any:
    """A complaints or QA base: its rows counted, or those meeting its declared condition."""
    where = BASES[name].where
    return sa.func.count() if where is None else sql.count_if(where(ctx, table))


def _named_calls(ctx: Ctx, call_id: Any, *where: Any) -> Any:
    """The calls a table's ``call_id`` names in its rows matching ``where``, as the derived table ``k``
    that complaints and reviews are joined to: only those calls are read (ClickHouse holds a join's
    right side in memory, so joined to the calls table itself it read all of them: 24 s on a 19 M-call
    year for the risk page's complaints, against well under a second). From
    :data:`core.semantic.rollup.named_calls` when it is current (else finding them reads the id of
    every call: 1.3 s on that year on DuckDB)."""
    stored = ctx.rollup and ctx.conn is not None and _named_stored(ctx, ctx.conn)
    c = rollup.named_calls.c if stored else schema.calls.c
    ids = sa.select(call_id).where(call_id.is_not(None), *where)
    cols = (c.call_id, c.started_at, c.agent_id, c.campaign_id, c.caller_number, c.callee_province)
    return sa.select(*cols).where(c.call_id.in_(ids)).subquery("k")


def _named_stored(ctx: Ctx, conn: sa.Connection) -> bool:
    """Whether :data:`core.semantic.rollup.named_calls` answers (checked once per computation)."""
    if "named" not in ctx.cache:
        ctx.cache["named"] = rollup.named_current(conn)
    return bool(ctx.cache["named"])


def select_complaints(ctx: Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """Complaints received in the period; call dimensions come from the call the complaint names."""
    p = schema.complaints
    k = _named_calls(ctx, p.c.call_id, p.c.received_at >= ctx.t0, p.c.received_at < ctx.t1)
    f = CallFrom(k, ctx)
    dim_cols = []
    for x in dims:
        if x == "caller_number":
            dim_cols.append(p.c.caller_number.label("d_caller_number"))
        else:
            dim_cols.append(f.dim(x, time_col=p.c.received_at))
    conds = f.where_filters()
    frm = p.outerjoin(k, k.c.call_id == p.c.call_id)
    for table, on in f.joins.values():
        frm = frm.outerjoin(table, on)
    query = (
        sa.select(*dim_cols, *[_row_count(ctx, p, b).label(b) for b in bases])
        .select_from(frm)
        .where(p.c.received_at >= ctx.t0, p.c.received_at < ctx.t1, *conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def select_qa(ctx: Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """QA reviews made in the period; call dimensions come from the reviewed call."""
    r = schema.qa_reviews
    k = _named_calls(ctx, r.c.call_id, r.c.reviewed_at >= ctx.t0, r.c.reviewed_at < ctx.t1)
    f = CallFrom(k, ctx)
    dim_cols = [f.dim(x, time_col=r.c.reviewed_at) for x in dims]
    conds = f.where_filters()
    frm = r.outerjoin(k, k.c.call_id == r.c.call_id)
    for table, on in f.joins.values():
        frm = frm.outerjoin(table, on)
    query = (
        sa.select(*dim_cols, *[_row_count(ctx, r, b).label(b) for b in bases])
        .select_from(frm)
        .where(r.c.reviewed_at >= ctx.t0, r.c.reviewed_at < ctx.t1, *conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query
