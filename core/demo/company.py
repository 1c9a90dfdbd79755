"""The deterministic demo company: 36 months of a three-site call centre, generated vectorised.

``python -m core demo [--db URL] [--end YYYY-MM-DD] [--seed N] [--scale X]`` builds it. The same seed
and end give identical rows on every engine: every random draw comes from a generator seeded by
``(seed, year, month, purpose)``, so a month's rows do not depend on the order months are made in.
Calls are generated and loaded month by month, which keeps memory flat at large ``--scale``.

The company, its teams, campaigns and planted stories are described in :mod:`core.demo.plan`.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy.engine import Engine

from core.demo import plan
from core.infra import db, schema
from core.rollup import build as rollup_build

ProgressFn = Callable[[str, float], None]

SECOND = np.timedelta64(1, "s")
DAY_S = 86_400

# Hour-of-day profiles (weights for hours 0..23).
INBOUND_HOURS = np.array(
    [2, 1, 1, 1, 1, 2, 4, 10, 40, 80, 100, 95, 70, 75, 90, 95, 85, 70, 55, 50, 40, 30, 12, 5], dtype=float
)
ROBOT_HOURS = np.array([0] * 9 + [60, 100, 90, 50, 60, 90, 100, 90, 70, 50, 40, 0, 0, 0, 0], dtype=float)
WEEKDAY_OUT = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.3])
WEEKDAY_IN = np.array([1.0, 0.95, 0.95, 0.95, 0.95, 0.8, 0.7])

COMPLAINT_CATEGORIES = ("骚扰电话", "过度营销", "服务态度", "信息泄露担忧", "催收方式", "业务办理")
VIOLATIONS = ("未报工号", "夸大宣传", "未告知录音", "辱骂客户", "未核实身份", "违规承诺")


def default_end(today: date | None = None) -> date:
    """The last day of the month before ``today``."""
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def report_year(end: date) -> int:
    """Y: the last complete calendar year that ends on or before ``end``."""
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def month_starts(start: date, end: date) -> list[date]:
    """First days of every month from ``start``'s month to ``end``'s month."""
    out = []
    d = start.replace(day=1)
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _dt64(d: date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "s")


def _splitmix(x: np.ndarray, key: int) -> np.ndarray:
    """A keyed 64-bit mixing function (splitmix64), vectorised; wraps modulo 2**64."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (key + 1)) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def customer_ids(idx: np.ndarray, seed: int) -> np.ndarray:
    """Hashed customer ids (32 hex characters) for customer indices.

    The demo has no phone numbers at all: a customer is an index, and its ``callee_id`` a keyed hash
    of it, shaped like the salted SHA-256 prefix that ``import`` stores for real numbers.
    """
    uniq, inverse = np.unique(idx, return_inverse=True)
    a = _splitmix(uniq, seed * 2 + 1)
    b = _splitmix(uniq, seed * 2 + 2)
    text = np.array([f"{int(x):016x}{int(y):016x}" for x, y in zip(a, b, strict=True)], dtype=object)
    return text[inverse]


# --------------------------------------------------------------------------------------------
# Context: the dates and the plan resolved for one build
# --------------------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything resolved once per build: the range, Y, episodes, rosters and customer pools."""

    seed: int
    scale: float
    start: date
    end: date
    y: int
    months: list[date]
    episodes: list[tuple[date, date]]
    surge_days: set[date]
    agents: pl.DataFrame = field(default_factory=pl.DataFrame)
    pools: dict[str, tuple[int, int]] = field(default_factory=dict)  # campaign → (first idx, size)
    province_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    dnc: pl.DataFrame = field(default_factory=pl.DataFrame)
    dnc_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dnc_added: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[s]"))

    def period(self, d: date) -> int:
        """0: before Y−1, 1: Y−1, 2: Y, 3: after Y."""
        if d.year < self.y - 1:
            return 0
        return {self.y - 1: 1, self.y: 2}.get(d.year, 3)

    def in_episode(self, d: date) -> bool:
        return any(a <= d <= b for a, b in self.episodes)


