"""Benchmark: one more day of calls into the benchmark year, imported and the rollups refreshed, side by
side with today's full rebuild of the rollups, per engine.

``python -m bench refresh [--scale X] [--year Y] [--workdir DIR] [--engines duckdb,postgresql,…] [--keep]``

Uses the year of ``python -m bench metrics`` (built once under ``--workdir`` and reused; PostgreSQL, MariaDB
and ClickHouse loaded from its DuckDB file, see :mod:`bench.dataset`), copied to a scratch database so the
shared year stays as it is: DuckDB's file and ClickHouse's chdb folder are copied (``refresh.duckdb``,
``refresh.clickhouse`` beside them), PostgreSQL's database is cloned (``CREATE DATABASE …_refresh
TEMPLATE …``), MariaDB's tables are copied into ``…_refresh`` (``CREATE TABLE … LIKE``, ``INSERT … SELECT``);
the copy's time is printed and the scratch dropped at the end (``--keep`` keeps it). Each engine runs in
a fresh process of its own (``--one ENGINE``; chdb opens one data path per process).

The new day is the year's last day of calls again, one day later, with new call ids (the same
customers: the look-back of their windows is refreshed too), written as a canonical calls file (at
the default scale about 55,000 calls, a day of the year on average). Then, as ``python -m core import``
does: the fingerprint before, the import, the refresh of the days it touched
(:func:`core.rollup.build.refresh_after_import`; a full rebuild on the engines outside
:data:`core.rollup.build.INCREMENTAL_DIALECTS`, said on that line); then the full rebuild of the same data,
timed, and every rollup table compared with what the refresh left (``EXCEPT ALL`` both ways: ``agree:
yes`` when identical). The machine's load is printed beside each figure. Issue 13's target: import +
refresh under 3 s on a 19 M-call year on DuckDB (the full rebuild took about 15 s). It prints; it never
fails on time (exit 1 when the tables disagree).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import dataset

ROOT = Path(__file__).resolve().parent.parent
DISAGREE = 3  # a child's exit code when the refresh and the full rebuild differ (1 is a crash)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def scratch_copy(spec: dataset.DataSpec, workdir: Path, engine: str) -> tuple[str, float]:
    """A scratch copy of ``engine``'s benchmark year: (its URL, seconds the copy took)."""
    import sqlalchemy as sa

    from core.infra import db

    t = time.perf_counter()
    folder = spec.folder(workdir)
    if engine == "duckdb":
        scratch = folder / "refresh.duckdb"
        shutil.copyfile(spec.path(workdir, "duckdb"), scratch)
        return f"duckdb:///{scratch}", time.perf_counter() - t
    if engine == "clickhouse":
        scratch = folder / "refresh.clickhouse"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(
            spec.path(workdir, "clickhouse"), scratch, symlinks=True
        )  # relative links of the Atomic catalogue
        return f"clickhousedb:///?interface=chdb&path={scratch}", time.perf_counter() - t
    source = dataset.database_name(spec)
    name = f"{source}_refresh"
    admin = db.make_engine(dataset.server_url(engine))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine == "postgresql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                for attempt in range(10):  # autovacuum may hold the template a moment
                    try:
                        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {source}"))
                        break
                    except sa.exc.OperationalError:
                        if attempt == 9:
                            raise
                        time.sleep(1)
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
                conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
                tables = conn.execute(sa.text(f"SHOW TABLES FROM {source}")).scalars().all()
                for table in tables:
                    conn.execute(sa.text(f"CREATE TABLE {name}.`{table}` LIKE {source}.`{table}`"))
                    conn.execute(sa.text(f"INSERT INTO {name}.`{table}` SELECT * FROM {source}.`{table}`"))
    finally:
        admin.dispose()
    return dataset.server_url(engine, name), time.perf_counter() - t


def drop_scratch(spec: dataset.DataSpec, workdir: Path, engine: str) -> None:
    """Remove the scratch copy of :func:`scratch_copy`."""
    import sqlalchemy as sa

    from core.infra import db

    folder = spec.folder(workdir)
    if engine == "duckdb":
        (folder / "refresh.duckdb").unlink(missing_ok=True)
        (folder / "refresh.duckdb.wal").unlink(missing_ok=True)
        return
    if engine == "clickhouse":
        shutil.rmtree(folder / "refresh.clickhouse", ignore_errors=True)
        return
    name = f"{dataset.database_name(spec)}_refresh"
    admin = db.make_engine(dataset.server_url(engine))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            force = " WITH (FORCE)" if engine == "postgresql" else ""
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
    finally:
        admin.dispose()


def _copy_table_sql(dialect: str, new: str, old: str) -> str:
    if dialect == "clickhouse":
        return f"CREATE TABLE {new} ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM {old}"
    return f"CREATE TABLE {new} AS SELECT * FROM {old}"


