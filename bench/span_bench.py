"""Benchmark: the page data of a multi-year range (the demo's three years), each part from a fresh process.

``python -m bench span [--db URL] [--scale 27.5] [--start 2023-11-01] [--end 2026-10-31] [--workdir DIR]``

Without ``--db`` the demo company is built once at ``--scale`` (default 27.5: about 60 million calls over
its 36 months, as ``python -m core demo --scale 27.5 --end 2026-10-31`` builds it, rollups included) into
``DIR/demo-scale{S}/callcenter.duckdb`` and reused. Then, for the range ``--start``..``--end`` (default: the
demo's 36 whole months), each in a new Python process that imports the product and opens the database, as
the first page view after a restart does:

* the touch and capacity pages' data: every cut of ``python -m bench metrics`` (:data:`bench.metrics_bench.CUTS`:
  totals, by month, by campaign, by hour × weekday) over the whole range;
* the risk page's data: :func:`core.compliance.risk.compute_risk_all`, every entity, weekly, over the range.

It prints the process time of each part, the compute time, peak memory and the machine's load. Issue 13's
target: any page's data for a three-year range under 3 s from a fresh process on DuckDB. It prints; it
never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench import dataset

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from datetime import date
from core.infra import db
part, url, start, end = sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3]), date.fromisoformat(sys.argv[4])
engine = db.make_engine(url, create_dirs=False)
out = {"import_s": time.perf_counter() - t0, "cuts": {}}
t = time.perf_counter()
if part == "risk":
    from core.compliance import risk
    frames = risk.compute_risk_all(engine, start, end, grain="week")
    out["cells"] = sum(f.height for f in frames.values())
else:
    from bench.metrics_bench import CUTS
    from core.semantic import metrics
    for cut in CUTS:
        if cut.page != part:
            continue
        s = time.perf_counter()
        frame = metrics.compute_metrics(engine, start, end, by=list(cut.by), metrics=list(cut.metrics))
        out["cuts"][cut.name] = {"seconds": time.perf_counter() - s, "rows": frame.height}
out["compute_s"] = time.perf_counter() - t
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

PARTS = ("touch", "capacity", "risk")
TARGET_S = 3.0


def ensure_demo(scale: float, end: date, workdir: Path) -> str:
    """The demo company's database at ``scale`` ending ``end`` (built once with its rollups): its URL."""
    path = workdir / f"demo-scale{scale:g}-end{end.isoformat()}" / "callcenter.duckdb"
    marker = path.with_name("built.json")
    if not marker.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        print(f"building the demo company at scale {scale:g} into {path} (once; about 15 minutes at 27.5)")
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "core", "demo", "--scale", f"{scale:g}", "--end", end.isoformat()]
        subprocess.run([*cmd, "--db", f"duckdb:///{path}"], cwd=ROOT, check=True)
        marker.write_text(json.dumps({"scale": scale, "seconds": round(time.perf_counter() - t, 1)}))
    return f"duckdb:///{path}"


def run(part: str, url: str, start: date, end: date) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, part, url, start.isoformat(), end.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    process_s = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{part} child failed:\n{proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = process_s
    return result


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench span", description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", help="database to read (default: the demo at --scale)")
    parser.add_argument("--scale", type=float, default=27.5, help="demo scale when --db is not given")
    parser.add_argument("--start", type=_day, default=date(2023, 11, 1))
    parser.add_argument("--end", type=_day, default=date(2026, 10, 31))
    parser.add_argument("--workdir", type=Path, default=dataset.DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    if args.end < args.start:
        print("error: --end is before --start", file=sys.stderr)
        return 2
    url = args.db or ensure_demo(args.scale, args.end, args.workdir)
    from core.infra import db

    engine = db.make_engine(url, create_dirs=False)
    try:
        import sqlalchemy as sa

        from core.infra import schema

        k = schema.calls.c
        with engine.connect() as conn:
            n = conn.execute(
                sa.select(sa.func.count()).where(
                    k.started_at >= args.start, k.started_at < date.fromordinal(args.end.toordinal() + 1)
                )
            ).scalar_one()
    finally:
        engine.dispose()
    print(
        f"\nPage data of {args.start} .. {args.end}: {n:,} calls in the range; "
        f"{os.cpu_count()} CPUs, each part a fresh process"
    )
    print(
        f"{'part':10} {'process s':>9} {'compute s':>9} {'peak MB':>8}  load  (target: each < {TARGET_S:g} s)"
    )
    for part in PARTS:
        load = os.getloadavg()[0]
        res = run(part, url, args.start, args.end)
        print(
            f"{part:10} {res['process_s']:9.2f} {res['compute_s']:9.2f} {res['peak_mb']:8.0f}  {load:4.1f}  "
            f"({'met' if float(str(res['process_s'])) < TARGET_S else 'missed'})"
        )
        for name, cut in dict(res.get("cuts") or {}).items():  # type: ignore[call-overload]
            print(f"  {name:36} {cut['seconds']:7.2f} s  {cut['rows']:6d} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
