"""Fixtures for the importer's tests.

* every test gets its own salt file (``CALLCENTER_SALT_FILE``), so no test touches ``data/salt``;
* ``duck``: a fresh DuckDB URL in the test's temporary directory (no tables yet);
* ``key``: the test's salt, to work out expected customer ids;
* ``calls_of(engine)``: the calls table, sorted by call id.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest.numbers import load_salt


@pytest.fixture(autouse=True)
def salt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "salt"
    monkeypatch.setenv("CALLCENTER_SALT_FILE", str(path))
    return path


@pytest.fixture
def key(salt_file: Path) -> bytes:
    return load_salt(salt_file)


@pytest.fixture
def duck(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path}/import.duckdb"


def read_calls(engine: sa.Engine) -> pl.DataFrame:
    """Every call, by call id, with plain Python-comparable types."""
    frame = db.read_frame(engine, sa.select(*schema.calls.columns).order_by(schema.calls.c.call_id))
    frame = frame.with_columns(
        pl.col(n).dt.replace_time_zone(None)
        for n, t in frame.schema.items()
        if isinstance(t, pl.Datetime) and t.time_zone is not None
    )
    return frame.with_columns(
        pl.col(c).cast(pl.Int64) for c in ("ring_seconds", "talk_seconds", "wrap_seconds")
    ).with_columns(pl.col(c).cast(pl.Datetime("us")) for c in ("started_at", "answered_at", "ended_at"))


@pytest.fixture
def calls_of() -> Callable[[sa.Engine], pl.DataFrame]:
    return read_calls
