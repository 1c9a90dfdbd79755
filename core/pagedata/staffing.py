"""Inbound staffing (排班缺口): Erlang C per half-hour interval against the agents actually logged in.

For every day and half-hour slot of a period, the offered inbound calls and their average handle
time give the traffic in Erlangs; Erlang C gives the fewest agents that would have met a
service-level target (default 80 % of calls answered within 20 s); the agents actually logged in
during the slot, set against that number, say whether the slot was understaffed, balanced or
overstaffed.

Why our own Erlang C rather than a package: the maintained candidates on PyPI do not fit.
``pyworkforce`` (MIT, maintained) brings pandas, OR-Tools and joblib into ``core/`` for a 20-line
formula (and the house style keeps pandas out of ``core/``); ``erlangccmath`` sends every
calculation to a remote web service (no offline use, and the data would leave the company);
``erlanglib`` (last release 2023) uses 1000-digit ``Decimal`` factorials. The formulas below are
the textbook ones, computed through the Erlang B recursion so that they stay exact in floating
point for hundreds of agents, and ``tests/core/test_staffing.py`` checks them against published
worked examples and an exact rational evaluation of the factorial formula.

The model (M/M/N, no abandonment, no retrials), with ``A`` the traffic in Erlangs, ``N`` agents,
``AHT`` the average handle time and ``T`` the answer-time target, both in seconds:

* Erlang B by recursion: ``B(0) = 1``, ``B(n) = A·B(n−1) / (n + A·B(n−1))``;
* probability of waiting: ``C(N, A) = N·B / (N − A·(1 − B))`` for ``N > A``, 1 otherwise;
* service level: ``SL = 1 − C·exp(−(N − A)·T / AHT)``;
* average speed of answer: ``ASA = C·AHT / (N − A)``.

Where the numbers come from (all aggregated in the database, never raw calls in Python):

* :func:`select_inbound_intervals` counts per day and slot, by the call's ``started_at``: offered
  (every inbound call), answered, answered within the target (``ring_seconds <= target``, as the
  ``service_level_20s`` metric) and handle seconds (``talk_seconds + wrap_seconds`` of answered
  calls). The site, team and campaign filters follow the rule of every call metric (module
  docstring of :mod:`core.semantic.cubes`): a call abandoned in the queue, which has no agent, is offered
  to the sites and teams whose agents answered calls of its campaign in the period.
* :func:`select_session_spans` returns, per closed session overlapping the period, the agent and
  its login and logout as epoch seconds (the sessions table is small: one row per agent and shift);
  :func:`compute_logged_in` splits those spans at half-hour boundaries in polars and sums the
  overlap: ``logged_in_agents = overlap seconds / 1800``, the mean number of agents logged in during
  the slot. A session from 09:15 to 10:00 gives 0.5 for 09:00–09:30 and 1.0 for 09:30–10:00. Open
  sessions (no logout) are left out; breaks (``break_seconds``) are not subtracted, because when they
  were taken is not recorded, so the figure is gross of breaks.

The staffing status rule (``tolerance`` in agents, default 1; ``over_share`` default 0.25), with
``gap = logged_in_agents − required_agents``:

* ``understaffed`` when ``gap < −tolerance``;
* ``overstaffed`` when ``gap > max(tolerance, over_share × required_agents)``, and always when the
  slot had no offered call but agents were logged in (``required_agents = 0``);
* ``balanced`` otherwise. Slots with neither calls nor agents are omitted.

The overstaffing slack grows with the interval because Erlang C requirements are whole agents and
schedules come in blocks: one spare agent on 40 required is normal, three spare on 2 required is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema, sql
from core.semantic.cubes import Filters, call_filter_conditions, period_bounds

#: Length of a staffing interval, in seconds.
INTERVAL_SECONDS = 1800
#: Length of a staffing interval, in minutes.
INTERVAL_MINUTES = INTERVAL_SECONDS // 60
_EPOCH0 = datetime(1970, 1, 1)

Pool = Literal["inbound", "all"]
STATUSES: tuple[str, ...] = ("understaffed", "balanced", "overstaffed")


# --------------------------------------------------------------------------------------------
# Erlang C
# --------------------------------------------------------------------------------------------


def _check(agents: int, traffic_erlangs: float) -> None:
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    if traffic_erlangs < 0 or math.isnan(traffic_erlangs):
        raise ValueError(f"traffic must be >= 0 Erlangs, got {traffic_erlangs}")


def erlang_b(agents: int, traffic_erlangs: float) -> float:
    """Erlang B blocking probability of ``agents`` servers offered ``traffic_erlangs``.

    Computed by the recursion ``B(n) = A·B(n−1) / (n + A·B(n−1))`` from ``B(0) = 1``, which needs
    no factorial and no power and is stable for any number of agents.

    >>> round(erlang_b(2, 1.0), 4)
    0.2
    """
    _check(agents, traffic_erlangs)
    b = 1.0
    for n in range(1, agents + 1):
        ab = traffic_erlangs * b
        b = ab / (n + ab)
    return b


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(agents: int, traffic_erlangs: float) -> float:
    """Erlang C: the probability that a call has to wait, with ``agents`` agents and ``traffic_erlangs``.

    With no traffic nobody waits (0.0); with ``agents <= traffic`` the queue grows without bound
    and every call waits (1.0).

    Args:
        agents: agents answering calls (whole number, >= 0).
        traffic_erlangs: offered traffic ``A = calls × AHT / interval`` (>= 0).

    >>> round(erlang_c(12, 10.0), 4)
    0.4494
    """
    _check(agents, traffic_erlangs)
    if traffic_erlangs == 0:
        return 0.0
    if agents <= traffic_erlangs:
        return 1.0
    return _c_from_b(agents, traffic_erlangs, erlang_b(agents, traffic_erlangs))


def _sl_from_c(c: float, agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    value = 1.0 - c * math.exp(-(agents - traffic) * target_seconds / aht_seconds)
    return min(1.0, max(0.0, value))


def service_level(agents: int, traffic_erlangs: float, aht_seconds: float, target_seconds: float) -> float:
    """Share of calls answered within ``target_seconds``: ``1 − C·exp(−(N − A)·T / AHT)``.

    1.0 with no traffic; 0.0 when ``agents <= traffic`` (the queue never clears).

    Args:
        agents: agents answering calls.
        traffic_erlangs: offered traffic in Erlangs.
        aht_seconds: average handle time (talk + wrap) in seconds, > 0.
        target_seconds: the answer-time target in seconds, >= 0.

    >>> round(service_level(14, 10.0, 180, 20), 4)
    0.8884
    """
    _check(agents, traffic_erlangs)
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds}")
    if traffic_erlangs == 0:
        return 1.0
    if agents <= traffic_erlangs:
        return 0.0
    return _sl_from_c(erlang_c(agents, traffic_erlangs), agents, traffic_erlangs, aht_seconds, target_seconds)


def average_speed_of_answer(agents: int, traffic_erlangs: float, aht_seconds: float) -> float:
    """Mean wait before answer over all calls, in seconds: ``C·AHT / (N − A)``.

    0.0 with no traffic; ``math.inf`` when ``agents <= traffic``.

    >>> round(average_speed_of_answer(12, 10.0, 180), 2)
    40.44
    """
    _check(agents, traffic_erlangs)
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds}")
    if traffic_erlangs == 0:
        return 0.0
    if agents <= traffic_erlangs:
        return math.inf
    return erlang_c(agents, traffic_erlangs) * aht_seconds / (agents - traffic_erlangs)


def agents_required(
    traffic_erlangs: float,
    aht_seconds: float,
    target_seconds: float = 20,
    target_level: float = 0.8,
    max_occupancy: float | None = None,
) -> int:
    """The fewest agents whose Erlang C service level reaches ``target_level``.

    Also at least ``traffic / max_occupancy`` agents when ``max_occupancy`` is given (occupancy
    ``A / N`` at most that share). No traffic needs no agent (0). Shrinkage (breaks, training) is
    not added: the result is agents answering calls, comparable with agents logged in.

    Args:
        traffic_erlangs: offered traffic in Erlangs (>= 0).
        aht_seconds: average handle time in seconds (> 0).
        target_seconds: answer-time target in seconds (default 20).
        target_level: share of calls to answer within the target, in [0, 1) (default 0.8).
        max_occupancy: optional cap on occupancy, in (0, 1].

    >>> agents_required(10.0, 180)
    14
    """
    _check(0, traffic_erlangs)
    if aht_seconds <= 0:
        raise ValueError(f"aht_seconds must be > 0, got {aht_seconds}")
    if not 0 <= target_level < 1:
        # 100 % is never reached by the exponential tail: the search would not end.
        raise ValueError(f"target_level must be in [0, 1), got {target_level}")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy}")
    if traffic_erlangs == 0:
        return 0
    # One pass of the Erlang B recursion: B(n) from B(n−1), so the search costs O(N), not O(N²).
    b = 1.0
    n = 0
    while True:
        n += 1
        ab = traffic_erlangs * b
        b = ab / (n + ab)
        if n <= traffic_erlangs:
            continue
        if max_occupancy is not None and traffic_erlangs / n > max_occupancy:
            continue
        c = _c_from_b(n, traffic_erlangs, b)
        if _sl_from_c(c, n, traffic_erlangs, aht_seconds, target_seconds) >= target_level:
            return n


# --------------------------------------------------------------------------------------------
# Query builders
# --------------------------------------------------------------------------------------------


def _slot_minute(dialect: str, col: Any) -> Any:
    """Minute of day at which the call's half-hour slot starts (0, 30, …, 1410).

    ``m − m % 30`` stays an integer on every engine, where ``m / 30`` would be float division on
    DuckDB, ClickHouse and MySQL. The same expression object goes to SELECT and GROUP BY, so its
    bound literals are the same parameters (PostgreSQL requires identical expressions).
    """
    m = sql.minute_of_day(dialect, col)
    return m - m % INTERVAL_MINUTES


def _agent_conditions(filters: Filters, a: Any) -> list[Any]:
    """Sessions follow their agent's own site and team (as :mod:`core.semantic.cubes` does for sessions)."""
    conds = []
    if filters.sites:
        conds.append(a.c.site_id.in_(filters.sites))
    if filters.teams:
        conds.append(a.c.team.in_(filters.teams))
    return conds


