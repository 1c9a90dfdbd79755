"""Today's signals (DOMAIN.md §11): since 00:00 Beijing time, per campaign, caller number, team and site.

Every figure is a base of :mod:`core.semantic.bases` computed by the planner
(:func:`core.semantic.cubes.compute_bases`) over today's one day, so a number here is the number
of the risk page and ``python -m core metrics`` for the same day:

* ``outbound_calls``, ``connected_calls``, ``connect_rate``, ``abandon_rate`` (DOMAIN.md §5 keys);
* ``outside_hours_calls``, ``dnc_calls``, ``over_cap_calls``, ``blocked_region_calls``,
  ``out_of_coverage_calls``: the zero-tolerance counts of §6;
* per caller number, the marking-risk tests of :func:`core.compliance.risk.marking_flags`
  (``marking_volume``, ``marking_answer_rate``, ``marking_short_share``; any of them: ``marking_risk``)
  with ``short_share`` = ``marking_short_calls`` / ``connected_calls``;
* per campaign, ``near_window_end``: its newest outbound call of the day started within
  ``near_end_minutes`` (default 10) before its window's end (amber: still dialling as the window closes);
* agents logged in at ``now`` against the declared seats, per site and in total;
* the newest call's start and ``stale``: no call for ``stale_minutes`` (default 15) while the default
  calling window is open.

Times are Beijing local time, naive, as ``calls.started_at`` is stored (DOMAIN.md §4): an aware
``now`` is converted to Asia/Shanghai first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.compliance.risk import marking_flags
from core.infra import db, schema
from core.infra.rules import Rules, load_rules
from core.semantic import cubes
from core.semantic.cubes import Filters
from core.semantic.metrics import METRICS, safe_div

BEIJING = ZoneInfo("Asia/Shanghai")
#: The entities today's signals are cut by (the scopes an alert rule can name).
ENTITIES: tuple[str, ...] = ("campaign", "caller_number", "team", "site")
#: The bases read per entity.
TODAY_BASES: tuple[str, ...] = (
    "outbound_calls",
    "connected_calls",
    "abandoned_outbound",
    "outside_hours_calls",
    "dnc_calls",
    "over_cap_calls",
    "blocked_region_calls",
    "out_of_coverage_calls",
    "marking_short_calls",
)
NEAR_END_MINUTES = 10
STALE_MINUTES = 15


#: The environment variable that pins the clock (:func:`clock`): tests, demos and benchmarks.
NOW_VAR = "CALLCENTER_NOW"


def clock() -> datetime:
    """The current time, aware, in Beijing: the machine's clock, or the moment ``CALLCENTER_NOW``
    pins (ISO 8601, e.g. ``2025-09-03T21:30``; without an offset it is Beijing time). This is the one
    place that reads ``CALLCENTER_NOW``: today's signals, the alerts and the watcher's clock all ask here.

    Raises:
        ValueError: ``CALLCENTER_NOW`` is set but is not an ISO time (the message names it).
    """
    pinned = os.environ.get(NOW_VAR, "").strip()
    if not pinned:
        return datetime.now(BEIJING)
    try:
        at = datetime.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{NOW_VAR} is not an ISO time (e.g. 2025-09-03T21:30): {pinned!r}") from None
    return at.replace(tzinfo=BEIJING) if at.tzinfo is None else at.astimezone(BEIJING)


def beijing_now(now: datetime | None = None) -> datetime:
    """``now`` as a naive Beijing time (the stored form of every time); ``None``: the :func:`clock`.
    A naive ``now`` is taken as Beijing time already."""
    if now is None:
        now = clock()
    if now.tzinfo is not None:
        now = now.astimezone(BEIJING).replace(tzinfo=None)
    return now


@dataclass(frozen=True)
class TodayData:
    """The Today page's data and the alerts' signals.

    Attributes:
        day: today (Beijing).
        now: the moment the data was read (naive Beijing time).
        by: one frame per entity of :data:`ENTITIES`: the entity column ``entity``, the bases of
            :data:`TODAY_BASES`, ``connect_rate`` and ``abandon_rate`` (null with no base); per caller
            number also ``short_share``, ``marking_volume``, ``marking_answer_rate``,
            ``marking_short_share`` and ``marking_risk`` (0/1); per campaign also ``last_call_at``,
            ``window_end`` (``HH:MM``) and ``near_window_end`` (0/1).
        seats: per site: ``site``, ``logged_in_now``, ``declared_seats``, ``over_seats`` (0/1).
        logged_in_now, declared_seats: the totals over sites (agents without a site count in the total).
        newest_call_at: the newest ``started_at`` of any call (``None``: no call at all).
        stale: no call for ``stale_minutes`` while the default calling window is open.
        stale_minutes_now: minutes since the newest call (``None``: no call).
    """

    day: date
    now: datetime
    by: dict[str, pl.DataFrame]
    seats: pl.DataFrame
    logged_in_now: int
    declared_seats: int
    newest_call_at: datetime | None
    stale: bool
    stale_minutes_now: float | None


#: The risk page's entity for each of today's entities (a red item opens its view of the cell).
_RISK_ENTITY = {"campaign": "campaign", "caller_number": "caller_number", "team": "team"}


def risk_view_params(entity_kind: str, entity: str, day: date, lang: str) -> dict[str, str]:
    """The query parameters of the risk page's view of one entity's day, as the pages read them
    (``ui/filters.py``: ``from``/``to``/``lang``/``site``; ``pages/risk.py``: ``risk_by``,
    ``risk_grain``, ``risk_cell``, ``risk_period``). A site sets the site filter; the company, the period.

    >>> risk_view_params("campaign", "C1", date(2025, 9, 3), "zh")["risk_cell"]
    'C1'
    """
    params = {"from": day.isoformat(), "to": day.isoformat(), "lang": lang}
    if entity_kind in _RISK_ENTITY:
        params |= {
            "risk_by": _RISK_ENTITY[entity_kind],
            "risk_grain": "day",
            "risk_cell": entity,
            "risk_period": day.isoformat(),
        }
    elif entity_kind == "site":
        params["site"] = entity
    return params


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def build_today(
    engine: Engine,
    *,
    now: datetime | None = None,
    filters: Filters | None = None,
    rules: Rules | None = None,
    near_end_minutes: int = NEAR_END_MINUTES,
    stale_minutes: int = STALE_MINUTES,
    entities: tuple[str, ...] = ENTITIES,
) -> TodayData:
    """Today's signals since 00:00 Beijing time (see the module's notes)."""
    now = beijing_now(now)
    day = now.date()
    rules = rules or load_rules()
    filters = filters or Filters()
    by: dict[str, pl.DataFrame] = {}
    with engine.connect() as conn:
        for entity in entities:
            frame = cubes.compute_bases(
                conn, day, day, by=[entity], bases=TODAY_BASES, filters=filters, rules=rules, sparse=False
            )
            frame = frame.rename({entity: "entity"}).filter(pl.col("outbound_calls") > 0)
            frame = frame.with_columns(
                METRICS["connect_rate"].formula().alias("connect_rate"),
                METRICS["abandon_rate"].formula().alias("abandon_rate"),
            )
            if entity == "caller_number":
                flags = marking_flags(rules)
                frame = frame.with_columns(
                    safe_div(pl.col("marking_short_calls"), pl.col("connected_calls")).alias("short_share"),
                    *[flags[k].cast(pl.Int64).alias(f"marking_{k}") for k in flags],
                ).with_columns(
                    pl.max_horizontal([pl.col(f"marking_{k}") for k in flags]).alias("marking_risk")
                )
            if entity == "campaign":
                frame = _with_window_end(conn, frame, day, rules, near_end_minutes, filters)
            by[entity] = frame.sort("entity", nulls_last=True)
        seats = _seats(conn, now, filters, rules)
        newest = _as_datetime(conn.execute(sa.select(sa.func.max(schema.calls.c.started_at))).scalar())
    logged = int(seats["logged_in_now"].sum() or 0)
    declared = int(seats["declared_seats"].sum() or 0)
    seats = seats.filter(pl.col("site").is_not_null())
    start, end = rules.default_window
    minute = now.hour * 60 + now.minute
    since = (now - newest).total_seconds() / 60 if newest is not None else None
    stale = start <= minute < end and (since is None or since > stale_minutes)
    return TodayData(day, now, by, seats, logged, declared, newest, stale, since)


def _with_window_end(
    conn: sa.Connection, frame: pl.DataFrame, day: date, rules: Rules, minutes: int, filters: Filters
) -> pl.DataFrame:
    """Each campaign's window end and whether its newest call of the day came in the last ``minutes``
    before it."""
    c, k = schema.campaigns, schema.calls
    windows = {
        r.campaign_id: rules.window_for(purpose=r.purpose, industry=r.client_industry)
        for r in conn.execute(sa.select(c.c.campaign_id, c.c.purpose, c.c.client_industry))
    }
    t0 = datetime(day.year, day.month, day.day)
    last = {
        r[0]: _as_datetime(r[1])
        for r in conn.execute(
            sa.select(k.c.campaign_id, sa.func.max(k.c.started_at))
            .where(k.c.direction == "out", k.c.started_at >= t0, k.c.started_at < t0 + timedelta(days=1))
            .group_by(k.c.campaign_id)
        )
    }
    ends, lasts, near = [], [], []
    for cid in frame["entity"].to_list():
        end = windows.get(cid, rules.default_window)[1]
        at = last.get(cid)
        ends.append(f"{end // 60:02d}:{end % 60:02d}")
        lasts.append(at)
        m = at.hour * 60 + at.minute if at is not None else None
        near.append(int(m is not None and end - minutes <= m < end))
    return frame.with_columns(
        pl.Series("last_call_at", lasts, dtype=pl.Datetime("us")),
        pl.Series("window_end", ends, dtype=pl.String),
        pl.Series("near_window_end", near, dtype=pl.Int64),
    )


def _seats(conn: sa.Connection, now: datetime, filters: Filters, rules: Rules) -> pl.DataFrame:
    """Agents logged in at ``now`` (a session begun and not ended) and the declared seats, per site."""
    s, a = schema.agent_sessions, schema.agents
    conds = [s.c.login_at <= now, sa.or_(s.c.logout_at.is_(None), s.c.logout_at > now)]
    if filters.sites:
        conds.append(a.c.site_id.in_(filters.sites))
    if filters.teams:
        conds.append(a.c.team.in_(filters.teams))
    q = (
        sa.select(a.c.site_id.label("site"), sa.func.count(sa.distinct(s.c.agent_id)).label("logged_in_now"))
        .select_from(s.outerjoin(a, a.c.agent_id == s.c.agent_id))
        .where(*conds)
        .group_by(a.c.site_id)
    )
    logged = db.read_frame(conn, q).cast({"site": pl.String, "logged_in_now": pl.Int64})
    declared = cubes.compute_bases(
        conn, now.date(), now.date(), by=["site"], bases=["declared_seats"], filters=filters, rules=rules
    ).select(pl.col("site").cast(pl.String), pl.col("declared_seats").cast(pl.Int64))
    out = logged.join(declared, on="site", how="full", coalesce=True, nulls_equal=True)
    return (
        out.with_columns(pl.col("logged_in_now").fill_null(0), pl.col("declared_seats").fill_null(0))
        .with_columns((pl.col("logged_in_now") > pl.col("declared_seats")).cast(pl.Int64).alias("over_seats"))
        .sort("site", nulls_last=True)
    )


__all__ = [
    "BEIJING",
    "ENTITIES",
    "NOW_VAR",
    "TODAY_BASES",
    "TodayData",
    "beijing_now",
    "build_today",
    "clock",
    "risk_view_params",
]
