"""Query builders for the aggregated cubes the metrics are made of.

``select_*`` functions return SQLAlchemy Core ``Select`` objects and execute nothing; one function,
:func:`core.db.read_frame`, runs them. Every query aggregates in the database and returns integer
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

Filters (the sidebar's site, team and campaign; one rule for every figure, page and report). A
campaign filter keeps the calls of those campaigns. A site or team filter keeps the calls its
agents handled, and also the calls no agent handled (a predictive dialer's drop, an inbound call
abandoned in the queue): such a call belongs to the teams that work its campaign, so it passes
when agents of the chosen sites or teams handled calls of the same campaign in the period. A
robot campaign, which no agent works, belongs to no team: its calls pass no site or team filter.
Agent-level figures (sessions, roster, seats) follow the agent's own site and team. Modules that
build their own queries on the calls (staffing, the drill-down lists) apply the same rule through
:func:`call_filter_conditions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core import db, rollup, schema, sql
from core.rules import Rules

DIMENSIONS: tuple[str, ...] = (
    "month",
    "day",
    "hour",
    "weekday",
    "team",
    "agent",
    "site",
    "campaign",
    "purpose",
    "client",
    "caller_number",
    "callee_province",
)
INT_DIMS = {"hour", "weekday"}
SESSION_DIMS = {"month", "day", "team", "site", "agent"}
SEAT_DIMS = {"month", "day", "site"}
ROSTER_DIMS = {"month", "day", "team", "site"}


@dataclass(frozen=True)
class Filters:
    """The sidebar filters: empty tuples mean "all"."""

    sites: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()

    def key(self) -> tuple[tuple[str, ...], ...]:
        return (self.sites, self.teams, self.campaigns)


@dataclass
class _Ctx:
    engine: Engine
    dialect: str
    start: date
    end: date
    t0: datetime
    t1: datetime
    filters: Filters
    rules: Rules
    cache: dict[str, Any] = field(default_factory=dict)
    conn: sa.Connection | None = None  # while a computation holds one open (see compute_bases)
    rollup: bool = False  # core.rollup's tables are current and may answer (see compute_bases)

    @property
    def db(self) -> Engine | sa.Connection:
        """What queries run on: the computation's open connection, else the engine."""
        return self.conn if self.conn is not None else self.engine


# Which source computes each base aggregate.
BASE_SOURCE: dict[str, str] = {
    **{
        b: "calls"
        for b in (
            "outbound_calls",
            "inbound_calls",
            "connected_calls",
            "effective_calls",
            "talk_seconds_connected_out",
            "inbound_answered",
            "inbound_abandoned",
            "inbound_answered_20s",
            "effective_human_talk_seconds",
            "handle_seconds",
            "robot_calls",
            "recorded_connected_calls",
            "short_connected_calls",
            "abandoned_outbound",
            "connected_all",
            "reviewed_connected_all",
            "outside_hours_calls",
            "blocked_region_calls",
            "out_of_coverage_calls",
            "unregistered_number_calls",
            "connected_recorded_purpose",
            "recorded_connected_purpose",
        )
    },
    "dnc_calls": "dnc",
    "reached_customers": "customers",
    "effective_customers": "customers",
    "over_cap_calls": "percallee",
    "recall_after_abandon_72h": "percallee",
    "logged_in_seconds": "sessions",
    "active_agents": "active",
    "outsourced_agents": "active",
    "agent_months": "agent_months",
    "peak_concurrent_agents": "peak",
    "declared_seats": "seats",
    "headcount_end": "roster",
    "headcount_start": "roster",
    "hires": "roster",
    "leavers": "roster",
    "complaints": "complaints",
    "regulator_complaints": "complaints",
    "complaints_replied": "complaints",
    "qa_reviews": "qa",
    "qa_passed": "qa",
}

SOURCE_DIMS: dict[str, set[str]] = {
    "calls": set(DIMENSIONS),
    "customers": set(DIMENSIONS),
    "dnc": set(DIMENSIONS),
    "percallee": set(DIMENSIONS),
    "sessions": SESSION_DIMS,
    "active": set(DIMENSIONS),
    "agent_months": set(DIMENSIONS),
    "peak": SESSION_DIMS,
    "seats": SEAT_DIMS,
    "roster": ROSTER_DIMS,
    "complaints": set(DIMENSIONS),
    "qa": set(DIMENSIONS),
}