def make_context(*, end: date | None = None, seed: int = 7, scale: float = 1.0) -> Context:
    """Resolve the range (36 months ending at ``end``), Y, episodes, roster and customer pools."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    end = end or default_end()
    first = end.replace(day=1)
    for _ in range(35):
        first = (first - timedelta(days=1)).replace(day=1)
    y = report_year(end)
    months = month_starts(first, end)
    ctx = Context(
        seed=seed,
        scale=scale,
        start=first,
        end=end,
        y=y,
        months=months,
        episodes=plan.episodes(y, months[-1]),
        surge_days={date(y - 1, 11, d) for d in (11, 12, 13)},
    )
    # Three days of the last month with everyone in (more agents than declared seats in Y+1).
    last = months[-1]
    if last.year > y:
        ctx.surge_days |= {
            last + timedelta(days=k) for k in (23, 24, 25) if (last + timedelta(days=k)).month == last.month
        }
    ctx.agents = _make_agents(ctx)
    _make_pools(ctx)
    return ctx


# --------------------------------------------------------------------------------------------
# Roster
# --------------------------------------------------------------------------------------------


def _team_target(ctx: Context, team: plan.Team, month: date) -> int:
    p = ctx.period(month)
    size = (team.size_before, team.size_ym1, team.size_y, team.size_after)[p]
    if team.name == "金融外呼组" and month == date(ctx.y - 1, 12, 1):
        size = 8  # hired in December Y−1 to train for the new client
    if team.name == "外包客服组" and month == date(ctx.y - 1, 11, 1):
        size = team.size_ym1 + 10  # temporary staff for the 双十一 surge
    return size


def _make_agents(ctx: Context) -> pl.DataFrame:
    rng = _rng(ctx.seed, 1)
    rows: list[dict[str, Any]] = []
    next_id = 1
    for team in plan.TEAMS:
        active: list[dict[str, Any]] = []
        # Agents already there when the range starts, hired over the previous years.
        for _ in range(_team_target(ctx, team, ctx.months[0])):
            hired = ctx.start - timedelta(days=int(rng.integers(30, 1500)))
            active.append(
                {
                    "agent_id": f"A{next_id:04d}",
                    "team": team.name,
                    "site_id": team.site_id,
                    "employment": team.employment,
                    "hired_on": hired,
                    "left_on": None,
                }
            )
            next_id += 1
        for month in ctx.months:
            month_end = _month_end(month)
            target = _team_target(ctx, team, month)
            # Too many: the extras leave on the first day of the month (no longer there that day).
            while len(active) > target:
                leaver = active.pop(int(rng.integers(0, len(active))))
                leaver["left_on"] = month
                rows.append(leaver)
            # Monthly attrition, replaced by hires later in the month.
            stay = []
            for agent in active:
                if rng.random() < 0.02 and month != ctx.months[-1]:
                    agent["left_on"] = month + timedelta(days=int(rng.integers(5, 25)))
                    rows.append(agent)
                else:
                    stay.append(agent)
            replaced = len(active) - len(stay)
            active = stay
            for k in range(target - len(active)):
                late = k < replaced
                hired = month + timedelta(days=int(rng.integers(10, 27)) if late else 0)
                hired = min(hired, month_end)
                active.append(
                    {
                        "agent_id": f"A{next_id:04d}",
                        "team": team.name,
                        "site_id": team.site_id,
                        "employment": team.employment,
                        "hired_on": hired,
                        "left_on": None,
                    }
                )
                next_id += 1
        rows.extend(active)
    frame = pl.DataFrame(
        rows,
        schema={
            "agent_id": pl.String,
            "team": pl.String,
            "site_id": pl.String,
            "employment": pl.String,
            "hired_on": pl.Date,
            "left_on": pl.Date,
        },
    )
    # Shift kind: agents rotate through their team's shift pattern by their order in the team.
    shifts = {t.name: t.shifts for t in plan.TEAMS}
    frame = frame.sort("agent_id").with_columns(pl.int_range(pl.len()).over("team").alias("_k"))
    kinds = [shifts[team][k % len(shifts[team])] for team, k in zip(frame["team"], frame["_k"], strict=True)]
    return frame.with_columns(pl.Series("shift", kinds)).drop("_k")


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------


def _make_pools(ctx: Context) -> None:
    """Customer index ranges per campaign, customer provinces, and the DNC list."""
    rng = _rng(ctx.seed, 2)
    start = 0
    days = (ctx.end - ctx.start).days + 1
    for c in plan.CAMPAIGNS:
        expected = max(c.daily) * days * 0.75 * ctx.scale
        attempts = 1.3 if c.dialer == "robot" else (4.0 if c.purpose == "collection" else 2.6)
        if c.direction == "in":
            attempts = 3.0
        size = max(200, int(expected / attempts))
        ctx.pools[c.campaign_id] = (start, size)
        start += size
    # Out-of-coverage customers (an unfiltered list, used by C12 in April Y) and the DNC list.
    ctx.pools["_outside"] = (start, max(200, int(4000 * ctx.scale)))
    start += ctx.pools["_outside"][1]
    n_dnc = max(300, int(3000 * min(ctx.scale, 4)))
    ctx.pools["_dnc"] = (start, n_dnc)
    start += n_dnc

    names = list(plan.IN_COVERAGE_WEIGHTS)
    weights = np.array(list(plan.IN_COVERAGE_WEIGHTS.values()), dtype=float)
    prov = rng.choice(len(names), size=start, p=weights / weights.sum()).astype(np.int16)
    o0, on = ctx.pools["_outside"]
    n_out = len(plan.OUT_OF_COVERAGE)
    outside = rng.integers(0, n_out + len(plan.BLOCKED), size=on)
    # About one in eight of the unfiltered list lives in 新疆 or 西藏.
    outside = np.where(
        rng.random(on) < 0.12, n_out + rng.integers(0, 2, size=on), rng.integers(0, n_out, size=on)
    )
    prov[o0 : o0 + on] = len(names) + outside
    ctx.province_of = prov

    # DNC: customers who asked not to be called, added over the range before the first episode.
    d0, dn = ctx.pools["_dnc"]
    ctx.dnc_idx = np.arange(d0, d0 + dn, dtype=np.int64)
    first_ep = ctx.episodes[0][0]
    span = max(1, (first_ep - ctx.start).days - 2)
    added = _dt64(ctx.start) + (rng.integers(0, span * DAY_S, size=dn)) * SECOND
    ctx.dnc_added = added
    sources = np.array(["customer_request", "12321", "client", "internal"], dtype=object)
    ctx.dnc = pl.DataFrame(
        {
            "callee_id": customer_ids(ctx.dnc_idx, ctx.seed).tolist(),
            "added_at": added.astype("datetime64[us]"),
            "source": sources[rng.choice(4, size=dn, p=[0.6, 0.15, 0.15, 0.1])].tolist(),
        }
    )


# --------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------


def _sessions_month(ctx: Context, month: date) -> pl.DataFrame:
    """Agent sessions starting in ``month``: one per agent and working day."""
    rng = _rng(ctx.seed, month.year, month.month, 10)
    days = [month + timedelta(days=k) for k in range((_month_end(month) - month).days + 1)]
    agents = ctx.agents
    hired = agents["hired_on"].to_numpy().astype("datetime64[D]")
    left = agents["left_on"].to_numpy().astype("datetime64[D]")
    n_agents = agents.height
    day_arr = np.array([np.datetime64(d.isoformat(), "D") for d in days])
    on_roster = (hired[None, :] <= day_arr[:, None]) & (
        np.isnat(left)[None, :] | (day_arr[:, None] < left[None, :])
    )
    weekday = np.array([d.weekday() for d in days])
    p_work = np.where(weekday < 5, 0.82, 0.42)
    surge = np.array([d in ctx.surge_days for d in days])
    p_work = np.where(surge, 1.0, p_work)
    works = on_roster & (rng.random((len(days), n_agents)) < p_work[:, None])
    di, ai = np.nonzero(works)

    shift = agents["shift"].to_numpy()[ai]
    login_h = np.array([plan.SHIFTS[s][0][0] * 3600 + plan.SHIFTS[s][0][1] * 60 for s in shift])
    logout_h = np.array([plan.SHIFTS[s][1][0] * 3600 + plan.SHIFTS[s][1][1] * 60 for s in shift])
    night = np.array([plan.SHIFTS[s][2] for s in shift])
    n = len(di)
    login = day_arr[di].astype("datetime64[s]") + (login_h + rng.integers(-600, 420, size=n)) * SECOND
    logout_off = logout_h + np.where(night, DAY_S, 0) - rng.integers(0, 600, size=n)
    logout = day_arr[di].astype("datetime64[s]") + logout_off * SECOND
    # Lunch, training and coaching: 75 to 120 minutes a day away from the phone.
    breaks = 4500 + rng.integers(0, 2700, size=n)

    # After-hours pushes in the rogue weeks: the team's late shift stays until about 21:50.
    team = agents["team"].to_numpy()[ai]
    late_push = np.array([_after_hours_day(ctx, days[i]) for i in range(len(days))])[di]
    extend = late_push & (team == plan.ROGUE_TEAM) & (shift == "out_late")
    logout = np.where(extend, day_arr[di].astype("datetime64[s]") + (21 * 3600 + 3000) * SECOND, logout)

    frame = pl.DataFrame(
        {
            "agent_id": agents["agent_id"].to_numpy()[ai],
            "login_at": login.astype("datetime64[us]"),
            "logout_at": logout.astype("datetime64[us]"),
            "break_seconds": breaks.astype(np.int64),
            "_team": team,
            "_shift": shift,
            "_day": day_arr[di],
        }
    )
    # Export defect: one session in October Y was never closed.
    if month == date(ctx.y, 10, 1) and frame.height:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 17).then(None).otherwise(pl.col("logout_at")).alias("logout_at")
        )
    return frame


def _after_hours_day(ctx: Context, d: date) -> bool:
    """Rogue-week days on which C08 keeps calling after 21:00 (Tuesdays and Thursdays)."""
    return ctx.in_episode(d) and d.weekday() in (1, 3)


def _abandon_day(ctx: Context, d: date) -> bool:
    """Rogue-week days on which C08's dialer runs too hot (Mondays, Wednesdays and Fridays)."""
    return ctx.in_episode(d) and d.weekday() in (0, 2, 4)