def select_inbound_intervals(
    dialect: str,
    start: date,
    end: date,
    *,
    filters: Filters | None = None,
    target_seconds: int = 20,
) -> sa.Select[Any]:
    """Inbound calls per day and half-hour slot of ``[start, end]``, aggregated in the database.

    Columns: ``day`` (``'YYYY-MM-DD'``), ``slot_minute`` (minute of day the slot starts),
    ``offered`` (inbound calls started in the slot), ``answered``, ``answered_in_target``
    (answered with ``ring_seconds <= target_seconds``) and ``handle_seconds`` (talk + wrap of the
    answered calls). Only slots with at least one inbound call appear.

    Filters: the rule of every call metric (:func:`core.semantic.cubes.call_filter_conditions`). A call
    abandoned in the queue has no agent; it belongs to the teams that work its campaign, so under
    a site or team filter it is offered to that site or team when its agents answered calls of the
    same campaign in the period.
    """
    filters = filters or Filters()
    t0, t1 = period_bounds(start, end)
    k = schema.calls
    c = k.c
    answered = c.disposition == "answered"
    handle = sa.func.coalesce(c.talk_seconds, 0) + sa.func.coalesce(c.wrap_seconds, 0)
    day_col = sql.day(dialect, c.started_at).label("day")
    slot_col = _slot_minute(dialect, c.started_at).label("slot_minute")
    a = schema.agents.alias("a")  # joined only under a site or team filter
    frm: Any = k.outerjoin(a, a.c.agent_id == c.agent_id) if filters.sites or filters.teams else k
    conds = [
        c.direction == "in",
        c.started_at >= t0,
        c.started_at < t1,
        *call_filter_conditions(filters, k, a, t0, t1),
    ]
    return (
        sa.select(
            day_col,
            slot_col,
            sa.func.count().label("offered"),
            sql.count_if(answered).label("answered"),
            sql.count_if(sa.and_(answered, c.ring_seconds <= target_seconds)).label("answered_in_target"),
            sql.sum_if(handle, answered).label("handle_seconds"),
        )
        .select_from(frm)
        .where(*conds)
        .group_by(day_col, slot_col)
    )


