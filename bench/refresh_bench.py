"""Benchmark: one more day of calls into the benchmark year, imported and the rollups refreshed, side by
side with today's full rebuild of the rollups.

``python -m bench refresh [--scale X] [--year Y] [--workdir DIR] [--keep]``

Uses the year of ``python -m bench metrics`` (built once under ``--workdir`` and reused) on DuckDB, copied
to a scratch file so the shared year stays as it is. The new day is the year's last day of calls again,
one day later, with new call ids (the same customers: the look-back of their windows is refreshed too),
written as a canonical calls file (at the default scale about 55,000 calls, a day of the year on
average). Then, as ``python -m core import`` does: the fingerprint before, the import, the refresh of
the days it touched (:func:`core.rollup.build.refresh_after_import`); then the full rebuild of the same
data, timed, and every rollup table compared with what the incremental refresh left (``EXCEPT ALL``
both ways: ``agree: yes`` when identical). The machine's load is printed beside each figure. Issue 13's
target: import + refresh under 3 s on a 19 M-call year (the full rebuild took about 15 s). It prints;
it never fails on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import dataset


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=dataset.DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=dataset.DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=dataset.DEFAULT_WORKDIR)
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (refresh.duckdb)")
    args = parser.parse_args(argv)

    import polars as pl
    import sqlalchemy as sa

    from core.infra import db, schema
    from core.ingest import import_files
    from core.rollup import build as rollup_build
    from core.semantic import rollup

    spec = dataset.DataSpec(scale=args.scale, year=args.year, seed=args.seed)
    dataset.ensure_data(spec, args.workdir, ["duckdb"], lambda m: print(m, flush=True))
    scratch = spec.folder(args.workdir) / "refresh.duckdb"
    t = time.perf_counter()
    shutil.copyfile(spec.path(args.workdir, "duckdb"), scratch)
    print(f"copied the year to {scratch} in {time.perf_counter() - t:.1f} s", flush=True)
    engine = db.make_engine(f"duckdb:///{scratch}")
    try:
        k = schema.calls.c
        with engine.connect() as conn:
            n_year = conn.execute(sa.select(sa.func.count()).select_from(schema.calls)).scalar_one()
            last = rollup._as_date(conn.execute(sa.select(sa.func.max(k.started_at))).scalar_one())
        day0 = db.read_frame(
            engine,
            sa.select(*schema.calls.columns).where(
                k.started_at >= last, k.started_at < last + timedelta(days=1)
            ),
        )
        shift = pl.duration(days=1)
        new_day = day0.with_columns(
            ("r" + pl.col("call_id")).str.slice(0, 64).alias("call_id"),
            *[pl.col(c) + shift for c in ("started_at", "answered_at", "ended_at")],
        )
        with tempfile.TemporaryDirectory(prefix="callcenter-refresh-") as tmp:
            path = Path(tmp) / "calls.csv"
            new_day.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
            print(
                f"\nOne more day: {new_day.height:,} calls of {last + timedelta(days=1)} "
                f"(copied from {last}) into {n_year:,} calls; {os.cpu_count()} CPUs"
            )
            print(f"{'step':34} {'seconds':>8}  machine")
            t = time.perf_counter()
            before = rollup_build.fingerprint_before_import(engine)
            check_s = time.perf_counter() - t
            print(f"{'rollups current? (fingerprint)':34} {check_s:8.2f}  {_load()}")
            assert before is not None, "the year's rollups are not current"
            load = _load()
            report = import_files(engine, [path], "canonical", table="calls", rejects_dir=tmp)
            print(f"{'import (canonical CSV)':34} {report.seconds:8.2f}  {load}")
            load = _load()
            t = time.perf_counter()
            rollup_build.refresh_after_import(engine, report, before)
            refresh_s = time.perf_counter() - t
            print(f"{'refresh of the day touched':34} {refresh_s:8.2f}  {load}")
            total = check_s + report.seconds + refresh_s
            print(f"{'import + refresh':34} {total:8.2f}  (target: under 3 s on a 19 M-call year)")
        with engine.begin() as conn:
            for table in rollup.metadata.sorted_tables:
                if table is not rollup.state:
                    conn.execute(sa.text(f"CREATE TABLE incr_{table.name} AS SELECT * FROM {table.name}"))
        load = _load()
        t = time.perf_counter()
        rollup_build.refresh(engine)
        full_s = time.perf_counter() - t
        print(f"{'full rebuild (as before) of it':34} {full_s:8.2f}  {load}")
        differ = []
        with engine.begin() as conn:
            for table in rollup.metadata.sorted_tables:
                if table is rollup.state:
                    continue
                a, b = table.name, f"incr_{table.name}"
                n = conn.execute(
                    sa.text(
                        f"SELECT (SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})) "
                        f"+ (SELECT count(*) FROM (SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a}))"
                    )
                ).scalar_one()
                if n:
                    differ.append(f"{a} ({n} rows)")
                conn.execute(sa.text(f"DROP TABLE {b}"))
        print(
            "agree: yes: every rollup table of the incremental refresh equals the full rebuild's"
            if not differ
            else f"agree: NO: {', '.join(differ)}"
        )
        print(f"speed-up of the refresh: {full_s / max(refresh_s, 1e-9):.1f}x")
    finally:
        engine.dispose()
        if not args.keep:
            scratch.unlink(missing_ok=True)
            Path(str(scratch) + ".wal").unlink(missing_ok=True)
    return 0
