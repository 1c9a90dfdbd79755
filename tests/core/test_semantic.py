"""The semantic layer: each base declared once, and everything derived from the declaration agrees.

On a tiny hand-made day (below) every calls base is computed three ways that must agree: its
aggregate on the calls (what the metrics read), the count of the calls its per-row condition
selects (what "the calls behind a figure" lists) and, where the daily cube answers it, its sum on
the rollup.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from core.compliance import risk
from core.infra import db, schema
from core.infra.rules import load_rules
from core.rollup import build as rollup_build
from core.semantic import bases as B
from core.semantic import cubes, rollup, sources
from core.semantic.context import CallFrom, Filters, make_ctx
from core.semantic.metrics import METRICS
from tests.core.test_risk import DAY, at, call, campaign, complaint, tables
from tests.fixtures import load_tables

Rows = dict[str, list[dict[str, Any]]]


def day_rows() -> Rows:
    """Eleven calls on 2025-09-03 touching every calls base at least once:

    ======  ==========================================================================
    call    what it is
    ======  ==========================================================================
    c1      outbound answered 60 s, recorded (effective, human)
    c2      outbound answered 4 s, not recorded (short; unrecorded marketing call)
    c3      outbound answered 10 s (short only under the marking rule's 20 s)
    c4      outbound abandoned, no agent
    c5      outbound no answer at 07:30 (outside the 08:00 window)
    c6      outbound answered 45 s to 西藏 (blocked), robot
    c7      outbound answered 40 s to 广东 (outside the 浙江/江苏 licence)
    c8      outbound answered 40 s from an unregistered number
    c9      inbound answered 50 s, rang 5 s
    c10     inbound abandoned
    c11     outbound answered 35 s, campaign C2 (a survey: need not be recorded)
    ======  ==========================================================================
    """
    calls = [
        call("c1", at(9)),
        call("c2", at(9, 5), talk=4, recorded=False),
        call("c3", at(9, 10), talk=10),
        call("c4", at(9, 15), disposition="abandoned", agent=None),
        call("c5", at(7, 30), disposition="no_answer"),
        {**call("c6", at(10), talk=45, province="西藏", agent=None), "robot": True},
        call("c7", at(10, 5), talk=40, province="广东"),
        call("c8", at(10, 10), talk=40, number="0571-9999"),
        call("c9", at(11), talk=50, direction="in"),
        call("c10", at(11, 5), disposition="abandoned", direction="in", agent=None),
        call("c11", at(12), talk=35, campaign="C2"),
    ]
    rows = tables(calls, campaigns=[campaign("C1"), campaign("C2", purpose="survey")])
    rows["numbers"] = [n for n in rows["numbers"] if n["number"] != "0571-9999"]
    rows["qa_reviews"] = [
        {
            "review_id": "r1",
            "call_id": "c1",
            "reviewed_at": at(15),
            "score": 90.0,
            "passed": True,
            "violations": None,
        }
    ]
    rows["complaints"] = [complaint("p1", "12321", "0571-0001", "c2", replied=False)]
    rows["agents"] = [
        {"agent_id": "A1", "team": "T1", "site_id": "S1", "employment": "staff", "hired_on": date(2020, 1, 1)}
    ]
    return rows


#: What each calls base counts on :func:`day_rows` (worked by hand from its table).
EXPECTED: dict[str, int] = {
    "outbound_calls": 9,
    "inbound_calls": 2,
    "connected_calls": 7,  # c1 c2 c3 c6 c7 c8 c11
    "effective_calls": 5,  # c1 c6 c7 c8 c11 (≥ 30 s, two-way voice)
    "talk_seconds_connected_out": 60 + 4 + 10 + 45 + 40 + 40 + 35,
    "inbound_answered": 1,
    "inbound_abandoned": 1,
    "inbound_answered_20s": 1,
    "effective_human_talk_seconds": 60 + 40 + 40 + 50 + 35,  # c6 is a robot call without an agent
    "handle_seconds": (60 + 10)
    + (4 + 10)
    + (10 + 10)
    + (0 + 0)
    + (40 + 10)
    + (40 + 10)
    + (50 + 10)
    + (35 + 10),
    "robot_calls": 1,
    "recorded_connected_calls": 6,  # all answered outbound but c2
    "short_connected_calls": 1,  # c2 (< 6 s)
    "abandoned_outbound": 1,
    "connected_all": 8,
    "human_calls": 8,  # every call with an agent and not a robot: not c4, c6, c10
    "reviewed_connected_all": 1,
    "outside_hours_calls": 1,
    "blocked_region_calls": 1,
    "out_of_coverage_calls": 2,  # c6 (西藏) and c7 (广东)
    "unregistered_number_calls": 1,
    "connected_recorded_purpose": 6,  # answered outbound of marketing campaign C1
    "recorded_connected_purpose": 5,
    "unrecorded_connected_purpose": 1,
    "marking_short_calls": 1,  # under the default marking.short_seconds = 6
}


def test_every_base_has_a_source_and_every_metric_reads_declared_bases() -> None:
    """Each declared base names a source the planner implements; each metric's formula names only declared bases."""
    assert set(B.BASE_SOURCE.values()) <= set(cubes.SOURCE_IMPL)
    for metric in METRICS.values():
        assert metric.needs and set(metric.needs) <= set(B.BASES), metric.key


def test_rule_parameters_are_derived_from_the_bases() -> None:
    """A metric's rule parameters come from its bases: over_cap_calls reads the caps, connect_rate reads none."""
    assert METRICS["over_cap_calls"].params == ("caps.per_24h", "caps.per_5min")
    assert METRICS["connect_rate"].params == ()
    assert B.params_of(["connected_recorded_purpose"]) == {"recording.purposes"}
    assert B.params_of(["marking_short_calls"]) == {"marking.short_seconds"}


def test_every_risk_signal_reads_declared_bases() -> None:
    """The risk signals name declared bases, and the rules file has one section per signal."""
    for rid, signal in risk.SIGNALS.items():
        assert set(signal.reads) <= set(B.BASES), rid
        assert (signal.behind or signal.count) in B.BASES, rid
    assert set(risk.SIGNALS) == set(load_rules().data["risk"])


@pytest.fixture(params=["duckdb", "sqlite"])
def day_db(request: pytest.FixtureRequest, tmp_path: Any) -> sa.Engine:
    engine = db.make_engine(f"{request.param}:///{tmp_path / f'day.{request.param}'}")
    return load_tables(engine, day_rows(), indexes=False)


CALL_BASES = sorted(n for n, b in B.BASES.items() if b.source == "calls" and not n.startswith("out_h"))


def test_the_hand_count_covers_every_calls_base() -> None:
    """Every calls base (but the per-hour columns) has a hand-worked count here."""
    assert set(CALL_BASES) == set(EXPECTED)


def _scalar(engine: sa.Engine, query: Any) -> int:
    return int(db.read_frame(engine, query).row(0)[0] or 0)


@pytest.mark.parametrize("name", CALL_BASES)
def test_aggregate_and_per_call_condition_agree(day_db: sa.Engine, name: str) -> None:
    """The base's aggregate equals the hand count, and its per-call condition selects as many calls (for counts)."""
    ctx = make_ctx(day_db, DAY, DAY, Filters(), load_rules())
    got = _scalar(day_db, sources.select_calls(ctx, [], [name]))
    assert got == EXPECTED[name]
    if B.BASES[name].value is None:
        f = CallFrom(schema.calls, ctx)
        cond = B.condition(ctx, f, name)
        listed = sa.select(sa.func.count()).select_from(f.from_clause()).where(cond)
        assert _scalar(day_db, listed) == EXPECTED[name]


def test_the_daily_cube_answers_what_it_declares(tmp_path: Any) -> None:
    """Every base the daily cube answers under the default rules gives the same count from the cube as from the calls."""
    engine = load_tables(db.make_engine(f"duckdb:///{tmp_path / 'cube.duckdb'}"), day_rows(), indexes=False)
    rollup_build.refresh(engine)
    rules = load_rules()
    answered = sorted(n for n in CALL_BASES if B.cube_answers(n, rules, daily=True))
    assert {"outbound_calls", "blocked_region_calls", "outside_hours_calls", "marking_short_calls"} <= set(
        answered
    )
    ctx = make_ctx(engine, DAY, DAY, Filters(), rules)
    with engine.connect() as conn:
        assert rollup.current(conn)
    frame = db.read_frame(engine, sources.select_calls_rollup(ctx, [], answered)).row(0, named=True)
    assert {n: int(frame[n]) for n in answered} == {n: EXPECTED[n] for n in answered}


@pytest.mark.parametrize(
    ("seconds", "answers", "count"),
    [(6, True, 1), (20, False, 2), (3, False, 0)],
)
def test_marking_short_calls_follows_its_parameter(
    day_db: sa.Engine, tmp_path: Any, seconds: int, answers: bool, count: int
) -> None:
    """marking_short_calls counts answered outbound calls under marking.short_seconds (c2 at 4 s, c3 at 10 s); the cube answers it only at the metric's own 6 s."""
    path = tmp_path / "m.toml"
    path.write_text(f"[marking]\nshort_seconds = {seconds}\n", encoding="utf-8")
    rules = load_rules(path)
    assert B.cube_answers("marking_short_calls", rules, daily=True) is answers
    ctx = make_ctx(day_db, DAY, DAY, Filters(), rules)
    assert _scalar(day_db, sources.select_calls(ctx, [], ["marking_short_calls"])) == count
    assert _scalar(day_db, sources.select_calls(ctx, [], ["short_connected_calls"])) == 1  # the metric's 6 s