def _inbound_agents(start: date, end: date, filters: Filters, *, answered_only: bool) -> sa.Select[Any]:
    """Distinct agents with a call in the period (inbound answered ones, or any of the filtered campaigns)."""
    t0, t1 = period_bounds(start, end)
    c = schema.calls.c
    conds = [c.started_at >= t0, c.started_at < t1, c.agent_id.is_not(None)]
    if answered_only:
        conds += [c.direction == "in", c.disposition == "answered"]
    if filters.campaigns:
        conds.append(c.campaign_id.in_(filters.campaigns))
    return sa.select(c.agent_id).where(*conds).distinct()


def select_session_spans(
    dialect: str,
    start: date,
    end: date,
    *,
    filters: Filters | None = None,
    pool: Pool = "inbound",
) -> sa.Select[Any]:
    """Closed sessions overlapping ``[start, end]``: ``agent_id``, ``ep_in``, ``ep_out`` (epoch seconds).

    Args:
        dialect: short engine name (:func:`core.infra.db.dialect_of`).
        start: first day of the period.
        end: last day of the period (inclusive).
        filters: sites and teams through the agent; campaigns keep agents who had a call of those
            campaigns in the period.
        pool: whose sessions count. ``"inbound"`` (default): agents who answered at least one
            inbound call in the period (of the filtered campaigns, if any), so that outbound teams
            logged in at the same time do not make every slot look overstaffed. ``"all"``: every
            agent under the filters.
    """
    filters = filters or Filters()
    if pool not in ("inbound", "all"):
        raise ValueError(f"pool must be 'inbound' or 'all', got {pool!r}")
    t0, t1 = period_bounds(start, end)
    s = schema.agent_sessions
    a = schema.agents.alias("a")
    conds = [s.c.logout_at.is_not(None), s.c.login_at < t1, s.c.logout_at > t0]
    conds += _agent_conditions(filters, a)
    if pool == "inbound" or filters.campaigns:
        conds.append(s.c.agent_id.in_(_inbound_agents(start, end, filters, answered_only=pool == "inbound")))
    return (
        sa.select(
            s.c.agent_id,
            sql.epoch(dialect, s.c.login_at).label("ep_in"),
            sql.epoch(dialect, s.c.logout_at).label("ep_out"),
        )
        .select_from(s.outerjoin(a, a.c.agent_id == s.c.agent_id))
        .where(*conds)
    )


