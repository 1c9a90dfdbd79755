"""Fixtures of the watcher's tests: an own salt file per test (as the importer's tests), and helpers.

The call records are the Asterisk day of ``tests/ingest/samples.py`` (fictitious numbers, worked by
hand there): 13 whole Master.csv lines, in order

====  ======  =========================================================
line  row     what the importer makes of it
====  ======  =========================================================
0     A       a call
1-2   B1, B2  two legs of one call (B2 folds into B1: merged 1)
3     C       a call
4-5   D1, D2  two legs of one call (D2 folds into D1: merged 1)
6-9   E-H     four calls
10    A       A again: a duplicate
11    K       start time 2024-13-45: rejected
12    L       dcontext weird-ctx: rejected
====  ======  =========================================================

so all of it gives 8 calls (read 13, inserted 8, merged 2, duplicates 1, rejected 2).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.infra.schema import watch_positions
from core.ingest import tables as ingest_tables
from tests.ingest import samples

LINES = [samples.asterisk_line(r) for r in samples.ASTERISK_ROWS]


@pytest.fixture(autouse=True)
def salt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "salt"
    monkeypatch.setenv("CALLCENTER_SALT_FILE", str(path))
    return path


def count(url: str, table: sa.Table = schema.calls) -> int:
    """Rows of ``table`` (0 when it does not exist yet)."""
    engine = db.make_engine(url)
    try:
        if not sa.inspect(engine).has_table(table.name):
            return 0
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def imports(url: str) -> int:
    """Rows of import_log: one per batch (each batch is one file)."""
    return count(url, ingest_tables.import_log)


def positions_of(url: str) -> int:
    return count(url, watch_positions)
