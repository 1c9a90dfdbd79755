"""The importer's own tables, beside the canonical ones of :mod:`core.infra.schema`.

* ``call_inferences`` — one row per call and value that was inferred, not read from the source
  (today: ``two_way_voice`` for formats without such a flag). The data-quality view counts them.
* ``import_log`` — one row per imported file: when, which format, and the counts of its report.
* ``call_legs`` — the legs (source rows) each call of a folding format (Asterisk, FreeSWITCH) was
  folded from, as the fold reads them (customer numbers already hashed), so that legs of one call
  arriving in a later import are folded together with the stored ones and the call replaced (see
  :mod:`core.ingest.legs`).

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

call_legs = sa.Table(
    "call_legs",
    metadata,
    sa.Column("call_id", sa.String(64), primary_key=True, comment="the call the leg was folded into"),
    sa.Column("leg_no", sa.Integer, primary_key=True, autoincrement=False, comment="0, 1 … in fold order"),
    sa.Column("leg_id", sa.String(64), comment="FreeSWITCH uuid (Asterisk: empty)"),
    sa.Column("link_id", sa.String(64), comment="FreeSWITCH bleg_uuid: the B-leg this leg was bridged to"),
    sa.Column("direction", sa.String(8)),
    sa.Column("started_at", sa.DateTime),
    sa.Column("answered_at", sa.DateTime),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("talk_seconds", sa.Integer, comment="the leg's billsec when it was answered, else 0"),
    sa.Column("disposition", sa.String(16)),
    sa.Column("agent_id", sa.String(32)),
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_id", sa.String(64), comment="salted hash, as in calls"),
    sa.Column("callee_province", sa.String(16)),
    sa.Column("callee_carrier", sa.String(32)),
    sa.Column("hangup_by", sa.String(16)),
    sa.Column("recorded", sa.Boolean),
    sa.Column("robot", sa.Boolean),
    sa.Column("wrap_seconds", sa.Integer),
    sa.Column("two_way_voice", sa.Boolean, comment="as the source gave it (null: no such flag)"),
    sa.Column("bridged", sa.Boolean, comment="Asterisk: dstchannel set (FreeSWITCH: derived at fold)"),
    sa.Column("queued", sa.Boolean, comment="last application one of [inference] abandon_apps"),
    sa.Column("seq", sa.Integer, comment="Asterisk sequence"),
    sa.Index("ix_call_legs_leg_id", "leg_id"),
    sa.Index("ix_call_legs_link_id", "link_id"),
)

TABLES: tuple[sa.Table, ...] = (call_inferences, import_log, call_legs)


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
