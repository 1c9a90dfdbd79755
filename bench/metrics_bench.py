"""Benchmark: every metric of the touch and capacity pages over one year, on each engine and pandas.

``python -m bench metrics [--scale X] [--year Y] [--workdir DIR] [--engines duckdb,sqlite,pandas]``
(engines: ``duckdb``, ``sqlite``, ``postgresql``, ``mariadb``, ``clickhouse`` and the ``pandas`` baseline;
default ``duckdb,sqlite,pandas``)

What it does, in one run:

1. **Data.** The demo company (:mod:`core.demo.company`) at ``--scale`` (default 27.5: about 20 million calls
   in the report year), written once into ``--workdir`` and reused: the twelve months of year Y plus
   the agent sessions of the December before (a night shift crossing midnight into 1 January counts
   in that day's peak), and the small reference tables. One DuckDB file, and a SQLite copy of the
   same rows when SQLite is asked for (slow to load at full scale; the load rate is printed). A
   marker file beside each database records the parameters, a hash of the generator's source and
   the row counts; a database without a matching marker is rebuilt (about 8 minutes for both
   databases at the default scale, 4 GB of DuckDB and 7 GB of SQLite with the product's indexes).
   PostgreSQL, MariaDB and ClickHouse (chdb) are loaded from that DuckDB file, once per spec, with
   their indexes and rollups (:mod:`bench.dataset`: where their databases live, their load rates).
2. **Runs, each in a fresh process.** For the SQL engines the child imports the product,
   connects and calls :func:`core.semantic.metrics.compute_metrics` for every cut in :data:`CUTS`; the
   pandas baseline loads the raw rows of the year (``SELECT *`` of calls, sessions and the small
   tables, through DuckDB's ``.df()``) and computes the same numbers with pandas alone, following
   DOMAIN.md §5 (it imports nothing from :mod:`core`, so it is an independent check of the SQL).
   Each child reports its compute time (connect or load + compute, imports excluded) and its peak
   resident memory (``VmHWM``); the parent times the whole process.
   Every SQL engine's rollups (:mod:`core.semantic.rollup`), which every import and ``python -m core demo``
   rebuild, are built once after the data (their build time is printed apart) and used as the app
   uses them; the pandas baseline reads the raw calls. The full risk computation of the year
   (:mod:`bench.risk_bench`) follows, on DuckDB, PostgreSQL and ClickHouse when they ran (digests compared).
3. **Agreement.** Every value of every cut is compared with the reference engine (DuckDB when run):
   integers exactly, floats to a relative 1e-9, nulls only with nulls.

Nothing here asserts on time; the targets are printed beside the figures, with the machine's load
average and each run's CPU seconds, since a busy machine inflates wall times several-fold: issue 4's
(DuckDB under 2 s from a fresh process on two cores, at least 10× faster than pandas) and issue 13's
on a 19 M-call year (page data and risk each under 1.5 s on DuckDB, under 3 s on PostgreSQL and
ClickHouse; MariaDB and SQLite measured).

Resources at the default scale (about 19 million calls with the generator of November 2026): the
pandas baseline peaks near 10 GB of memory; building the SQLite copy and its rollups takes several
minutes, MariaDB's longer still (its rollups took 272 s at scale 3, 2 million calls). ``--scale 0.2``
runs everything in well under a minute.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # when the child runs this file as a script
    sys.path.insert(0, str(ROOT))

from bench import risk_bench  # noqa: E402  (after the path set-up above)
from bench.dataset import (  # noqa: E402
    DEFAULT_SCALE,
    DEFAULT_SEED,
    DEFAULT_WORKDIR,
    DEFAULT_YEAR,
    DataSpec,
    Say,
    ensure_data,
    read_marker,
)

# --------------------------------------------------------------------------------------------
# What is measured: the metrics of the touch and capacity pages, and the cuts they are shown by
# --------------------------------------------------------------------------------------------

TOUCH_METRICS: tuple[str, ...] = (
    "outbound_calls",
    "connected_calls",
    "connect_rate",
    "effective_calls",
    "effective_rate",
    "effective_of_connected",
    "reached_customers",
    "effective_customers",
    "attempts_per_effective_customer",
    "avg_talk_seconds",
)

CAPACITY_METRICS: tuple[str, ...] = (
    "declared_seats",
    "peak_concurrent_agents",
    "seat_usage_rate",
    "logged_in_hours",
    "handle_hours",
    "occupancy",
    "effective_talk_hours",
    "active_agents",
    "agent_months",
    "effective_talk_hours_per_agent_month",
    "headcount_end",
    "hires",
    "leavers",
    "attrition_rate",
    "outsourced_share",
    "inbound_answer_rate",
    "inbound_abandon_rate",
    "service_level_20s",
)


@dataclass(frozen=True)
class Cut:
    """One query of a page: some metrics over the year, by some dimensions."""

    page: str
    by: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def name(self) -> str:
        what = self.page if len(self.metrics) > 1 else f"{self.page}:{self.metrics[0]}"
        return f"{what} by {'×'.join(self.by)}" if self.by else f"{what} total"


#: Every query the benchmark runs, in order (the same list for every engine).
CUTS: tuple[Cut, ...] = (
    Cut("touch", (), TOUCH_METRICS),
    Cut("touch", ("month",), TOUCH_METRICS),
    Cut("touch", ("campaign",), ("effective_rate",)),
    Cut("touch", ("hour", "weekday"), ("effective_rate",)),
    Cut("capacity", (), CAPACITY_METRICS),
    Cut("capacity", ("month",), CAPACITY_METRICS),
)

ENGINES: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mariadb", "clickhouse", "pandas")
DEFAULT_ENGINES: tuple[str, ...] = ("duckdb", "sqlite", "pandas")
#: Issue 13's targets for page data and risk of a 19 M-call year from a fresh process (seconds);
#: None: measured and printed only.
TARGETS: dict[str, float | None] = {
    "duckdb": 1.5,
    "postgresql": 3.0,
    "clickhouse": 3.0,
    "mariadb": None,
    "sqlite": None,
}
#: The engines the risk of the year is also computed on (those with a target for it).
RISK_ENGINES: tuple[str, ...] = ("duckdb", "postgresql", "clickhouse")
REL_TOL = 1e-9

Rows = list[dict[str, Any]]
Results = dict[str, Rows]  # cut name → rows (dimension columns first, then metric columns)


# --------------------------------------------------------------------------------------------
# The child process: one engine, every cut
# --------------------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _plain(value: Any) -> Any:
    """A JSON-safe Python scalar: numpy numbers become int/float, NaN and NA become None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    pd = sys.modules.get("pandas")  # only the pandas child has it: never imported here (~0.6 s)
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return value


