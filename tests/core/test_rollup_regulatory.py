"""The rollups the regulatory page reads (core/semantic/rollup.py): the data-quality counts by day
(``rollup_quality_daily``), the copies of duplicated call ids (``rollup_call_copies``) and the caller
numbers by month (``rollup_numbers_monthly``), with the campaigns of the monthly cube. By hand on every
engine with and without the rollups (``tiny_db``), a partial refresh of the copies against a full
rebuild, and the whole regulatory page of the demo with and without the rollups.

Every number is fictitious (caller numbers with the non-existent ``100`` prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.pagedata.regulatory import build_regulatory_data
from core.reporting import quality, regulatory
from core.rollup import build as rollup_build
from core.semantic import rollup
from core.semantic.metrics import compute_metrics
from tests.fixtures import DEMO_Y, DemoDb, MakeDb, call_row, frame_for

T = datetime(2025, 3, 1)


def _call(cid: str, start: datetime, **columns: Any) -> dict[str, Any]:
    """A call of ``start``, 65 s long, answered after 5 s with 60 s of talk, to 浙江 (override by keyword)."""
    row = call_row(cid, start, talk=60, ring=5, callee_province="浙江", caller_number="10000000001")
    row |= {"answered_at": start + timedelta(seconds=5), "ended_at": start + timedelta(seconds=65)}
    return row | columns


# March 2025, agents A1 (on the roster) and X9 (not on it):
#   q1 03-01 09:00 clean.
#   q2 03-01 10:00 talk 100 s in a call of 35 s: talk longer than the call (100 > 35 + 1).
#   q3 03-02 11:00 answered 2 s before it started, no end: times out of order (and not talk-longer:
#      without an end the call has no length).
#   q4 03-02 12:00 inbound, answered but no answer time, agent X9: answered without an answer time, off roster.
#   q5 03-03 13:00 outbound not answered, no province, agent X9: missing province (outbound), off roster.
#   q6 03-03 14:00 inbound, no province, no agent: missing province (inbound).
#   q7 04-01 09:00 talk longer than the call, off roster: outside March.
QUALITY_CALLS = [
    _call("q1", T.replace(hour=9)),
    _call("q2", T.replace(hour=10), talk_seconds=100, ended_at=T.replace(hour=10, second=35)),
    _call("q3", T.replace(day=2, hour=11), answered_at=datetime(2025, 3, 2, 10, 59, 58), ended_at=None),
    _call("q4", T.replace(day=2, hour=12), direction="in", answered_at=None, talk_seconds=30, agent_id="X9"),
    _call(
        "q5",
        T.replace(day=3, hour=13),
        disposition="no_answer",
        answered_at=None,
        talk_seconds=0,
        callee_province=None,
        agent_id="X9",
    ),
    _call("q6", T.replace(day=3, hour=14), direction="in", callee_province=None, agent_id=None),
    _call("q7", datetime(2025, 4, 1, 9), talk_seconds=500, agent_id="X9"),
]
AGENTS = [{"agent_id": "A1", "team": "t", "site_id": "S1", "employment": "staff"}]


def _counts(engine: sa.Engine, start: date, end: date) -> dict[str, tuple[int, str]]:
    return {c.id: (c.count, c.severity) for c in quality.run_checks(engine, start, end)}


def test_quality_counts_by_hand(tiny_db: MakeDb) -> None:
    """March: off roster q4, q5 (2); talk longer q2; out of order q3; no answer time q4; no province
    q5, q6 (2, a warning: q5 is outbound); no duplicate. 2 March alone: q4 off roster, q3, q4; no
    province none. The same with the rollups (read from them when current) as from the calls."""
    engine = tiny_db({"calls": QUALITY_CALLS, "agents": AGENTS})
    for start, end, expected in (
        (
            date(2025, 3, 1),
            date(2025, 3, 31),
            {
                "agents_not_on_roster": (2, "warning"),
                "talk_longer_than_call": (1, "error"),
                "times_out_of_order": (1, "error"),
                "answered_without_answer_time": (1, "error"),
                "duplicate_call_ids": (0, "error"),
                "missing_callee_province": (2, "warning"),
            },
        ),
        (
            date(2025, 3, 2),
            date(2025, 3, 2),
            {
                "agents_not_on_roster": (1, "warning"),
                "talk_longer_than_call": (0, "error"),
                "times_out_of_order": (1, "error"),
                "answered_without_answer_time": (1, "error"),
                "duplicate_call_ids": (0, "error"),
                "missing_callee_province": (0, "info"),
            },
        ),
    ):
        got = _counts(engine, start, end)
        assert {k: got[k] for k in expected} == expected, (start, end)
    # The examples of a failing check still come from the calls: X9's two March calls.
    ghost = next(
        c
        for c in quality.run_checks(engine, date(2025, 3, 1), date(2025, 3, 31))
        if c.id == "agents_not_on_roster"
    )
    assert [(e["agent_id"], e["calls"]) for e in ghost.examples] == [("X9", 2)]
    march = _counts(engine, date(2025, 3, 1), date(2025, 3, 31))
    with rollup.disabled():
        assert _counts(engine, date(2025, 3, 1), date(2025, 3, 31)) == march
    with engine.connect() as conn:
        if rollup.current(conn):  # the -rollup runs: the stored counts are what was read
            t0, t1 = datetime(2025, 3, 1), datetime(2025, 4, 1)
            stored = dict(conn.execute(rollup.select_quality_counts(t0, t1)).one()._mapping)
            assert stored == {
                "talk_longer_than_call": 1,
                "times_out_of_order": 1,
                "answered_without_answer_time": 1,
                "missing_callee_province": 2,
                "missing_callee_province_out": 1,
            }
            assert conn.execute(rollup.select_unrostered_calls(t0, t1)).scalar() == 2


# Caller numbers (fictitious): 10000000001 registered (kind 95), 10000000002 registered (kind 1069),
# 10000000003 not registered. Campaigns C1 (银行) and C2 (保险), C3 (no industry).
#   2024: n1 out C1 from ...01; n2 in C2 from ...02 (inbound: uses no number); n3 out C3 from ...03.
#   2025: n4 out C1 from ...01, n5 out C2 from ...02, n6 out C1 from ...03.
# Registered numbers in use: 2024 → 1 (...01), of kinds 95/96 → 1; 2025 → 2 (...01, ...02), 95/96 → 1.
# Client industries (any direction): 2024 → 保险 (C2, inbound), 银行 (C1); 2025 → 保险, 银行.
NUMBERS = [
    {"number": "10000000001", "kind": "95", "registered": True},
    {"number": "10000000002", "kind": "1069", "registered": True},
    {"number": "10000000003", "kind": "95", "registered": False},
]
CAMPAIGNS = [
    {"campaign_id": "C1", "client_industry": "银行"},
    {"campaign_id": "C2", "client_industry": "保险"},
    {"campaign_id": "C3", "client_industry": None},
]
NUMBER_CALLS = [
    _call("n1", datetime(2024, 5, 1, 9), campaign_id="C1", caller_number="10000000001"),
    _call("n2", datetime(2024, 6, 1, 9), campaign_id="C2", caller_number="10000000002", direction="in"),
    _call("n3", datetime(2024, 12, 31, 23, 59), campaign_id="C3", caller_number="10000000003"),
    _call("n4", datetime(2025, 1, 1, 0, 0), campaign_id="C1", caller_number="10000000001"),
    _call("n5", datetime(2025, 7, 1, 9), campaign_id="C2", caller_number="10000000002"),
    _call("n6", datetime(2025, 12, 31, 9), campaign_id="C1", caller_number="10000000003"),
]


def test_numbers_in_use_and_client_industries_by_hand(tiny_db: MakeDb) -> None:
    engine = tiny_db({"calls": NUMBER_CALLS, "numbers": NUMBERS, "campaigns": CAMPAIGNS})

    def check() -> None:
        assert regulatory.numbers_used(engine, 2024) == 1
        assert regulatory.numbers_used(engine, 2024, kinds=("95", "96")) == 1
        assert regulatory.numbers_used(engine, 2025) == 2
        assert regulatory.numbers_used(engine, 2025, kinds=("95", "96")) == 1
        assert regulatory.client_industries(engine, 2024) == ["保险", "银行"]
        assert regulatory.client_industries(engine, 2025) == ["保险", "银行"]

    check()  # from the rollups in the -rollup runs
    with rollup.disabled():
        check()  # from the calls


def _copies(engine: sa.Engine) -> list[tuple[str, datetime]]:
    c = rollup.call_copies
    return sorted(db.read_frame(engine, sa.select(c.c.call_id, c.c.started_at)).rows())


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("clickhouse", marks=pytest.mark.engines)])
def test_duplicate_ids_stored_and_refreshed_by_day(kind: str, new_engine: Callable[..., sa.Engine]) -> None:
    """DuckDB's and ClickHouse's calls take a second row with an id (another tool loaded it).

    d1 on 03-01 and again on 03-05 (moved), d2 on 03-02, d3 on 03-03: March has one duplicate id (d1),
    1..4 March none. Then a copy of d2 on 03-06 is loaded and only 03-06 refreshed: d2's row of 03-02
    is stored too (its id has a call on the day), March has two (d1, d2), 2..6 March one (d2: d1 has
    one copy there); the table is then a full rebuild's.
    """
    engine = new_engine(kind)
    rows = [
        _call("d1", T),
        _call("d1", T.replace(day=5)),
        _call("d2", T.replace(day=2)),
        _call("d3", T.replace(day=3)),
    ]
    db.load_frame(engine, schema.calls, frame_for("calls", rows))
    rollup_build.refresh(engine)
    assert _copies(engine) == [("d1", T), ("d1", T.replace(day=5))]
    assert _counts(engine, date(2025, 3, 1), date(2025, 3, 31))["duplicate_call_ids"] == (1, "error")
    assert _counts(engine, date(2025, 3, 1), date(2025, 3, 4))["duplicate_call_ids"] == (0, "error")

    db.load_frame(engine, schema.calls, frame_for("calls", [_call("d2", T.replace(day=6))]))
    rollup_build.refresh(engine, [date(2025, 3, 6)])
    with engine.connect() as conn:
        assert rollup.current(conn)
    partial = _copies(engine)
    assert partial == [
        ("d1", T),
        ("d1", T.replace(day=5)),
        ("d2", T.replace(day=2)),
        ("d2", T.replace(day=6)),
    ]
    assert _counts(engine, date(2025, 3, 1), date(2025, 3, 31))["duplicate_call_ids"] == (2, "error")
    assert _counts(engine, date(2025, 3, 2), date(2025, 3, 6))["duplicate_call_ids"] == (1, "error")
    with rollup.disabled():
        assert _counts(engine, date(2025, 3, 2), date(2025, 3, 6))["duplicate_call_ids"] == (1, "error")
    rollup_build.refresh(engine)
    assert _copies(engine) == partial


def test_the_demo_regulatory_page_is_the_same_with_and_without_rollups(demo_company: DemoDb) -> None:
    """Fields (their values, previous values and changes), the difference list and the credit estimate
    of the demo's report year, computed from the rollups and from the calls alone."""
    engine = demo_company.engine
    today = date(DEMO_Y + 1, 3, 15)
    fast = build_regulatory_data(engine, DEMO_Y, today=today, with_sql=False)
    with rollup.disabled():
        slow = build_regulatory_data(engine, DEMO_Y, today=today, with_sql=False)
    assert fast.fields == slow.fields and fast.changes == slow.changes
    assert fast.credit == slow.credit and fast.credit is not None
    by_id = {f["id"]: f for f in fast.fields}
    assert by_id["F38"]["value"] > 0  # registered numbers in use: read from rollup_numbers_monthly
    assert len(fast.fields) == 46


