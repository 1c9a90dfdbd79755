"""The benchmark data, shared by ``python -m bench metrics``, ``risk`` and ``refresh``.

The demo company (:mod:`core.demo.company`) at a scale, for report year Y, written once into a work
folder and reused: one DuckDB file (and a SQLite copy of the same rows when SQLite is asked for),
each with a marker file recording the parameters, a hash of the generator's source and the row
counts; a database without a matching marker is rebuilt. Their rollups are built after the data
(and again whenever they are not current). The benchmarks import this module; none imports another's data code.

PostgreSQL, MariaDB and ClickHouse (:data:`LOADED`) are not generated again: each is loaded from the
DuckDB file of the same spec (table by table in Arrow batches through :func:`core.infra.db.load_frame`:
COPY, multi-row INSERT, ``insert_arrow``), given the product's indexes (:func:`core.infra.db.create_indexes`)
and its own rollups (:func:`core.rollup.build.refresh`), in a child process (chdb opens one data path
per process, so the caller's process never opens one). Where they live (:func:`url_for`):

* PostgreSQL and MariaDB: a database per spec, ``cc_bench_y2025_s3`` (``_seedN`` added for another
  seed; the prefix is ``CALLCENTER_BENCH_DB_PREFIX`` when set), on the server of
  ``CALLCENTER_BENCH_PG_URL`` / ``CALLCENTER_BENCH_MYSQL_URL``, else of ``CALLCENTER_TEST_PG_URL`` /
  ``CALLCENTER_TEST_MYSQL_URL`` (the database part of the URL is replaced); its user must be able to
  create that database (MariaDB: ``GRANT ALL ON `cc\\_bench\\_%`.* TO callcenter@localhost``).
  PostgreSQL is ``ANALYZE``d after the load and after its rollups, as autovacuum would do shortly after.
* ClickHouse (chdb): the folder ``callcenter.clickhouse`` beside the DuckDB file.

Their marker is ``callcenter.<engine>.json`` in the same folder, with the DuckDB file's build time
(a rebuilt DuckDB file means a reload); a server database is also checked to still hold the
number of calls its marker says (it can be dropped behind our back), and is reloaded if not.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

DEFAULT_SCALE = 27.5  # about 20 million calls in the report year (0.73 M at scale 1)
DEFAULT_YEAR = 2025
DEFAULT_SEED = 7
DEFAULT_WORKDIR = Path("/tmp/callcenter-bench")
DATA_FORMAT = 1  # bump when the layout of the benchmark databases changes

#: Every engine the benchmark data can be built on (``mysql`` is accepted as another name for MariaDB).
ENGINES: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mariadb", "clickhouse")
#: Engines loaded from the DuckDB file rather than generated.
LOADED: tuple[str, ...] = ("postgresql", "mariadb", "clickhouse")
#: Where a server engine's benchmark database lives: the variable naming the server, then the test
#: server's variable and default (the database part of the URL is replaced by :func:`database_name`).
SERVER_URLS: dict[str, tuple[str, str, str]] = {
    "postgresql": (
        "CALLCENTER_BENCH_PG_URL",
        "CALLCENTER_TEST_PG_URL",
        "postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test",
    ),
    "mariadb": (
        "CALLCENTER_BENCH_MYSQL_URL",
        "CALLCENTER_TEST_MYSQL_URL",
        "mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test",
    ),
}
#: Rows per Arrow batch read from DuckDB and loaded into another engine.
COPY_ROWS = 500_000

Say = Callable[[str], None]


@dataclass(frozen=True)
class DataSpec:
    """The benchmark data: the demo company at ``scale``, report year ``year``."""

    scale: float = DEFAULT_SCALE
    year: int = DEFAULT_YEAR
    seed: int = DEFAULT_SEED

    @property
    def end(self) -> date:
        """The demo's last day: the end of October after the year (as ``python -m core demo`` in
        November would build it), so that ``year`` is its report year Y."""
        return date(self.year + 1, 10, 31)

    def folder(self, workdir: Path) -> Path:
        return workdir / f"y{self.year}-scale{self.scale:g}-seed{self.seed}"

    def path(self, workdir: Path, engine: str) -> Path:
        return self.folder(workdir) / f"callcenter.{engine}"

    def marker_data(self) -> dict[str, Any]:
        return {
            "format": DATA_FORMAT,
            "scale": self.scale,
            "year": self.year,
            "seed": self.seed,
            "generator": generator_fingerprint(),
        }


def generator_fingerprint() -> str:
    """A hash of the demo generator's source: data built by an older generator is rebuilt.

    The files are found by module name (without importing them), wherever the package puts them.
    """
    import hashlib

    h = hashlib.sha1()
    for module in ("core.demo.company", "core.demo.plan"):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:12]


def engine_name(name: str) -> str:
    """The benchmark's name for an engine (``mysql`` → ``mariadb``); a ValueError for an unknown one."""
    name = "mariadb" if name == "mysql" else name
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    return name