def run_sql_engine(url: str, year: int) -> tuple[Results, dict[str, float]]:
    """Every cut by :func:`core.semantic.metrics.compute_metrics` on the database at ``url``; (results, seconds per cut)."""
    from core.infra import db
    from core.semantic import metrics

    start, end = date(year, 1, 1), date(year, 12, 31)
    engine = db.make_engine(url, create_dirs=False)
    out: Results = {}
    secs: dict[str, float] = {}
    for cut in CUTS:
        t = time.perf_counter()
        frame = metrics.compute_metrics(engine, start, end, by=list(cut.by), metrics=list(cut.metrics))
        out[cut.name] = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dicts()]
        secs[cut.name] = time.perf_counter() - t
    engine.dispose()
    return out, secs


# --------------------------------------------------------------------------------------------
# The naive pandas baseline (independent of core: raw rows in, DOMAIN.md §5 by hand)
# --------------------------------------------------------------------------------------------


def _ratio(num: Any, den: Any, factor: float = 1.0) -> float | None:
    """``num / den × factor``; None for a zero or missing denominator (DOMAIN.md §5)."""
    num, den = _plain(num), _plain(den)
    if den is None or den == 0 or num is None:
        return None
    return num / den * factor


def _flag(series: Any) -> Any:
    """A nullable boolean column as plain bool, null counting as false."""
    return series.astype("boolean").fillna(False).astype(bool)