# Licence B24 covering 浙江 and 上海; numbers as above (...01 registered, ...02 registered from
# 2025-02-10, ...03 not registered). Outbound calls of January and February 2025 (all campaign C1):
#   b1 01-05 to 浙江 from ...01: clean.            b2 01-06 to 新疆 (blocked; uncovered) from ...01.
#   b3 01-07 to 北京 (uncovered) from ...03 (unregistered).
#   b4 02-03 to 上海 from ...02 (before its allocation: unregistered that day).
#   b5 02-11 to 上海 from ...02: clean.            b6 02-12 inbound from 新疆: not outbound, no count.
# January: outbound 3, blocked 1 (b2), out of coverage 2 (b2, b3), unregistered 1 (b3).
# February: outbound 2, blocked 0, out of coverage 0, unregistered 1 (b4). Both: 5, 1, 2, 2.
SPLIT_NUMBERS = [
    {"number": "10000000001", "kind": "95", "registered": True},
    {"number": "10000000002", "kind": "1069", "registered": True, "allocated_on": date(2025, 2, 10)},
    {"number": "10000000003", "kind": "95", "registered": False},
]
LICENCES = [{"licence_no": "B24-0000", "business_code": "B24", "coverage": "浙江,上海"}]
SPLIT_CALLS = [
    _call("b1", datetime(2025, 1, 5, 10), callee_province="浙江", caller_number="10000000001"),
    _call("b2", datetime(2025, 1, 6, 10), callee_province="新疆", caller_number="10000000001"),
    _call("b3", datetime(2025, 1, 7, 10), callee_province="北京", caller_number="10000000003"),
    _call("b4", datetime(2025, 2, 3, 10), callee_province="上海", caller_number="10000000002"),
    _call("b5", datetime(2025, 2, 11, 10), callee_province="上海", caller_number="10000000002"),
    _call(
        "b6", datetime(2025, 2, 12, 10), callee_province="新疆", caller_number="10000000002", direction="in"
    ),
]
SPLIT_KEYS = ["outbound_calls", "blocked_region_calls", "out_of_coverage_calls", "unregistered_number_calls"]