def make_ctx(engine: Engine, start: date, end: date, filters: Filters, rules: Rules) -> _Ctx:
    """The context the query builders share (engine, dialect, period bounds, filters, rules)."""
    t0, t1 = period_bounds(start, end)
    return _Ctx(engine, db.dialect_of(engine), start, end, t0, t1, filters, rules)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end+1 00:00)``: the half-open time range of inclusive days."""
    return datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day) + timedelta(
        days=1
    )


# --------------------------------------------------------------------------------------------
# Calls-based sources
# --------------------------------------------------------------------------------------------


class _CallFrom:
    """The FROM clause of a calls-based query, adding joins only when something needs them."""

    def __init__(self, base: Any, ctx: _Ctx) -> None:
        self.k = base  # calls or a derived table with the calls columns
        self.ctx = ctx
        self.a = schema.agents.alias("a")
        self.c = schema.campaigns.alias("c")
        self.joins: dict[str, tuple[Any, Any]] = {}

    def agents(self) -> Any:
        self.joins.setdefault("a", (self.a, self.a.c.agent_id == self.k.c.agent_id))
        return self.a

    def campaigns(self) -> Any:
        self.joins.setdefault("c", (self.c, self.c.c.campaign_id == self.k.c.campaign_id))
        return self.c

    def join(self, name: str, table: Any, on: Any) -> Any:
        """Join ``table`` once under ``name``; returns the table actually joined."""
        return self.joins.setdefault(name, (table, on))[0]

    def dim(self, name: str, time_col: Any | None = None) -> Any:
        """The dimension's expression, labelled ``d_<name>``."""
        return self.dim_expr(name, time_col).label(f"d_{name}")

    def dim_expr(self, name: str, time_col: Any | None = None) -> Any:
        d, k = self.ctx.dialect, self.k.c
        t = time_col if time_col is not None else k.started_at
        exprs = {
            "month": lambda: sql.month_key(d, t),
            "day": lambda: sql.day_key(d, t),
            "hour": lambda: sql.hour(d, t),
            "hour_start": lambda: sa.func.date_trunc("hour", t),  # DuckDB only: core.rollup's hourly cube
            "weekday": lambda: sql.weekday(d, t),
            "team": lambda: self.agents().c.team,
            "site": lambda: self.agents().c.site_id,
            "agent": lambda: k.agent_id,
            "campaign": lambda: k.campaign_id,
            "purpose": lambda: self.campaigns().c.purpose,
            "client": lambda: self.campaigns().c.client,
            "caller_number": lambda: k.caller_number,
            "callee_province": lambda: k.callee_province,
        }
        return exprs[name]()

    def where_filters(self) -> list[Any]:
        """The site / team / campaign filters as conditions on the calls (:func:`call_filter_conditions`)."""
        f = self.ctx.filters
        agents = self.agents() if f.sites or f.teams else None
        return call_filter_conditions(f, self.k, agents, self.ctx.t0, self.ctx.t1)

    def from_clause(self) -> Any:
        out = self.k
        for table, on in self.joins.values():
            out = out.outerjoin(table, on)
        return out


def call_filter_conditions(
    filters: Filters, calls: Any, agents: Any | None, t0: datetime, t1: datetime
) -> list[Any]:
    """The site / team / campaign filters as WHERE conditions on ``calls`` (the rule: module docstring).

    A call without an agent passes a site or team filter when agents of those sites or teams
    handled calls of its campaign in ``[t0, t1)``.

    Args:
        filters: the filters; empty ones add no condition.
        calls: the calls table, or a derived table with its ``agent_id`` and ``campaign_id`` columns.
        agents: the agents table as outer-joined to ``calls`` on ``agent_id`` by the caller; needed
            only under a site or team filter (None otherwise).
        t0: start of the period (inclusive) whose calls say which campaigns a site or team worked.
        t1: end of that period (exclusive).

    Returns:
        Conditions to AND into the query's WHERE clause (none without a filter).
    """
    conds = []
    if filters.sites or filters.teams:
        if agents is None:
            raise ValueError("a site or team filter needs the agents table joined to the calls")
        k2, a2 = schema.calls.alias("kf"), schema.agents.alias("af")
        mine, theirs = [], []
        if filters.sites:
            mine.append(agents.c.site_id.in_(filters.sites))
            theirs.append(a2.c.site_id.in_(filters.sites))
        if filters.teams:
            mine.append(agents.c.team.in_(filters.teams))
            theirs.append(a2.c.team.in_(filters.teams))
        worked = (
            sa.select(k2.c.campaign_id)
            .select_from(k2.join(a2, a2.c.agent_id == k2.c.agent_id))
            .where(k2.c.started_at >= t0, k2.c.started_at < t1, *theirs)
            .distinct()
        )
        conds.append(
            sa.or_(sa.and_(*mine), sa.and_(calls.c.agent_id.is_(None), calls.c.campaign_id.in_(worked)))
        )
    if filters.campaigns:
        conds.append(calls.c.campaign_id.in_(filters.campaigns))
    return conds


