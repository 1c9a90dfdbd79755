"""Where each watched source was read to: the ``watch_positions`` table (core/infra/schema.py).

One row per committed batch: ``(source, seq)`` with the position as JSON, appended inside the
batch's own import transaction (:func:`row`, written by ``Sink.write`` from the importer's
``before_commit`` hook), so the position moves exactly when the rows it covers are committed: a
crash before the commit loses both, after it keeps both. The newest row of a source is its position
(:func:`load`); older rows are pruned after the commit (:func:`prune`, best effort: they are never read).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db
from core.infra.schema import watch_positions

#: Rows of a source kept below its newest (a short history for support).
KEEP = 10


def ensure_table(engine: Engine) -> None:
    """Create ``watch_positions`` when it is missing (on ClickHouse a MergeTree ordered by its key)."""
    if db.dialect_of(engine) == "clickhouse":
        with engine.connect() as conn:
            conn.execute(sa.text(db.clickhouse_ddl(watch_positions)))
            conn.commit()
        return
    db.create_tables(engine, [watch_positions])


def load(engine: Engine, source: str) -> tuple[int, dict[str, Any] | None]:
    """``(seq, position)`` of the newest row of ``source``; ``(0, None)`` when it was never read."""
    t = watch_positions
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.c.seq, t.c.position).where(t.c.source == source).order_by(t.c.seq.desc()).limit(1)
        ).first()
    if row is None:
        return 0, None
    return int(row[0]), json.loads(row[1])


def row(source: str, seq: int, position: dict[str, Any], import_id: str | None) -> pl.DataFrame:
    """The row that stores ``position`` as the ``seq``-th of ``source``."""
    return pl.DataFrame(
        {
            "source": [source],
            "seq": [seq],
            "saved_at": [datetime.now().replace(microsecond=0)],
            "position": [json.dumps(position, ensure_ascii=False, sort_keys=True)],
            "import_id": [import_id],
        },
        schema={
            "source": pl.String,
            "seq": pl.Int64,
            "saved_at": pl.Datetime("us"),
            "position": pl.String,
            "import_id": pl.String,
        },
    )


def save(engine: Engine, source: str, seq: int, position: dict[str, Any]) -> None:
    """Store a position on its own (no rows come with it: a folder's file that could not be imported)."""
    with engine.begin() as conn:
        db.load_frame(engine, watch_positions, row(source, seq, position, None), conn=conn)


def prune(engine: Engine, source: str, seq: int) -> None:
    """Delete the rows of ``source`` older than ``seq - KEEP`` (not on ClickHouse, where a delete is a
    mutation: its rows are a few bytes a batch)."""
    if db.dialect_of(engine) == "clickhouse" or seq <= KEEP + 1:
        return
    t = watch_positions
    with engine.begin() as conn:
        conn.execute(sa.delete(t).where(t.c.source == source, t.c.seq < seq - KEEP))
