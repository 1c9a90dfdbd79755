"""Page data of the overview (home) page: the headline figures of a period and the one before.

Every figure is aggregated in the database with SQLAlchemy Core (``SUM(CASE …)``, ``COUNT``,
``COUNT(DISTINCT …)``); no call row reaches Python. The SQL is portable: times are compared with
``started_at >= start`` and ``started_at < day after end``, never with date functions, so the same
statements run on DuckDB, SQLite, PostgreSQL, MariaDB and ClickHouse.

Definitions follow DOMAIN.md §5 exactly. The metric registry of issue 3 will replace the small
set of expressions here; the keys are already the registry's keys.

Tiny example (the unit tests use a table like this)::

    direction  disposition  talk  two_way  → outbound_calls 3, connected_calls 2,
    out        answered     30    true        effective_calls 1 (the 29 s call is not effective),
    out        answered     29    true        connect_rate 2/3, effective_rate 1/3
    out        no_answer    0     false
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from core.schema import agent_sessions, agents, calls, campaigns, complaints, sites

#: An effective call lasts at least this long (DOMAIN.md §5; the regulator's definition).
EFFECTIVE_MIN_TALK_SECONDS = 30


@dataclass(frozen=True)
class Filters:
    """The shared dimension filters (sidebar: site, team, campaign); empty tuple = no filter.

    Site and team restrict calls to those made or taken by agents of the chosen sites and teams
    (robot calls without an agent drop out); campaign restricts calls by ``campaign_id``.
    """

    sites: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.sites or self.teams or self.campaigns)


@dataclass(frozen=True)
class Headline:
    """One headline figure: its metric key, format codes, and which direction is good."""

    key: str
    fmt: str  # format code of core.i18n.fmt for the value
    delta_fmt: str  # format code for the change against the previous period
    higher_is_better: bool | None  # None: neither direction is good or bad (volumes)
    relative_delta: bool  # True: change shown as a relative % ; False: as a difference


#: The overview's KPI cards, in display order.
HEADLINES: tuple[Headline, ...] = (
    Headline("outbound_calls", "wan", "pct1", None, True),
    Headline("connect_rate", "pct1", "pp1", True, False),
    Headline("effective_rate", "pct1", "pp1", True, False),
    Headline("inbound_calls", "wan", "pct1", None, True),
    Headline("inbound_answer_rate", "pct1", "pp1", True, False),
    Headline("complaints", "num0", "pct1", False, True),
    Headline("active_agents", "num0", "pct1", None, True),
)


@dataclass(frozen=True)
class HomeFigures:
    """The headline figures of one period (DOMAIN.md §5 keys; rates are fractions or None)."""

    outbound_calls: int
    inbound_calls: int
    connected_calls: int
    effective_calls: int
    inbound_answered: int
    complaints: int
    active_agents: int
    connect_rate: float | None
    effective_rate: float | None
    inbound_answer_rate: float | None

    @property
    def total_calls(self) -> int:
        """Outbound plus inbound calls."""
        return self.outbound_calls + self.inbound_calls

    def value(self, key: str) -> float | int | None:
        """The figure named by a metric key."""
        return getattr(self, key)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HomeData:
    """Everything the overview page shows, computed for one period and the period before it."""

    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    whole_month: bool  # the period is exactly one calendar month
    filters: Filters
    current: HomeFigures
    previous: HomeFigures
    headlines: tuple[Headline, ...] = field(default=HEADLINES)

    def delta(self, key: str) -> float | None:
        """Change of ``key`` against the previous period, as the headline shows it.

        Rates: the difference (in fractions; shown in percentage points). Counts: the relative
        change ``current / previous − 1``; None when the previous value is zero or missing.
        """
        spec = next((h for h in self.headlines if h.key == key), None)
        cur = self.current.value(key)
        prev = self.previous.value(key)
        if cur is None or prev is None:
            return None
        if spec is not None and spec.relative_delta:
            return None if prev == 0 else cur / prev - 1
        return float(cur - prev)


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar filters offer: ``(id, label)`` pairs, sorted by label."""

    sites: tuple[tuple[str, str], ...]
    teams: tuple[tuple[str, str], ...]
    campaigns: tuple[tuple[str, str], ...]


# ----------------------------------------------------------------------------------------------
# Periods
# ----------------------------------------------------------------------------------------------


