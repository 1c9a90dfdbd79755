"""The watcher into each of the five engines: the positions table is created there, and each batch's
position is committed with its rows (ClickHouse: attached after the calls). Lines 0-9 of the sample
day (8 calls, see conftest.py), then lines 10-12 (A again, K and L rejected): 8 calls, 2 positions."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from core.infra.schema import watch_positions
from core.watch import Watcher, parse
from core.watch import positions as stored
from tests.watch.conftest import LINES, count


def test_watch_into_every_engine(any_kind: str, new_engine: Callable[..., sa.Engine], tmp_path: Path) -> None:
    engine = new_engine(any_kind)
    url = engine.url.render_as_string(hide_password=False)
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:10]) + "\n")
    spec = parse(f"file:{master}?format=asterisk-csv")
    watcher = Watcher(url, [spec], rejects_dir=tmp_path, out=io.StringIO(), err=io.StringIO())
    try:
        assert watcher.poll() == 0
        with master.open("a") as fh:
            fh.write("\n".join(LINES[10:]) + "\n")
        assert watcher.poll() == 0
    finally:
        watcher.close()
    assert count(url) == 8
    assert count(url, watch_positions) == 2
    seq, position = stored.load(engine, spec.key)
    assert seq == 2 and position is not None and position["offset"] == master.stat().st_size
