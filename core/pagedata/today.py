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

The clock can be pinned for tests and demonstrations: ``CALLCENTER_NOW=2025-09-03T20:55`` (Beijing
time, ISO) makes :func:`beijing_now` return that moment whenever no ``now`` is passed, in every
process that reads it (the app's Today page, ``python -m core alerts --evaluate``). Never set it in
production.
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
#: Environment variable pinning the clock (ISO time, Beijing): for tests and demonstrations only.
CLOCK_ENV = "CALLCENTER_NOW"


def pinned_now() -> datetime | None:
    """The moment :data:`CLOCK_ENV` pins the clock to (naive Beijing time), or ``None``.

    Raises:
        ValueError: the variable is set but is not an ISO time (the message names it).
    """
    text = os.environ.get(CLOCK_ENV, "").strip()
    if not text:
        return None
    try:
        pinned = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{CLOCK_ENV}={text!r} is not a time (YYYY-MM-DDTHH:MM[:SS])") from None
    return beijing_now(pinned)


def clock() -> datetime:
    """The current time, aware, in Beijing: the machine's clock (whatever its own time zone), or the
    moment :data:`CLOCK_ENV` pins it to (:func:`pinned_now`, the one place that reads it). Each batch
    of the watcher and each alert evaluation takes its time from here.

    Raises:
        ValueError: the variable is set but is not an ISO time (the message names it).
    """
    pinned = pinned_now()
    return datetime.now(BEIJING) if pinned is None else pinned.replace(tzinfo=BEIJING)


def beijing_now(now: datetime | None = None) -> datetime:
    """``now`` as a naive Beijing time (the stored form of every time); ``None``: the :func:`clock`
    (the machine's, or the moment :data:`CLOCK_ENV` pins it to). A naive ``now`` is Beijing time already."""
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

    def totals(self) -> dict[str, Any]:
        """The company's figures since midnight: each base summed over the campaigns (every base of
        :data:`TODAY_BASES` counts outbound calls, each of one campaign, so the sum is the company's),
        with ``connect_rate`` and ``abandon_rate`` from the registry's formulas."""
        frame = self.by.get("campaign")
        if frame is None or frame.height == 0:
            return dict.fromkeys((*TODAY_BASES, "connect_rate", "abandon_rate"), None) | {"outbound_calls": 0}
        summed = frame.select(*[pl.col(b).sum().alias(b) for b in TODAY_BASES]).with_columns(
            METRICS["connect_rate"].formula().alias("connect_rate"),
            METRICS["abandon_rate"].formula().alias("abandon_rate"),
        )
        return summed.row(0, named=True)


@dataclass(frozen=True)
class Flag:
    """One red (or amber) item of the day, as the Today page lists it.

    Attributes:
        level: ``red`` or ``amber``.
        signal: ``abandon_rate``, ``outside_hours_calls``, ``dnc_calls``, ``over_cap_calls``,
            ``blocked_region_calls``, ``marking_volume``, ``marking_answer_rate``,
            ``marking_short_share``, ``near_window_end`` or ``seats_excess``.
        entity_kind: ``campaign``, ``caller_number`` or ``site``.
        entity: the campaign, caller number or site.
        value: today's figure (a count, a rate, the logged-in agents, or for ``near_window_end`` the
            newest call's ``HH:MM``).
        limit: the threshold it is judged against (``window_end`` ``HH:MM`` for ``near_window_end``).
    """

    level: str
    signal: str
    entity_kind: str
    entity: str
    value: Any
    limit: Any


#: The zero-tolerance counts of a campaign (DOMAIN.md §6): one call is red.
ZERO_TOLERANCE: tuple[str, ...] = (
    "outside_hours_calls",
    "dnc_calls",
    "over_cap_calls",
    "blocked_region_calls",
)


def today_flags(data: TodayData, rules: Rules) -> list[Flag]:
    """The day's red and amber items, campaigns first (in :attr:`TodayData.by` order), then caller
    numbers, then sites: a campaign's abandon rate above ``abandon.limit``; any of its
    :data:`ZERO_TOLERANCE` calls; a caller number failing a ``[marking]`` test (value and threshold
    of each test); a site with more agents logged in than declared seats; amber: a campaign still
    dialling near its window's end."""
    limit = float(rules.data["abandon"]["limit"])
    m = rules.data["marking"]
    out: list[Flag] = []
    for r in data.by.get("campaign", pl.DataFrame()).iter_rows(named=True):
        entity = "" if r["entity"] is None else str(r["entity"])
        if r["abandon_rate"] is not None and r["abandon_rate"] > limit:
            out.append(Flag("red", "abandon_rate", "campaign", entity, r["abandon_rate"], limit))
        for signal in ZERO_TOLERANCE:
            if r[signal]:
                out.append(Flag("red", signal, "campaign", entity, int(r[signal]), 0))
        if r.get("near_window_end"):
            at = r["last_call_at"]
            out.append(Flag("amber", "near_window_end", "campaign", entity, f"{at:%H:%M}", r["window_end"]))
    tests = {
        "marking_volume": ("outbound_calls", m["max_daily_calls"]),
        "marking_answer_rate": ("connect_rate", m["min_answer_rate"]),
        "marking_short_share": ("short_share", m["max_short_share"]),
    }
    for r in data.by.get("caller_number", pl.DataFrame()).iter_rows(named=True):
        for signal, (column, threshold) in tests.items():
            if r.get(signal):
                entity = "" if r["entity"] is None else str(r["entity"])
                out.append(Flag("red", signal, "caller_number", entity, r[column], threshold))
    for r in data.seats.iter_rows(named=True):
        if r["over_seats"]:
            out.append(
                Flag("red", "seats_excess", "site", str(r["site"]), r["logged_in_now"], r["declared_seats"])
            )
    return out


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
    "CLOCK_ENV",
    "ENTITIES",
    "TODAY_BASES",
    "ZERO_TOLERANCE",
    "Flag",
    "TodayData",
    "beijing_now",
    "build_today",
    "clock",
    "pinned_now",
    "risk_view_params",
    "today_flags",
]
