"""Seat-capacity health (坐席产能健康度): seats declared and in use, concurrency, occupancy, people.

All figures come from :func:`core.semantic.metrics.compute_metrics`; the per-agent distribution of effective
talk hours names its outliers with the interquartile-range rule (below Q1 − 1.5·IQR or above
Q3 + 1.5·IQR), which needs no assumption about the shape of the distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.infra.rules import Rules
from core.pagedata.touch import Kpi, compute_kpis
from core.semantic.cubes import Filters
from core.semantic.metrics import compute_metrics

CAPACITY_KPIS: tuple[str, ...] = (
    "declared_seats",
    "peak_concurrent_agents",
    "seat_usage_rate",
    "occupancy",
    "effective_talk_hours_per_agent_month",
    "headcount_end",
    "attrition_rate",
    "outsourced_share",
    "inbound_answer_rate",
    "service_level_20s",
)
MONTHLY_KEYS: tuple[str, ...] = (
    "declared_seats",
    "peak_concurrent_agents",
    "seat_usage_rate",
    "logged_in_hours",
    "handle_hours",
    "occupancy",
    "effective_talk_hours",
    "active_agents",
    "effective_talk_hours_per_agent_month",
    "headcount_end",
    "hires",
    "leavers",
    "attrition_rate",
    "outsourced_share",
    "inbound_calls",
    "inbound_answer_rate",
    "inbound_abandon_rate",
    "service_level_20s",
)
#: Seat changes beyond this share are a material change (DOMAIN.md §3); drawn as a band.
MATERIAL_SEAT_CHANGE = 0.30


@dataclass(frozen=True)
class CapacityData:
    """Everything the capacity page draws."""

    start: date
    end: date
    kpis: tuple[Kpi, ...]
    monthly: pl.DataFrame  # month + MONTHLY_KEYS
    daily_peak: pl.DataFrame  # day, peak_concurrent_agents, declared_seats, over_declared
    agent_months: pl.DataFrame  # agent, team, month, effective_talk_hours, outlier
    outliers: pl.DataFrame  # the agent-months named as outliers, low and high
    seat_band: tuple[float, float] | None  # ±30 % around the seats declared the day before the period


def build_capacity(
    engine: Engine, start: date, end: date, *, filters: Filters | None = None, rules: Rules | None = None
) -> CapacityData:
    """The capacity page data for ``[start, end]``."""
    filters = filters or Filters()
    kpis = compute_kpis(engine, start, end, CAPACITY_KPIS, filters=filters, rules=rules)
    monthly = compute_metrics(
        engine, start, end, by=["month"], metrics=list(MONTHLY_KEYS), filters=filters, rules=rules
    )
    daily = compute_metrics(
        engine,
        start,
        end,
        by=["day"],
        metrics=["peak_concurrent_agents", "declared_seats"],
        filters=filters,
        rules=rules,
    ).with_columns(
        (pl.col("peak_concurrent_agents") > pl.col("declared_seats")).fill_null(False).alias("over_declared")
    )
    per_agent = agent_month_hours(engine, start, end, filters=filters, rules=rules)
    outliers = per_agent.filter(pl.col("outlier") != "").sort("effective_talk_hours")
    # The band is drawn around the seats declared the day before the period: a value outside it
    # is a material change against the previous period (DOMAIN.md §3).
    before = start - timedelta(days=1)
    first_decl = compute_metrics(
        engine, before, before, metrics=["declared_seats"], filters=filters, rules=rules
    )["declared_seats"][0]
    band = None
    if first_decl:
        band = (first_decl * (1 - MATERIAL_SEAT_CHANGE), first_decl * (1 + MATERIAL_SEAT_CHANGE))
    return CapacityData(start, end, kpis, monthly, daily, per_agent, outliers, band)


def agent_month_hours(
    engine: Engine, start: date, end: date, *, filters: Filters | None = None, rules: Rules | None = None
) -> pl.DataFrame:
    """Effective talk hours of every active agent-month, with the team and an outlier flag.

    An agent active in a month (a session or a human call) with no effective call has 0 hours.
    ``outlier`` is ``"low"``, ``"high"`` or ``""`` by the IQR rule over all agent-months shown.
    """
    frame = compute_metrics(
        engine,
        start,
        end,
        by=["agent", "month"],
        metrics=["active_agents", "effective_talk_hours"],
        filters=filters,
        rules=rules,
    ).filter(pl.col("active_agents") > 0)
    teams = db.read_frame(engine, sa.select(schema.agents.c.agent_id.label("agent"), schema.agents.c.team))
    frame = frame.join(teams, on="agent", how="left").with_columns(
        pl.col("effective_talk_hours").fill_null(0.0)
    )
    return flag_outliers(
        frame.select("agent", "team", "month", "effective_talk_hours"), "effective_talk_hours", by="team"
    )


def flag_outliers(frame: pl.DataFrame, column: str, *, by: str | None = None) -> pl.DataFrame:
    """Add ``outlier`` ("low", "high" or "") by the 1.5·IQR rule on ``column``, within groups of ``by``.

    Agents are compared with their own team (an inbound agent's talk time is not an outbound
    agent's); groups of fewer than four values flag nothing.

    >>> f = pl.DataFrame({"v": [10.0, 11, 12, 13, 14, 40]})
    >>> flag_outliers(f, "v")["outlier"].to_list()
    ['', '', '', '', '', 'high']
    """
    keys = [by] if by else []
    grouped = frame.with_columns(
        pl.col(column).quantile(0.25, interpolation="linear").over(keys or pl.lit(1)).alias("_q1"),
        pl.col(column).quantile(0.75, interpolation="linear").over(keys or pl.lit(1)).alias("_q3"),
        pl.len().over(keys or pl.lit(1)).alias("_n"),
    )
    iqr = pl.col("_q3") - pl.col("_q1")
    return grouped.with_columns(
        pl.when(pl.col("_n") < 4)
        .then(pl.lit(""))
        .when(pl.col(column) < pl.col("_q1") - 1.5 * iqr)
        .then(pl.lit("low"))
        .when(pl.col(column) > pl.col("_q3") + 1.5 * iqr)
        .then(pl.lit("high"))
        .otherwise(pl.lit(""))
        .alias("outlier")
    ).drop("_q1", "_q3", "_n")
