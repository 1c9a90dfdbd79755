"""The importer's own tables, beside the canonical ones of :mod:`core.infra.schema`.

* ``call_inferences`` — one row per call and value that was inferred, not read from the source
  (today: ``two_way_voice`` for formats without such a flag). The data-quality view counts them.
* ``import_log`` — one row per imported file: when, which format, and the counts of its report.

They are created by the first import (a database built by ``demo`` alone has neither, and every
reader treats a missing table as empty). They are kept out of ``core.infra.schema.TABLES`` so that the
schema check of databases made before the importer existed still passes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db

metadata = sa.MetaData()

call_inferences = sa.Table(
    "call_inferences",
    metadata,
    sa.Column("call_id", sa.String(64), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True, comment="the calls column that was inferred"),
    sa.Column("rule", sa.String(128), comment="the rule, e.g. 'answered and talk_seconds >= 5'"),
)

import_log = sa.Table(
    "import_log",
    metadata,
    sa.Column("import_id", sa.String(32), primary_key=True),
    sa.Column("file_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("imported_at", sa.DateTime),
    sa.Column("format", sa.String(16)),
    sa.Column("table_name", sa.String(32)),
    sa.Column("file_name", sa.String(256), comment="the file's name, without its folder"),
    sa.Column("read_rows", sa.Integer),
    sa.Column("rejected_rows", sa.Integer),
    sa.Column("inserted", sa.Integer, comment="whole import: rows inserted"),
    sa.Column("merged", sa.Integer, comment="whole import: fork rows folded into their call"),
    sa.Column("duplicates", sa.Integer, comment="whole import: rows already present"),
)

TABLES: tuple[sa.Table, ...] = (call_inferences, import_log)


def create_tables(engine: Engine) -> None:
    """Create the importer's tables that are missing."""
    if db.dialect_of(engine) == "clickhouse":
        with engine.connect() as conn:
            for table in TABLES:
                conn.execute(sa.text(db.clickhouse_ddl(table)))
            conn.commit()
        return
    db.create_tables(engine, TABLES)
    if db.dialect_of(engine) != "duckdb":
        metadata.create_all(engine)  # their indexes, if any


def has_table(engine: Engine, name: str) -> bool:
    return name.lower() in {n.lower() for n in sa.inspect(engine).get_table_names()}


def select_inferred_calls(start: datetime, end: datetime, field: str = "two_way_voice") -> sa.Select[Any]:
    """Calls started in ``[start, end)`` whose ``field`` was inferred at import (join on call_id)."""
    from core.infra import schema

    k, i = schema.calls, call_inferences
    return (
        sa.select(k.c.call_id, k.c.started_at, k.c.disposition, k.c.talk_seconds, k.c.two_way_voice, i.c.rule)
        .select_from(k.join(i, sa.and_(i.c.call_id == k.c.call_id, i.c.field == field)))
        .where(k.c.started_at >= start, k.c.started_at < end)
    )