def database_name(spec: DataSpec) -> str:
    """The server database of ``spec``: ``cc_bench_y2025_s3`` (scale 27.5: ``s27_5``; another seed: ``_seed8``;
    the prefix ``cc_bench`` is ``CALLCENTER_BENCH_DB_PREFIX`` when set, as the tests do)."""
    import os

    prefix = os.environ.get("CALLCENTER_BENCH_DB_PREFIX") or "cc_bench"
    scale = f"{spec.scale:g}".replace(".", "_").replace("-", "m")
    seed = "" if spec.seed == DEFAULT_SEED else f"_seed{spec.seed}"
    return f"{prefix}_y{spec.year}_s{scale}{seed}"


def server_url(engine: str, database: str | None = None) -> str:
    """The URL of the benchmark server of ``engine`` (``postgresql``, ``mariadb``) on ``database``
    (``None``: the database of the configured URL itself, used to create the others)."""
    import os

    import sqlalchemy as sa

    bench_var, test_var, default = SERVER_URLS[engine]
    base = sa.make_url(os.environ.get(bench_var) or os.environ.get(test_var) or default)
    if database is not None:
        base = base.set(database=database)
    return base.render_as_string(hide_password=False)


def url_for(spec: DataSpec, workdir: Path, engine: str) -> str:
    """The database URL of ``engine``'s copy of the benchmark data (built or not)."""
    engine = engine_name(engine)
    path = spec.path(workdir, engine)
    if engine in ("duckdb", "sqlite"):
        return f"{engine}:///{path}"
    if engine == "clickhouse":
        return f"clickhousedb:///?interface=chdb&path={path}"
    return server_url(engine, database_name(spec))


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def read_marker(spec: DataSpec, path: Path, *, need_path: bool = True) -> dict[str, Any] | None:
    """The marker of a complete database built for ``spec``, or ``None``; ``need_path``: the
    database file (or folder) must exist too (a server database has none: see :func:`ensure_loaded`)."""
    m = _marker(path)
    if not ((path.exists() or not need_path) and m.exists()):
        return None
    try:
        info = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = all(info.get(k) == v for k, v in spec.marker_data().items())
    return info if same else None


def _sqlite_fast_load(engine: Any) -> None:
    """Pragmas for a one-off bulk load (a crash mid-load leaves no marker, so the file is rebuilt)."""
    import sqlalchemy as sa

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=OFF")
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-262144")
        cur.close()


def ensure_data(spec: DataSpec, workdir: Path, engines: Sequence[str], say: Say = print) -> dict[str, str]:
    """``{engine: database URL}`` of the data each engine needs (``duckdb`` always: pandas and the
    loaded engines read it), built if missing, with that engine's rollups current.

    One pass over the generator loads DuckDB and SQLite when they lack a matching marker, month by
    month (memory stays flat at any scale); PostgreSQL, MariaDB and ClickHouse are then loaded from the
    DuckDB file (:func:`ensure_loaded`, each in a child process). Names other than the engines of
    :data:`ENGINES` (``pandas``) are ignored here.
    """
    names = {engine_name(e) for e in engines if e != "pandas"}
    _ensure_generated(spec, workdir, names, say)
    urls = {"duckdb": url_for(spec, workdir, "duckdb")}
    if "sqlite" in names:
        urls["sqlite"] = url_for(spec, workdir, "sqlite")
    for e in LOADED:
        if e in names:
            _ensure_loaded_in_child(spec, workdir, e, say)
            urls[e] = url_for(spec, workdir, e)
    return urls