def run_pandas(duckdb_path: Path, year: int) -> tuple[Results, dict[str, float]]:
    """Load the raw rows of the year into pandas and compute every cut there."""
    import duckdb
    import numpy as np
    import pandas as pd

    secs: dict[str, float] = {}
    t = time.perf_counter()
    t0, t1 = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    con = duckdb.connect(str(duckdb_path), read_only=True)

    def frame(query: str, *params: Any) -> pd.DataFrame:
        # Through Arrow: the same dtypes as ``.df()`` (pandas 3 ``str``), faster and with half the
        # peak memory (``.df()`` peaks near 1 KB per call row).
        return con.sql(query, params=list(params) or None).to_arrow_table().to_pandas()

    try:
        calls = frame("SELECT * FROM calls WHERE started_at >= ? AND started_at < ?", t0, t1)
        # A day earlier: sessions crossing midnight into the first day count in its peak.
        sessions = frame(
            "SELECT * FROM agent_sessions WHERE login_at >= ? AND login_at < ?", t0 - timedelta(days=1), t1
        )
        agents = frame("SELECT * FROM agents")
        sites = frame("SELECT * FROM sites")
        site_seats = frame("SELECT * FROM site_seats")
    finally:
        con.close()
    secs["load raw rows"] = time.perf_counter() - t

    t = time.perf_counter()
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    month_names = np.array([None, *months], dtype=object)

    # ---- calls: the flags of DOMAIN.md §5, one column each --------------------------------
    out = calls["direction"].eq("out").to_numpy()
    inn = calls["direction"].eq("in").to_numpy()
    answered = calls["disposition"].eq("answered").to_numpy()
    abandoned = calls["disposition"].eq("abandoned").to_numpy()
    talk = calls["talk_seconds"].astype("float64").to_numpy()
    wrap = calls["wrap_seconds"].astype("float64").to_numpy()
    ring = calls["ring_seconds"].astype("float64").to_numpy()
    talk0 = np.nan_to_num(talk, nan=0.0)
    two_way = _flag(calls["two_way_voice"]).to_numpy()
    robot = _flag(calls["robot"]).to_numpy()
    human = calls["agent_id"].notna().to_numpy() & ~robot
    effective = answered & (np.nan_to_num(talk, nan=-1) >= 30) & two_way
    started = calls["started_at"]
    c = pd.DataFrame(
        {
            "month": month_names[started.dt.month.to_numpy()],
            "hour": started.dt.hour.to_numpy(),
            "weekday": started.dt.dayofweek.to_numpy() + 1,
            "campaign": calls["campaign_id"],
            "callee_id": calls["callee_id"],
            "agent_id": calls["agent_id"],
            "outbound": out.astype(np.int64),
            "inbound": inn.astype(np.int64),
            "connected": (out & answered).astype(np.int64),
            "effective": (out & effective).astype(np.int64),
            "talk_connected": np.where(out & answered, talk0, 0.0),
            "in_answered": (inn & answered).astype(np.int64),
            "in_abandoned": (inn & abandoned).astype(np.int64),
            "in_answered_20s": (inn & answered & (np.nan_to_num(ring, nan=1e18) <= 20)).astype(np.int64),
            "eff_human_talk": np.where(effective & human, talk0, 0.0),
            "handle": np.where(human, talk0 + np.nan_to_num(wrap, nan=0.0), 0.0),
            "human": human,
        }
    )
    del calls
    sums = [
        "outbound",
        "inbound",
        "connected",
        "effective",
        "talk_connected",
        "in_answered",
        "in_abandoned",
        "in_answered_20s",
        "eff_human_talk",
        "handle",
    ]

    def call_bases(keys: list[str]) -> pd.DataFrame:
        """Sums and exact distinct callees by ``keys`` (one row, key ``()``, when there are none)."""
        if keys:
            g = c.groupby(keys, dropna=False, sort=False)
            base = g[sums].sum()
            conn = c[c["connected"] == 1].groupby(keys, dropna=False, sort=False)["callee_id"].nunique()
            eff = c[c["effective"] == 1].groupby(keys, dropna=False, sort=False)["callee_id"].nunique()
        else:
            base = c[sums].sum().to_frame().T
            conn = pd.Series([c.loc[c["connected"] == 1, "callee_id"].nunique()])
            eff = pd.Series([c.loc[c["effective"] == 1, "callee_id"].nunique()])
        base["reached"] = conn
        base["eff_customers"] = eff
        return base.fillna({"reached": 0, "eff_customers": 0})

    def touch_row(b: Any) -> dict[str, Any]:
        out_n, conn_n, eff_n = int(b["outbound"]), int(b["connected"]), int(b["effective"])
        eff_c = int(b["eff_customers"])
        return {
            "outbound_calls": out_n,
            "connected_calls": conn_n,
            "connect_rate": _ratio(conn_n, out_n),
            "effective_calls": eff_n,
            "effective_rate": _ratio(eff_n, out_n),
            "effective_of_connected": _ratio(eff_n, conn_n),
            "reached_customers": int(b["reached"]),
            "effective_customers": eff_c,
            "attempts_per_effective_customer": _ratio(out_n, eff_c),
            "avg_talk_seconds": _ratio(int(b["talk_connected"]), conn_n),
        }

    def key_dict(keys: list[str], idx: Any) -> dict[str, Any]:
        vals = idx if isinstance(idx, tuple) else (idx,)
        return {k: _plain(v) for k, v in zip(keys, vals, strict=True)}

    res: Results = {}
    total_calls = call_bases([])
    by_month_calls = call_bases(["month"])
    res[CUTS[0].name] = [touch_row(total_calls.iloc[0])]
    res[CUTS[1].name] = [{"month": m, **touch_row(b)} for m, b in by_month_calls.sort_index().iterrows()]
    for cut in (CUTS[2], CUTS[3]):
        keys = list(cut.by)
        g = c.groupby(keys, dropna=False, sort=False)[["outbound", "effective"]].sum()
        res[cut.name] = [
            {**key_dict(keys, idx), "effective_rate": _ratio(int(r["effective"]), int(r["outbound"]))}
            for idx, r in g.iterrows()
        ]
    secs["touch"] = time.perf_counter() - t

    # ---- capacity -----------------------------------------------------------------------
    t = time.perf_counter()
    in_year = (sessions["login_at"] >= t0) & (sessions["login_at"] < t1)
    s = sessions[in_year]
    s_month = month_names[s["login_at"].dt.month.to_numpy()]
    closed = s["logout_at"].notna()
    secs_in = (s["logout_at"] - s["login_at"]).dt.total_seconds() - s["break_seconds"].astype(
        "float64"
    ).fillna(0)
    logged = pd.DataFrame({"month": s_month, "logged": np.where(closed, secs_in.fillna(0), 0.0)})

    # Active agents: a session or a human call in the period, each month and the whole year.
    active = pd.concat(
        [
            pd.DataFrame({"month": s_month, "agent_id": s["agent_id"].to_numpy()}),
            c.loc[c["human"], ["month", "agent_id"]],
        ]
    ).drop_duplicates()
    outsourced_ids = set(agents.loc[agents["employment"].eq("outsourced"), "agent_id"])
    active["outsourced"] = active["agent_id"].isin(outsourced_ids)
    monthly_active = active.groupby("month")["agent_id"].nunique()
    monthly_outsourced = active[active["outsourced"]].groupby("month")["agent_id"].nunique()

    # Peak concurrency: sessions split at midnight, a sweep per day, logouts before logins.
    closed_all = sessions[sessions["logout_at"].notna()]
    login = closed_all["login_at"]
    logout = closed_all["logout_at"]
    mid = login.dt.floor("D")
    nxt = mid + pd.Timedelta(days=1)
    first = pd.DataFrame({"mid": mid, "a": login, "b": logout.where(logout <= nxt, nxt)})
    spill = logout > nxt
    second = pd.DataFrame({"mid": nxt[spill], "a": nxt[spill], "b": logout[spill]})
    pieces = pd.concat([first, second], ignore_index=True)
    pieces = pieces[pieces["b"] > pieces["a"]]
    events = pd.concat(
        [
            pd.DataFrame({"mid": pieces["mid"], "ts": pieces["a"], "delta": 1}),
            pd.DataFrame({"mid": pieces["mid"], "ts": pieces["b"], "delta": -1}),
        ],
        ignore_index=True,
    ).sort_values(["mid", "ts", "delta"], kind="stable")
    events["running"] = events.groupby("mid")["delta"].cumsum()
    daily_peak = events.groupby("mid")["running"].max()
    daily_peak = daily_peak[(daily_peak.index >= t0) & (daily_peak.index < t1)]
    peak_month = daily_peak.groupby(month_names[daily_peak.index.month]).max()

    # Roster and seats, from the small tables, at the end of each bucket.
    hired = pd.to_datetime(agents["hired_on"])
    left = pd.to_datetime(agents["left_on"])
    opened = pd.to_datetime(sites["opened_on"])
    closed_on = pd.to_datetime(sites["closed_on"])
    seats = site_seats.assign(effective_from=pd.to_datetime(site_seats["effective_from"]))

    def roster(first_day: date, last_day: date) -> dict[str, int]:
        last, before, first_ts = (
            pd.Timestamp(last_day),
            pd.Timestamp(first_day - timedelta(days=1)),
            pd.Timestamp(first_day),
        )
        on_end = (hired <= last) & (left.isna() | (left > last))
        on_start = (hired <= before) & (left.isna() | (left > before))
        return {
            "headcount_end": int(on_end.sum()),
            "headcount_start": int(on_start.sum()),
            "hires": int(((hired >= first_ts) & (hired <= last)).sum()),
            "leavers": int(((left >= first_ts) & (left <= last)).sum()),
        }

    def declared(last_day: date) -> int:
        last = pd.Timestamp(last_day)
        open_ids = sites.loc[
            (opened.isna() | (opened <= last)) & (closed_on.isna() | (closed_on > last)), "site_id"
        ]
        total = 0
        for sid in open_ids:
            decl = seats[(seats["site_id"] == sid) & (seats["effective_from"] <= last)]
            if len(decl):
                total += int(
                    decl.sort_values(["effective_from", "declared_seats"]).iloc[-1]["declared_seats"]
                )
        return total

    def capacity_row(
        b: Any,
        logged_s: float,
        act: int,
        outs: int,
        agent_months: int,
        peak: int,
        rost: dict[str, int],
        seats_n: int,
    ) -> dict[str, Any]:
        eff_h = float(b["eff_human_talk"]) / 3600.0
        return {
            "declared_seats": seats_n,
            "peak_concurrent_agents": peak,
            "seat_usage_rate": _ratio(peak, seats_n),
            "logged_in_hours": logged_s / 3600.0,
            "handle_hours": float(b["handle"]) / 3600.0,
            "occupancy": _ratio(float(b["handle"]), logged_s),
            "effective_talk_hours": eff_h,
            "active_agents": act,
            "agent_months": agent_months,
            "effective_talk_hours_per_agent_month": _ratio(eff_h, agent_months),
            "headcount_end": rost["headcount_end"],
            "hires": rost["hires"],
            "leavers": rost["leavers"],
            "attrition_rate": _ratio(rost["leavers"], (rost["headcount_start"] + rost["headcount_end"]) / 2),
            "outsourced_share": _ratio(outs, act),
            "inbound_answer_rate": _ratio(int(b["in_answered"]), int(b["inbound"])),
            "inbound_abandon_rate": _ratio(int(b["in_abandoned"]), int(b["inbound"])),
            "service_level_20s": _ratio(int(b["in_answered_20s"]), int(b["inbound"])),
        }

    zero = pd.Series(0.0, index=sums)
    res[CUTS[4].name] = [
        capacity_row(
            total_calls.iloc[0],
            float(logged["logged"].sum()),
            int(active["agent_id"].nunique()),
            int(active.loc[active["outsourced"], "agent_id"].nunique()),
            int(monthly_active.sum()),
            int(daily_peak.max()) if len(daily_peak) else 0,
            roster(date(year, 1, 1), date(year, 12, 31)),
            declared(date(year, 12, 31)),
        )
    ]
    logged_month = logged.groupby("month")["logged"].sum()
    rows = []
    for k, m in enumerate(months, start=1):
        first_day = date(year, k, 1)
        last_day = (date(year + (k == 12), k % 12 + 1, 1)) - timedelta(days=1)
        act = int(monthly_active.get(m, 0))
        rows.append(
            {
                "month": m,
                **capacity_row(
                    by_month_calls.loc[m] if m in by_month_calls.index else zero,
                    float(logged_month.get(m, 0.0)),
                    act,
                    int(monthly_outsourced.get(m, 0)),
                    act,
                    int(peak_month.get(m, 0)),
                    roster(first_day, last_day),
                    declared(last_day),
                ),
            }
        )
    res[CUTS[5].name] = rows
    secs["capacity"] = time.perf_counter() - t
    return res, secs


