"""Benchmark: the full risk computation of a year (every entity, weekly) on each engine, from a fresh process.

``python -m bench risk [--scale X] [--year Y] [--workdir DIR] [--engines duckdb,sqlite,postgresql,mariadb,clickhouse] [--each]``

Uses the same data as ``python -m bench metrics`` (built once under ``--workdir`` and reused; PostgreSQL,
MariaDB and ClickHouse loaded from its DuckDB file with their rollups, see :mod:`bench.dataset`). For
each engine a new Python process imports the product, then computes :func:`core.compliance.risk.compute_risk_all`
for the five entities at the weekly grain over the whole year (all twelve rules, per-callee window
functions included), as the risk page does; ``--each`` also times :func:`core.compliance.risk.compute_risk` entity
by entity, as the CLI does. The table shows the cells per entity, the total, CPU seconds, the process
time and peak memory. Targets: issue 4's, under 3 s on DuckDB for about 20 million calls; issue 13's,
under 1.5 s on DuckDB and 3 s on PostgreSQL and ClickHouse (MariaDB and SQLite measured). The digests
of the five risk frames must be the same on every engine and mode (exit 1 if not). It prints; it
never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import dataset

ROOT = Path(__file__).resolve().parent.parent
#: The targets printed beside each engine's total (a 19 M-call year, from a fresh process).
TARGETS = {
    "duckdb": "target: under 3 s (issue 4), 1.5 s (issue 13)",
    "postgresql": "target: under 3 s",
    "clickhouse": "target: under 3 s",
    "mariadb": "measured",
    "sqlite": "measured",
}
CHILD = """
import hashlib, json, os, resource, sys, time
t0 = time.perf_counter()
from datetime import date
from core.infra import db
from core.compliance import risk
eng = db.make_engine(sys.argv[1])
year, each = int(sys.argv[2]), sys.argv[3] == "each"
out = {"import_s": time.perf_counter() - t0, "entities": {}}
def digest(frame):
    import polars as pl
    flat = frame.with_columns(pl.col("top_rules").list.join(",")) if frame.height else frame
    return hashlib.sha1(flat.write_csv().encode()).hexdigest()[:12]
c0, t = os.times(), time.perf_counter()
if each:
    for entity in risk.ENTITIES:
        s = time.perf_counter()
        frame = risk.compute_risk(eng, date(year, 1, 1), date(year, 12, 31), entity=entity, grain="week")
        out["entities"][entity] = {"seconds": time.perf_counter() - s, "cells": frame.height,
                                   "critical": int((frame["band"] == "critical").sum()) if frame.height else 0,
                                   "digest": digest(frame)}
else:
    frames = risk.compute_risk_all(eng, date(year, 1, 1), date(year, 12, 31), grain="week")
    for entity, frame in frames.items():
        out["entities"][entity] = {"seconds": None, "cells": frame.height,
                                   "critical": int((frame["band"] == "critical").sum()) if frame.height else 0,
                                   "digest": digest(frame)}
out["compute_s"] = time.perf_counter() - t
c1 = os.times()
out["cpu_s"] = (c1.user - c0.user) + (c1.system - c0.system)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(engine: str, url: str, year: int, each: bool = False) -> dict[str, object]:
    """The risk of ``year`` on the database at ``url`` in a fresh process (``engine`` names it in errors)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(year), "each" if each else "all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    process_s = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} child failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = process_s
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench risk", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=dataset.DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=dataset.DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=dataset.DEFAULT_WORKDIR)
    parser.add_argument("--engines", default="duckdb", help=f"comma list from {','.join(dataset.ENGINES)}")
    parser.add_argument(
        "--each",
        action="store_true",
        help="also time compute_risk entity by entity (one pass over the calls per entity, as the CLI does)",
    )
    args = parser.parse_args(argv)
    try:
        engines = [dataset.engine_name(e.strip()) for e in args.engines.split(",") if e.strip()]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    spec = dataset.DataSpec(scale=args.scale, year=args.year, seed=args.seed)
    urls = dataset.ensure_data(spec, args.workdir, engines, lambda m: print(m, flush=True))
    print(
        f"\nRisk, year {args.year}, every entity weekly; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'engine':10} {'entity':16} {'seconds':>8} {'cells':>7} {'critical':>8}  digest")
    digests: dict[str, dict[str, str]] = {}
    for engine in engines:
        for each in (False, True) if args.each else (False,):
            res = run(engine, urls[engine], args.year, each=each)
            digests[f"{engine} {'each' if each else 'all'}"] = {
                e: r["digest"]
                for e, r in res["entities"].items()  # type: ignore[union-attr]
            }
            how = "one entity at a time" if each else "every entity at once (compute_risk_all)"
            for entity, r in res["entities"].items():  # type: ignore[union-attr]
                secs = "" if r["seconds"] is None else f"{r['seconds']:8.2f}"
                print(f"{engine:10} {entity:16} {secs:>8} {r['cells']:7d} {r['critical']:8d}  {r['digest']}")
            print(
                f"{engine:10} {'TOTAL':16} {res['compute_s']:8.2f}   {how}: process {res['process_s']:.2f} s, "
                f"CPU {res['cpu_s']:.2f} s, peak {res['peak_mb']:.0f} MB ({TARGETS[engine]})"
            )
    same = len({tuple(sorted(d.items())) for d in digests.values()}) == 1
    runs = ", ".join(digests)
    print(f"agree: {'yes' if same else 'NO'}: every entity's risk frame has the same digest in {runs}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