def month_bounds(day: date) -> tuple[date, date]:
    """First and last day of the calendar month containing ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def is_whole_months(start: date, end: date) -> bool:
    """Whether ``start..end`` begins on a 1st and ends on a month's last day."""
    return start.day == 1 and end == month_bounds(end)[1] and start <= end


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before ``start..end`` (both inclusive).

    Whole calendar months map to the same number of months before (March–May → December–
    February); any other range maps to the same number of days just before it.
    """
    if is_whole_months(start, end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_end = start - timedelta(days=1)
        y, m = prev_end.year, prev_end.month - (months - 1)
        while m < 1:
            m += 12
            y -= 1
        return date(y, m, 1), prev_end
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Datetime bounds ``[start 00:00, day after end 00:00)`` for half-open comparisons."""
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


def latest_call_day(engine: Engine) -> date | None:
    """The day of the latest call in the database (``MAX(started_at)``), or None without calls."""
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(calls.c.started_at))).scalar_one()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite through a text() path, or a driver without types
        latest = datetime.fromisoformat(latest)
    return latest.date() if isinstance(latest, datetime) else latest  # type: ignore[no-any-return]


def last_complete_month(engine: Engine, today: date) -> tuple[date, date]:
    """The last calendar month that ends on or before the latest call day.

    If the latest call falls on the last day of a month, that month counts as complete. A
    database without calls falls back to ``today`` in the same rule (the month before today,
    or this month if today is its last day).

    Args:
        engine: the database.
        today: the reference day used only when there are no calls.

    Returns:
        ``(first day, last day)`` of that month.
    """
    ref = latest_call_day(engine) or today
    first, last = month_bounds(ref)
    if ref == last:
        return first, last
    return month_bounds(first - timedelta(days=1))


# ----------------------------------------------------------------------------------------------
# SQL
# ----------------------------------------------------------------------------------------------


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    """``COALESCE(SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0)``: portable conditional count."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _agent_conditions(column: sa.ColumnElement[Any], filters: Filters) -> list[sa.ColumnElement[bool]]:
    """``column IN (agents of the chosen sites and teams)``, or nothing without those filters."""
    if not (filters.sites or filters.teams):
        return []
    chosen = sa.select(agents.c.agent_id)
    if filters.sites:
        chosen = chosen.where(agents.c.site_id.in_(filters.sites))
    if filters.teams:
        chosen = chosen.where(agents.c.team.in_(filters.teams))
    return [column.in_(chosen)]


def call_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions restricting ``calls`` to the site, team and campaign filters."""
    conds = _agent_conditions(calls.c.agent_id, filters)
    if filters.campaigns:
        conds.append(calls.c.campaign_id.in_(filters.campaigns))
    return conds


def select_call_counts(start: date, end: date, filters: Filters) -> sa.Select[Any]:
    """One row: outbound, inbound, connected, effective and inbound-answered calls of a period."""
    lo, hi = _bounds(start, end)
    out = calls.c.direction == "out"
    answered = calls.c.disposition == "answered"
    effective = sa.and_(
        out,
        answered,
        calls.c.talk_seconds >= EFFECTIVE_MIN_TALK_SECONDS,
        calls.c.two_way_voice == sa.true(),
    )
    return sa.select(
        _count_if(out).label("outbound_calls"),
        _count_if(calls.c.direction == "in").label("inbound_calls"),
        _count_if(sa.and_(out, answered)).label("connected_calls"),
        _count_if(effective).label("effective_calls"),
        _count_if(sa.and_(calls.c.direction == "in", answered)).label("inbound_answered"),
    ).where(calls.c.started_at >= lo, calls.c.started_at < hi, *call_conditions(filters))


def select_complaints(start: date, end: date, filters: Filters) -> sa.Select[Any]:
    """Complaints received in the period.

    With a site, team or campaign filter, only complaints linked (``call_id``) to a call that
    matches the filter count; the call itself may fall in another period (a complaint often
    arrives days after the call).
    """
    lo, hi = _bounds(start, end)
    query = (
        sa.select(sa.func.count())
        .select_from(complaints)
        .where(complaints.c.received_at >= lo, complaints.c.received_at < hi)
    )
    conds = call_conditions(filters)
    if conds:
        query = query.where(complaints.c.call_id.in_(sa.select(calls.c.call_id).where(*conds)))
    return query