# --------------------------------------------------------------------------------------------
# Comparing results
# --------------------------------------------------------------------------------------------


def _same(a: Any, b: Any, rel_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=0.0)


def compare(reference: Results, other: Results, *, rel_tol: float = REL_TOL) -> tuple[int, list[str]]:
    """(values compared, differences) between two engines' results, cut by cut, row by row."""
    diffs: list[str] = []
    n = 0
    for cut in CUTS:
        if cut.name not in reference and cut.name not in other:
            continue
        ref_rows = {tuple(r[d] for d in cut.by): r for r in reference.get(cut.name, [])}
        oth_rows = {tuple(r[d] for d in cut.by): r for r in other.get(cut.name, [])}
        if cut.name not in other or cut.name not in reference:
            diffs.append(
                f"{cut.name}: missing in {'the other' if cut.name in reference else 'the reference'}"
            )
            continue
        for key in sorted(ref_rows.keys() | oth_rows.keys(), key=repr):
            where = f"{cut.name} [{', '.join(f'{d}={v}' for d, v in zip(cut.by, key, strict=True))}]"
            if key not in oth_rows or key not in ref_rows:
                diffs.append(f"{where}: row only in {'reference' if key in ref_rows else 'other'}")
                continue
            for m in cut.metrics:
                n += 1
                a, b = ref_rows[key].get(m), oth_rows[key].get(m)
                if not _same(a, b, rel_tol):
                    diffs.append(f"{where} {m}: {a!r} vs {b!r}")
    return n, diffs


