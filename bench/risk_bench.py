"""Benchmark: the full risk computation of a year (every entity, weekly) on DuckDB, from a fresh process.

``python -m bench risk [--scale X] [--year Y] [--workdir DIR] [--engines duckdb,sqlite]``

Uses the same data as ``python -m bench metrics`` (built once under ``--workdir`` and reused). For
each engine a new Python process imports the product, then computes :func:`core.risk.compute_risk`
for the five entities at the weekly grain over the whole year (all twelve rules, per-callee window
functions included); the table shows the time per entity, the total, the process time and peak
memory. Issue 4's target: under 3 s on DuckDB for about 20 million calls. It prints; it never fails
on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import metrics_bench as mb

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from datetime import date
from core import db, risk
eng = db.make_engine(sys.argv[1])
year = int(sys.argv[2])
out = {"import_s": time.perf_counter() - t0, "entities": {}}
t = time.perf_counter()
for entity in risk.ENTITIES:
    s = time.perf_counter()
    frame = risk.compute_risk(eng, date(year, 1, 1), date(year, 12, 31), entity=entity, grain="week")
    out["entities"][entity] = {"seconds": time.perf_counter() - s, "cells": frame.height,
                               "critical": int((frame["band"] == "critical").sum()) if frame.height else 0}
out["compute_s"] = time.perf_counter() - t
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(engine: str, path: Path, year: int) -> dict[str, object]:
    url = f"duckdb:///{path}" if engine == "duckdb" else f"sqlite:///{path}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, url, str(year)], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    process_s = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} child failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = process_s
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench risk", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=mb.DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=mb.DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=mb.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=mb.DEFAULT_WORKDIR)
    parser.add_argument("--engines", default="duckdb")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    spec = mb.DataSpec(scale=args.scale, year=args.year, seed=args.seed)
    paths = mb.ensure_data(spec, args.workdir, engines, lambda m: print(m, flush=True))
    print(f"\nRisk, year {args.year}, every entity weekly; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'engine':8} {'entity':16} {'seconds':>8} {'cells':>7} {'critical':>8}")
    for engine in engines:
        res = run(engine, paths[engine], args.year)
        for entity, r in res["entities"].items():  # type: ignore[union-attr]
            print(f"{engine:8} {entity:16} {r['seconds']:8.2f} {r['cells']:7d} {r['critical']:8d}")
        print(f"{engine:8} {'TOTAL':16} {res['compute_s']:8.2f}   process {res['process_s']:.2f} s, "
              f"peak {res['peak_mb']:.0f} MB (target: under 3 s on DuckDB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
