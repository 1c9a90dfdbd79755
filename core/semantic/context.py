"""The context every query builder shares: dimensions, filters, the period, the rules, the FROM clause.

:class:`Ctx` carries the engine (or the computation's open connection), the dialect, the period as
inclusive days and as a half-open time range, the sidebar filters and the rules in force.
:class:`CallFrom` builds the FROM clause of a query on calls (or on a table shaped like them: the
call cubes of :mod:`core.semantic.rollup`, the per-customer windows), adding each join once and only when a
dimension, a filter or a base's predicate needs it; every join goes to a table keyed by the join
column, so no join can multiply calls (the fan-out trap).

The filters (DOMAIN terms): a site or team filter keeps the calls handled by an agent of those
sites or teams; a call without an agent (a dialer drop, an inbound call abandoned in the queue)
belongs to the teams that work its campaign in the period, and a robot campaign, which no agent
works, to no team. A campaign filter keeps the calls of those campaigns. Agent-level figures
(sessions, roster, seats) follow the agent's own site and team. Modules that build their own
queries on the calls (staffing, the drill-down lists) apply the same rule through
:func:`call_filter_conditions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema, sql
from core.infra.rules import Rules

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
class Ctx:
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
    rollup: bool = False  # core.semantic.rollup's tables are current and may answer (see compute_bases)

    @property
    def db(self) -> Engine | sa.Connection:
        """What queries run on: the computation's open connection, else the engine."""
        return self.conn if self.conn is not None else self.engine


def make_ctx(engine: Engine, start: date, end: date, filters: Filters, rules: Rules) -> Ctx:
    """The context the query builders share (engine, dialect, period bounds, filters, rules)."""
    t0, t1 = period_bounds(start, end)
    return Ctx(engine, db.dialect_of(engine), start, end, t0, t1, filters, rules)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end+1 00:00)``: the half-open time range of inclusive days."""
    return datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day) + timedelta(
        days=1
    )


class CallFrom:
    """The FROM clause of a calls-based query, adding joins only when something needs them."""

    def __init__(self, base: Any, ctx: Ctx) -> None:
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
        exprs: dict[str, Callable[[], Any]] = {
            "month": lambda: sql.month_key(d, t),
            "day": lambda: sql.day_key(d, t),
            "hour": lambda: sql.hour(d, t),
            "hour_start": lambda: sql.hour_start(d, t),  # core.semantic.rollup's hourly cube
            "month_start": lambda: sql.month_start(d, t),  # core.semantic.rollup's monthly cube
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


def window_groups(ctx: Ctx) -> dict[tuple[int, int], list[str]]:
    """The campaigns by their allowed window (start, end minutes of the day)."""
    groups: dict[tuple[int, int], list[str]] = {}
    for row in small(ctx, "campaigns").iter_rows(named=True):
        w = ctx.rules.window_for(purpose=row["purpose"], industry=row["client_industry"])
        groups.setdefault(w, []).append(row["campaign_id"])
    return groups


def windows_case(ctx: Ctx, k: Any) -> tuple[Any, Any]:
    """(start, end) minute-of-day expressions of the allowed window of each call's campaign."""
    groups = window_groups(ctx)
    default = ctx.rules.default_window
    special = [(w, ids) for w, ids in groups.items() if w != default]
    if not special:
        return sa.literal(default[0]), sa.literal(default[1])
    start = sa.case(*[(k.c.campaign_id.in_(ids), w[0]) for w, ids in special], else_=default[0])
    end = sa.case(*[(k.c.campaign_id.in_(ids), w[1]) for w, ids in special], else_=default[1])
    return start, end


def coverage(ctx: Ctx) -> tuple[str, ...] | None:
    """Provinces covered by the B24 licence(s); ``None`` means nationwide."""
    lic = small(ctx, "licences")
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


def small(ctx: Ctx, table: str) -> pl.DataFrame:
    """A small reference table, read whole once per computation."""
    key = f"table:{table}"
    if key not in ctx.cache:
        tbl = schema.metadata.tables[table]
        ctx.cache[key] = db.read_frame(ctx.db, sa.select(*tbl.columns))
    frame: pl.DataFrame = ctx.cache[key]
    return frame