def _window_groups(ctx: _Ctx) -> dict[tuple[int, int], list[str]]:
    """The campaigns by their allowed window (start, end minutes of the day)."""
    groups: dict[tuple[int, int], list[str]] = {}
    for row in _small(ctx, "campaigns").iter_rows(named=True):
        w = ctx.rules.window_for(purpose=row["purpose"], industry=row["client_industry"])
        groups.setdefault(w, []).append(row["campaign_id"])
    return groups


def _windows_case(ctx: _Ctx, k: Any) -> tuple[Any, Any]:
    """(start, end) minute-of-day expressions of the allowed window of each call's campaign."""
    groups = _window_groups(ctx)
    default = ctx.rules.default_window
    special = [(w, ids) for w, ids in groups.items() if w != default]
    if not special:
        return sa.literal(default[0]), sa.literal(default[1])
    start = sa.case(*[(k.c.campaign_id.in_(ids), w[0]) for w, ids in special], else_=default[0])
    end = sa.case(*[(k.c.campaign_id.in_(ids), w[1]) for w, ids in special], else_=default[1])
    return start, end


def _coverage(ctx: _Ctx) -> tuple[str, ...] | None:
    """Provinces covered by the B24 licence(s); ``None`` means nationwide."""
    lic = _small(ctx, "licences")
    provinces: set[str] = set()
    for row in lic.iter_rows(named=True):
        if (row["business_code"] or "").upper() != "B24":
            continue
        for p in (row["coverage"] or "").replace(",", ",").split(","):
            if p.strip():
                provinces.add(p.strip())
    if "全国" in provinces:
        return None
    return tuple(sorted(provinces))


def _small(ctx: _Ctx, table: str) -> pl.DataFrame:
    """A small reference table, read whole once per computation."""
    key = f"table:{table}"
    if key not in ctx.cache:
        tbl = schema.metadata.tables[table]
        ctx.cache[key] = db.read_frame(ctx.db, sa.select(*tbl.columns))
    return ctx.cache[key]


#: Bases that count the calls meeting one condition: a query of only these can skip every other call.
_COUNT_CONDITIONS: dict[str, Any] = {
    "outside_hours_calls": lambda ctx, f: _outside_hours_cond(ctx, f),
}


def select_calls(
    ctx: _Ctx, dims: Sequence[str], bases: Sequence[str], *, matching_only: bool = False
) -> sa.Select[Any]:
    """Counts and sums over calls started in the period, grouped by ``dims``.

    ``matching_only`` (all ``bases`` in :data:`_COUNT_CONDITIONS`): group only the calls that
    some base counts; cells where every base is 0 are then absent (the rollup's cells stand in).
    """
    k = schema.calls
    f = _CallFrom(k, ctx)
    c = k.c
    out = c.direction == "out"
    inn = c.direction == "in"
    answered = c.disposition == "answered"
    effective = sa.and_(answered, c.talk_seconds >= 30, c.two_way_voice)
    human = sa.and_(c.agent_id.is_not(None), sa.func.coalesce(c.robot, sa.false()) == sa.false())
    exprs: dict[str, Any] = {
        "outbound_calls": lambda: sql.count_if(out),
        "inbound_calls": lambda: sql.count_if(inn),
        "connected_calls": lambda: sql.count_if(sa.and_(out, answered)),
        "effective_calls": lambda: sql.count_if(sa.and_(out, effective)),
        "talk_seconds_connected_out": lambda: sql.sum_if(c.talk_seconds, sa.and_(out, answered)),
        "inbound_answered": lambda: sql.count_if(sa.and_(inn, answered)),
        "inbound_abandoned": lambda: sql.count_if(sa.and_(inn, c.disposition == "abandoned")),
        "inbound_answered_20s": lambda: sql.count_if(sa.and_(inn, answered, c.ring_seconds <= 20)),
        "effective_human_talk_seconds": lambda: sql.sum_if(c.talk_seconds, sa.and_(effective, human)),
        "handle_seconds": lambda: sql.sum_if(
            sa.func.coalesce(c.talk_seconds, 0) + sa.func.coalesce(c.wrap_seconds, 0), human
        ),
        "robot_calls": lambda: sql.count_if(sa.and_(out, c.robot)),
        "human_calls": lambda: sql.count_if(human),  # for core.rollup (active agents)
        # for core.rollup (calls outside whole-hour windows): outbound calls by hour of day
        **{
            f"out_h{h:02d}": (
                lambda h=h: sql.count_if(sa.and_(out, sql.hour(ctx.dialect, c.started_at) == h))
            )
            for h in range(24)
        },
        "recorded_connected_calls": lambda: sql.count_if(sa.and_(out, answered, c.recorded)),
        "short_connected_calls": lambda: sql.count_if(sa.and_(out, answered, c.talk_seconds < 6)),
        "abandoned_outbound": lambda: sql.count_if(sa.and_(out, c.disposition == "abandoned")),
        "connected_all": lambda: sql.count_if(answered),
        "reviewed_connected_all": lambda: sql.count_if(sa.and_(answered, _reviewed(f) == 1)),
        "outside_hours_calls": lambda: _outside_hours(ctx, f),
        "blocked_region_calls": lambda: sql.count_if(
            sa.and_(out, c.callee_province.in_(ctx.rules.blocked_provinces))
        ),
        "out_of_coverage_calls": lambda: _out_of_coverage(ctx, f),
        "unregistered_number_calls": lambda: _unregistered(ctx, f),
        # Connected outbound calls of the purposes that must be recorded (rules: recording.purposes).
        "connected_recorded_purpose": lambda: sql.count_if(sa.and_(out, answered, _must_record(ctx, f))),
        "recorded_connected_purpose": lambda: sql.count_if(
            sa.and_(out, answered, c.recorded, _must_record(ctx, f))
        ),
    }
    dim_cols = [f.dim(d) for d in dims]
    aggs = [exprs[b]().label(b) for b in bases]
    query = sa.select(*dim_cols, *aggs).where(
        c.started_at >= ctx.t0, c.started_at < ctx.t1, *f.where_filters()
    )
    if matching_only:
        query = query.where(sa.or_(*[_COUNT_CONDITIONS[b](ctx, f) for b in bases]))
    query = query.select_from(f.from_clause())
    return query.group_by(*dim_cols) if dim_cols else query


