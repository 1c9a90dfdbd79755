"""The same schema, demo, metrics, risk and report fields on DuckDB, SQLite, PostgreSQL, MariaDB and ClickHouse.

A small demo (scale 0.02, about 46,000 calls) is built once into each engine, with its rollups
(the demo builds them at the end, on every engine); DuckDB is the reference, and on each engine the
figures with and without the rollups are the same. Values must be identical: integers exactly, floats to 1e-9 (they are the same divisions
of the same integer sums, so in practice they are bit-identical).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.compliance import risk
from core.demo import company as demo
from core.infra import db, schema
from core.reporting import regulatory
from core.semantic import metrics, rollup
from core.semantic.cubes import Filters

END = date(2026, 10, 31)
Y = 2025
SCALE = 0.02
ENGINES = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def built(make_url: Callable[[str], str]) -> dict[str, sa.Engine]:
    """The demo at scale 0.02 in each of the five engines (built once for the module)."""
    engines = {}
    for kind in ENGINES:
        engine = db.make_engine(make_url(kind))
        demo.build_demo(engine, end=END, scale=SCALE)
        engines[kind] = engine
    return engines


def test_schema_is_created_on_every_engine(any_engine: sa.Engine) -> None:
    """create_schema makes every table and column of DOMAIN.md §4 on each engine; a second run is a no-op."""
    assert db.check_schema(any_engine) == []
    db.create_schema(any_engine)
    assert db.check_schema(any_engine) == []
    assert db.row_counts(any_engine) == {name: 0 for name in schema.TABLE_NAMES}


def test_round_trip_of_awkward_values(any_engine: sa.Engine) -> None:
    """Nulls, booleans, Chinese text, 23:59:59 and a float with no exact binary form come back unchanged."""
    calls = pl.DataFrame(
        {
            "call_id": ["a", "b"],
            "direction": ["out", "in"],
            "started_at": [datetime(2025, 12, 31, 23, 59, 59), datetime(2025, 1, 1, 0, 0, 0)],
            "answered_at": [None, datetime(2025, 1, 1, 0, 0, 7)],
            "talk_seconds": [0, 31],
            "two_way_voice": [None, True],
            "disposition": ["no_answer", "answered"],
            "agent_id": [None, "A1"],
            "callee_province": ["新疆", None],
            "robot": [False, False],
        }
    )
    bench = pl.DataFrame(
        {"metric": ["complaints_per_10k"], "year": [2025], "value": [3.2], "source": ["示例"]}
    )
    db.load_frame(any_engine, "calls", calls)
    db.load_frame(any_engine, "benchmarks", bench)
    got = db.read_frame(
        any_engine,
        sa.select(
            schema.calls.c.call_id,
            schema.calls.c.started_at,
            schema.calls.c.answered_at,
            schema.calls.c.two_way_voice,
            schema.calls.c.agent_id,
            schema.calls.c.callee_province,
        ).order_by(schema.calls.c.call_id),
    ).rows()
    assert got == [
        ("a", datetime(2025, 12, 31, 23, 59, 59), None, None, None, "新疆"),
        ("b", datetime(2025, 1, 1, 0, 0, 0), datetime(2025, 1, 1, 0, 0, 7), True, "A1", None),
    ]
    # Pinned: FLOAT columns were 4-byte on DuckDB and MariaDB, so 3.2 read back as 3.200000047683716.
    value = db.read_frame(any_engine, sa.select(schema.benchmarks.c.value))["value"][0]
    assert value == 3.2


def _checksum(engine: sa.Engine) -> tuple[int, str]:
    """Row count and a SHA-1 over a few columns of every call, in call_id order."""
    c = schema.calls.c
    frame = db.read_frame(
        engine,
        sa.select(
            c.call_id,
            c.started_at,
            c.talk_seconds,
            c.disposition,
            c.caller_number,
            c.callee_id,
            c.two_way_voice,
        ).order_by(c.call_id),
    )
    text = "\n".join("|".join("" if v is None else str(v) for v in row) for row in frame.rows())
    return frame.height, hashlib.sha1(text.encode("utf-8")).hexdigest()


def test_demo_loads_identically_on_every_engine(built: dict[str, sa.Engine]) -> None:
    """Same row counts in every table and the same checksum over the calls on all five engines."""
    ref_counts = db.row_counts(built["duckdb"])
    ref_sum = _checksum(built["duckdb"])
    assert ref_counts["calls"] > 30_000
    for kind, engine in built.items():
        assert db.row_counts(engine) == ref_counts, kind
        assert _checksum(engine) == ref_sum, kind


def _same(a: pl.DataFrame, b: pl.DataFrame, label: str) -> None:
    assert a.columns == b.columns, label
    assert a.height == b.height, label
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype == pl.Float64 or y.dtype == pl.Float64:
            xs, ys = x.cast(pl.Float64).to_list(), y.cast(pl.Float64).to_list()
            for i, (u, v) in enumerate(zip(xs, ys, strict=True)):
                assert (u is None) == (v is None), f"{label} {col} row {i}: {u} vs {v}"
                if u is not None:
                    assert v == pytest.approx(u, rel=1e-9, abs=1e-12), f"{label} {col} row {i}"
        else:
            assert x.to_list() == y.to_list(), f"{label} {col}"


@pytest.mark.parametrize("by", [[], ["month"], ["campaign"], ["team", "month"], ["hour", "weekday"]])
def test_every_metric_is_identical_on_every_engine(built: dict[str, sa.Engine], by: list[str]) -> None:
    """Every metric of DOMAIN.md §5 for year Y, by month and by campaign (and more), on all five engines."""
    ref = metrics.compute_metrics(built["duckdb"], date(Y, 1, 1), date(Y, 12, 31), by=by)
    assert ref.height >= 1
    for kind, engine in built.items():
        got = metrics.compute_metrics(engine, date(Y, 1, 1), date(Y, 12, 31), by=by)
        _same(ref, got, f"{kind} by {by}")


@pytest.mark.parametrize("entity", ["caller_number", "campaign", "team"])
def test_risk_is_identical_on_every_engine(built: dict[str, sa.Engine], entity: str) -> None:
    """Risk scores by week for September Y are the same on all five engines."""
    ref = risk.compute_risk(built["duckdb"], date(Y, 9, 1), date(Y, 9, 28), entity=entity, grain="week")
    assert ref.height > 0
    for kind, engine in built.items():
        got = risk.compute_risk(engine, date(Y, 9, 1), date(Y, 9, 28), entity=entity, grain="week")
        _same(ref.drop("top_rules"), got.drop("top_rules"), f"{kind} {entity}")
        assert ref["top_rules"].to_list() == got["top_rules"].to_list(), kind


def test_risk_of_every_entity_at_once_equals_each_alone(built: dict[str, sa.Engine]) -> None:
    """compute_risk_all reads one fine cube (every entity × day) and sums it per entity: on every
    engine each entity's frame equals the one its own query gives on DuckDB (team looked up
    from the agent afterwards, the per-customer windows run once)."""
    start, end = date(Y, 9, 1), date(Y, 9, 28)
    alone = {e: risk.compute_risk(built["duckdb"], start, end, entity=e, grain="week") for e in risk.ENTITIES}
    assert all(frame.height > 0 for frame in alone.values())
    for kind, engine in built.items():
        together = risk.compute_risk_all(engine, start, end, grain="week")
        assert list(together) == list(risk.ENTITIES)
        for entity, ref in alone.items():
            got = together[entity]
            _same(ref.drop("top_rules"), got.drop("top_rules"), f"{kind} {entity}")
            assert ref["top_rules"].to_list() == got["top_rules"].to_list(), f"{kind} {entity}"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def test_fields_and_changes_are_identical_on_every_engine(built: dict[str, sa.Engine]) -> None:
    """The 46 annual-report fields and the material-change list for Y are the same on all five engines."""
    ref = [
        {k: _plain(v) for k, v in r.items() if k != "sql"}
        for r in regulatory.compute_fields(built["duckdb"], Y, with_sql=False)
    ]
    ref_changes = [
        {k: _plain(v) for k, v in c.items()} for c in regulatory.compute_changes(built["duckdb"], Y)
    ]
    assert len(ref) == 46
    for kind, engine in built.items():
        got = [
            {k: _plain(v) for k, v in r.items() if k != "sql"}
            for r in regulatory.compute_fields(engine, Y, with_sql=False)
        ]
        assert got == ref, kind
        assert [
            {k: _plain(v) for k, v in c.items()} for c in regulatory.compute_changes(engine, Y)
        ] == ref_changes, kind


#: Cuts of the small demo (Y = 2025; the demo runs to October Y+1): whole months and years (the
#: customer flags), partial months, the hour (the hourly cube), filters, caller number and province.
ROLLUP_CUTS: list[tuple[list[str], date, date, Filters]] = [
    ([], date(Y, 1, 1), date(Y, 12, 31), Filters()),
    (["month"], date(Y, 1, 1), date(Y, 12, 31), Filters()),
    (["team", "month"], date(Y - 1, 11, 1), date(Y, 2, 28), Filters()),
    (["site", "weekday"], date(Y, 3, 10), date(Y, 5, 20), Filters()),
    (["purpose", "client"], date(Y, 6, 1), date(Y, 6, 30), Filters(teams=("营销一组",))),
    (["caller_number", "day"], date(Y, 9, 1), date(Y, 9, 14), Filters(campaigns=("C01", "C03"))),
    (["agent", "callee_province"], date(Y, 4, 1), date(Y, 4, 30), Filters(sites=("S1",))),
    (["hour", "weekday"], date(Y, 5, 1), date(Y, 5, 31), Filters(teams=("营销一组", "夜班组"))),
    (["hour", "campaign"], date(Y, 2, 3), date(Y, 2, 16), Filters(sites=("S2",))),
]


def test_every_engine_gives_the_same_numbers_with_and_without_rollups(built: dict[str, sa.Engine]) -> None:
    """On each of the five engines the rollups the demo built are current, and every metric of
    :data:`ROLLUP_CUTS` and the risk of a year by week and of a month by day come out the same read
    from the rollups and from the calls (core.semantic.rollup.disabled)."""
    for kind, engine in built.items():
        with engine.connect() as conn:
            assert rollup.current(conn), kind
            assert rollup.dnc_current(conn), kind
        for by, start, end, filters in ROLLUP_CUTS:
            fast = metrics.compute_metrics(engine, start, end, by=by, filters=filters)
            with rollup.disabled():
                slow = metrics.compute_metrics(engine, start, end, by=by, filters=filters)
            assert fast.height > 0, f"{kind} {by}"
            _same(fast, slow, f"{kind} by {by} {start}..{end}")
        for start, end, grain in (
            (date(Y, 1, 1), date(Y, 12, 31), "week"),
            (date(Y, 9, 1), date(Y, 9, 30), "day"),
        ):
            fast_risk = risk.compute_risk_all(engine, start, end, grain=grain)
            with rollup.disabled():
                slow_risk = risk.compute_risk_all(engine, start, end, grain=grain)
            for entity in risk.ENTITIES:
                a, b = fast_risk[entity], slow_risk[entity]
                assert a.height > 0, f"{kind} {entity}"
                _same(a.drop("top_rules"), b.drop("top_rules"), f"{kind} risk {entity} {grain}")
                assert a["top_rules"].to_list() == b["top_rules"].to_list(), f"{kind} {entity}"
