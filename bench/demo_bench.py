"""Benchmark: rows per second generating the demo, and loading it into each engine.

``python -m bench demo [--scale X] [--engines duckdb,sqlite,postgresql,mysql,clickhouse] [--seed N]
[--workdir DIR] [--no-build]``

Each step runs in a fresh Python process, so its peak memory is its own:

* ``generate``: :func:`core.demo.company.generate` (every table of the 36 months, in memory), timed.
* ``load <engine>``: the same frames generated first (not timed), then timed: the tables created,
  every frame loaded with :func:`core.infra.db.load_frame` through one connection (DuckDB: Arrow scan; SQLite: executemany;
  PostgreSQL: COPY; MariaDB: multi-row INSERT; ClickHouse: insert_arrow through chdb) and the
  indexes built. Row counts are checked against the frames afterwards.
* ``build duckdb``: :func:`core.demo.company.build_demo` into DuckDB, the product's own path (generation
  and load interleaved month by month); the issue's target is under a minute at scale 1 on 2 cores.

Peak memory is the step process's resident high-water mark (``VmHWM``); for a load step the
``+MB`` column is how far the load raised it above the generated frames already in memory.

PostgreSQL and MariaDB: ``CALLCENTER_BENCH_PG_URL`` / ``CALLCENTER_BENCH_MYSQL_URL``, by default a
database ``<test database>_bench`` beside the test database of ``CALLCENTER_TEST_PG_URL`` /
``CALLCENTER_TEST_MYSQL_URL`` (created when missing; its tables are replaced). An unreachable server
is reported in the table, not fatal.

Nothing here passes or fails on time: it prints a table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # when a step process runs this file directly
    sys.path.insert(0, str(ROOT))

ENGINES: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")
END = date(2026, 10, 31)  # fixed, so runs on different days compare
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "callcenter-bench-demo"
TEST_URLS = {
    "postgresql": os.environ.get(
        "CALLCENTER_TEST_PG_URL", "postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test"
    ),
    "mysql": os.environ.get(
        "CALLCENTER_TEST_MYSQL_URL", "mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test"
    ),
}
BENCH_URL_VARS = {"postgresql": "CALLCENTER_BENCH_PG_URL", "mysql": "CALLCENTER_BENCH_MYSQL_URL"}

Say = Callable[[str], None]


@dataclass
class StepResult:
    """One step's figures (``None`` where the step could not run)."""

    step: str
    rows: int | None = None
    calls: int | None = None
    seconds: float | None = None
    peak_mb: float | None = None
    added_mb: float | None = None  # load steps: peak minus the memory before the timed part
    index_seconds: float | None = None
    note: str = ""

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.rows is not None and self.seconds else None

    @property
    def calls_per_s(self) -> float | None:
        return self.calls / self.seconds if self.calls is not None and self.seconds else None


# --------------------------------------------------------------------------------------------
# Inside a step process
# --------------------------------------------------------------------------------------------


