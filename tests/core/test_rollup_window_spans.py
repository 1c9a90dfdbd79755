"""The stored windows (``rollup_callee_windows``) of a partial refresh reach a week past the days
imported, and no further (core/rollup/build.py ``_window_spans``, ``_keep``).

A row of the table depends on its customer's calls in the week before it: the 24 h and 5 min counts,
and ``since_abandon``, which is stored only up to 168 h (``MAX_RECALL_HOURS``; null beyond: no rules
the table answers look further back). So an import recomputes the rows of its customers from its
first day to a week after its last, from their calls of that span and the week before. Customer
``R`` (a fictitious hash), calls of 2024-06 (canonical, outbound)::

    import 1   r1 06-01 00:00 abandoned
               r2 06-09 10:00 answered   since r1: 8 d 10 h = 202 h > 168 h: null; n24 = 1: not kept
               r3 06-09 12:00 answered   n24 = 2 (r2): kept, since_abandon null (202 h + 2 h > 168 h)
               r4 06-20 08:00 answered   alone: not kept
    import 2   r5 06-05 12:00 abandoned  since r1: 4 d 12 h = 108 h = 388,800 s: kept (n24 = 1)
               (06-05's span: 06-05 00:00 to 06-13 00:00, r2 and r3 in it)
               r2: since r5 = 3 d 22 h = 94 h = 338,400 s: kept now (n24 = 1)
               r3: since r5 = 96 h = 345,600 s, n24 = 2
               r4: since r5 = 14 d 20 h: still not kept (outside the span, and unchanged)

After each import the table equals a full rebuild's, on every engine (``any_kind``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from core.infra import db
from core.ingest import import_files
from core.rollup import build as rollup_build
from core.semantic import rollup

R = "c" * 32
HEADER = (
    "call_id,direction,started_at,answered_at,ended_at,ring_seconds,talk_seconds,wrap_seconds,"
    "two_way_voice,disposition,agent_id,campaign_id,caller_number,callee_id,callee_province,hangup_by,"
    "recorded,robot"
)


def _row(cid: str, start: str, disposition: str) -> str:
    t0 = datetime.strptime(f"2024-06-{start}", "%Y-%m-%d %H:%M")
    answered = disposition == "answered"
    end = t0 + timedelta(seconds=65 if answered else 10)
    return (
        f"{cid},out,{t0},{t0 + timedelta(seconds=5) if answered else ''},{end},5,{60 if answered else 0},0,"
        f"{str(answered).lower()},{disposition},A01,C05,95000004,{R},北京,customer,true,false"
    )


def _windows(engine: sa.Engine) -> list[tuple[object, ...]]:
    w = rollup.callee_windows
    frame = db.read_frame(engine, sa.select(w.c.call_id, w.c.n24, w.c.since_abandon))
    return frame.sort("call_id").rows()


def _import(engine: sa.Engine, path: Path, rows: list[str]) -> list[tuple[object, ...]]:
    """Import as the CLI does; the windows the refresh left, checked against a full rebuild's."""
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    before = rollup_build.fingerprint_before_import(engine)
    report = import_files(engine, [path], "canonical", table="calls")
    rollup_build.refresh_after_import(engine, report, before)
    partial = _windows(engine)
    rollup_build.refresh(engine)
    assert _windows(engine) == partial
    return partial


def test_windows_reach_a_week_past_the_days_imported(
    tmp_path: Path, any_kind: str, new_engine: Callable[..., sa.Engine]
) -> None:
    engine = new_engine(any_kind, with_schema=False)
    first = [
        _row("r1", "01 00:00", "abandoned"),
        _row("r2", "09 10:00", "answered"),
        _row("r3", "09 12:00", "answered"),
        _row("r4", "20 08:00", "answered"),
    ]
    assert _import(engine, tmp_path / "1.csv", first) == [("r3", 2, None)]
    with engine.connect() as conn:
        assert rollup.current(conn)
    second = [_row("r5", "05 12:00", "abandoned")]
    assert rollup_build.fingerprint_before_import(engine) is not None  # the next refresh is partial
    assert _import(engine, tmp_path / "2.csv", second) == [
        ("r2", 1, 338_400),
        ("r3", 2, 345_600),
        ("r5", 1, 388_800),
    ]


def test_spans_merge_when_their_weeks_overlap() -> None:
    d = datetime(2024, 6, 1).date().replace
    spans = rollup_build._window_spans([(d(day=1), d(day=1)), (d(day=5), d(day=6)), (d(day=20), d(day=20))])
    # 06-01 reaches 06-09 00:00 (its day, then 168 h), past 06-05: merged up to 06-14 00:00; 06-20 apart.
    assert spans == [
        (datetime(2024, 6, 1), datetime(2024, 6, 14)),
        (datetime(2024, 6, 20), datetime(2024, 6, 28)),
    ]