def select_calls_rollup(ctx: _Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """:func:`select_calls` for the bases of :data:`core.rollup.CALL_BASES`, summed from the daily
    rollup, or from the hourly one for the hour (the same dimensions and filters)."""
    r = rollup.calls_daily if set(dims) <= rollup.DIMS else rollup.calls_hourly
    f = _CallFrom(r, ctx)
    dim_cols = [f.dim(d) for d in dims]

    def only(cond: Any, base: str) -> Any:
        return sa.func.sum(sa.case((cond, r.c[base]), else_=0))

    # Rule-dependent bases whose condition is a function of the cube's own columns (province, caller
    # number and day, campaign): sums of the matching rows' counts (daily cube only).
    derived = {
        "blocked_region_calls": lambda: only(
            r.c.callee_province.in_(ctx.rules.blocked_provinces), "outbound_calls"
        ),
        "out_of_coverage_calls": lambda: only(
            _out_of_coverage_cond(ctx, f, outbound=False), "outbound_calls"
        ),
        "unregistered_number_calls": lambda: only(
            _unregistered_cond(ctx, f, outbound=False), "outbound_calls"
        ),
        "connected_recorded_purpose": lambda: only(_must_record(ctx, f), "connected_calls"),
        "recorded_connected_purpose": lambda: only(_must_record(ctx, f), "recorded_connected_calls"),
    }
    if r is rollup.calls_daily:
        derived["outside_hours_calls"] = lambda: _outside_hours_rollup(ctx, r)
    aggs = [(derived[b]() if b in derived else sa.func.sum(r.c[b])).label(b) for b in bases]
    query = sa.select(*dim_cols, *aggs).where(
        r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1, *f.where_filters()
    )
    query = query.select_from(f.from_clause())
    return query.group_by(*dim_cols) if dim_cols else query


def _outside_hours_rollup(ctx: _Ctx, r: Any) -> Any:
    """Outbound calls outside their campaign's window, summed from the daily cube's hour columns
    (the caller checked every window starts and ends on a whole hour: core.rollup.daily_bases)."""

    def outside(window: tuple[int, int]) -> Any:
        start, end = window
        cols = [r.c[f"out_h{h:02d}"] for h in range(24) if (h + 1) * 60 <= start or h * 60 >= end]
        return sum(cols[1:], cols[0]) if cols else sa.literal(0)

    groups = _window_groups(ctx)
    default = ctx.rules.default_window
    special = [(w, ids) for w, ids in groups.items() if w != default]
    if not special:
        return sa.func.sum(outside(default))
    return sa.func.sum(
        sa.case(*[(r.c.campaign_id.in_(ids), outside(w)) for w, ids in special], else_=outside(default))
    )


def _customers_from_rollup(ctx: _Ctx, by: list[str], names: list[str]) -> pl.DataFrame | None:
    """Distinct customers from :data:`core.rollup.customer_months`, when the cut allows it."""
    span = rollup.whole_months(ctx.start, ctx.end)
    if span is None or not set(by) <= {"month"} or ctx.filters.key() != Filters().key():
        return None
    year, first, last = span
    row = db.read_frame(ctx.db, rollup.select_customers(year, first, last, bool(by))).row(0, named=True)
    if not by:
        return pl.DataFrame({n: [int(row[n] or 0)] for n in names})
    months = [m for m in range(first, last + 1) if (row[f"reached_{m:02d}"] or 0) > 0]
    keys = {"reached_customers": "reached", "effective_customers": "effective"}
    data: dict[str, list[Any]] = {"month": [f"{year}-{m:02d}" for m in months]}
    for n in names:
        data[n] = [int(row[f"{keys[n]}_{m:02d}"] or 0) for m in months]
    return pl.DataFrame(data, schema={"month": pl.String, **{n: pl.Int64 for n in names}})


def select_customers(ctx: _Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """Exact distinct customers reached (a connected outbound call) and reached effectively.

    Two levels: the connected outbound calls are first grouped by the dimensions and the
    customer, then the customers are counted per dimension value. This is the same number as
    ``COUNT(DISTINCT CASE WHEN … THEN callee_id END)`` and three to four times faster on
    DuckDB, whose distinct aggregates are not parallel; calls without a customer id count
    for no one.
    """
    k = schema.calls
    f = _CallFrom(k, ctx)
    c = k.c
    effective = sa.and_(c.talk_seconds >= 30, c.two_way_voice)
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
    exprs = {
        "reached_customers": lambda: sa.func.count(),
        "effective_customers": lambda: sa.func.coalesce(sa.func.sum(per_customer.c.eff), 0),
    }
    outer_dims = [per_customer.c[f"d_{d}"] for d in dims]
    query = sa.select(*outer_dims, *[exprs[b]().label(b) for b in bases]).select_from(per_customer)
    return query.group_by(*outer_dims) if outer_dims else query


def _must_record(ctx: _Ctx, f: _CallFrom) -> Any:
    return f.campaigns().c.purpose.in_(tuple(ctx.rules.get("recording.purposes")))


def _reviewed(f: _CallFrom) -> Any:
    r = sa.select(schema.qa_reviews.c.call_id, sa.literal(1).label("reviewed")).distinct().subquery("r")
    return f.join("r", r, r.c.call_id == f.k.c.call_id).c.reviewed


def _outside_hours_cond(ctx: _Ctx, f: _CallFrom) -> Any:
    c = f.k.c
    start, end = _windows_case(ctx, f.k)
    mod = sql.minute_of_day(ctx.dialect, c.started_at)
    return sa.and_(c.direction == "out", sa.or_(mod < start, mod >= end))


def _outside_hours(ctx: _Ctx, f: _CallFrom) -> Any:
    return sql.count_if(_outside_hours_cond(ctx, f))


def _out_of_coverage_cond(ctx: _Ctx, f: _CallFrom, *, outbound: bool = True) -> Any:
    c = f.k.c
    coverage = _coverage(ctx)
    if coverage is None:
        return sa.false()
    cond = c.callee_province.is_not(None)
    if coverage:
        cond = sa.and_(cond, c.callee_province.not_in(coverage))
    return sa.and_(c.direction == "out", cond) if outbound else cond


def _out_of_coverage(ctx: _Ctx, f: _CallFrom) -> Any:
    if _coverage(ctx) is None:
        # Nationwide licence: nothing is outside, but keep an aggregate so the query stays one row.
        return sql.count_if(sa.false())
    return sql.count_if(_out_of_coverage_cond(ctx, f))


def _unregistered_cond(ctx: _Ctx, f: _CallFrom, *, outbound: bool = True) -> Any:
    c = f.k.c
    n = schema.numbers.alias("n")
    n = f.join("n", n, n.c.number == c.caller_number)
    d = ctx.dialect
    day = sql.day_key(d, c.started_at)
    bad = sa.or_(
        n.c.number.is_(None),
        sa.func.coalesce(n.c.registered, sa.false()) == sa.false(),
        sa.and_(n.c.allocated_on.is_not(None), day < sql.day_key(d, n.c.allocated_on)),
        sa.and_(n.c.released_on.is_not(None), day > sql.day_key(d, n.c.released_on)),
    )
    return sa.and_(c.direction == "out", bad) if outbound else bad


def _unregistered(ctx: _Ctx, f: _CallFrom) -> Any:
    return sql.count_if(_unregistered_cond(ctx, f))


def _dnc_first() -> Any:
    """Each DNC customer's first entry (one row per customer: joining it multiplies no call)."""
    d = schema.dnc.c
    return (
        sa.select(d.callee_id, sa.func.min(d.added_at).label("first_added"))
        .group_by(d.callee_id)
        .subquery("dn")
    )


def _dnc_cond(f: _CallFrom) -> Any:
    c = f.k.c
    first = _dnc_first()
    first = f.join("dn", first, first.c.callee_id == c.callee_id)
    return sa.and_(c.direction == "out", first.c.first_added < c.started_at)


def select_dnc(
    ctx: _Ctx, dims: Sequence[str], bases: Sequence[str], *, stored: bool = False
) -> sa.Select[Any]:
    """Outbound calls to a customer whose first DNC entry was added before the call.

    An inner join to the (small) DNC list, apart from the other call counts: joined into their
    query, every call would carry the DNC columns through the grouping. ``stored``: summed from
    :data:`core.rollup.dnc_daily` instead (the caller checked it is current and cuts by its keys).
    """
    if stored:
        r = rollup.dnc_daily
        fr = _CallFrom(r, ctx)
        cols = [fr.dim(d) for d in dims]
        q = (
            sa.select(*cols, *[sa.func.sum(r.c.dnc_calls).label(b) for b in bases])
            .where(r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1, *fr.where_filters())
            .select_from(fr.from_clause())
        )
        return q.group_by(*cols) if cols else q
    k = schema.calls
    f = _CallFrom(k, ctx)
    c = k.c
    first = _dnc_first()
    dim_cols = [f.dim(d) for d in dims]
    conds = [c.started_at >= ctx.t0, c.started_at < ctx.t1, c.direction == "out", *f.where_filters()]
    query = (
        sa.select(*dim_cols, *[sa.func.count().label(b) for b in bases])
        .select_from(f.from_clause().join(first, first.c.callee_id == c.callee_id))
        .where(*conds, first.c.first_added < c.started_at)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def rule_condition(ctx: _Ctx, f: _CallFrom, rule_id: str) -> Any:
    """The per-call condition of a risk rule (for listing the calls behind a cell).

    Per-callee rules (over_cap, recall_after_abandon) need the windowed source instead: see
    :func:`per_callee_windowed`.
    """
    c = f.k.c
    out = c.direction == "out"
    if rule_id == "outside_hours":
        return _outside_hours_cond(ctx, f)
    if rule_id == "blocked_region":
        return sa.and_(out, c.callee_province.in_(ctx.rules.blocked_provinces))
    if rule_id == "out_of_coverage":
        return _out_of_coverage_cond(ctx, f)
    if rule_id == "unregistered_number":
        return _unregistered_cond(ctx, f)
    if rule_id == "dnc":
        return _dnc_cond(f)
    if rule_id == "abandon":
        return sa.and_(out, c.disposition == "abandoned")
    if rule_id == "recording":
        return sa.and_(
            out,
            c.disposition == "answered",
            _must_record(ctx, f),
            sa.func.coalesce(c.recorded, sa.false()) == sa.false(),
        )
    if rule_id == "marking":
        return out
    if rule_id in ("regulator_complaints", "complaint_reply"):
        p = schema.complaints
        cond = (
            p.c.channel.in_(tuple(ctx.rules.get("complaints.red_channels")))
            if rule_id == "regulator_complaints"
            else p.c.replied_at.is_(None)
        )
        return c.call_id.in_(sa.select(p.c.call_id).where(cond, p.c.call_id.is_not(None)))
    raise KeyError(f"no per-call condition for rule {rule_id!r}")


def _stored_windows(ctx: _Ctx) -> Any | None:
    """:func:`per_callee_windowed` from :data:`core.rollup.callee_windows`, when it is current and
    holds every call that can breach under ``ctx.rules`` (caps of at least one call, a re-call
    look-back of at most :data:`core.rollup.MAX_RECALL_HOURS`); else ``None``.

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


def windowed_calls(ctx: _Ctx, scope: list[Any], candidates: Any | None, *, since: bool = False) -> Any:
    """Outbound calls to known customers within ``scope`` (conditions on the calls) whose customer
    is in ``candidates`` (a subquery of ``callee_id``; ``None``: every customer), with the
    per-callee window counts ``n24`` and ``n5`` (calls to the customer in the preceding 24 h and
    5 minutes, counting this one; calls at the same second ordered by call_id) and either
    ``ab_before`` (abandoned calls to the customer in ``[t − recall_hours, t)``) or, with
    ``since``, ``since_abandon`` (seconds since the latest abandoned call to the customer that
    started at least a second earlier; null without one: the rule-free form :mod:`core.rollup`
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


def per_callee_windowed(ctx: _Ctx) -> Any:
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
    ctx: _Ctx, dims: Sequence[str], bases: Sequence[str], *, breaches_only: bool = False
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
    f = _CallFrom(windowed, ctx)
    w = windowed.c
    exprs = {
        "over_cap_calls": lambda: sql.count_if(
            sa.or_(w.n24 > ctx.rules.caps_per_24h, w.n5 > ctx.rules.caps_per_5min)
        ),
        "recall_after_abandon_72h": lambda: sql.count_if(w.ab_before > 0),
    }
    dim_cols = [f.dim(x) for x in dims]
    # The filters first: a site or team filter adds the agents join, which from_clause() must see
    # (built the other way round, the agents table was cross-joined: every call counted once per
    # agent of the filtered team; pinned in tests/core/test_metrics_defs.py).
    conds = [w.started_at >= ctx.t0, *f.where_filters()]
    if breaches_only:  # another source gives the cells; group only the calls that count
        conds.append(sa.or_(w.n24 > ctx.rules.caps_per_24h, w.n5 > ctx.rules.caps_per_5min, w.ab_before > 0))
    query = (
        sa.select(*dim_cols, *[exprs[b]().label(b) for b in bases]).select_from(f.from_clause()).where(*conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def select_per_callee_cells(ctx: _Ctx, dims: Sequence[str]) -> sa.Select[Any]:
    """The dimension values of the outbound calls :func:`select_per_callee` counts (every call
    to a known customer in the period, windowed or not)."""
    k = schema.calls
    f = _CallFrom(k, ctx)
    c = k.c
    dim_cols = [f.dim(x) for x in dims]
    conds = [c.started_at >= ctx.t0, c.started_at < ctx.t1, c.direction == "out", c.callee_id.is_not(None)]
    conds += f.where_filters()
    return sa.select(*dim_cols).select_from(f.from_clause()).where(*conds).group_by(*dim_cols)


# --------------------------------------------------------------------------------------------
# Agents: sessions, active agents, peak concurrency, roster, seats
# --------------------------------------------------------------------------------------------


def _campaign_agents(ctx: _Ctx) -> Any:
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


def _session_dim(ctx: _Ctx, name: str, s: Any, a: Any) -> Any:
    d = ctx.dialect
    exprs = {
        "month": lambda: sql.month_key(d, s.c.login_at),
        "day": lambda: sql.day_key(d, s.c.login_at),
        "team": lambda: a.c.team,
        "site": lambda: a.c.site_id,
        "agent": lambda: s.c.agent_id,
    }
    return exprs[name]().label(f"d_{name}")


def _agent_filters(ctx: _Ctx, agent_col: Any, a: Any) -> list[Any]:
    f = ctx.filters
    conds = []
    if f.sites:
        conds.append(a.c.site_id.in_(f.sites))
    if f.teams:
        conds.append(a.c.team.in_(f.teams))
    if f.campaigns:
        conds.append(agent_col.in_(_campaign_agents(ctx)))
    return conds


def select_sessions(ctx: _Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
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


def select_active(ctx: _Ctx, dims: Sequence[str], *, from_rollup: bool = False) -> sa.Select[Any]:
    """Distinct agents with a session or a human call in the period, and how many are outsourced.

    With ``from_rollup`` the human calls are read from :data:`core.rollup.calls_daily` (its rows
    with human calls), which only DuckDB has and whose dimensions exclude the hour.
    """
    k = schema.calls
    if from_rollup:
        k = rollup.calls_daily if set(dims) <= rollup.DIMS else rollup.calls_hourly
    f = _CallFrom(k, ctx)
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


def select_peak_pieces(ctx: _Ctx, groups: Sequence[str]) -> sa.Select[Any]:
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


def select_complaints(ctx: _Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """Complaints received in the period; call dimensions come from the call the complaint names."""
    p = schema.complaints
    k = schema.calls.alias("k")
    f = _CallFrom(k, ctx)
    red = tuple(ctx.rules.get("complaints.red_channels"))
    exprs = {
        "complaints": lambda: sa.func.count(),
        "regulator_complaints": lambda: sql.count_if(p.c.channel.in_(red)),
        "complaints_replied": lambda: sql.count_if(p.c.replied_at.is_not(None)),
    }
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
        sa.select(*dim_cols, *[exprs[b]().label(b) for b in bases])
        .select_from(frm)
        .where(p.c.received_at >= ctx.t0, p.c.received_at < ctx.t1, *conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query


def select_qa(ctx: _Ctx, dims: Sequence[str], bases: Sequence[str]) -> sa.Select[Any]:
    """QA reviews made in the period; call dimensions come from the reviewed call."""
    r = schema.qa_reviews
    k = schema.calls.alias("k")
    f = _CallFrom(k, ctx)
    exprs = {"qa_reviews": lambda: sa.func.count(), "qa_passed": lambda: sql.count_if(r.c.passed)}
    dim_cols = [f.dim(x, time_col=r.c.reviewed_at) for x in dims]
    conds = f.where_filters()
    frm = r.outerjoin(k, k.c.call_id == r.c.call_id)
    for table, on in f.joins.values():
        frm = frm.outerjoin(table, on)
    query = (
        sa.select(*dim_cols, *[exprs[b]().label(b) for b in bases])
        .select_from(frm)
        .where(r.c.reviewed_at >= ctx.t0, r.c.reviewed_at < ctx.t1, *conds)
    )
    return query.group_by(*dim_cols) if dim_cols else query


# --------------------------------------------------------------------------------------------
# Running and combining
# --------------------------------------------------------------------------------------------


def _buckets(ctx: _Ctx, dims: Sequence[str]) -> list[tuple[dict[str, Any], date, date]]:
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


def _seats_frame(ctx: _Ctx, dims: Sequence[str]) -> pl.DataFrame:
    sites = _small(ctx, "sites")
    seats = _small(ctx, "site_seats")
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


def _roster_frame(ctx: _Ctx, dims: Sequence[str]) -> pl.DataFrame:
    agents = _small(ctx, "agents")
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


def _peak_frame(ctx: _Ctx, dims: Sequence[str]) -> pl.DataFrame:
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
        if d in formats and frame.schema[d].is_temporal():  # DuckDB's month / day keys (sql.month_key)
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
    the database once). ``rolled``: whether :mod:`core.rollup`'s tables are current, when the caller
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


def _active_frame(ctx: _Ctx, dims: Sequence[str]) -> pl.DataFrame:
    """Active agents by ``dims``, read once per computation: with ``by=["month"]`` the active and
    agent-month sources ask for the very same query."""
    key = "active:" + ",".join(dims)
    if key not in ctx.cache:
        quick = ctx.rollup and (set(dims) <= rollup.DIMS or set(dims) <= rollup.HOURLY_DIMS)
        ctx.cache[key] = db.read_frame(ctx.db, select_active(ctx, dims, from_rollup=quick))
    return ctx.cache[key]


def _run_source(ctx: _Ctx, source: str, by: list[str], names: list[str]) -> pl.DataFrame:
    if source == "calls":
        rolled = []
        if ctx.rollup and set(by) <= rollup.DIMS:
            rolled = [n for n in names if n in rollup.daily_bases(ctx.rules)]
        elif ctx.rollup and set(by) <= rollup.HOURLY_DIMS:
            rolled = [n for n in names if n in rollup.CALL_BASES]
        rest = [n for n in names if n not in rolled]
        parts = [db.read_frame(ctx.db, select_calls_rollup(ctx, by, rolled))] if rolled else []
        if rest:
            narrow = (bool(parts) or ctx.cache.get("sparse", False)) and all(
                n in _COUNT_CONDITIONS for n in rest
            )
            parts.append(db.read_frame(ctx.db, select_calls(ctx, by, rest, matching_only=narrow)))
        frame = _merge([_conform_dims(part, by) for part in parts], by)
    elif source == "customers":
        quick = _customers_from_rollup(ctx, by, names) if ctx.rollup else None
        if quick is not None:
            return quick.select(*by, *names)
        frame = db.read_frame(ctx.db, select_customers(ctx, by, names))
    elif source == "dnc":
        stored = (
            ctx.rollup and set(by) <= rollup.DIMS and ctx.conn is not None and rollup.dnc_current(ctx.conn)
        )
        frame = db.read_frame(ctx.db, select_dnc(ctx, by, names, stored=bool(stored)))
    elif source == "percallee":
        cells_elsewhere = "calls" in ctx.cache.get("sources", ()) or ctx.cache.get("sparse", False)
        frame = db.read_frame(ctx.db, select_per_callee(ctx, by, names, breaches_only=cells_elsewhere))
        if by and not cells_elsewhere:
            # Only customers who can breach a rule are windowed (per_callee_windowed); the cells of
            # everyone else's calls still exist, with zero breaches.
            cells = _conform_dims(db.read_frame(ctx.db, select_per_callee_cells(ctx, by)), by)
            frame = cells.join(_conform_dims(frame, by), on=by, how="left", nulls_equal=True)
    elif source == "sessions":
        frame = db.read_frame(ctx.db, select_sessions(ctx, by, names))
    elif source == "active":
        frame = _active_frame(ctx, by)
    elif source == "agent_months":
        dims = by if "month" in by else [*by, "month"]
        monthly = _conform_dims(_active_frame(ctx, dims), dims)
        if by:
            frame = monthly.group_by(by).agg(pl.col("active_agents").sum().alias("agent_months"))
        else:
            frame = pl.DataFrame({"agent_months": [int(monthly["active_agents"].sum() or 0)]})
        return _conform_dims(frame, by).select(*by, *names)
    elif source == "peak":
        return _peak_frame(ctx, by).select(*by, *names)
    elif source == "seats":
        return _seats_frame(ctx, by).select(*by, *names)
    elif source == "roster":
        return _roster_frame(ctx, by).select(*by, *names)
    elif source == "complaints":
        frame = db.read_frame(ctx.db, select_complaints(ctx, by, names))
    elif source == "qa":
        frame = db.read_frame(ctx.db, select_qa(ctx, by, names))
    else:  # pragma: no cover - BASE_SOURCE and this switch are kept in step by a test
        raise KeyError(source)
    frame = _conform_dims(frame, by)
    keep = [*by, *[n for n in names if n in frame.columns]]
    return frame.select(keep)


#: Public name of the FROM-clause builder, for modules that list calls behind a figure.
CallFrom = _CallFrom