def _ensure_generated(spec: DataSpec, workdir: Path, engines: set[str], say: Say) -> None:
    """DuckDB (and SQLite when in ``engines``) generated if missing; DuckDB's rollups current."""
    from core.demo import company as demo
    from core.infra import db

    wanted = ["duckdb"] + (["sqlite"] if "sqlite" in engines else [])
    paths = {e: spec.path(workdir, e) for e in wanted}
    todo = [e for e in wanted if read_marker(spec, paths[e]) is None]
    for e in wanted:
        if e not in todo:
            info = read_marker(spec, paths[e]) or {}
            say(f"{e}: reusing {paths[e]} ({info.get('calls_in_year', 0):,} calls in {spec.year})")
    if not todo:
        for e in wanted:
            _ensure_rollup(e, paths[e], say)
        return

    spec.folder(workdir).mkdir(parents=True, exist_ok=True)
    say(f"building {', '.join(todo)} in {spec.folder(workdir)} (scale {spec.scale:g}, year {spec.year})")
    t_start = time.perf_counter()
    ctx = demo.make_context(end=spec.end, seed=spec.seed, scale=spec.scale)
    first = date(spec.year - 1, 12, 1)
    year_ctx = dataclasses.replace(
        ctx, months=[m for m in ctx.months if first <= m <= date(spec.year, 12, 1)]
    )
    engines_sa = {}
    for e in todo:
        for p in (paths[e], _marker(paths[e])):
            p.unlink(missing_ok=True)
        eng = db.make_engine(f"{e}:///{paths[e]}")
        if e == "sqlite":
            _sqlite_fast_load(eng)
        db.create_schema(eng, drop_first=True, indexes=False)
        engines_sa[e] = eng
    written: dict[str, dict[str, int]] = {e: {} for e in todo}
    load_s = dict.fromkeys(todo, 0.0)
    gen_s = 0.0

    def load(name: str, frame: Any) -> None:
        for e, eng in engines_sa.items():
            t = time.perf_counter()
            written[e][name] = written[e].get(name, 0) + db.load_frame(eng, name, frame, chunk_rows=1_000_000)
            load_s[e] += time.perf_counter() - t

    for name, frame in demo._small_tables(ctx).items():
        if frame.height:
            load(name, frame)
    t = time.perf_counter()
    for month, frames in demo.iter_months(year_ctx):
        gen_s += time.perf_counter() - t
        if month.year < spec.year:
            # Only the sessions of the month before: a night shift crossing into 1 January.
            load("agent_sessions", frames["agent_sessions"])
        else:
            for name, frame in frames.items():
                if frame.height:
                    load(name, frame)
        calls = written[todo[0]].get("calls", 0)
        rates = ", ".join(f"{e} {sum(written[e].values()) / max(load_s[e], 1e-9):,.0f} rows/s" for e in todo)
        say(f"  {month:%Y-%m}: {calls:,} calls loaded ({rates})")
        t = time.perf_counter()
    for e, eng in engines_sa.items():
        t = time.perf_counter()
        db.create_indexes(eng)  # as build_demo does: the product's databases have them
        index_s = time.perf_counter() - t
        eng.dispose()
        rows = sum(written[e].values())
        info = {
            **spec.marker_data(),
            "end": spec.end.isoformat(),
            "calls_in_year": written[e].get("calls", 0),
            "rows": written[e],
            "load_seconds": round(load_s[e], 1),
            "index_seconds": round(index_s, 1),
            "rows_per_second": round(rows / max(load_s[e], 1e-9)),
            "built_at": datetime.now().isoformat(timespec="seconds"),
        }
        _marker(paths[e]).write_text(json.dumps(info, indent=1), encoding="utf-8")
        say(
            f"{e}: {rows:,} rows loaded in {load_s[e]:.1f} s ({info['rows_per_second']:,} rows/s), "
            f"indexes {index_s:.1f} s, {paths[e].stat().st_size / 1e6:,.0f} MB"
        )
    say(f"generation {gen_s:.1f} s; data ready in {time.perf_counter() - t_start:.1f} s")
    for e in wanted:
        _ensure_rollup(e, paths[e], say)