def test_number_and_province_counts_of_whole_months_by_hand(tiny_db: MakeDb) -> None:
    """Whole months, company-wide: the narrowed counts from ``rollup_numbers_daily`` and the outbound
    calls from the monthly cube (the -rollup runs), the same as from the calls; by month too."""
    engine = tiny_db(
        {"calls": SPLIT_CALLS, "numbers": SPLIT_NUMBERS, "licences": LICENCES, "campaigns": CAMPAIGNS}
    )
    keys = SPLIT_KEYS

    def check() -> None:
        total = compute_metrics(engine, date(2025, 1, 1), date(2025, 2, 28), metrics=keys)
        assert total.select(keys).row(0) == (5, 1, 2, 2)
        by_month = compute_metrics(engine, date(2025, 1, 1), date(2025, 2, 28), by=["month"], metrics=keys)
        assert by_month.sort("month").select(["month", *keys]).rows() == [
            ("2025-01", 3, 1, 2, 1),
            ("2025-02", 2, 0, 0, 1),
        ]

    check()  # from the rollups in the -rollup runs
    with rollup.disabled():
        check()  # from the calls
    with engine.connect() as conn:
        if rollup.current(conn):  # the stored rows: one per day, number and province with outbound calls
            stored = db.read_frame(engine, sa.select(rollup.numbers_daily)).sort("started_at")
            assert stored.select("caller_number", "callee_province", "outbound_calls").rows() == [
                ("10000000001", "浙江", 1),
                ("10000000001", "新疆", 1),
                ("10000000003", "北京", 1),
                ("10000000002", "上海", 1),
                ("10000000002", "上海", 1),
            ]