def _memory_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB (peak only, twice, off Linux)."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
        )
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def server_url(kind: str) -> str:
    """The bench database of a server engine (created next to the test database when missing)."""
    explicit = os.environ.get(BENCH_URL_VARS[kind])
    if explicit:
        return explicit
    import sqlalchemy as sa

    from core.infra import db

    base = sa.make_url(TEST_URLS[kind])
    name = f"{base.database}_bench"
    admin = db.make_engine(base.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if kind == "postgresql":
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                if not exists:
                    conn.execute(sa.text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(
                    sa.text(f"CREATE DATABASE IF NOT EXISTS {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                )
    except sa.exc.DBAPIError:
        return TEST_URLS[kind]  # no right to create it (or no server: ping reports that)
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def url_for(kind: str, workdir: Path) -> str:
    """The database a load step writes to (embedded files under ``workdir``, emptied first)."""
    if kind == "duckdb":
        path = workdir / "bench.duckdb"
        path.unlink(missing_ok=True)
        return f"duckdb:///{path}"
    if kind == "sqlite":
        path = workdir / "bench.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if kind == "clickhouse":
        shutil.rmtree(workdir / "chdb", ignore_errors=True)
        return f"clickhousedb:///?interface=chdb&path={workdir / 'chdb'}"
    if kind in BENCH_URL_VARS:
        return server_url(kind)
    raise ValueError(f"unknown engine {kind!r}; choose from {', '.join(ENGINES)}")


def run_step(step: str, *, scale: float, seed: int, workdir: Path) -> StepResult:
    """Run one step in this process and return its figures."""
    from core.demo import company as demo
    from core.infra import db, schema

    if step == "generate":
        started = time.perf_counter()
        frames = demo.generate(end=END, seed=seed, scale=scale)
        seconds = time.perf_counter() - started
        return StepResult(
            step,
            rows=sum(f.height for f in frames.values()),
            calls=frames["calls"].height,
            seconds=seconds,
            peak_mb=_memory_mb()[1],
        )

    action, _, kind = step.partition(" ")
    engine = db.make_engine(url_for(kind, workdir))
    try:
        db.ping(engine)
    except db.DatabaseError as exc:
        return StepResult(step, note=exc.en)
    try:
        if action == "build":
            started = time.perf_counter()
            counts = demo.build_demo(engine, end=END, seed=seed, scale=scale)
            seconds = time.perf_counter() - started
            return StepResult(
                step,
                rows=sum(counts.values()),
                calls=counts["calls"],
                seconds=seconds,
                peak_mb=_memory_mb()[1],
            )
        frames = demo.generate(end=END, seed=seed, scale=scale)
        before = _memory_mb()[0]
        started = time.perf_counter()
        db.create_schema(engine, drop_first=True, indexes=False)
        # One connection and one transaction per table, as build_demo loads (an embedded database
        # is opened once, not once per table).
        with engine.connect() as conn:
            for name in schema.TABLE_NAMES:
                with conn.begin():
                    db.load_frame(engine, name, frames[name], conn=conn)
        indexed = time.perf_counter()
        db.create_indexes(engine)
        finished = time.perf_counter()
        peak = _memory_mb()[1]
        expected = {name: frames[name].height for name in schema.TABLE_NAMES}
        got = db.row_counts(engine)
        wrong = {n: (got[n], expected[n]) for n in expected if got[n] != expected[n]}
        return StepResult(
            step,
            rows=sum(expected.values()),
            calls=expected["calls"],
            seconds=finished - started,
            peak_mb=peak,
            added_mb=peak - before,
            index_seconds=finished - indexed,
            note=f"ROW COUNTS DIFFER (got, expected): {wrong}" if wrong else "",
        )
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# The parent: one process per step, then the table
# --------------------------------------------------------------------------------------------


def steps_for(engines: Sequence[str], *, build: bool) -> list[str]:
    """The steps of a run: generate, one load per engine, and the product's DuckDB build."""
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise ValueError(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    return ["generate", *(f"load {e}" for e in engines), *(["build duckdb"] if build else [])]


def _step_process(step: str, *, scale: float, seed: int, workdir: Path) -> StepResult:
    out = workdir / "step.json"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "bench.demo_bench",
        "--step",
        step,
        "--out",
        str(out),
        "--scale",
        repr(scale),
        "--seed",
        str(seed),
        "--workdir",
        str(workdir),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.exists():
        lines = [
            ln
            for ln in proc.stderr.strip().splitlines()
            if ln.strip() and not ln.startswith(("nanobind", " - "))
        ]
        return StepResult(step, note=f"step failed (exit {proc.returncode}): {lines[-1] if lines else ''}")
    return StepResult(**json.loads(out.read_text(encoding="utf-8")))


def run(
    scale: float,
    engines: Sequence[str],
    workdir: Path,
    *,
    seed: int = 7,
    build: bool = True,
    say: Say = print,
) -> list[StepResult]:
    """Run every step, each in its own process, and return their figures in order."""
    steps = steps_for(engines, build=build)
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for step in steps:
        say(f"… {step} (scale {scale:g})")
        results.append(_step_process(step, scale=scale, seed=seed, workdir=workdir))
    return results


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def format_table(results: Sequence[StepResult]) -> str:
    """The side-by-side table (one line per step) and a line saying what the columns mean."""
    duck = next((r.seconds for r in results if r.step == "load duckdb" and r.seconds), None)
    header = [
        "step",
        "rows",
        "calls",
        "seconds",
        "rows/s",
        "calls/s",
        "× duckdb",
        "peak MB",
        "+MB",
        "index s",
    ]
    lines = [header]
    for r in results:
        ratio = f"{r.seconds / duck:.1f}×" if duck and r.seconds and r.step.startswith("load ") else ""
        lines.append(
            [
                r.step,
                _fmt(r.rows),
                _fmt(r.calls),
                _fmt(r.seconds, 2),
                _fmt(r.rows_per_s),
                _fmt(r.calls_per_s),
                ratio,
                _fmt(r.peak_mb),
                _fmt(r.added_mb),
                _fmt(r.index_seconds, 2),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for line, r in zip(lines, [None, *results], strict=True):
        text = "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        out.append(text + (f"  {r.note}" if r is not None and r.note else ""))
    out.append(
        "rows: every table of the demo; load = create tables + load every frame + build indexes (generation "
        "not timed); build = core.demo.company.build_demo (generate and load interleaved); peak MB = the step "
        "process's resident high-water mark, +MB = what loading added on top of the generated frames."
    )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench demo", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (default 1: about 2.3 M calls)")
    parser.add_argument("--seed", type=int, default=7, help="demo seed (default 7)")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma list from {','.join(ENGINES)} (default: all)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"embedded databases (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument("--no-build", action="store_true", help="skip the build_demo step")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # inside a step process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        result = run_step(args.step, scale=args.scale, seed=args.seed, workdir=args.workdir)
        Path(args.out).write_text(json.dumps(dataclasses.asdict(result)), encoding="utf-8")
        return 0
    engines = [e.strip() for e in str(args.engines).split(",") if e.strip()]
    try:
        results = run(args.scale, engines, args.workdir, seed=args.seed, build=not args.no_build)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(results), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