# --------------------------------------------------------------------------------------------
# The parent: build, run each engine in a fresh process, compare, print
# --------------------------------------------------------------------------------------------


@dataclass
class EngineRun:
    engine: str
    compute_s: float
    cpu_s: float  # user + system CPU seconds of the compute (less sensitive to a busy machine)
    process_s: float
    peak_mb: float
    import_s: float
    cut_seconds: dict[str, float]
    load_before: float  # 1-minute load average of the machine when the run started
    results: Results = field(repr=False)
    agrees: bool | None = None  # None for the reference
    differences: list[str] = field(default_factory=list)


@dataclass
class BenchReport:
    spec: DataSpec
    calls_in_year: int
    runs: list[EngineRun]
    reference: str
    values_compared: int
    #: The full risk computation of the year on DuckDB (bench.risk_bench.run), when DuckDB ran.
    risk: dict[str, Any] | None = None
    #: The same on every engine of :data:`RISK_ENGINES` that ran (DuckDB's is ``risk``).
    risks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def risk_agrees(self) -> bool:
        """Every engine's risk frames have the same digests."""
        digests = {
            tuple(sorted((k, v["digest"]) for k, v in r["entities"].items())) for r in self.risks.values()
        }
        return len(digests) <= 1

    @property
    def agree(self) -> bool:
        return all(r.agrees is not False for r in self.runs) and self.risk_agrees