# --------------------------------------------------------------------------------------------
# Calls
# --------------------------------------------------------------------------------------------


def _pick_sessions(rng: np.random.Generator, keys: np.ndarray, session_keys: np.ndarray) -> np.ndarray:
    """For each call key, the index of a random session with the same key (−1 if none).

    ``session_keys`` must be sorted. Keys are integers combining day and team (or shift group).
    """
    lo = np.searchsorted(session_keys, keys, side="left")
    hi = np.searchsorted(session_keys, keys, side="right")
    count = hi - lo
    pick = lo + np.floor(rng.random(len(keys)) * np.maximum(count, 1)).astype(np.int64)
    return np.where(count > 0, pick, -1)


def _calls_month(ctx: Context, month: date, sessions: pl.DataFrame) -> pl.DataFrame:
    rng = _rng(ctx.seed, month.year, month.month, 20)
    days = [month + timedelta(days=k) for k in range((_month_end(month) - month).days + 1)]
    if month == ctx.months[-1]:
        days = [d for d in days if d <= ctx.end]
    n_days = len(days)
    campaigns = plan.CAMPAIGNS
    camp_index = {c.campaign_id: i for i, c in enumerate(campaigns)}

    # Expected calls per (day, campaign).
    lam = np.zeros((n_days, len(campaigns)))
    for j, c in enumerate(campaigns):
        for i, d in enumerate(days):
            p = ctx.period(d)
            base = c.daily[p]
            if c.ends_ym1 and d.year >= ctx.y:
                base = 0.0
            if c.starts_y and d.year < ctx.y:
                base = 0.0
            factor = (WEEKDAY_IN if c.direction == "in" else WEEKDAY_OUT)[d.weekday()]
            if c.campaign_id == plan.ROGUE_CAMPAIGN and ctx.in_episode(d):
                factor *= 3.4
            lam[i, j] = base * factor * ctx.scale
    counts = rng.poisson(lam)
    di, ci = np.nonzero(counts)
    reps = counts[di, ci]
    day_i = np.repeat(di, reps)
    camp_i = np.repeat(ci, reps)
    n = len(day_i)
    day_arr = np.array([np.datetime64(d.isoformat(), "D") for d in days])
    day_start = day_arr[day_i].astype("datetime64[s]")

    c_dir = np.array([c.direction for c in campaigns])[camp_i]
    c_robot = np.array([c.team is None for c in campaigns])[camp_i]
    c_team = np.array([c.team or "" for c in campaigns], dtype=object)[camp_i]
    inbound = c_dir == "in"
    in_ep = np.array([ctx.in_episode(d) for d in days])[day_i]
    rogue = (camp_i == camp_index[plan.ROGUE_CAMPAIGN]) & in_ep

    # ---- agent and start time -------------------------------------------------------------
    agent_idx = np.full(n, -1, dtype=np.int64)
    started = np.zeros(n, dtype="datetime64[s]")
    s_agent = sessions["agent_id"].to_numpy()
    s_login = sessions["login_at"].to_numpy().astype("datetime64[s]")
    s_logout = (
        sessions["logout_at"]
        .fill_null(sessions["login_at"] + timedelta(hours=9))
        .to_numpy()
        .astype("datetime64[s]")
    )
    s_day = sessions["_day"].to_numpy().astype("datetime64[D]")
    s_team = sessions["_team"].to_numpy()
    s_shift = sessions["_shift"].to_numpy()
    team_codes = {t.name: k for k, t in enumerate(plan.TEAMS)}
    day_num = (s_day - day_arr[0]).astype(np.int64)

    # Outbound human calls: a random session of the campaign's team that day, at a random time
    # within it (ending 15 minutes before logout).
    human_out = ~inbound & ~c_robot
    s_key = day_num * 100 + np.array([team_codes[t] for t in s_team], dtype=np.int64)
    order = np.argsort(s_key, kind="stable")
    s_key_sorted = s_key[order]
    call_key = day_i.astype(np.int64) * 100 + np.array(
        [team_codes.get(t, 99) for t in c_team], dtype=np.int64
    )
    pick = _pick_sessions(rng, call_key[human_out], s_key_sorted)
    sess = np.where(pick >= 0, order[np.maximum(pick, 0)], -1)
    idx = np.nonzero(human_out)[0]
    ok = sess >= 0
    # Within the session and within the campaign's calling window (08:00 or, for life insurance,
    # 09:00, to 21:00); the planted after-hours calls are added below.
    open_s = (
        np.where(np.array([c.client_industry == "寿险" for c in campaigns])[camp_i[idx[ok]]], 9, 8) * 3600
    )
    lo = np.maximum(s_login[sess[ok]], day_start[idx[ok]] + open_s * SECOND)
    hi = np.minimum(s_logout[sess[ok]] - 900 * SECOND, day_start[idx[ok]] + (21 * 3600 - 60) * SECOND)
    span = np.maximum((hi - lo).astype(np.int64), 60)
    started[idx[ok]] = lo + (rng.random(ok.sum()) * span).astype(np.int64) * SECOND
    agent_idx[idx[ok]] = sess[ok]
    keep = np.ones(n, dtype=bool)
    keep[idx[~ok]] = False  # nobody of the team at work that day: the calls were not made

    # Robot calls: by the robot hour profile.
    idx = np.nonzero(c_robot)[0]
    hours = rng.choice(24, size=len(idx), p=ROBOT_HOURS / ROBOT_HOURS.sum())
    started[idx] = day_start[idx] + (hours * 3600 + rng.integers(0, 3600, size=len(idx))) * SECOND

    # Inbound: arrivals by the hour profile; answered by a session of the shift covering the hour.
    idx = np.nonzero(inbound)[0]
    hours = rng.choice(24, size=len(idx), p=INBOUND_HOURS / INBOUND_HOURS.sum())
    started[idx] = day_start[idx] + (hours * 3600 + rng.integers(0, 3600, size=len(idx))) * SECOND
    in_teams = plan.INBOUND_TEAMS_BEFORE_Y  # sessions exist only for teams on the roster
    shift_code = {"in_early": 1, "in_late": 2, "night": 3}
    is_in_sess = np.isin(s_team, (*in_teams, plan.NIGHT_TEAM))
    s_group = np.where(is_in_sess, np.array([shift_code.get(s, 0) for s in s_shift]), 0)
    s_key2 = day_num * 10 + s_group
    s_key2 = np.where(is_in_sess, s_key2, -1)
    order2 = np.argsort(s_key2, kind="stable")
    s_key2_sorted = s_key2[order2]
    h = hours
    group = np.where(
        (h >= 22) | (h < 8), 3, np.where(h < 13, 1, np.where(h >= 17, 2, 1 + (rng.random(len(idx)) < 0.5)))
    )
    sess_day = day_i[idx] - ((h < 8) & (group == 3)).astype(np.int64)  # before 08:00: last night's shift
    pick = _pick_sessions(rng, sess_day * 10 + group, s_key2_sorted)
    in_sess = np.where(pick >= 0, order2[np.maximum(pick, 0)], -1)

    # Load per (day, hour): offered work against agents of that shift that day.
    uniq_keys, sess_count = np.unique(s_key2_sorted, return_counts=True)
    want = sess_day * 10 + group
    pos_c = np.minimum(np.searchsorted(uniq_keys, want), max(len(uniq_keys) - 1, 0))
    staff = np.where(uniq_keys[pos_c] == want, sess_count[pos_c], 0) if len(uniq_keys) else np.zeros(len(idx))
    hour_key = day_i[idx] * 24 + h
    per_hour = np.bincount(hour_key, minlength=n_days * 24)[hour_key] / ctx.scale
    rho = per_hour * 330.0 / 3600.0 / np.maximum(staff, 0.5)
    p_abandon_in = np.clip(0.03 + 0.6 * np.maximum(rho - 0.75, 0), 0.02, 0.6)
    p_abandon_in = np.where(in_sess < 0, 1.0, p_abandon_in)

    # ---- dispositions ----------------------------------------------------------------------
    p_answer = np.array([c.p_answer for c in campaigns])[camp_i]
    p_answer = np.where(rogue, 0.16, p_answer)
    abandon_share = np.array([c.abandon_share for c in campaigns])[camp_i]
    abandon_share = np.where(
        rogue & np.array([_abandon_day(ctx, d) for d in days])[day_i], 0.07, abandon_share
    )
    u = rng.random(n)
    disp = np.empty(n, dtype=object)
    # Outbound: answered (of which a share dropped by the dialer), else no answer / busy / failed / rejected.
    answered_out = u < p_answer
    v = rng.random(n)
    dropped = answered_out & (v < abandon_share)
    rest = (u - p_answer) / np.maximum(1 - p_answer, 1e-9)
    disp[:] = np.where(
        rest < 0.62, "no_answer", np.where(rest < 0.8, "busy", np.where(rest < 0.9, "failed", "rejected"))
    )
    disp[answered_out] = "answered"
    disp[dropped] = "abandoned"
    # A dialer drop: the customer answered and no agent joined, so the call has no agent.
    agent_idx[dropped & ~inbound] = -1
    in_ab = rng.random(len(idx)) < p_abandon_in
    disp[idx] = np.where(in_ab, "abandoned", "answered")
    agent_idx[idx] = np.where(in_ab, -1, in_sess)
    connected = disp == "answered"

    # ---- durations -------------------------------------------------------------------------
    short_share = np.array([c.short_share for c in campaigns])[camp_i]
    short_share = np.where(rogue, 0.62, short_share)
    talk_median = np.array([c.talk_median for c in campaigns])[camp_i]
    is_short = connected & (rng.random(n) < short_share)
    talk = np.where(
        is_short, rng.integers(1, 6, size=n), np.round(talk_median * rng.lognormal(0.0, 0.55, size=n))
    )
    # A band of calls just around the 30-second line, so the effective-call edge is exercised.
    talk = np.where(connected & ~is_short & (rng.random(n) < 0.04), rng.integers(28, 33, size=n), talk)
    talk = np.where(connected, np.maximum(talk, 1), 0).astype(np.int64)
    ring = np.where(
        inbound,
        np.where(
            disp == "answered", rng.exponential(5.0 * (1 + 4 * np.clip(rho_full(rho, idx, n) - 0.6, 0, 2))), 0
        ),
        0,
    )
    ring = np.round(ring).astype(np.int64)
    ring_out = np.select(
        [disp == "answered", disp == "abandoned", disp == "no_answer", disp == "busy", disp == "failed"],
        [
            rng.integers(4, 21, size=n),
            rng.integers(4, 21, size=n),
            rng.integers(30, 61, size=n),
            rng.integers(1, 4, size=n),
            rng.integers(0, 2, size=n),
        ],
        default=rng.integers(3, 12, size=n),
    )
    ring = np.where(inbound, ring, ring_out)
    in_ab_full = inbound & (disp == "abandoned")
    ring = np.where(in_ab_full, rng.integers(5, 90, size=n), ring).astype(np.int64)
    human = agent_idx >= 0
    wrap = np.where(connected & human, rng.integers(20, 80, size=n) + np.where(inbound, 60, 0), 0).astype(
        np.int64
    )
    two_way = np.where(connected, rng.random(n) >= 0.03, False)
    recorded = np.where(connected, rng.random(n) >= 0.003, False)

    # ---- after-hours calls -----------------------------------------------------------------
    ah_day = np.array([_after_hours_day(ctx, d) for d in days])[day_i]
    late = rogue & ah_day & (rng.random(n) < 0.12)
    started = np.where(late, day_start + (21 * 3600 + rng.integers(60, 2400, size=n)) * SECOND, started)
    if late.any():
        # The late calls belong to agents on the extended late shift that day.
        late_idx = np.nonzero(late)[0]
        ext_sess = np.nonzero((s_team == plan.ROGUE_TEAM) & (s_shift == "out_late"))[0]
        ext_day = (s_day[ext_sess] - day_arr[0]).astype(np.int64)
        ord3 = np.argsort(ext_day, kind="stable")
        pick = _pick_sessions(rng, day_i[late_idx].astype(np.int64), ext_day[ord3])
        has = pick >= 0
        agent_idx[late_idx[has]] = ext_sess[ord3[pick[has]]]

    # ---- caller numbers --------------------------------------------------------------------
    number_lists = [list(c.numbers) for c in campaigns]
    caller = np.empty(n, dtype=object)
    for j, nums in enumerate(number_lists):
        m = camp_i == j
        if m.any():
            caller[m] = np.array(nums, dtype=object)[rng.integers(0, len(nums), size=int(m.sum()))]
    caller[rogue] = plan.RISK_NUMBER
    released = date(ctx.y, 6, 30)
    c01 = camp_i == camp_index["C01"]
    after_release = np.array([d > released for d in days])[day_i]
    grace = np.array([released < d <= released + timedelta(days=12) for d in days])[day_i]
    # C01 drops the released number, except for twelve days after its release (a planted lapse).
    swap = c01 & after_release & ~grace & (caller == plan.RELEASED_NUMBER)
    caller[swap] = "0571-XXXX0001"
    mobile_days = np.array([date(ctx.y, 11, 1) <= d <= date(ctx.y, 11, 14) for d in days])[day_i]
    c09_mobile = (camp_i == camp_index["C09"]) & mobile_days & (rng.random(n) < 0.5)
    caller[c09_mobile] = plan.UNREGISTERED_MOBILE

    # ---- customers -------------------------------------------------------------------------
    pool_start = np.array([ctx.pools[c.campaign_id][0] for c in campaigns], dtype=np.int64)[camp_i]
    pool_size = np.array([ctx.pools[c.campaign_id][1] for c in campaigns], dtype=np.int64)[camp_i]
    cust = pool_start + np.floor(rng.random(n) * pool_size).astype(np.int64)
    # C12 dials an unfiltered list for three weeks of April Y: out-of-coverage and blocked regions.
    lapse = (
        (camp_i == camp_index["C12"])
        & np.array([date(ctx.y, 4, 1) <= d <= date(ctx.y, 4, 21) for d in days])[day_i]
        & (rng.random(n) < 0.06)
    )
    o0, on = ctx.pools["_outside"]
    cust = np.where(lapse, o0 + rng.integers(0, on, size=n), cust)

    # Rogue weeks: some C08 calls reach customers on the DNC list (added before the call).
    dnc_hit = rogue & (rng.random(n) < 0.015)
    if dnc_hit.any():
        hit_idx = np.nonzero(dnc_hit)[0]
        order_added = np.argsort(ctx.dnc_added)
        added_sorted = ctx.dnc_added[order_added]
        limit = np.searchsorted(added_sorted, day_start[hit_idx] - DAY_S * SECOND)
        choice = np.floor(rng.random(len(hit_idx)) * np.maximum(limit, 1)).astype(np.int64)
        good = limit > 0
        cust[hit_idx[good]] = ctx.dnc_idx[order_added[choice[good]]]

    # ---- assemble, then plant per-callee cap breaches ----------------------------------------
    ended = started + (ring + talk) * SECOND
    answered_at = np.where(connected, started + ring * SECOND, np.datetime64("NaT", "s"))
    frame = (
        pl.DataFrame(
            {
                "_camp": camp_i.astype(np.int32),
                "_cust": cust,
                "_agent_sess": agent_idx,
                "direction": c_dir,
                "started_at": started.astype("datetime64[us]"),
                "answered_at": answered_at.astype("datetime64[us]"),
                "ended_at": ended.astype("datetime64[us]"),
                "ring_seconds": ring,
                "talk_seconds": talk,
                "wrap_seconds": wrap,
                "two_way_voice": two_way,
                "disposition": disp.astype(str),
                "caller_number": caller.astype(str),
                "recorded": recorded,
                "robot": c_robot,
                "_rogue": rogue,
                "_keep": keep,
            }
        )
        .filter(pl.col("_keep"))
        .drop("_keep")
    )
    frame = _plant_cap_breaches(ctx, rng, frame)

    # ---- ids and lookups --------------------------------------------------------------------
    frame = frame.sort("started_at", "_camp", "_cust", maintain_order=True)
    agent_of_sess = np.append(s_agent.astype(object), np.array([None], dtype=object))
    sess_i = frame["_agent_sess"].to_numpy()
    agent = agent_of_sess[np.where(sess_i >= 0, sess_i, len(s_agent))]
    prov_names = np.array(
        list(plan.IN_COVERAGE_WEIGHTS) + list(plan.OUT_OF_COVERAGE) + list(plan.BLOCKED), dtype=object
    )
    cust_f = frame["_cust"].to_numpy()
    province = prov_names[ctx.province_of[cust_f]]
    is_in = frame["direction"].to_numpy() == "in"
    # Inbound callers' location is unknown for about 1 % of calls (withheld or unknown prefix).
    unknown = is_in & (rng.random(frame.height) < 0.01)
    province = np.where(unknown, np.array(None, dtype=object), province)
    camp_ids = np.array([c.campaign_id for c in campaigns], dtype=object)[frame["_camp"].to_numpy()]
    robot = frame["robot"].to_numpy()
    disp_f = frame["disposition"].to_numpy()
    hangup = np.where(
        disp_f == "answered",
        np.where(rng.random(frame.height) < 0.7, "customer", "agent"),
        np.where(disp_f == "abandoned", np.where(is_in, "customer", "system"), "system"),
    )
    hangup = np.where(robot & (disp_f == "answered") & (hangup == "agent"), "system", hangup)
    prefix = f"{month.year:04d}{month.month:02d}-"
    frame = frame.with_columns(
        (pl.lit(prefix) + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)).alias("call_id"),
        _str_series("agent_id", agent),
        _str_series("campaign_id", camp_ids),
        _str_series("callee_id", customer_ids(cust_f, ctx.seed)),
        _str_series("callee_province", province),
        _str_series("hangup_by", hangup),
    )
    # Export defect: a temporary agent who never made it onto the roster (February Y, C04).
    if month == date(ctx.y, 2, 1):
        ghost = (
            (pl.col("campaign_id") == "C04")
            & pl.col("agent_id").is_not_null()
            & (pl.int_range(pl.len()) % 40 == 0)
        )
        frame = frame.with_columns(
            pl.when(ghost).then(pl.lit(plan.GHOST_AGENT)).otherwise(pl.col("agent_id")).alias("agent_id")
        )
    return frame


