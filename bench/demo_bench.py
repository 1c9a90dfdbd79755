"""Benchmark: rows per second generating the demo, and loading it into each engine.

``python -m bench demo [--scale X] [--engines duckdb,sqlite,postgresql,mysql,clickhouse] [--workdir DIR]``

Generation is timed on its own (every month generated, nothing loaded); then the same months are
loaded into each engine with :func:`core.db.load_frame` (DuckDB: Arrow scan; SQLite: executemany;
PostgreSQL: COPY; MariaDB: multi-row INSERT; ClickHouse: insert_arrow through chdb), indexes
included. Peak memory is the process's resident high-water mark after each step. Nothing here
passes or fails on time: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from datetime import date
from pathlib import Path

from core import db, demo, schema

END = date(2026, 10, 31)
SERVER_URLS = {
    "postgresql": os.environ.get(
        "CALLCENTER_TEST_PG_URL", "postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test"
    ),
    "mysql": os.environ.get(
        "CALLCENTER_TEST_MYSQL_URL", "mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test"
    ),
}


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def url_for(kind: str, workdir: Path) -> str:
    if kind == "duckdb":
        return f"duckdb:///{workdir / 'bench.duckdb'}"
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite'}"
    if kind == "clickhouse":
        return f"clickhousedb:///?interface=chdb&path={workdir / 'chdb'}"
    return SERVER_URLS[kind]


def run(scale: float, engines: list[str], workdir: Path) -> list[dict[str, object]]:
    """Time generation, then loading into each engine; return one row per step."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    rows: list[dict[str, object]] = []

    started = time.perf_counter()
    ctx = demo.make_context(end=END, scale=scale)
    n_calls = n_rows = 0
    for _, frames in demo.iter_months(ctx):
        n_calls += frames["calls"].height
        n_rows += sum(f.height for f in frames.values())
    seconds = time.perf_counter() - started
    rows.append({"step": "generate", "calls": n_calls, "rows": n_rows, "seconds": round(seconds, 2),
                 "calls_per_s": round(n_calls / seconds), "peak_mb": round(peak_mb())})

    for kind in engines:
        engine = db.make_engine(url_for(kind, workdir))
        try:
            db.ping(engine)
        except db.DatabaseError as exc:
            rows.append({"step": f"load {kind}", "calls": None, "rows": None, "seconds": None,
                         "calls_per_s": None, "peak_mb": None, "note": exc.en[:60]})
            continue
        started = time.perf_counter()
        counts = demo.build_demo(engine, end=END, scale=scale)
        seconds = time.perf_counter() - started
        assert counts["calls"] == n_calls, (kind, counts["calls"], n_calls)
        assert db.row_counts(engine, [schema.calls])["calls"] == n_calls
        rows.append({"step": f"load {kind}", "calls": n_calls, "rows": sum(counts.values()),
                     "seconds": round(seconds, 2), "calls_per_s": round(n_calls / seconds),
                     "peak_mb": round(peak_mb())})
        engine.dispose()
    return rows


def print_table(rows: list[dict[str, object]]) -> None:
    base = next((r["seconds"] for r in rows if r["step"] == "load duckdb"), None)
    cols = ["step", "calls", "rows", "seconds", "calls_per_s", "peak_mb", "vs_duckdb"]
    for r in rows:
        s = r.get("seconds")
        r["vs_duckdb"] = f"{s / base:.1f}x" if isinstance(s, float) and isinstance(base, float) and base else ""
    widths = {c: max(len(c), *(len(str(r.get(c, "") if r.get(c) is not None else "—")) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r.get(c) if r.get(c) is not None else "—").ljust(widths[c]) for c in cols)
              + (f"  {r['note']}" if r.get("note") else ""))
    print("(load includes table creation, every table of the demo and the indexes; generate is calls only "
          "plus sessions, complaints and QA, in memory)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench demo", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--engines", default="duckdb,sqlite,postgresql,mysql,clickhouse")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/callcenter-bench-demo"))
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    print_table(run(args.scale, engines, args.workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
