"""Customer touch efficiency (客户触达效率): KPIs with deltas, funnel, when-to-call heatmap, breakdowns, drill-down.

Everything is computed by :func:`core.semantic.metrics.compute_metrics` (aggregated in the database); the
drill-down list of calls is the only place raw call rows are read, paged and capped, with customer
ids masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.infra.periods import change, previous_period, year_earlier
from core.infra.privacy import mask_id
from core.infra.rules import Rules
from core.semantic.cubes import Filters, call_filter_conditions, period_bounds
from core.semantic.metrics import METRICS, compute_metrics

TOUCH_KPIS: tuple[str, ...] = (
    "outbound_calls",
    "connect_rate",
    "effective_rate",
    "effective_of_connected",
    "reached_customers",
    "effective_customers",
    "attempts_per_effective_customer",
    "avg_talk_seconds",
    "short_call_ratio",
    "complaints_per_10k",
)
FUNNEL: tuple[str, ...] = ("outbound_calls", "connected_calls", "effective_calls")
BREAKDOWN_DIMS: tuple[str, ...] = ("campaign", "team", "agent", "callee_province", "caller_number")
BREAKDOWN_KEYS: tuple[str, ...] = (
    "outbound_calls",
    "connected_calls",
    "connect_rate",
    "effective_calls",
    "effective_rate",
    "effective_of_connected",
    "reached_customers",
    "attempts_per_effective_customer",
    "avg_talk_seconds",
    "short_call_ratio",
    "abandon_rate",
    "complaints_per_10k",
)
CALL_PAGE_MAX = 500


@dataclass(frozen=True)
class Kpi:
    """One headline figure with its comparisons (``mom``/``yoy``: points for rates, relative for counts)."""

    key: str
    value: float | None
    previous: float | None
    year_ago: float | None
    mom: float | None
    yoy: float | None


@dataclass(frozen=True)
class TouchData:
    """Everything the touch-efficiency page draws."""

    start: date
    end: date
    kpis: tuple[Kpi, ...]
    funnel: pl.DataFrame  # stage, value
    heatmap: pl.DataFrame  # weekday, hour, outbound_calls, effective_rate
    trend: pl.DataFrame  # month + BREAKDOWN_KEYS, the 13 months ending with the period
    breakdowns: dict[str, pl.DataFrame]


def _is_rate(key: str) -> bool:
    return METRICS[key].fmt == "pct1"


def compute_kpis(
    engine: Engine,
    start: date,
    end: date,
    keys: tuple[str, ...],
    *,
    filters: Filters,
    rules: Rules | None = None,
) -> tuple[Kpi, ...]:
    """The metrics of ``keys`` for the period, the period before and the same period a year earlier."""
    frames = [
        compute_metrics(engine, a, b, metrics=list(keys), filters=filters, rules=rules).row(0, named=True)
        for a, b in ((start, end), previous_period(start, end), year_earlier(start, end))
    ]
    now, prev, ago = frames
    return tuple(
        Kpi(
            k,
            now[k],
            prev[k],
            ago[k],
            change(now[k], prev[k], rate=_is_rate(k)),
            change(now[k], ago[k], rate=_is_rate(k)),
        )
        for k in keys
    )


def build_touch(
    engine: Engine, start: date, end: date, *, filters: Filters | None = None, rules: Rules | None = None
) -> TouchData:
    """The touch-efficiency page data for ``[start, end]``."""
    filters = filters or Filters()
    kpis = compute_kpis(engine, start, end, TOUCH_KPIS, filters=filters, rules=rules)
    total = compute_metrics(engine, start, end, metrics=list(FUNNEL), filters=filters, rules=rules).row(
        0, named=True
    )
    funnel = pl.DataFrame({"stage": list(FUNNEL), "value": [int(total[k] or 0) for k in FUNNEL]})
    heatmap = compute_metrics(
        engine,
        start,
        end,
        by=["weekday", "hour"],
        metrics=["outbound_calls", "effective_rate"],
        filters=filters,
        rules=rules,
    ).filter(pl.col("outbound_calls") > 0)
    trend_start = previous_period(start, end)[0] if (end - start).days > 300 else _months_back(end, 12)
    trend = compute_metrics(
        engine, trend_start, end, by=["month"], metrics=list(BREAKDOWN_KEYS), filters=filters, rules=rules
    )
    breakdowns = {
        dim: compute_metrics(
            engine, start, end, by=[dim], metrics=list(BREAKDOWN_KEYS), filters=filters, rules=rules
        )
        .filter(pl.col("outbound_calls") > 0)
        .sort("outbound_calls", descending=True)
        for dim in BREAKDOWN_DIMS
    }
    return TouchData(start, end, kpis, funnel, heatmap, trend, breakdowns)


def _months_back(end: date, months: int) -> date:
    from core.infra.periods import add_months

    return add_months(end.replace(day=1), -months)


def build_campaign_agents(
    engine: Engine, start: date, end: date, campaign_id: str, *, filters: Filters | None = None
) -> pl.DataFrame:
    """Drill-down step 1: a campaign's agents with their touch metrics (agent-less robot calls as null)."""
    f = filters or Filters()
    f = Filters(sites=f.sites, teams=f.teams, campaigns=(campaign_id,))
    frame = compute_metrics(engine, start, end, by=["agent", "team"], metrics=list(BREAKDOWN_KEYS), filters=f)
    return frame.filter(pl.col("outbound_calls") > 0).sort("outbound_calls", descending=True)