def _ensure_rollup(engine: str, path: Path, say: Say) -> None:
    """Build the rollups (:mod:`core.semantic.rollup`) of the DuckDB or SQLite file when they are missing or
    stale, as every import and ``python -m core demo`` do; the time is reported apart, it is paid once per
    data change."""
    from core.infra import db

    eng = db.make_engine(f"{engine}:///{path}")
    try:
        _rollups_current(eng, engine, say)
    finally:
        eng.dispose()


def _rollups_current(eng: Any, name: str, say: Say) -> float | None:
    """``eng``'s rollups built when missing or stale; the seconds it took (``None``: they were current)."""
    from core.infra import db
    from core.rollup import build as rollup_build
    from core.semantic import rollup

    db.ready_schema(eng)  # as the app and the CLI open it (PostgreSQL: the calls' change counter)
    with eng.connect() as conn:
        fresh = rollup.current(conn)
    if fresh:
        return None
    seconds = rollup_build.refresh(eng) or 0.0
    say(f"{name}: rollups built in {seconds:.1f} s (once per data change, after every import)")
    return seconds


# --------------------------------------------------------------------------------------------
# PostgreSQL, MariaDB and ClickHouse: loaded from the DuckDB file
# --------------------------------------------------------------------------------------------


def _ensure_loaded_in_child(spec: DataSpec, workdir: Path, engine: str, say: Say) -> None:
    """:func:`ensure_loaded` in a child process (``python -m bench.dataset``), its lines relayed to ``say``."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "bench.dataset", engine, "--scale", f"{spec.scale!r}"]
    cmd += ["--year", str(spec.year), "--seed", str(spec.seed), "--workdir", str(workdir)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p),
    }
    with subprocess.Popen(
        cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:
            say(line.rstrip("\n"))
        err = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{engine}: loading the benchmark data failed (exit {proc.returncode}):\n{err[-4000:]}"
        )


def _count_calls(eng: Any) -> int | None:
    """The calls in the database, or ``None`` when it cannot be reached or has no calls table."""
    import sqlalchemy as sa

    from core.infra import schema

    try:
        with eng.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(schema.calls)).scalar_one())
    except sa.exc.SQLAlchemyError:
        return None


def _recreate_server_database(engine: str, name: str) -> None:
    """Drop and create the server database ``name`` (UTF-8; MariaDB's binary collation, as the tests use)."""
    import sqlalchemy as sa

    from core.infra import db

    admin = db.make_engine(server_url(engine))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine == "postgresql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(sa.text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
                conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
    finally:
        admin.dispose()


def ensure_loaded(spec: DataSpec, workdir: Path, engine: str, say: Say = print) -> dict[str, Any]:
    """``engine`` (one of :data:`LOADED`) holding the rows of the DuckDB file of ``spec``, with its indexes
    and current rollups; loaded again unless its marker matches that file and (servers) the database
    still has the marker's calls. Returns the marker. Run it in a process of its own for ClickHouse
    (:func:`ensure_data` does): chdb opens one data path per process."""
    import shutil

    import duckdb
    import polars as pl
    import sqlalchemy as sa

    from core.infra import db, schema

    engine = engine_name(engine)
    assert engine in LOADED, engine
    duck_path = spec.path(workdir, "duckdb")
    source = read_marker(spec, duck_path)
    if source is None:
        raise RuntimeError(
            f"no benchmark DuckDB file for {spec} at {duck_path}: build it first (ensure_data)"
        )
    path = spec.path(workdir, engine)
    marker = _marker(path)
    url = url_for(spec, workdir, engine)
    info = read_marker(spec, path, need_path=engine == "clickhouse")
    if info is not None and info.get("source_built_at") != source.get("built_at"):
        info = None  # the DuckDB file was built again since
    if info is not None and engine != "clickhouse":
        eng = db.make_engine(url)
        have = _count_calls(eng)
        eng.dispose()
        if have != info.get("calls_in_year"):
            say(
                f"{engine}: {db.redact_url(url)} holds {have} calls, its marker says {info.get('calls_in_year')}: reloading"
            )
            info = None
    if info is not None:
        say(f"{engine}: reusing {db.redact_url(url)} ({info.get('calls_in_year', 0):,} calls in {spec.year})")
    else:
        marker.unlink(missing_ok=True)
        if engine == "clickhouse":
            shutil.rmtree(path, ignore_errors=True)
        else:
            _recreate_server_database(engine, database_name(spec))
        say(f"{engine}: loading {db.redact_url(url)} from {duck_path}")
        eng = db.make_engine(url)
        db.create_schema(eng, drop_first=True, indexes=False)
        written: dict[str, int] = {}
        t0 = time.perf_counter()
        con = duckdb.connect(str(duck_path), read_only=True)
        try:
            present = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
            for table in schema.TABLES:
                written[table.name] = 0
                if table.name not in present:
                    continue  # a table the file's schema had not yet: empty
                t = time.perf_counter()
                reader = con.sql(f'SELECT * FROM "{table.name}"').fetch_record_batch(COPY_ROWS)
                for batch in reader:
                    frame = pl.from_arrow(batch)
                    assert isinstance(frame, pl.DataFrame)
                    written[table.name] += db.load_frame(eng, table, frame, chunk_rows=COPY_ROWS)
                if written[table.name] >= COPY_ROWS:
                    rate = written[table.name] / max(time.perf_counter() - t, 1e-9)
                    say(f"  {table.name}: {written[table.name]:,} rows ({rate:,.0f} rows/s)")
        finally:
            con.close()
        load_s = time.perf_counter() - t0
        t = time.perf_counter()
        db.create_indexes(eng)  # as build_demo does: the product's databases have them
        index_s = time.perf_counter() - t
        if engine == "postgresql":
            with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        want = {k: v for k, v in source["rows"].items() if k in written}
        got = {k: v for k, v in db.row_counts(eng).items() if k in want}
        if got != want:
            eng.dispose()
            raise RuntimeError(f"{engine}: the rows loaded differ from DuckDB's: {got} vs {want}")
        rows = sum(written.values())
        info = {
            **spec.marker_data(),
            "end": spec.end.isoformat(),
            "source_built_at": source.get("built_at"),
            "calls_in_year": written["calls"],
            "rows": written,
            "load_seconds": round(load_s, 1),
            "index_seconds": round(index_s, 1),
            "rows_per_second": round(rows / max(load_s, 1e-9)),
            "built_at": datetime.now().isoformat(timespec="seconds"),
        }
        say(
            f"{engine}: {rows:,} rows loaded in {load_s:.1f} s ({info['rows_per_second']:,} rows/s), "
            f"indexes {index_s:.1f} s; the same row counts as DuckDB's"
        )
        eng.dispose()
    eng = db.make_engine(url)
    try:
        seconds = _rollups_current(eng, engine, say)
    finally:
        eng.dispose()
    if seconds is not None:
        info["rollup_seconds"] = round(seconds, 1)
        if engine == "postgresql":
            eng = db.make_engine(url)
            with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
            eng.dispose()
        marker.write_text(json.dumps(info, indent=1), encoding="utf-8")
    elif not marker.exists():
        marker.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.dataset ENGINE [--scale X] [--year Y] [--seed N] [--workdir DIR]``: the
    benchmark data of one engine ensured (:func:`ensure_data` runs it in a child for the loaded engines)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=main.__doc__)
    parser.add_argument("engine", choices=[*ENGINES, "mysql"])
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--year", type=int, default=DEFAULT_YEAR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    spec = DataSpec(scale=args.scale, year=args.year, seed=args.seed)

    def say(msg: str) -> None:
        print(msg, flush=True)

    engine = engine_name(args.engine)
    if engine in LOADED:
        ensure_loaded(spec, args.workdir, engine, say)  # from the DuckDB file ensure_data built
    else:
        ensure_data(spec, args.workdir, [engine], say)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
