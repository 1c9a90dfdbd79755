"""Benchmark: a batch of new calls picked up by the watcher (``python -m core watch``) from a growing
file, imported and its rollup days refreshed, on the benchmark year in DuckDB.

``python -m bench live [--scale X] [--year Y] [--workdir DIR] [--calls N] [--every S] [--keep]``

Uses the year of ``python -m bench metrics`` (built once under ``--workdir`` and reused, see
:mod:`bench.dataset`), copied to a scratch file (``live.duckdb`` beside it) so the shared year stays as
it is. The new calls are the year's last day's calls again, one day later, with new call ids (the same
customers), repeated until there are ``--calls`` of them (default 10,000), written as canonical CSV
lines. A watcher follows ``calls.csv`` (``file:…?format=canonical&table=calls``): a first poll reads
its header line and one call more (a first import that inserted nothing would leave the rollups of a
database built before the importer's log existed looking stale: see the README), then the other
calls are appended and one poll timed, as the service runs it: the
rollups' fingerprint, the import with the stored position in its transaction, the refresh of the
day touched. The calls are then counted in the database (year + new, exactly).

Issue 14's targets: a batch of 10,000 new calls ingested and refreshed in under 3 s on DuckDB, and a
record written to a watched source in the database within 60 s at the default interval: the record
waits at most ``--every`` seconds (default 30) for the next poll, then the poll's time; both printed.
It prints; it never fails on time (exit 1 when the count is wrong). The Today page and the alert
receivers are not part of it yet (they are built apart); the page reads the calls committed here.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import dataset


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def run(spec: dataset.DataSpec, workdir: Path, n_calls: int, every: float, keep: bool) -> int:
    import polars as pl
    import sqlalchemy as sa

    from core.infra import db, schema
    from core.semantic import rollup
    from core.watch import BatchInfo, Watcher, parse

    scratch = spec.folder(workdir) / "live.duckdb"
    t = time.perf_counter()
    shutil.copyfile(spec.path(workdir, "duckdb"), scratch)
    print(f"duckdb: copied the year to {scratch} in {time.perf_counter() - t:.1f} s", flush=True)
    url = f"duckdb:///{scratch}"
    eng = db.make_engine(url)
    infos: list[BatchInfo] = []
    try:
        k = schema.calls.c
        with eng.connect() as conn:
            n_year = conn.execute(sa.select(sa.func.count()).select_from(schema.calls)).scalar_one()
            last = rollup._as_date(conn.execute(sa.select(sa.func.max(k.started_at))).scalar_one())
        day0 = db.read_frame(
            eng,
            sa.select(*schema.calls.columns).where(
                k.started_at >= last, k.started_at < last + timedelta(days=1)
            ),
        )
        shift = pl.duration(days=1)
        copies = []
        for n in range(-(-(n_calls + 1) // max(day0.height, 1))):
            copies.append(
                day0.with_columns(
                    (f"w{n}-" + pl.col("call_id")).str.slice(0, 64).alias("call_id"),
                    *[pl.col(c) + shift for c in ("started_at", "answered_at", "ended_at")],
                )
            )
        new = pl.concat(copies).head(n_calls + 1)
        with tempfile.TemporaryDirectory(prefix="callcenter-live-") as tmp:
            watched = Path(tmp) / "calls.csv"
            buffer = io.StringIO()
            new.write_csv(buffer, datetime_format="%Y-%m-%d %H:%M:%S")
            header, _, rest = buffer.getvalue().partition("\n")
            first, _, body = rest.partition("\n")
            watched.write_text(header + "\n" + first + "\n", encoding="utf-8")

            def hook(_engine: object, info: BatchInfo) -> None:
                if info.report is not None:
                    infos.append(info)

            watcher = Watcher(
                url,
                [parse(f"file:{watched}?format=canonical&table=calls")],
                rejects_dir=Path(tmp),
                hook=hook,
                out=io.StringIO(),
            )
            try:
                watcher.poll()  # the header line and one call: the position is set
                print(
                    f"\n{n_calls:,} new calls of {last + timedelta(days=1)} (copied from {last}) appended "
                    f"to a watched file; {n_year:,} calls in the year; {os.cpu_count()} CPUs"
                )
                with watched.open("a", encoding="utf-8") as fh:
                    fh.write(body)
                load = _load()
                t = time.perf_counter()
                watcher.poll()
                poll_s = time.perf_counter() - t
            finally:
                watcher.close()
        info = infos[-1]
        assert info.report is not None
        print(f"{'step':40} {'seconds':>8}  machine")
        print(f"{'import (canonical lines, position)':40} {info.report.seconds:8.2f}  {load}")
        print(f"{'refresh of the day touched':40} {info.refresh_seconds or 0:8.2f}")
        print(
            f"{'one poll: check + import + refresh':40} {poll_s:8.2f}  (target: under 3 s for 10,000 calls)"
        )
        print(
            f"{'record written -> in the database':40} {every + poll_s:8.2f}  (at most --every {every:g} s "
            "waiting for the poll, then the poll; target: within 60 s)"
        )
        with eng.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(schema.calls)).scalar_one()
        ok = total == n_year + 1 + n_calls and info.report.inserted == n_calls
        print(
            f"calls after the batch: {total:,} = {n_year:,} + 1 + {n_calls:,}: {'yes' if ok else 'NO'}",
            flush=True,
        )
    finally:
        eng.dispose()
        if not keep:
            scratch.unlink(missing_ok=True)
            Path(f"{scratch}.wal").unlink(missing_ok=True)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench live", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=dataset.DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=dataset.DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=dataset.DEFAULT_WORKDIR)
    parser.add_argument("--calls", type=int, default=10_000, help="new calls in the batch (default 10,000)")
    parser.add_argument("--every", type=float, default=30.0, help="the watcher's poll interval assumed (s)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (live.duckdb)")
    args = parser.parse_args(argv)
    if args.calls < 1:
        print("error: --calls must be positive", file=sys.stderr)
        return 2
    spec = dataset.DataSpec(scale=args.scale, year=args.year, seed=args.seed)
    dataset.ensure_data(spec, args.workdir, ["duckdb"], lambda m: print(m, flush=True))
    return run(spec, args.workdir, args.calls, args.every, args.keep)