def select_call_list(
    start: date,
    end: date,
    *,
    campaign_id: str | None = None,
    agent_id: str | None = None,
    caller_number: str | None = None,
    callee_province: str | None = None,
    direction: str | None = "out",
    call_ids: list[str] | None = None,
    filters: Filters | None = None,
    page: int = 0,
    page_size: int = 100,
) -> sa.Select[Any]:
    """Drill-down: the calls behind a cell, newest first, one page (at most :data:`CALL_PAGE_MAX` rows).

    ``filters`` are the sidebar's, applied as every figure applies them
    (:func:`core.semantic.cubes.call_filter_conditions`): under a team filter the list of a campaign's calls
    holds that team's calls and the campaign's calls without an agent, as the figures above it count.
    """
    k = schema.calls
    t0, t1 = period_bounds(start, end)
    f = filters or Filters()
    a = schema.agents.alias("a")  # joined only under a site or team filter
    frm: Any = k.outerjoin(a, a.c.agent_id == k.c.agent_id) if f.sites or f.teams else k
    conds = [k.c.started_at >= t0, k.c.started_at < t1, *call_filter_conditions(f, k, a, t0, t1)]
    for col, value in (
        (k.c.campaign_id, campaign_id),
        (k.c.agent_id, agent_id),
        (k.c.caller_number, caller_number),
        (k.c.callee_province, callee_province),
        (k.c.direction, direction),
    ):
        if value is not None:
            conds.append(col == value)
    if call_ids is not None:
        conds.append(k.c.call_id.in_(call_ids))
    size = max(1, min(page_size, CALL_PAGE_MAX))
    return (
        sa.select(
            k.c.call_id,
            k.c.started_at,
            k.c.direction,
            k.c.campaign_id,
            k.c.agent_id,
            k.c.caller_number,
            k.c.callee_id,
            k.c.callee_province,
            k.c.disposition,
            k.c.ring_seconds,
            k.c.talk_seconds,
            k.c.two_way_voice,
            k.c.recorded,
            k.c.robot,
        )
        .select_from(frm)
        .where(*conds)
        .order_by(k.c.started_at.desc(), k.c.call_id.desc())
        .limit(size)
        .offset(max(page, 0) * size)
    )


def read_call_list(engine: Engine, query: sa.Select[Any]) -> pl.DataFrame:
    """Run a call-list query and mask the customer ids (the only form the UI ever shows)."""
    frame = db.read_frame(engine, query)
    if frame.height == 0:
        return frame
    return frame.with_columns(
        pl.col("callee_id").map_elements(mask_id, return_dtype=pl.String).alias("callee_id")
    )