def _str_series(name: str, values: np.ndarray) -> pl.Series:
    """A string column from a numpy object array that may hold ``None``."""
    return pl.Series(name, values.tolist(), dtype=pl.String)


def rho_full(rho: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """Spread the inbound load factor over all calls (zero for outbound)."""
    out = np.zeros(n)
    out[idx] = rho
    return out


def _plant_cap_breaches(ctx: Context, rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """In rogue weeks, give a few customers 6 calls in a day and a few 4 calls within 5 minutes.

    Existing C08 calls are re-pointed at one customer, so volumes and times stay as generated;
    the burst spans both of the campaign's numbers in the 5-minute case (caps apply across numbers).
    """
    rogue = frame["_rogue"].to_numpy()
    if not rogue.any():
        return frame
    cust = frame["_cust"].to_numpy().copy()
    caller = frame["caller_number"].to_numpy().astype(object).copy()
    started = frame["started_at"].to_numpy()
    day = started.astype("datetime64[D]")
    idx_all = np.nonzero(rogue)[0]
    fresh = ctx.pools["C08"][0]
    for d in np.unique(day[idx_all]):
        idx = idx_all[day[idx_all] == d]
        idx = idx[np.argsort(started[idx], kind="stable")]
        if len(idx) < 40:
            continue
        # Two customers with six calls that day (cap: five per rolling 24 h).
        for _ in range(2):
            chosen = rng.choice(idx, size=6, replace=False)
            cust[chosen] = fresh + int(rng.integers(0, ctx.pools["C08"][1]))
        # One customer with four calls inside five minutes (cap: three per 5 minutes).
        for start in range(len(idx) - 4, 0, -max(1, len(idx) // 3)):
            window = idx[start : start + 4]
            if (started[window[-1]] - started[window[0]]) < np.timedelta64(300, "s"):
                cust[window] = fresh + int(rng.integers(0, ctx.pools["C08"][1]))
                caller[window[::2]] = "0551-XXXX0001"
                break
    return frame.with_columns(pl.Series("_cust", cust), _str_series("caller_number", caller))


# --------------------------------------------------------------------------------------------
# Complaints and QA
# --------------------------------------------------------------------------------------------


def _complaints_month(ctx: Context, month: date, calls: pl.DataFrame) -> pl.DataFrame:
    rng = _rng(ctx.seed, month.year, month.month, 30)
    conn = calls.filter(pl.col("disposition") == "answered")
    rogue = conn["_rogue"].to_numpy()
    inbound = conn["direction"].to_numpy() == "in"
    p = np.where(rogue, 0.03, np.where(inbound, 0.00006, 0.00022))
    picked = rng.random(conn.height) < p
    sel = conn.filter(pl.Series(picked))
    if sel.height == 0:
        return _empty_like("complaints")
    rog = sel["_rogue"].to_numpy()
    m = sel.height
    channels_bg = np.array(["client", "internal", "carrier"], dtype=object)
    channels_rogue = np.array(["12321", "miit", "carrier", "client", "internal"], dtype=object)
    ch = np.where(
        rog,
        channels_rogue[rng.choice(5, size=m, p=[0.35, 0.1, 0.25, 0.2, 0.1])],
        channels_bg[rng.choice(3, size=m, p=[0.45, 0.3, 0.25])],
    )
    is_in = sel["direction"].to_numpy() == "in"
    cats = np.array(COMPLAINT_CATEGORIES, dtype=object)
    cat = np.where(
        rog,
        cats[rng.integers(0, 2, size=m)],
        np.where(is_in, cats[rng.choice([2, 5], size=m)], cats[rng.integers(0, 5, size=m)]),
    )
    received = (
        sel["ended_at"].to_numpy().astype("datetime64[s]") + rng.integers(1800, 72 * 3600, size=m) * SECOND
    )
    reply_ok = rng.random(m) < np.where(rog, 0.88, 0.975)
    replied = received + rng.integers(2 * 3600, 72 * 3600, size=m) * SECOND
    horizon = np.datetime64((ctx.end + timedelta(days=1)).isoformat(), "s")
    replied = np.where(reply_ok & (replied < horizon), replied, np.datetime64("NaT", "s"))
    keep = received < horizon
    frame = pl.DataFrame(
        {
            "received_at": received.astype("datetime64[us]"),
            "channel": ch.astype(str),
            "caller_number": sel["caller_number"],
            "callee_id": sel["callee_id"],
            "call_id": sel["call_id"],
            "category": cat.astype(str),
            "substantiated": rng.random(m) < np.where(rog, 0.7, 0.35),
            "replied_at": replied.astype("datetime64[us]"),
        }
    ).filter(pl.Series(keep))
    # Two regulator complaints outside the rogue weeks, in March Y−1 and March Y−2 (a history).
    frame = frame.sort("received_at", "call_id")
    if month in (date(ctx.y - 1, 3, 1), date(ctx.y - 2, 3, 1)) and frame.height:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(pl.lit("12321"))
            .otherwise(pl.col("channel"))
            .alias("channel")
        )
    prefix = f"CP{month.year:04d}{month.month:02d}-"
    return frame.with_columns(
        (pl.lit(prefix) + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5)).alias("complaint_id")
    )


def _qa_month(ctx: Context, month: date, calls: pl.DataFrame) -> pl.DataFrame:
    rng = _rng(ctx.seed, month.year, month.month, 40)
    human = calls.filter((pl.col("disposition") == "answered") & pl.col("agent_id").is_not_null())
    rogue = human["_rogue"].to_numpy()
    picked = rng.random(human.height) < np.where(rogue, 0.06, 0.03)
    sel = human.filter(pl.Series(picked))
    m = sel.height
    if m == 0:
        return _empty_like("qa_reviews")
    rog = sel["_rogue"].to_numpy()
    score = np.clip(np.round(rng.normal(np.where(rog, 74, 88), 6.5)), 30, 100).astype(np.int64)
    passed = score >= 80
    viol = np.array(VIOLATIONS, dtype=object)
    first = viol[rng.integers(0, len(VIOLATIONS), size=m)]
    second = viol[rng.integers(0, len(VIOLATIONS), size=m)]
    both = rng.random(m) < 0.3
    text = np.where(both & (first != second), first + "," + second, first)
    violations = np.where(passed, np.array(None, dtype=object), text)
    reviewed = (
        sel["ended_at"].to_numpy().astype("datetime64[s]") + rng.integers(3600, 4 * DAY_S, size=m) * SECOND
    )
    prefix = f"QA{month.year:04d}{month.month:02d}-"
    frame = pl.DataFrame(
        {
            "call_id": sel["call_id"],
            "reviewed_at": reviewed.astype("datetime64[us]"),
            "score": score,
            "passed": passed,
            "violations": _str_series("violations", violations),
        }
    )
    horizon = np.datetime64((ctx.end + timedelta(days=1)).isoformat(), "s")
    frame = frame.filter(pl.Series(reviewed < horizon))
    return frame.with_columns(
        (pl.lit(prefix) + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6)).alias("review_id")
    )


def _empty_like(table: str) -> pl.DataFrame:
    tbl = schema.metadata.tables[table]
    return pl.DataFrame({c.name: pl.Series([], dtype=pl.String) for c in tbl.columns})


# --------------------------------------------------------------------------------------------
# Small tables
# --------------------------------------------------------------------------------------------


def _small_tables(ctx: Context) -> dict[str, pl.DataFrame]:
    y = ctx.y
    sites = pl.DataFrame(
        [
            {
                "site_id": sid,
                "name": name,
                "province": prov,
                "city": city,
                "opened_on": date(y - years, m, d),
                "closed_on": None,
            }
            for sid, name, prov, city, years, (m, d) in plan.SITES
        ],
        schema={
            "site_id": pl.String,
            "name": pl.String,
            "province": pl.String,
            "city": pl.String,
            "opened_on": pl.Date,
            "closed_on": pl.Date,
        },
    )
    seats_rows = []
    for sid, _, _, _, years, (m, d) in plan.SITES:
        seats_rows.append(
            {
                "site_id": sid,
                "effective_from": date(y - years, m, d),
                "declared_seats": plan.SEATS_BEFORE[sid],
            }
        )
        seats_rows.append(
            {"site_id": sid, "effective_from": date(y, 1, 1), "declared_seats": plan.SEATS_FROM_Y[sid]}
        )
    campaigns = pl.DataFrame(
        [
            {
                "campaign_id": c.campaign_id,
                "name": c.name,
                "purpose": c.purpose,
                "client": c.client,
                "client_industry": c.client_industry,
                "script_id": c.script_id,
                "dialer": c.dialer,
            }
            for c in plan.CAMPAIGNS
        ]
    )
    licences = pl.DataFrame(
        [
            {
                "licence_no": "B2-示例-0001",
                "business_code": "B24",
                "coverage": ",".join(plan.COVERAGE),
                "valid_from": date(y - 3, 3, 15),
                "valid_to": date(y + 2, 3, 14),
            }
        ]
    )
    checklist = _checklist(ctx)
    benchmarks = pl.DataFrame(
        [
            {
                "metric": metric,
                "year": year,
                "value": value,
                "source": "演示数据,仅供示意(illustrative demo figure, not an official statistic)",
            }
            for year in range(ctx.start.year, ctx.end.year + 1)
            for metric, value in (
                ("complaints_per_10k", 3.2),
                ("qa_pass_rate", 0.85),
                ("connect_rate", 0.35),
                ("occupancy", 0.75),
                ("effective_talk_hours_per_agent_month", 30.0),
            )
        ]
    )
    return {
        "company": pl.DataFrame([plan.COMPANY]),
        "finance": pl.DataFrame(plan.finance_table(y, ctx.start)),
        "licences": licences,
        "sites": sites,
        "site_seats": pl.DataFrame(seats_rows),
        "agents": ctx.agents.drop("shift"),
        "campaigns": campaigns,
        "scripts": pl.DataFrame(plan.scripts_table(y)),
        "numbers": pl.DataFrame(plan.numbers_table(y), schema_overrides={"released_on": pl.Date}),
        "dnc": ctx.dnc,
        "shareholders": pl.DataFrame(plan.shareholders_table(y, ctx.start)),
        "checklist": checklist,
        "benchmarks": benchmarks,
    }


def _checklist(ctx: Context) -> pl.DataFrame:
    """The eight steps for every report year whose filing falls in or after the range.

    Steps due on or before the end of the data are done (a few days early, signed); later ones are open.
    """
    rng = _rng(ctx.seed, 3)
    rows = []
    for year in range(ctx.start.year - 1, ctx.end.year + 1):
        for step in range(1, 9):
            due = plan.step_due(year, step)
            done = due <= ctx.end
            rows.append(
                {
                    "year": year,
                    "step": step,
                    "due_on": due,
                    "done_on": due - timedelta(days=int(rng.integers(0, 6))) if done else None,
                    "owner": plan.STEP_OWNERS[step - 1],
                    "signer": ("张明(示例)" if step in (4, 6) else plan.STEP_OWNERS[step - 1])
                    if done
                    else None,
                    "note": None,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"done_on": pl.Date, "signer": pl.String, "note": pl.String})


def _submissions(ctx: Context, yearly: dict[int, dict[str, float]]) -> pl.DataFrame:
    """Stored submissions for complete years in range whose filing (31 March) has passed.

    The payload holds a few headline values keyed by metric key. The Y−1 submission reports three
    complaints fewer than the data holds (late complaints were missed): a consistency finding.
    """
    rows = []
    for year, values in sorted(yearly.items()):
        if date(year, 1, 1) < ctx.start or date(year, 12, 31) > ctx.end:
            continue
        submitted = datetime(year + 1, 3, 28, 16, 30)
        if submitted.date() > ctx.end:
            continue
        payload = dict(values)
        if year == ctx.y - 1:
            payload["complaints"] = payload["complaints"] - 3
        rows.append(
            {
                "year": year,
                "submitted_at": submitted,
                "receipt_no": f"NB{year + 1}-示例-{year % 100:02d}01",
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "year": pl.Int64,
            "submitted_at": pl.Datetime("us"),
            "receipt_no": pl.String,
            "payload": pl.String,
        },
    )


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

_INTERNAL = ("_camp", "_cust", "_agent_sess", "_rogue")


def iter_months(ctx: Context) -> Iterator[tuple[date, dict[str, pl.DataFrame]]]:
    """Yield ``(month, {table: frame})`` for the per-month tables: sessions, calls, complaints, QA."""
    for month in ctx.months:
        sessions = _sessions_month(ctx, month)
        calls = _calls_month(ctx, month, sessions)
        complaints = _complaints_month(ctx, month, calls)
        qa = _qa_month(ctx, month, calls)
        yield (
            month,
            {
                "agent_sessions": sessions.drop("_team", "_shift", "_day"),
                "calls": calls.drop(*_INTERNAL),
                "complaints": complaints,
                "qa_reviews": qa,
            },
        )


def _yearly_tally(yearly: dict[int, dict[str, float]], calls: pl.DataFrame, complaints: pl.DataFrame) -> None:
    by = calls.group_by(pl.col("started_at").dt.year().alias("y")).agg(
        (pl.col("direction") == "out").sum().alias("outbound_calls"),
        (pl.col("direction") == "in").sum().alias("inbound_calls"),
    )
    for row in by.iter_rows(named=True):
        acc = yearly.setdefault(int(row["y"]), {"outbound_calls": 0, "inbound_calls": 0, "complaints": 0})
        acc["outbound_calls"] += int(row["outbound_calls"])
        acc["inbound_calls"] += int(row["inbound_calls"])
    if complaints.height:
        byc = complaints.group_by(pl.col("received_at").dt.year().alias("y")).len()
        for row in byc.iter_rows(named=True):
            acc = yearly.setdefault(int(row["y"]), {"outbound_calls": 0, "inbound_calls": 0, "complaints": 0})
            acc["complaints"] += int(row["len"])


def generate(*, end: date | None = None, seed: int = 7, scale: float = 1.0) -> dict[str, pl.DataFrame]:
    """The whole demo in memory, ``{table: frame}`` for every table of DOMAIN.md §4.

    Meant for small scales (tests, benchmarks of generation); :func:`build_demo` streams month by month.
    """
    ctx = make_context(end=end, seed=seed, scale=scale)
    tables = _small_tables(ctx)
    parts: dict[str, list[pl.DataFrame]] = {
        "agent_sessions": [],
        "calls": [],
        "complaints": [],
        "qa_reviews": [],
    }
    yearly: dict[int, dict[str, float]] = {}
    for _, frames in iter_months(ctx):
        for name, frame in frames.items():
            parts[name].append(frame)
        _yearly_tally(yearly, frames["calls"], frames["complaints"])
    for name, frames_list in parts.items():
        non_empty = [f for f in frames_list if f.height]
        tables[name] = pl.concat(non_empty, how="diagonal_relaxed") if non_empty else _empty_like(name)
    tables["report_submissions"] = _submissions(ctx, _with_outbound_share(yearly))
    return {t.name: tables[t.name] for t in schema.TABLES}


def _with_outbound_share(yearly: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    out = {}
    for year, v in yearly.items():
        total = v["outbound_calls"] + v["inbound_calls"]
        out[year] = {**v, "outbound_share": round(v["outbound_calls"] / total, 6) if total else None}
    return out  # type: ignore[return-value]


def build_demo(
    engine: Engine,
    *,
    end: date | None = None,
    seed: int = 7,
    scale: float = 1.0,
    progress: ProgressFn | None = None,
) -> dict[str, int]:
    """(Re)build the demo company in ``engine``: drop and create the tables, then load every table.

    Args:
        engine: target database (any of the five engines).
        end: last day of the 36 months (default: the last day of last month).
        seed: random seed; the same seed and end give identical rows on every engine.
        scale: multiplies call volume (and with it complaints and QA reviews).
        progress: called with a step label and the fraction done (0..1).

    Returns:
        Rows written per table.
    """
    say = progress or (lambda _label, _frac: None)
    say("准备演示公司 / preparing the company", 0.0)
    ctx = make_context(end=end, seed=seed, scale=scale)
    db.create_schema(engine, drop_first=True, indexes=False)
    written: dict[str, int] = {t.name: 0 for t in schema.TABLES}
    yearly: dict[int, dict[str, float]] = {}
    total = len(ctx.months)
    # One connection for the whole load: an embedded database is opened (and checkpointed) once,
    # not once per month and table. Each month commits, so progress is durable as it goes.
    with engine.connect() as conn:
        with conn.begin():
            for name, frame in _small_tables(ctx).items():
                written[name] += db.load_frame(engine, name, frame, conn=conn)
        for k, (month, frames) in enumerate(iter_months(ctx), start=1):
            with conn.begin():
                for name, frame in frames.items():
                    if frame.height:
                        written[name] += db.load_frame(engine, name, frame, conn=conn)
            _yearly_tally(yearly, frames["calls"], frames["complaints"])
            say(f"{month:%Y-%m}: {written['calls']:,} 通电话 / calls", 0.05 + 0.85 * k / total)
        subs = _submissions(ctx, _with_outbound_share(yearly))
        with conn.begin():
            written["report_submissions"] += db.load_frame(engine, "report_submissions", subs, conn=conn)
    say("建立索引 / building indexes", 0.92)
    db.create_indexes(engine)
    say("汇总表 / rollups", 0.97)
    rollup_build.refresh(engine)
    say("完成 / done", 1.0)
    return written
