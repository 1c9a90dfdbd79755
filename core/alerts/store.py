"""The alert log: every alert and "resolved" event and every delivery attempt, on every engine.

Tables ``alert_events`` and ``alert_deliveries`` (:data:`core.infra.schema.ALERT_TABLES`), created on
first use. Both are append-only; an alert is open while the latest event of its rule × entity is an
``alert``, and a delivery is pending while its event × channel has no successful attempt.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema

_ready: set[str] = set()


def ensure_tables(engine: Engine) -> None:
    """Create the alert tables that are missing (once per engine URL and process)."""
    key = engine.url.render_as_string(hide_password=False)
    if key in _ready:
        return
    present = {n.lower() for n in sa.inspect(engine).get_table_names()}
    missing = [t for t in schema.ALERT_TABLES if t.name not in present]
    if missing:
        if db.dialect_of(engine) == "clickhouse":
            with engine.connect() as conn:
                for table in missing:
                    conn.execute(sa.text(db.clickhouse_ddl(table)))
                conn.commit()
        else:
            db.create_tables(engine, missing)
    _ready.add(key)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Event:
    """One row of ``alert_events``."""

    event_id: str
    rule_id: str
    entity_kind: str
    entity: str
    day: date
    kind: str
    raised_at: datetime
    value: float | None
    threshold: float | None
    message: str
    link: str


def write_events(engine: Engine, events: Sequence[Event]) -> None:
    if events:
        rows = [e.__dict__ for e in events]
        db.load_frame(engine, schema.alert_events, pl.DataFrame(rows, schema=_polars(schema.alert_events)))


def write_delivery(
    engine: Engine,
    event_id: str,
    channel: str,
    channel_type: str,
    *,
    attempt: int,
    round_: int,
    at: datetime,
    error: str | None,
) -> None:
    row = {
        "attempt_round": round_,
        "delivery_id": new_id(),
        "event_id": event_id,
        "channel": channel,
        "channel_type": channel_type,
        "attempt": attempt,
        "attempted_at": at,
        "ok": error is None,
        "error": None if error is None else error[:500],
    }
    db.load_frame(
        engine, schema.alert_deliveries, pl.DataFrame([row], schema=_polars(schema.alert_deliveries))
    )


def _polars(table: sa.Table) -> dict[str, pl.DataType]:
    kinds: dict[type, pl.DataType] = {
        sa.Integer: pl.Int64(),
        sa.Double: pl.Float64(),
        sa.Boolean: pl.Boolean(),
        sa.DateTime: pl.Datetime("us"),
        sa.Date: pl.Date(),
        sa.String: pl.String(),
    }
    out: dict[str, pl.DataType] = {}
    for c in table.columns:
        out[c.name] = next(v for k, v in kinds.items() if isinstance(c.type, k))
    return out


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def read_events(engine: Engine, start: date | None = None, end: date | None = None) -> list[Event]:
    """The events of days ``start``..``end`` (inclusive; ``None``: unbounded), oldest first."""
    e = schema.alert_events
    q = sa.select(*e.c)
    if start is not None:
        q = q.where(e.c.day >= start)
    if end is not None:
        q = q.where(e.c.day <= end)
    frame = db.read_frame(engine, q)
    out = [
        Event(
            event_id=str(r["event_id"]),
            rule_id=str(r["rule_id"]),
            entity_kind=str(r["entity_kind"]),
            entity=str(r["entity"]),
            day=_as_date(r["day"]),
            kind=str(r["kind"]),
            raised_at=_as_datetime(r["raised_at"]),
            value=None if r["value"] is None else float(r["value"]),
            threshold=None if r["threshold"] is None else float(r["threshold"]),
            message=str(r["message"] or ""),
            link=str(r["link"] or ""),
        )
        for r in frame.iter_rows(named=True)
    ]
    # An alert and its resolution may share a second: "alert" sorts before "resolved".
    return sorted(out, key=lambda ev: (ev.raised_at, ev.kind, ev.event_id))


def read_deliveries(engine: Engine, event_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Delivery attempts (of ``event_ids``, or all), oldest first."""
    d = schema.alert_deliveries
    q = sa.select(*d.c)
    if event_ids is not None:
        if not event_ids:
            return pl.DataFrame(schema=_polars(d))
        q = q.where(d.c.event_id.in_(list(event_ids)))
    frame = db.read_frame(engine, q)
    if frame.height == 0:
        return pl.DataFrame(schema=_polars(d))
    return frame.cast(pl.Schema(_polars(d))).sort("attempted_at", "attempt")


#: The columns of :func:`read_alert_log`.
LOG_SCHEMA: dict[str, pl.DataType] = {
    "raised_at": pl.Datetime("us"),
    "day": pl.Date(),
    "kind": pl.String(),
    "rule_id": pl.String(),
    "entity_kind": pl.String(),
    "entity": pl.String(),
    "value": pl.Float64(),
    "threshold": pl.Float64(),
    "delivered": pl.String(),
    "failed": pl.String(),
    "attempts": pl.Int64(),
    "message": pl.String(),
    "link": pl.String(),
}


def read_alert_log(engine: Engine, start: date, end: date) -> pl.DataFrame:
    """The alert log of days ``start``..``end`` for a page: one row per event, newest first.

    Reads only (a database whose alert tables were never created has an empty log; nothing is
    created). ``delivered``: the channels that accepted the message, comma-separated; ``failed``:
    ``channel: last error`` of the channels that never accepted it, ``; ``-separated (a channel that
    failed and then succeeded counts as delivered); ``attempts``: every attempt on every channel;
    ``message``: its first line. Columns: :data:`LOG_SCHEMA`.
    """
    present = {n.lower() for n in sa.inspect(engine).get_table_names()}
    if not all(t.name in present for t in schema.ALERT_TABLES):
        return pl.DataFrame(schema=LOG_SCHEMA)
    events = read_events(engine, start, end)
    tried = read_deliveries(engine, [e.event_id for e in events])
    per: dict[str, list[dict[str, Any]]] = {}
    for r in tried.iter_rows(named=True):
        per.setdefault(r["event_id"], []).append(r)
    rows = []
    for e in reversed(events):
        attempts = per.get(e.event_id, [])
        ok = sorted({str(r["channel"]) for r in attempts if r["ok"]})
        failed = {str(r["channel"]): str(r["error"] or "") for r in attempts if not r["ok"]}
        rows.append(
            {
                "raised_at": e.raised_at,
                "day": e.day,
                "kind": e.kind,
                "rule_id": e.rule_id,
                "entity_kind": e.entity_kind,
                "entity": e.entity,
                "value": e.value,
                "threshold": e.threshold,
                "delivered": ", ".join(ok),
                "failed": "; ".join(f"{k}: {v}" for k, v in failed.items() if k not in ok),
                "attempts": len(attempts),
                "message": e.message.splitlines()[0] if e.message else "",
                "link": e.link,
            }
        )
    return pl.DataFrame(rows, schema=LOG_SCHEMA)


def open_alerts(engine: Engine) -> dict[tuple[str, str, str], Event]:
    """The open alerts: per (rule, entity kind, entity), the latest event when it is an ``alert``."""
    latest: dict[tuple[str, str, str], Event] = {}
    for ev in read_events(engine):
        latest[(ev.rule_id, ev.entity_kind, ev.entity)] = ev
    return {k: ev for k, ev in latest.items() if ev.kind == "alert"}


__all__ = [
    "LOG_SCHEMA",
    "Event",
    "ensure_tables",
    "new_id",
    "open_alerts",
    "read_alert_log",
    "read_deliveries",
    "read_events",
    "write_delivery",
    "write_events",
]