def run_one(spec: dataset.DataSpec, workdir: Path, engine: str, keep: bool) -> int:
    """The benchmark on one engine in this process (its data already ensured); 0 when the tables agree,
    else :data:`DISAGREE`."""
    import polars as pl
    import sqlalchemy as sa

    from core.infra import db, schema
    from core.ingest import import_files
    from core.rollup import build as rollup_build
    from core.semantic import rollup

    url, copy_s = scratch_copy(spec, workdir, engine)
    print(f"{engine}: copied the year to {db.redact_url(url)} in {copy_s:.1f} s", flush=True)
    eng = db.make_engine(url)
    dialect = db.dialect_of(eng)
    partial = dialect in rollup_build.INCREMENTAL_DIALECTS
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
        new_day = day0.with_columns(
            ("r" + pl.col("call_id")).str.slice(0, 64).alias("call_id"),
            *[pl.col(c) + shift for c in ("started_at", "answered_at", "ended_at")],
        )
        with tempfile.TemporaryDirectory(prefix="callcenter-refresh-") as tmp:
            path = Path(tmp) / "calls.csv"
            new_day.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
            print(
                f"\nOne more day on {engine}: {new_day.height:,} calls of {last + timedelta(days=1)} "
                f"(copied from {last}) into {n_year:,} calls; {os.cpu_count()} CPUs"
            )
            print(f"{'step':34} {'seconds':>8}  machine")
            t = time.perf_counter()
            before = rollup_build.fingerprint_before_import(eng)
            check_s = time.perf_counter() - t
            print(f"{'rollups current? (fingerprint)':34} {check_s:8.2f}  {_load()}")
            # Off DuckDB there is no check (None): the refresh rebuilds whole anyway.
            assert before is not None or not partial, "the year's rollups are not current"
            load = _load()
            report = import_files(eng, [path], "canonical", table="calls", rejects_dir=tmp)
            print(f"{'import (canonical CSV)':34} {report.seconds:8.2f}  {load}")
            load = _load()
            t = time.perf_counter()
            rollup_build.refresh_after_import(eng, report, before)
            refresh_s = time.perf_counter() - t
            how = "" if partial else f"  (a full rebuild on {engine}: partial refreshes are on DuckDB only)"
            print(f"{'refresh of the day touched':34} {refresh_s:8.2f}  {load}{how}")
            total = check_s + report.seconds + refresh_s
            print(f"{'import + refresh':34} {total:8.2f}  (target: under 3 s on a 19 M-call year on DuckDB)")
        tables = [t for t in rollup.metadata.sorted_tables if t is not rollup.state]
        with eng.begin() as conn:
            for table in tables:
                conn.execute(sa.text(_copy_table_sql(dialect, f"incr_{table.name}", table.name)))
        load = _load()
        t = time.perf_counter()
        rollup_build.refresh(eng)
        full_s = time.perf_counter() - t
        print(f"{'full rebuild (as before) of it':34} {full_s:8.2f}  {load}")
        differ = []
        with eng.begin() as conn:
            for table in tables:
                a, b = table.name, f"incr_{table.name}"
                n = conn.execute(
                    sa.text(
                        f"SELECT (SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b}) AS d1) "
                        f"+ (SELECT count(*) FROM (SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a}) AS d2)"
                    )
                ).scalar_one()
                if n:
                    differ.append(f"{a} ({n} rows)")
                conn.execute(sa.text(f"DROP TABLE {b}"))
        print(
            f"agree: yes: every rollup table of the refresh on {engine} equals the full rebuild's"
            if not differ
            else f"agree: NO ({engine}): {', '.join(differ)}"
        )
        print(f"speed-up of the refresh: {full_s / max(refresh_s, 1e-9):.1f}x", flush=True)
    finally:
        eng.dispose()
        if not keep:
            drop_scratch(spec, workdir, engine)
    return DISAGREE if differ else 0


def _run_child(args: Any, engine: str) -> int:
    """``run_one`` for ``engine`` in a fresh process, its lines printed here."""
    cmd = [sys.executable, "-m", "bench", "refresh", "--one", engine, "--scale", repr(args.scale)]
    cmd += ["--year", str(args.year), "--seed", str(args.seed), "--workdir", str(args.workdir)]
    cmd += ["--keep"] if args.keep else []
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    if proc.returncode == DISAGREE:
        return 1
    if proc.returncode != 0:
        print(f"{engine}: the refresh benchmark failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=dataset.DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=dataset.DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=dataset.DEFAULT_WORKDIR)
    parser.add_argument("--engines", default="duckdb", help=f"comma list from {','.join(dataset.ENGINES)}")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch copies (refresh.duckdb, …_refresh)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: one engine, data already ensured
    args = parser.parse_args(argv)
    spec = dataset.DataSpec(scale=args.scale, year=args.year, seed=args.seed)
    if args.one:
        return run_one(spec, args.workdir, dataset.engine_name(args.one), args.keep)
    try:
        engines = [dataset.engine_name(e.strip()) for e in args.engines.split(",") if e.strip()]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dataset.ensure_data(spec, args.workdir, engines, lambda m: print(m, flush=True))
    codes = [_run_child(args, engine) for engine in engines]
    return max(codes, default=0)