def run_child(engine: str, urls: dict[str, str], year: int, say: Say = print) -> EngineRun:
    """Run one engine in a fresh Python process and collect its figures (``urls``: of :func:`ensure_data`)."""
    db_path = urls["duckdb"].removeprefix("duckdb:///") if engine == "pandas" else urls[engine]
    with tempfile.TemporaryDirectory(prefix="metrics-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--run",
            engine,
            "--db",
            str(db_path),
            "--year",
            str(year),
            "--out",
            str(out),
        ]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        }
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        process_s = time.perf_counter() - t
        if proc.returncode != 0:
            raise RuntimeError(f"{engine} run failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        data = json.loads(out.read_text(encoding="utf-8"))
    say(
        f"{engine}: compute {data['compute_s']:.2f} s (CPU {data['cpu_s']:.2f} s), process {process_s:.2f} s, peak {data['peak_mb']:,.0f} MB"
    )
    return EngineRun(
        engine=engine,
        compute_s=data["compute_s"],
        cpu_s=data["cpu_s"],
        process_s=process_s,
        peak_mb=data["peak_mb"],
        import_s=data["import_s"],
        cut_seconds=data["cut_seconds"],
        load_before=load_before,
        results=data["results"],
    )


def benchmark(
    spec: DataSpec,
    workdir: Path = DEFAULT_WORKDIR,
    engines: Sequence[str] = ENGINES,
    say: Say = print,
) -> BenchReport:
    """Build (or reuse) the data, run every engine in its own process, and compare the results."""
    engines = ["mariadb" if e == "mysql" else e for e in engines]
    bad = [e for e in engines if e not in ENGINES]
    if bad or not engines:
        raise ValueError(f"unknown engine(s) {', '.join(bad)}; choose from {', '.join(ENGINES)}")
    urls = ensure_data(spec, workdir, engines, say)
    info = read_marker(spec, spec.path(workdir, "duckdb")) or {}
    runs = [run_child(e, urls, spec.year, say) for e in engines]
    ref = next((r for r in runs if r.engine == "duckdb"), runs[0])
    total = 0
    for r in runs:
        if r is ref:
            continue
        total, r.differences = compare(ref.results, r.results)
        r.agrees = not r.differences
    if len(runs) == 1:
        total = sum(len(rows) * len(c.metrics) for c in CUTS for rows in [ref.results.get(c.name, [])])
    risks: dict[str, dict[str, Any]] = {}
    for e in RISK_ENGINES:
        if e in engines:
            say(f"{e}: the full risk computation of the year (python -m bench risk)")
            risks[e] = risk_bench.run(e, urls[e], spec.year)
    report = BenchReport(
        spec, int(info.get("calls_in_year", 0)), runs, ref.engine, total, risks.get("duckdb")
    )
    report.risks = risks
    return report


def format_report(report: BenchReport) -> str:
    """The side-by-side table, the per-cut times, the agreement and the issue's targets."""
    runs = report.runs
    ref = next(r for r in runs if r.engine == report.reference)
    duck = next((r for r in runs if r.engine == "duckdb"), None)
    lines = [
        "",
        f"Touch and capacity pages, year {report.spec.year}: {report.calls_in_year:,} calls "
        f"(demo scale {report.spec.scale:g}, seed {report.spec.seed}); {len(CUTS)} queries, "
        f"{report.values_compared:,} values compared; {os.cpu_count()} CPUs",
        "",
    ]
    header = ("engine", "compute s", "CPU s", "process s", "peak MB", "ratio vs DuckDB", "agrees")
    table = []
    for r in runs:
        ratio = f"{r.process_s / duck.process_s:,.1f}×" if duck else "—"
        agrees = (
            "reference" if r is ref else ("yes" if r.agrees else f"NO ({len(r.differences)} differences)")
        )
        table.append(
            (
                r.engine,
                f"{r.compute_s:,.2f}",
                f"{r.cpu_s:,.2f}",
                f"{r.process_s:,.2f}",
                f"{r.peak_mb:,.0f}",
                ratio,
                agrees,
            )
        )
    widths = [max(len(x[i]) for x in [header, *table]) for i in range(len(header))]
    fmt_row = lambda row: " | ".join(  # noqa: E731
        v.ljust(w) if i in (0, 6) else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
    )
    lines += [fmt_row(header), "-+-".join("-" * w for w in widths), *map(fmt_row, table), ""]
    lines.append("ratio: process time / DuckDB's process time (each engine in a fresh Python process).")
    lines.append("compute: connect (pandas: load the raw rows) and compute, imports excluded;")
    lines.append("CPU: user + system seconds of that compute (all threads), a check on a busy machine.")
    loads = ", ".join(f"{r.engine} {r.load_before:.1f}" for r in runs)
    lines.append(f"machine load average (1 min) when each run started: {loads} (on {os.cpu_count()} CPUs).")
    lines.append("")
    lines.append("seconds per query:")
    names = list(dict.fromkeys(n for r in runs for n in r.cut_seconds))
    w0 = max(len(n) for n in names)
    ws = [max(9, len(r.engine)) for r in runs]
    lines.append(
        "  " + "query".ljust(w0) + "".join(f" | {r.engine:>{w}}" for r, w in zip(runs, ws, strict=True))
    )
    for n in names:
        cells = "".join(
            f" | {r.cut_seconds[n]:>{w}.3f}" if n in r.cut_seconds else f" | {'':>{w}}"
            for r, w in zip(runs, ws, strict=True)
        )
        lines.append("  " + n.ljust(w0) + cells)
    lines.append(
        "  "
        + "imports".ljust(w0)
        + "".join(f" | {r.import_s:>{w}.3f}" for r, w in zip(runs, ws, strict=True))
    )
    lines.append("")
    if report.agree:
        engine_list = ", ".join(r.engine for r in runs)
        lines.append(
            f"agree: {engine_list} give the same {report.values_compared:,} values (rel. tol. {REL_TOL:g})"
        )
    else:
        for r in runs:
            if r.differences:
                lines.append(f"DIFFER: {r.engine} vs {ref.engine}, first differences:")
                lines += [f"  {d}" for d in r.differences[:15]]
    pandas = next((r for r in runs if r.engine == "pandas"), None)
    if duck:
        lines.append("")
        verdict = "met" if duck.process_s < 2 else "missed"
        lines.append(f"target DuckDB < 2 s from a fresh process: {duck.process_s:.2f} s ({verdict})")
        if pandas:
            x = pandas.process_s / duck.process_s
            lines.append(f"target ≥ 10× faster than pandas: {x:,.1f}× ({'met' if x >= 10 else 'missed'})")
    if report.risk:
        risk = report.risk
        n_cells = sum(int(e["cells"]) for e in risk["entities"].values())
        in_time = "met" if risk["process_s"] < 3 else "missed"
        lines.append(
            f"target risk of the year (every entity, weekly; {n_cells:,} cells) on DuckDB < 3 s from a fresh "
            f"process: {risk['process_s']:.2f} s, compute {risk['compute_s']:.2f} s ({in_time})"
        )
    lines += engine_targets(report)
    return "\n".join(lines)


def engine_targets(report: BenchReport) -> list[str]:
    """Issue 13's lines: per SQL engine, page data (and risk where run) from a fresh process against its
    target (:data:`TARGETS`), and whether the engines' risk frames agree."""
    sql_runs = [r for r in report.runs if r.engine in TARGETS]
    if not sql_runs:
        return []
    lines = [
        "",
        f"issue 13 targets (a 19 M-call year; this one has {report.calls_in_year:,} calls), from a fresh process:",
    ]

    def judged(seconds: float, target: float | None) -> str:
        if target is None:
            return f"{seconds:.2f} s (measured)"
        return f"{seconds:.2f} s < {target:g} s ({'met' if seconds < target else 'missed'})"

    for r in sql_runs:
        target = TARGETS[r.engine]
        line = f"  {r.engine:10} page data (touch + capacity) {judged(r.process_s, target)}"
        risk = report.risks.get(r.engine)
        if risk is not None:
            line += f"; risk of the year {judged(float(risk['process_s']), target)}"
        lines.append(line)
    if len(report.risks) > 1:
        names = ", ".join(report.risks)
        lines.append(
            f"risk agree: {'yes' if report.risk_agrees else 'NO'}: every entity's risk frame has the same digest on {names}"
        )
    return lines


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m bench metrics``."""
    parser.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help=f"demo scale (default {DEFAULT_SCALE:g}: about 20 million calls in the year)",
    )
    parser.add_argument(
        "--year", type=int, default=DEFAULT_YEAR, help=f"report year (default {DEFAULT_YEAR})"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"demo seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where the databases are built once and reused (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument(
        "--engines",
        default=",".join(DEFAULT_ENGINES),
        help=f"comma list from {','.join(ENGINES)} (default: {','.join(DEFAULT_ENGINES)})",
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark for parsed ``python -m bench metrics`` options; 0 when the engines agree."""
    engines = [e.strip() for e in str(args.engines).split(",") if e.strip()]
    spec = DataSpec(scale=args.scale, year=args.year, seed=args.seed)

    def say(msg: str) -> None:
        print(msg, flush=True)

    try:
        report = benchmark(spec, Path(args.workdir), engines, say)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report), flush=True)
    return 0 if report.agree else 1


def _child_main(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    if args.run == "pandas":
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
    else:
        import core.semantic.metrics  # noqa: F401
    import_s = time.perf_counter() - t
    import resource

    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    if args.run == "pandas":
        results, cut_seconds = run_pandas(Path(args.db), args.year)
    else:
        results, cut_seconds = run_sql_engine(args.db, args.year)
    compute_s = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    payload = {
        "engine": args.run,
        "compute_s": compute_s,
        "cpu_s": cpu_s,
        "import_s": import_s,
        "peak_mb": _peak_rss_mb(),
        "cut_seconds": cut_seconds,
        "results": results,
    }
    Path(args.out).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench metrics", description=__doc__.split("\n")[0])
    add_arguments(parser)
    # The child mode: one engine, results to a JSON file (used by the parent, one fresh process each).
    parser.add_argument("--run", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child_main(args)
    return run_from_args(args)


if __name__ == "__main__":
    sys.exit(main())
