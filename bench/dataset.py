"""The benchmark data, shared by ``python -m bench metrics`` and ``python -m bench risk``.

The demo company (:mod:`core.demo.company`) at a scale, for report year Y, written once into a work
folder and reused: one DuckDB file (and a SQLite copy of the same rows when SQLite is asked for),
each with a marker file recording the parameters, a hash of the generator's source and the row
counts; a database without a matching marker is rebuilt. DuckDB's rollups are built after the
data. Both benchmarks import this module; neither imports the other's data code.
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


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def read_marker(spec: DataSpec, path: Path) -> dict[str, Any] | None:
    """The marker of a complete database built for ``spec``, or ``None``."""
    m = _marker(path)
    if not (path.exists() and m.exists()):
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


def ensure_data(spec: DataSpec, workdir: Path, engines: Sequence[str], say: Say = print) -> dict[str, Path]:
    """The database files the engines need (``duckdb`` always: pandas loads from it), built if missing.

    One pass over the generator loads every database that lacks a matching marker, month by month
    (memory stays flat at any scale).
    """
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
        _ensure_rollup(paths["duckdb"], say)
        return paths

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
    _ensure_rollup(paths["duckdb"], say)
    return paths


def _ensure_rollup(path: Path, say: Say) -> None:
    """Build DuckDB's rollups (:mod:`core.semantic.rollup`) when they are missing or stale, as every import
    and ``python -m core demo`` do; the time is reported apart, it is paid once per data change."""
    from core.infra import db
    from core.rollup import build as rollup_build
    from core.semantic import rollup

    eng = db.make_engine(f"duckdb:///{path}")
    with eng.connect() as conn:
        fresh = rollup.current(conn)
    if not fresh:
        seconds = rollup_build.refresh(eng) or 0.0
        say(f"duckdb: rollups built in {seconds:.1f} s (once per data change, after every import)")
    eng.dispose()