def select_active_agents(start: date, end: date, filters: Filters) -> sa.Select[Any]:
    """Distinct agents with a session starting in the period or a human call in it.

    A human call has an agent and ``robot`` false (a null robot flag counts as human). Sessions
    carry no campaign, so under a campaign filter only the agents' calls count. ``UNION ALL`` then
    ``COUNT(DISTINCT …)`` rather than ``UNION``: ClickHouse rejects a bare ``UNION``.
    """
    lo, hi = _bounds(start, end)
    human = sa.and_(
        calls.c.agent_id.is_not(None),
        sa.or_(calls.c.robot == sa.false(), calls.c.robot.is_(None)),
    )
    parts: list[sa.Select[Any]] = [
        sa.select(calls.c.agent_id.label("agent_id")).where(
            calls.c.started_at >= lo, calls.c.started_at < hi, human, *call_conditions(filters)
        )
    ]
    if not filters.campaigns:
        parts.append(
            sa.select(agent_sessions.c.agent_id.label("agent_id")).where(
                agent_sessions.c.login_at >= lo,
                agent_sessions.c.login_at < hi,
                *_agent_conditions(agent_sessions.c.agent_id, filters),
            )
        )
    both = sa.union_all(*parts).subquery("active")
    return sa.select(sa.func.count(sa.distinct(both.c.agent_id)))


def _ratio(numerator: int, denominator: int) -> float | None:
    """Null-safe division: None when the denominator is zero (DOMAIN.md §5)."""
    return None if denominator == 0 else numerator / denominator


def _figures(conn: Connection, start: date, end: date, filters: Filters) -> HomeFigures:
    row = conn.execute(select_call_counts(start, end, filters)).mappings().one()
    counts = {k: int(v or 0) for k, v in row.items()}
    n_complaints = int(conn.execute(select_complaints(start, end, filters)).scalar_one() or 0)
    n_agents = int(conn.execute(select_active_agents(start, end, filters)).scalar_one() or 0)
    return HomeFigures(
        outbound_calls=counts["outbound_calls"],
        inbound_calls=counts["inbound_calls"],
        connected_calls=counts["connected_calls"],
        effective_calls=counts["effective_calls"],
        inbound_answered=counts["inbound_answered"],
        complaints=n_complaints,
        active_agents=n_agents,
        connect_rate=_ratio(counts["connected_calls"], counts["outbound_calls"]),
        effective_rate=_ratio(counts["effective_calls"], counts["outbound_calls"]),
        inbound_answer_rate=_ratio(counts["inbound_answered"], counts["inbound_calls"]),
    )


def build_home(
    engine: Engine, month_start: date, month_end: date, filters: Filters | None = None
) -> HomeData:
    """Headline figures of a period and of the period before it, for the overview page.

    Args:
        engine: the database (the schema must be present).
        month_start: first day of the period (usually the 1st of the last complete month).
        month_end: last day of the period, inclusive. Any range works; see
            :func:`previous_period` for what "previous" means then.
        filters: site, team and campaign filters (None: no filter).

    Returns:
        :class:`HomeData`; counts are integers, rates fractions in 0..1 or None when their
        denominator is zero.
    """
    filters = filters or Filters()
    if month_end < month_start:
        month_start, month_end = month_end, month_start
    prev_start, prev_end = previous_period(month_start, month_end)
    with engine.connect() as conn:
        current = _figures(conn, month_start, month_end, filters)
        previous = _figures(conn, prev_start, prev_end, filters)
    whole_month = month_start == month_bounds(month_start)[0] and month_end == month_bounds(month_start)[1]
    return HomeData(
        period_start=month_start,
        period_end=month_end,
        previous_start=prev_start,
        previous_end=prev_end,
        whole_month=whole_month,
        filters=filters,
        current=current,
        previous=previous,
    )


def _pairs(rows: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    pairs = {
        (str(r[0]), str(r[1]) if r[1] not in (None, "") else str(r[0])) for r in rows if r[0] is not None
    }
    return tuple(sorted(pairs, key=lambda p: (p[1], p[0])))


def build_filter_options(engine: Engine) -> FilterOptions:
    """The choices of the sidebar filters: sites, teams and campaigns in the database.

    Sites are labelled ``name(province)``, campaigns ``name``; teams are their own label.
    """
    with engine.connect() as conn:
        site_rows = conn.execute(sa.select(sites.c.site_id, sites.c.name, sites.c.province)).all()
        team_rows = conn.execute(
            sa.select(agents.c.team).where(agents.c.team.is_not(None)).group_by(agents.c.team)
        ).all()
        campaign_rows = conn.execute(sa.select(campaigns.c.campaign_id, campaigns.c.name)).all()
    site_pairs = _pairs([(r[0], f"{r[1]}({r[2]})" if r[1] and r[2] else (r[1] or r[0])) for r in site_rows])
    return FilterOptions(
        sites=site_pairs,
        teams=_pairs([(r[0], r[0]) for r in team_rows]),
        campaigns=_pairs(campaign_rows),
    )
