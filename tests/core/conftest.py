"""Fixtures for the compliance-core tests (risk, material changes, fields, calendar, rules).

* ``tiny_db``: a factory that loads hand-made rows into a fresh DuckDB or SQLite file (the test runs
  once per engine, and once more on DuckDB with its rollups built: core/semantic/rollup.py) through
  :func:`core.infra.db.create_schema` and :func:`core.infra.db.load_frame`.
* ``demo``: the demo company at the default scale in a DuckDB file, built once per test session
  and shared by ``test_risk.py`` and ``test_regulatory.py`` (about a minute on two cores).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.demo import company as demo
from core.infra import db, schema
from core.rollup import build as rollup_build

DEMO_END = date(2026, 10, 31)  # fixed so the expectations do not move with today's date
DEMO_Y = 2025  # the last complete calendar year in range for DEMO_END

_POLARS_TYPES: dict[type, Any] = {
    sa.Integer: pl.Int64,
    sa.Double: pl.Float64,
    sa.Boolean: pl.Boolean,
    sa.Date: pl.Date,
    sa.DateTime: pl.Datetime("us"),
    sa.String: pl.String,
    sa.Text: pl.String,
}
_counter = itertools.count(1)


def _dtype(column: sa.Column[Any]) -> Any:
    for sa_type, pl_type in _POLARS_TYPES.items():
        if isinstance(column.type, sa_type):
            return pl_type
    raise TypeError(f"no polars type for {column}")  # pragma: no cover


def frame_for(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a frame with every column of ``table`` typed as the schema says (missing keys: null)."""
    tbl = schema.metadata.tables[table]
    unknown = {k for r in rows for k in r} - set(tbl.columns.keys())
    assert not unknown, f"{table}: unknown columns {unknown}"
    return pl.DataFrame(
        [{c.name: r.get(c.name) for c in tbl.columns} for r in rows],
        schema={c.name: _dtype(c) for c in tbl.columns},
        orient="row",
    )


@pytest.fixture(params=["duckdb", "sqlite", "duckdb-rollup"])
def tiny_db(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[dict[str, list[dict[str, Any]]]], sa.Engine]]:
    """``tiny_db({table: [row, ...]})`` → an engine on a fresh file with the schema and those rows."""
    engines: list[sa.Engine] = []

    def make(tables: dict[str, list[dict[str, Any]]]) -> sa.Engine:
        n = next(_counter)
        kind = request.param.split("-")[0]
        url = f"{kind}:///{tmp_path / f'tiny{n}.{kind}'}"
        engine = db.make_engine(url)
        db.create_schema(engine, indexes=False)  # tables only: a few rows need no index, and it is 4× faster
        for name, rows in tables.items():
            if rows:
                db.load_frame(engine, name, frame_for(name, rows))
        if request.param == "duckdb-rollup":  # the same expectations with DuckDB's rollups in use
            rollup_build.refresh(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@dataclass(frozen=True)
class Demo:
    engine: sa.Engine
    url: str


@pytest.fixture(scope="session")
def demo_company(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo company at the default scale, end 2026-10-31, in a DuckDB file (built once)."""
    path = tmp_path_factory.mktemp("core_demo") / "demo.duckdb"
    url = f"duckdb:///{path}"
    engine = db.make_engine(url)
    demo.build_demo(engine, end=DEMO_END)
    return Demo(engine, url)