# --------------------------------------------------------------------------------------------
# Polars steps
# --------------------------------------------------------------------------------------------


def _epoch_of(moment: datetime) -> int:
    """Epoch seconds of a naive time read as UTC, as :func:`core.infra.sql.epoch` does in the database."""
    return int((moment - _EPOCH0).total_seconds())


def _slot_labels() -> list[pl.Expr]:
    return [
        (pl.col("slot_minute") // INTERVAL_MINUTES).cast(pl.Int64).alias("slot"),
        pl.format(
            "{}:{}",
            (pl.col("slot_minute") // 60).cast(pl.String).str.zfill(2),
            (pl.col("slot_minute") % 60).cast(pl.String).str.zfill(2),
        ).alias("slot_start"),
    ]


def logged_in_from_spans(spans: pl.DataFrame, t0: datetime, t1: datetime) -> pl.DataFrame:
    """Mean agents logged in per half-hour slot, from session spans in epoch seconds.

    Each span is clipped to ``[t0, t1)``, split at half-hour boundaries, and the overlap seconds of
    each slot are summed and divided by 1800. Returns ``day``, ``slot_minute``, ``logged_in_agents``
    for the slots with some overlap.

    >>> spans = pl.DataFrame({"agent_id": ["A1"], "ep_in": [33300], "ep_out": [36000]})  # 09:15–10:00
    >>> logged_in_from_spans(spans, datetime(1970, 1, 1), datetime(1970, 1, 2)).rows()
    [('1970-01-01', 540, 0.5), ('1970-01-01', 570, 1.0)]
    """
    e0, e1 = _epoch_of(t0), _epoch_of(t1)
    size = INTERVAL_SECONDS
    return (
        spans.lazy()
        .select(
            pl.max_horizontal(pl.col("ep_in").cast(pl.Int64), pl.lit(e0)).alias("a"),
            pl.min_horizontal(pl.col("ep_out").cast(pl.Int64), pl.lit(e1)).alias("b"),
        )
        .filter(pl.col("b") > pl.col("a"))
        .with_columns(pl.int_ranges(pl.col("a") // size, (pl.col("b") - 1) // size + 1).alias("k"))
        .explode("k")
        .with_columns(
            (
                pl.min_horizontal(pl.col("b"), (pl.col("k") + 1) * size)
                - pl.max_horizontal(pl.col("a"), pl.col("k") * size)
            ).alias("seconds")
        )
        .group_by("k")
        .agg(pl.col("seconds").sum().alias("seconds"))
        .select(
            pl.from_epoch(pl.col("k") * size, time_unit="s").dt.strftime("%Y-%m-%d").alias("day"),
            ((pl.col("k") * size % 86400) // 60).cast(pl.Int64).alias("slot_minute"),
            (pl.col("seconds") / size).alias("logged_in_agents"),
        )
        .sort("day", "slot_minute")
        .collect()
    )


def compute_logged_in(
    engine: Engine, start: date, end: date, *, filters: Filters | None = None, pool: Pool = "inbound"
) -> pl.DataFrame:
    """Mean agents logged in per day and half-hour slot of ``[start, end]`` (see :func:`select_session_spans`)."""
    t0, t1 = period_bounds(start, end)
    spans = db.read_frame(
        engine, select_session_spans(db.dialect_of(engine), start, end, filters=filters, pool=pool)
    )
    return logged_in_from_spans(spans, t0, t1)


# --------------------------------------------------------------------------------------------
# Staffing
# --------------------------------------------------------------------------------------------

STAFFING_COLUMNS: dict[str, Any] = {
    "day": pl.String,
    "weekday": pl.Int64,
    "slot": pl.Int64,
    "slot_start": pl.String,
    "offered": pl.Int64,
    "answered": pl.Int64,
    "answered_in_target": pl.Int64,
    "handle_seconds": pl.Int64,
    "aht_seconds": pl.Float64,
    "traffic_erlangs": pl.Float64,
    "required_agents": pl.Int64,
    "logged_in_agents": pl.Float64,
    "gap": pl.Float64,
    "status": pl.String,
    "service_level": pl.Float64,
}


def status_expr(tolerance: float = 1.0, over_share: float = 0.25) -> pl.Expr:
    """The staffing status of a row with ``offered``, ``required_agents``, ``logged_in_agents`` and ``gap``.

    See the module docstring for the rule; null when the required agents are unknown.
    """
    required = pl.col("required_agents").cast(pl.Float64)
    slack = pl.max_horizontal(pl.lit(float(tolerance)), required * over_share)
    return (
        pl.when(pl.col("required_agents").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when((pl.col("offered") == 0) & (pl.col("logged_in_agents") > 0))
        .then(pl.lit("overstaffed"))
        .when(pl.col("gap") < -tolerance)
        .then(pl.lit("understaffed"))
        .when(pl.col("gap") > slack)
        .then(pl.lit("overstaffed"))
        .otherwise(pl.lit("balanced"))
        .alias("status")
    )


def compute_staffing(
    engine: Engine,
    start: date,
    end: date,
    *,
    filters: Filters | None = None,
    target_seconds: int = 20,
    target_level: float = 0.8,
    tolerance: float = 1.0,
    over_share: float = 0.25,
    max_occupancy: float | None = None,
    pool: Pool = "inbound",
) -> pl.DataFrame:
    """Erlang C requirement against agents logged in, per day and half-hour slot of ``[start, end]``.

    Args:
        engine: the database.
        start: first day.
        end: last day (inclusive).
        filters: site, team and campaign filters (see :func:`select_inbound_intervals` and
            :func:`select_session_spans` for how each applies).
        target_seconds: answer-time target of the service level, seconds (default 20).
        target_level: share of calls to answer within the target (default 0.8).
        tolerance: agents of slack on either side before a slot counts as under- or overstaffed.
        over_share: overstaffing slack as a share of the required agents (default 0.25).
        max_occupancy: optional occupancy cap passed to :func:`agents_required`.
        pool: whose sessions count as logged in (``"inbound"`` or ``"all"``).

    Returns:
        One row per day and slot with calls or agents, sorted by day and slot, with the columns of
        :data:`STAFFING_COLUMNS`: ``day`` (``'YYYY-MM-DD'``), ``weekday`` (1 = Monday), ``slot``
        (0..47), ``slot_start`` (``'HH:MM'``), ``offered``, ``answered``, ``answered_in_target``,
        ``handle_seconds``, ``aht_seconds`` (handle seconds / answered; a slot with offered calls
        but none answered takes the period's AHT; null without offered calls), ``traffic_erlangs``
        (offered × AHT / 1800), ``required_agents`` (:func:`agents_required`; 0 without calls;
        null when the period has no answered call to take an AHT from), ``logged_in_agents``
        (mean agents logged in during the slot), ``gap`` (logged in − required), ``status``
        (module docstring) and ``service_level`` (actual: answered in target / offered; null
        without offered calls).
    """
    filters = filters or Filters()
    dialect = db.dialect_of(engine)
    calls = db.read_frame(
        engine, select_inbound_intervals(dialect, start, end, filters=filters, target_seconds=target_seconds)
    )
    calls = calls.with_columns(
        pl.col("day").cast(pl.String),
        pl.col("slot_minute").cast(pl.Int64),
        *[pl.col(n).cast(pl.Int64) for n in ("offered", "answered", "answered_in_target", "handle_seconds")],
    )
    logged = compute_logged_in(engine, start, end, filters=filters, pool=pool)

    answered_total = int(calls["answered"].sum() or 0)
    period_aht = int(calls["handle_seconds"].sum() or 0) / answered_total if answered_total else None

    counts = ("offered", "answered", "answered_in_target", "handle_seconds")
    frame = (
        calls.join(logged, on=["day", "slot_minute"], how="full", coalesce=True)
        .with_columns(
            *[pl.col(n).fill_null(0) for n in counts],
            pl.col("logged_in_agents").fill_null(0.0),
        )
        .filter((pl.col("offered") > 0) | (pl.col("logged_in_agents") > 0))
        .with_columns(
            pl.when(pl.col("answered") > 0)
            .then(pl.col("handle_seconds") / pl.col("answered"))
            .when(pl.col("offered") > 0)
            .then(pl.lit(period_aht, dtype=pl.Float64))
            .otherwise(pl.lit(None, dtype=pl.Float64))
            .alias("aht_seconds")
        )
        .with_columns(
            pl.when(pl.col("offered") == 0)
            .then(pl.lit(0.0))
            .otherwise(pl.col("offered") * pl.col("aht_seconds") / INTERVAL_SECONDS)
            .alias("traffic_erlangs")
        )
    )
    required = [
        0
        if traffic == 0
        else (
            None
            if aht is None
            else agents_required(traffic, aht, target_seconds, target_level, max_occupancy)
        )
        for traffic, aht in frame.select("traffic_erlangs", "aht_seconds").iter_rows()
    ]
    return (
        frame.with_columns(pl.Series("required_agents", required, dtype=pl.Int64))
        .with_columns((pl.col("logged_in_agents") - pl.col("required_agents")).alias("gap"))
        .with_columns(
            status_expr(tolerance, over_share),
            pl.when(pl.col("offered") > 0)
            .then(pl.col("answered_in_target") / pl.col("offered"))
            .otherwise(pl.lit(None, dtype=pl.Float64))
            .alias("service_level"),
            pl.col("day").str.to_date("%Y-%m-%d").dt.weekday().cast(pl.Int64).alias("weekday"),
            *_slot_labels(),
        )
        .sort("day", "slot_minute")
        .select([pl.col(n).cast(t) for n, t in STAFFING_COLUMNS.items()])
    )


@dataclass(frozen=True)
class StaffingSummary:
    """Counts and shares of slot statuses, and the weekday × slot cells most often off target."""

    intervals: int  # slots with a status
    by_status: pl.DataFrame  # status, intervals, share (every status of STATUSES, in that order)
    cells: pl.DataFrame  # weekday, slot, slot_start, intervals, understaffed, overstaffed, shares, mean_gap
    worst_understaffed: pl.DataFrame  # top cells by understaffed_share, then mean_gap ascending
    worst_overstaffed: pl.DataFrame  # top cells by overstaffed_share, then mean_gap descending


def summarise_staffing(frame: pl.DataFrame, *, top: int = 5) -> StaffingSummary:
    """Summarise :func:`compute_staffing`: status counts and shares, and the worst weekday × slot cells.

    Slots without a status (unknown requirement) are left out of every count. A cell is a weekday
    and slot over the whole period (e.g. every Monday 09:00–09:30); it is "worst understaffed"
    when the largest share of its slots was understaffed (ties: the most negative mean gap first),
    and likewise for overstaffed. Only cells with at least one such slot are listed.
    """
    known = frame.filter(pl.col("status").is_not_null())
    total = known.height
    counts = dict(known.group_by("status").len().iter_rows())
    by_status = pl.DataFrame(
        {
            "status": list(STATUSES),
            "intervals": [int(counts.get(s, 0)) for s in STATUSES],
            "share": [counts.get(s, 0) / total if total else None for s in STATUSES],
        },
        schema={"status": pl.String, "intervals": pl.Int64, "share": pl.Float64},
    )
    cells = (
        known.group_by("weekday", "slot", "slot_start")
        .agg(
            pl.len().cast(pl.Int64).alias("intervals"),
            (pl.col("status") == "understaffed").sum().cast(pl.Int64).alias("understaffed"),
            (pl.col("status") == "overstaffed").sum().cast(pl.Int64).alias("overstaffed"),
            pl.col("gap").mean().alias("mean_gap"),
        )
        .with_columns(
            (pl.col("understaffed") / pl.col("intervals")).alias("understaffed_share"),
            (pl.col("overstaffed") / pl.col("intervals")).alias("overstaffed_share"),
        )
        .sort("weekday", "slot")
    )
    worst_under = (
        cells.filter(pl.col("understaffed") > 0)
        .sort(["understaffed_share", "mean_gap", "weekday", "slot"], descending=[True, False, False, False])
        .head(top)
    )
    worst_over = (
        cells.filter(pl.col("overstaffed") > 0)
        .sort(["overstaffed_share", "mean_gap", "weekday", "slot"], descending=[True, True, False, False])
        .head(top)
    )
    return StaffingSummary(total, by_status, cells, worst_under, worst_over)
