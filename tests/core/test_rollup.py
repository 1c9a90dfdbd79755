"""The pre-aggregated rollups (core/semantic/rollup.py): the same numbers as the calls, by hand and on the demo.

The hand-worked metric tests also run on each engine with its rollups built (``<engine>-rollup`` of
``tiny_db``: test_metrics_defs.py, test_risk.py…), and so do the tests here (the server and chdb runs
with the ``engines`` marker); tests/engines/test_parity.py cuts the small demo every way with and
without the rollups on all five engines. Here: the customer-month flags by hand, staleness, the CLI,
and the default demo (DuckDB) cut every way with and without the rollups.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core import cli
from core.compliance import risk
from core.infra import db, schema, sql
from core.ingest import tables as ingest_tables
from core.rollup import build as rollup_build
from core.semantic import bases, rollup
from core.semantic.cubes import Filters
from core.semantic.metrics import METRIC_KEYS, compute_metrics
from tests.fixtures import DEMO_Y, DemoDb, MakeDb, frame_for


def call(
    call_id: str, started: datetime, callee: str, *, talk: int = 60, answered: bool = True
) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "direction": "out",
        "started_at": started,
        "answered_at": started + timedelta(seconds=3) if answered else None,
        "ended_at": started + timedelta(seconds=3 + talk),
        "ring_seconds": 3,
        "talk_seconds": talk if answered else 0,
        "wrap_seconds": 0,
        "two_way_voice": answered,
        "disposition": "answered" if answered else "no_answer",
        "agent_id": "A1",
        "campaign_id": "C1",
        "caller_number": "0571-XXXX0001",
        "callee_id": callee,
        "callee_province": "浙江",
        "recorded": True,
        "robot": False,
    }


# Customer a: reached effectively in January, reached briefly (10 s) in February.
# Customer b: reached effectively in February only; not answered in January.
# Customer c: never answered. A call of 2024 (customer a) belongs to the year before.
CALLS = [
    call("k1", datetime(2025, 1, 5, 10), "a"),
    call("k2", datetime(2025, 2, 7, 11), "a", talk=10),
    call("k3", datetime(2025, 1, 9, 12), "b", answered=False),
    call("k4", datetime(2025, 2, 27, 23, 59, 59), "b"),
    call("k5", datetime(2025, 3, 1, 9), "c", answered=False),
    call("k6", datetime(2024, 12, 31, 23, 59, 59), "a"),
]


def test_customer_months_by_hand(tiny_db: MakeDb) -> None:
    engine = tiny_db({"calls": CALLS})
    seconds = rollup_build.refresh(engine)
    assert seconds is not None  # every engine gets the rollups
    flags = db.read_frame(engine, sa.select(rollup.customer_months).order_by("year", "callee_id"))
    assert flags.select("year", "callee_id", "r01", "r02", "r12", "e01", "e02", "rmask", "emask").rows() == [
        (2024, "a", 0, 0, 1, 0, 0, 2048, 2048),  # k6 is in December 2024: bit 11
        (2025, "a", 1, 1, 0, 1, 0, 0b11, 0b01),
        (2025, "b", 0, 1, 0, 0, 1, 0b10, 0b10),
    ]
    with engine.connect() as conn:
        assert rollup.current(conn)
    keys = ["reached_customers", "effective_customers"]
    year = compute_metrics(engine, date(2025, 1, 1), date(2025, 12, 31), metrics=keys)
    assert year.row(0, named=True) == {"reached_customers": 2, "effective_customers": 2}
    q1 = compute_metrics(engine, date(2025, 1, 1), date(2025, 3, 31), by=["month"], metrics=keys)
    assert q1.rows() == [("2025-01", 1, 1), ("2025-02", 2, 1)]  # March: no one reached, no row
    feb = compute_metrics(engine, date(2025, 2, 1), date(2025, 2, 28), metrics=keys)
    assert feb.row(0, named=True) == {"reached_customers": 2, "effective_customers": 1}
    # Not whole months: read from the calls, the same definition.
    part = compute_metrics(engine, date(2025, 1, 6), date(2025, 2, 27), metrics=keys)
    assert part.row(0, named=True) == {"reached_customers": 2, "effective_customers": 1}
    # Across the year end: a (Dec 2024 and Jan 2025) counts once.
    span = compute_metrics(engine, date(2024, 12, 1), date(2025, 1, 31), metrics=keys)
    assert span.row(0, named=True) == {"reached_customers": 1, "effective_customers": 1}


def test_customers_across_years_read_the_month_flags(tiny_db: MakeDb) -> None:
    """Whole months across a year end, from ``rollup_customer_months`` (the spans hold one year each):
    December 2024 to February 2025 reached a (k6, k1, k2) and b (k4): 2; effectively a (k6, k1) and b
    (k4): 2. By month, each month's own span: 2024-12 (a: 1, 1), 2025-01 (a: 1, 1), 2025-02 (a and b
    reached, b effectively: 2, 1). Then a row no call has (customer z, reached in December 2024, not
    effectively) shows the total was read from the flags: 3 reached, 2 effectively."""
    engine = tiny_db({"calls": CALLS})
    rollup_build.refresh(engine)
    keys = ["reached_customers", "effective_customers"]
    winter = (date(2024, 12, 1), date(2025, 2, 28))
    assert compute_metrics(engine, *winter, metrics=keys).rows() == [(2, 2)]
    by_month = compute_metrics(engine, *winter, by=["month"], metrics=keys)
    assert by_month.rows() == [("2024-12", 1, 1), ("2025-01", 1, 1), ("2025-02", 2, 1)]
    flags = {f"{x}{m:02d}": 0 for x in "re" for m in range(1, 13)} | {"r12": 1}
    with engine.begin() as conn:
        conn.execute(
            rollup.customer_months.insert().values(year=2024, callee_id="z", rmask=2048, emask=0, **flags)
        )
        assert rollup.current(conn)
    assert compute_metrics(engine, *winter, metrics=keys).rows() == [(3, 2)]
    with rollup.disabled():  # the calls know no z
        assert compute_metrics(engine, *winter, metrics=keys).rows() == [(2, 2)]


def test_customer_spans_by_hand(tiny_db: MakeDb) -> None:
    """``rollup_customer_spans`` from the flags above: 2024 has a (December only), 2025 a (reached
    January and February, effectively January) and b (February, effectively). So in 2025 a span
    holding January or February has reached = 1 + 1 for both, or 1 for one: reached Jan..Jan 1
    (a), Feb..Feb 2 (a, b), Jan..Feb 2; effective Jan..Jan 1 (a), Feb..Feb 1 (b), Jan..Feb 2;
    Mar..Dec 0. In 2024 only spans ending in December hold a (1, 1). 78 rows a year. And every row
    is what ``rollup.select_customers`` (the month flags, read with the masks) gives for its span."""
    engine = tiny_db({"calls": CALLS})
    rollup_build.refresh(engine)
    t = rollup.customer_spans
    spans = db.read_frame(engine, sa.select(t)).sort("year", "first_month", "last_month")
    assert spans.group_by("year").len().sort("year").rows() == [(2024, 78), (2025, 78)]

    def get(year: int, first: int, last: int) -> tuple[int, int]:
        row = spans.filter(year=year, first_month=first, last_month=last)
        return int(row["reached"][0]), int(row["effective"][0])

    assert [get(2025, 1, 1), get(2025, 2, 2), get(2025, 1, 2), get(2025, 1, 12), get(2025, 3, 12)] == [
        (1, 1),
        (2, 1),
        (2, 2),
        (2, 2),
        (0, 0),
    ]
    assert [get(2024, 1, 12), get(2024, 12, 12), get(2024, 1, 11)] == [(1, 1), (1, 1), (0, 0)]
    dialect = db.dialect_of(engine)
    with engine.connect() as conn:  # one connection for the 156 spans (a DuckDB file opens per connection)
        for year, first, last, reached, effective in spans.rows():
            ref = conn.execute(rollup.select_customers(year, first, last, False, dialect)).one()
            assert (int(ref[0] or 0), int(ref[1] or 0)) == (reached, effective), (year, first, last)


def test_whole_months_read_the_monthly_cube(tiny_db: MakeDb) -> None:
    """The planner reads ``rollup_calls_monthly`` for whole months by its dimensions, and only then.

    Its rows by hand (agent A1, campaign C1): 2024-12 k6 (1 outbound, 1 connected), 2025-01 k1 and
    k3 (2, 1), 2025-02 k2 and k4 (2, 2), 2025-03 k5 (1, 0). Then a marker row no call has (January
    2025, agent Z9: 100 outbound calls, one human call) shows which cube a cut read: whole January
    (by agent, by month, the quarter by month) counts it; a part of January, January by day, by
    caller number, or with a base only the daily cube answers (calls outside the allowed hours) does
    not. Active agents likewise: A1 (k1), plus Z9 from the monthly cube."""
    engine = tiny_db({"calls": CALLS})
    rollup_build.refresh(engine)
    m = rollup.calls_monthly
    rows = db.read_frame(engine, sa.select(m.c.started_at, m.c.outbound_calls, m.c.connected_calls))
    assert rows.sort("started_at").rows() == [
        (datetime(2024, 12, 1), 1, 1),
        (datetime(2025, 1, 1), 2, 1),
        (datetime(2025, 2, 1), 2, 2),
        (datetime(2025, 3, 1), 1, 0),
    ]
    marker = {c: 0 for c in rollup.CUBE_COUNTS} | {"outbound_calls": 100, "human_calls": 1}
    with engine.begin() as conn:
        conn.execute(
            m.insert().values(started_at=datetime(2025, 1, 1), agent_id="Z9", campaign_id="C1", **marker)
        )
        assert rollup.current(conn)
    jan = (date(2025, 1, 1), date(2025, 1, 31))

    def outbound(
        start: date, end: date, by: list[str] | None = None, more: tuple[str, ...] = ()
    ) -> list[Any]:
        frame = compute_metrics(engine, start, end, by=by or [], metrics=["outbound_calls", *more])
        return (
            frame.sort(by).select(*(by or []), "outbound_calls").rows()
            if by
            else frame["outbound_calls"].to_list()
        )

    assert outbound(*jan) == [102]
    assert outbound(*jan, ["agent"]) == [("A1", 2), ("Z9", 100)]
    assert outbound(date(2025, 1, 1), date(2025, 3, 31), ["month"]) == [
        ("2025-01", 102),
        ("2025-02", 2),
        ("2025-03", 1),
    ]
    assert outbound(date(2024, 12, 1), date(2025, 1, 31)) == [103]  # across the year end too
    assert outbound(date(2025, 1, 1), date(2025, 1, 30)) == [2]
    assert outbound(*jan, ["day"]) == [("2025-01-05", 1), ("2025-01-09", 1)]
    assert outbound(*jan, ["caller_number"]) == [("0571-XXXX0001", 2)]
    assert outbound(*jan, more=("outside_hours_calls",)) == [2]
    active = compute_metrics(engine, *jan, metrics=["active_agents"])
    assert active["active_agents"].to_list() == [2]
    active = compute_metrics(engine, date(2025, 1, 2), date(2025, 1, 31), metrics=["active_agents"])
    assert active["active_agents"].to_list() == [1]


def test_a_stale_rollup_is_not_used_and_a_refresh_catches_up(tiny_db: MakeDb) -> None:
    engine = tiny_db({"calls": CALLS})
    if db.dialect_of(engine) == "clickhouse":
        pytest.skip(
            "corrects a stored call with UPDATE, which ClickHouse has not (its tables are append-only)"
        )
    rollup_build.refresh(engine)
    keys = ["outbound_calls", "connected_calls", "reached_customers"]
    jan_feb = (date(2025, 1, 1), date(2025, 2, 28))
    assert compute_metrics(engine, *jan_feb, metrics=keys).rows() == [(4, 3, 2)]
    db.load_frame(engine, "calls", frame_for("calls", [call("k7", datetime(2025, 2, 10, 10), "d")]))
    with engine.connect() as conn:
        assert not rollup.current(conn)  # one more call: the fingerprint moved
    assert compute_metrics(engine, *jan_feb, metrics=keys).rows() == [(5, 4, 3)]
    rollup_build.refresh(engine)
    with engine.connect() as conn:
        assert rollup.current(conn)
    assert compute_metrics(engine, *jan_feb, metrics=keys).rows() == [(5, 4, 3)]
    # The importer's log: an import that changed nothing (a file imported again) leaves it current; one
    # that corrected a stored call in place (a leg merged into it: same count, same first and last call)
    # makes it stale.
    ingest_tables.create_tables(engine)
    rollup_build.refresh(engine)
    log = ingest_tables.import_log
    row = {
        "import_id": "i1",
        "file_no": 0,
        "imported_at": datetime(2025, 3, 1, 9),
        "inserted": 0,
        "table_name": "calls",
        "merged": 0,
    }
    with engine.begin() as conn:
        conn.execute(log.insert().values(**row))
    with engine.connect() as conn:
        assert rollup.current(conn)
    with engine.begin() as conn:
        k = schema.calls.c
        conn.execute(
            sa.update(schema.calls).where(k.call_id == "k7").values(talk_seconds=k.talk_seconds + 60)
        )
        conn.execute(log.insert().values(**{**row, "import_id": "i2", "merged": 1}))
    with engine.connect() as conn:
        assert not rollup.current(conn)
    rollup_build.refresh(engine)
    # Rollups built by another version of core/semantic/rollup.py (other tables) never pass for current.
    with engine.begin() as conn:
        calls_row = rollup.state.c.name == "calls"
        stored = conn.execute(sa.select(rollup.state.c.fingerprint).where(calls_row)).scalar_one()
        older = "00000000|" + stored.split("|", 1)[1]
        conn.execute(sa.update(rollup.state).where(calls_row).values(fingerprint=older))
    with engine.connect() as conn:
        assert not rollup.current(conn)
    assert compute_metrics(engine, *jan_feb, metrics=keys).rows() == [(5, 4, 3)]


def test_cli_rollup_builds_on_every_engine(tiny_db: MakeDb, capsys: pytest.CaptureFixture[str]) -> None:
    engine = tiny_db({"calls": CALLS})
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["rollup", "--db", url, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["engine"] == db.dialect_of(engine)
    assert out[0]["built"] is True
    assert out[0]["seconds"] is not None
    with engine.connect() as conn:
        assert rollup.current(conn)


CUTS: list[tuple[list[str], date, date, Filters]] = [
    ([], date(DEMO_Y, 1, 1), date(DEMO_Y, 12, 31), Filters()),
    (["month"], date(DEMO_Y, 1, 1), date(DEMO_Y, 12, 31), Filters()),
    (["campaign"], date(DEMO_Y, 9, 1), date(DEMO_Y, 9, 30), Filters()),
    (["team", "month"], date(DEMO_Y - 1, 11, 1), date(DEMO_Y, 2, 28), Filters()),
    (["site", "weekday"], date(DEMO_Y, 3, 10), date(DEMO_Y, 5, 20), Filters()),
    (["purpose", "client"], date(DEMO_Y, 6, 1), date(DEMO_Y, 6, 30), Filters(teams=("营销一组",))),
    (["caller_number", "day"], date(DEMO_Y, 9, 1), date(DEMO_Y, 9, 14), Filters(campaigns=("C01", "C03"))),
    (["agent", "callee_province"], date(DEMO_Y, 4, 1), date(DEMO_Y, 4, 30), Filters(sites=("S1",))),
    (["hour"], date(DEMO_Y, 1, 1), date(DEMO_Y, 12, 31), Filters()),
    (["hour", "weekday"], date(DEMO_Y, 5, 1), date(DEMO_Y, 5, 31), Filters(teams=("营销一组", "夜班组"))),
    (["hour", "campaign"], date(DEMO_Y, 2, 3), date(DEMO_Y, 2, 16), Filters(sites=("S2",))),
    (["month"], date(DEMO_Y, 7, 1), date(DEMO_Y, 9, 30), Filters(campaigns=("C02",))),
]


@pytest.mark.parametrize(("by", "start", "end", "filters"), CUTS)
def test_every_metric_on_the_demo_is_the_same_with_and_without_rollups(
    demo_company: DemoDb, by: list[str], start: date, end: date, filters: Filters
) -> None:
    engine = demo_company.engine
    with engine.connect() as conn:
        assert rollup.current(conn), "build_demo builds the rollups"
    fast = compute_metrics(engine, start, end, by=by, filters=filters)
    with rollup.disabled():
        with engine.connect() as conn:
            assert not rollup.current(conn)
        slow = compute_metrics(engine, start, end, by=by, filters=filters)
    assert fast.columns == slow.columns == [*by, *METRIC_KEYS]
    assert fast.height == slow.height > 0
    assert fast["outbound_calls"].sum() > 0
    for col in fast.columns:
        a, b = fast[col], slow[col]
        if a.dtype == pl.Float64:
            for u, v in zip(a.to_list(), b.to_list(), strict=True):
                assert (u is None) == (v is None), col
                assert u is None or v == pytest.approx(u, rel=1e-12), col
        else:
            assert a.to_list() == b.to_list(), col


@pytest.mark.parametrize(
    ("start", "end", "grain"),
    [
        (date(DEMO_Y, 1, 1), date(DEMO_Y, 12, 31), "week"),  # the look-back reaches into Y−1
        (date(DEMO_Y, 9, 1), date(DEMO_Y, 9, 30), "day"),
        (date(DEMO_Y - 1, 12, 1), date(DEMO_Y, 1, 31), "month"),  # across the year end: no rollup
    ],
)
def test_risk_on_the_demo_is_the_same_with_and_without_rollups(
    demo_company: DemoDb, start: date, end: date, grain: str
) -> None:
    engine = demo_company.engine
    fast = risk.compute_risk_all(engine, start, end, grain=grain)
    with rollup.disabled():
        slow = risk.compute_risk_all(engine, start, end, grain=grain)
    if grain == "week":  # the planted cap breaches (September Y) are seen
        assert sum(f["n_over_cap"].sum() for f in fast.values()) > 0
    for entity in risk.ENTITIES:
        a, b = fast[entity], slow[entity]
        assert a.height == b.height > 0, entity
        assert a.drop("top_rules").equals(b.drop("top_rules")), entity
        assert a["top_rules"].to_list() == b["top_rules"].to_list(), entity


def test_a_cap_breach_across_the_year_end_is_found_with_rollups(tiny_db: MakeDb) -> None:
    """Four calls to w in 3 minutes around midnight of 31 December: two in each year, so neither
    year's count (2) exceeds the smaller cap (3); the candidates near the year end still catch it."""
    night = datetime(2024, 12, 31, 23, 58)
    rows = [call(f"w{i}", night + timedelta(minutes=i), "w", answered=False) for i in range(4)]
    engine = tiny_db({"calls": rows})
    keys = ["over_cap_calls"]
    assert compute_metrics(engine, date(2025, 1, 1), date(2025, 1, 31), metrics=keys).rows() == [(1,)]
    assert compute_metrics(engine, date(2024, 12, 1), date(2025, 1, 31), metrics=keys).rows() == [(1,)]
    assert compute_metrics(engine, date(2024, 12, 1), date(2024, 12, 31), metrics=keys).rows() == [(0,)]
    weekly = risk.compute_risk(engine, date(2024, 12, 30), date(2025, 1, 5), entity="campaign", grain="week")
    assert weekly.select("entity", "period", "n_over_cap").rows() == [("C1", "2024-12-30", 1)]


def _rules(tmp_path: Any, text: str) -> Any:
    from core.infra.rules import load_rules

    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def test_stored_windows_answer_re_calls_up_to_a_week_and_fall_back_beyond(
    tiny_db: MakeDb, tmp_path: Any
) -> None:
    """An abandoned call to x, then calls 72 h, 168 h and 169 h after it (one customer, three caller
    numbers). With a look-back of R hours a call at h hours counts when h ≤ R; the rollup stores the
    seconds since the abandoned call up to a week (168 h) and a longer look-back reads the calls."""
    t = datetime(2025, 3, 3, 10)
    dropped = call("x0", t, "x", answered=False) | {"disposition": "abandoned"}
    later = [
        call(f"x{h}", t + timedelta(hours=h), "x") | {"caller_number": f"0571-XXXX000{i}"}
        for i, h in enumerate((72, 168, 169), start=2)
    ]
    engine = tiny_db({"calls": [dropped, *later]})
    keys = ["recall_after_abandon_72h"]
    month = (date(2025, 3, 1), date(2025, 3, 31))
    expected = {71: 0, 72: 1, 167: 1, 168: 2, 169: 3, 200: 3}
    for hours, n in expected.items():
        rules = _rules(tmp_path, f"[abandon]\nrecall_hours = {hours}\n")
        assert rollup.windows_cover(rules) == (hours <= rollup.MAX_RECALL_HOURS)
        got = compute_metrics(engine, *month, metrics=keys, rules=rules).rows()
        with rollup.disabled():
            live = compute_metrics(engine, *month, metrics=keys, rules=rules).rows()
        assert got == live == [(n,)], hours


def test_stored_windows_keep_caps_of_one_call_and_read_the_calls_for_a_cap_of_none(
    tiny_db: MakeDb, tmp_path: Any
) -> None:
    """Calls to y at 10:00, 10:02 and 11:00 the next day (25 h later). A 24-hour cap of 1 call makes
    the 10:02 call over it (2 calls in 24 h); the 5-minute cap of 1 the same call. (A cap of 0, which
    the stored windows could not answer, is refused by the rules' checks: caps are whole numbers ≥ 1,
    tests/core/test_rules_meaning.py.)"""
    t = datetime(2025, 3, 3, 10)
    rows = [
        call("y1", t, "y"),
        call("y2", t + timedelta(minutes=2), "y"),
        call("y3", t + timedelta(hours=25), "y"),
    ]
    engine = tiny_db({"calls": rows})
    keys = ["over_cap_calls"]
    month = (date(2025, 3, 1), date(2025, 3, 31))
    for caps, n, stored in (
        ("per_24h = 1\nper_5min = 9", 1, True),
        ("per_24h = 9\nper_5min = 1", 1, True),
        ("per_24h = 2\nper_5min = 9", 0, True),
    ):
        rules = _rules(tmp_path, f"[caps]\n{caps}\n")
        assert rollup.windows_cover(rules) is stored
        got = compute_metrics(engine, *month, metrics=keys, rules=rules).rows()
        with rollup.disabled():
            live = compute_metrics(engine, *month, metrics=keys, rules=rules).rows()
        assert got == live == [(n,)], caps


def test_stored_windows_hold_only_calls_that_can_breach(tiny_db: MakeDb) -> None:
    """The rollup keeps a call when another call to its customer came within 24 h before it (or the
    same second with a smaller id) or an abandoned one within a week before; z's first call, the
    lone call to v and the call 8 days after an abandoned one are not kept."""
    t = datetime(2025, 3, 3, 10)
    rows = [
        call("z1", t, "z"),
        call("z2", t + timedelta(hours=23, minutes=59, seconds=59), "z"),  # 86,399 s later: n24 = 2
        call("z3", t + timedelta(hours=47, minutes=59, seconds=59), "z"),  # 24 h after z2: outside its window
        call("v1", t, "v") | {"disposition": "abandoned", "answered_at": None, "talk_seconds": 0},
        call("v2", t + timedelta(days=8), "v"),
        call("s2", t, "s"),
        call("s1", t, "s"),  # the same second as s2: ordered by id, s1 first, so s2 has n24 = 2
    ]
    engine = tiny_db({"calls": rows})
    rollup_build.refresh(engine)
    w = rollup.callee_windows.c
    got = db.read_frame(engine, sa.select(w.call_id, w.n24, w.n5, w.since_abandon).order_by(w.call_id))
    assert got.rows() == [("s2", 2, 2, None), ("z2", 2, 1, None)]


@pytest.mark.parametrize(
    ("window", "whole_hours", "expected"),
    [
        ('["08:00", "21:00"]', True, 2),  # 07:59:59 and 21:00
        ('["09:00", "20:00"]', True, 8),  # every call: four before 09:00, four from 20:00
        ('["08:30", "20:30"]', False, 6),  # 07:59:59, 08:00, 08:29:59 and 20:30, 20:59:59, 21:00
    ],
)
def test_calls_outside_the_window_from_the_hour_columns_or_the_calls(
    tiny_db: MakeDb, tmp_path: Any, window: str, whole_hours: bool, expected: int
) -> None:
    """The daily cube counts outbound calls per hour of the day: windows on whole hours are summed
    from those columns, a window starting or ending at half past reads the calls; both agree."""
    day = datetime(2025, 3, 3)
    times = [
        (7, 59, 59),
        (8, 0, 0),
        (8, 29, 59),
        (8, 30, 0),
        (20, 29, 59),
        (20, 30, 0),
        (20, 59, 59),
        (21, 0, 0),
    ]
    rows = [
        call(f"t{i}", day.replace(hour=h, minute=m, second=s), f"c{i}") for i, (h, m, s) in enumerate(times)
    ]
    engine = tiny_db({"calls": rows})
    rules = _rules(tmp_path, f"[window]\ndefault = {window}\n")
    assert bases.whole_hour_windows(rules) is whole_hours
    assert ("outside_hours_calls" in rollup.daily_bases(rules)) is whole_hours
    keys = ["outside_hours_calls"]
    got = compute_metrics(engine, date(2025, 3, 1), date(2025, 3, 31), metrics=keys, rules=rules).rows()
    weekly = risk.compute_risk_all(engine, date(2025, 3, 3), date(2025, 3, 9), grain="week", rules=rules)
    with rollup.disabled():
        live = compute_metrics(engine, date(2025, 3, 1), date(2025, 3, 31), metrics=keys, rules=rules).rows()
    assert got == live == [(expected,)]
    assert weekly["caller_number"].select("entity", "n_outside_hours").rows() == [("0571-XXXX0001", expected)]


def test_the_dnc_rollup_is_used_only_while_the_dnc_list_is_unchanged(tiny_db: MakeDb) -> None:
    """Calls to d at 10:00 and 12:00; d entered the DNC list at 11:00: one DNC call. Adding an
    earlier entry (09:00) after the rollup was built makes both calls DNC calls at once (the stored
    count no longer matches the list, so the calls are read); a refresh stores the new count."""
    t = datetime(2025, 3, 3, 10)
    rows = [call("d1", t, "d"), call("d2", t + timedelta(hours=2), "d")]
    engine = tiny_db(
        {"calls": rows, "dnc": [{"callee_id": "d", "added_at": t + timedelta(hours=1), "source": "x"}]}
    )
    keys = ["dnc_calls"]
    month = (date(2025, 3, 1), date(2025, 3, 31))
    assert compute_metrics(engine, *month, metrics=keys).rows() == [(1,)]
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.dnc).values(callee_id="d", added_at=t - timedelta(hours=1), source="y"))
        fresh = rollup.dnc_current(conn)
    assert not fresh
    assert compute_metrics(engine, *month, metrics=keys).rows() == [(2,)]
    rollup_build.refresh(engine)
    with engine.connect() as conn:
        assert rollup.dnc_current(conn)
    w = rollup.dnc_daily.c
    assert db.read_frame(engine, sa.select(sa.func.sum(w.dnc_calls).label("n"))).item() == 2
    assert compute_metrics(engine, *month, metrics=keys).rows() == [(2,)]


def test_cuts_without_an_agent_read_the_daily_cube_summed_over_agents(tiny_db: MakeDb) -> None:
    """k1 (agent A1) and k2 (agent A2), both of campaign C1 on 03-03: the daily cube holds a row per
    agent, the lite one a single row with 2 outbound calls and 2 connected. Marked (its count set to
    7), the lite row is what a cut by campaign reads, while a cut by agent still reads the daily cube
    (1 each)."""
    t = datetime(2025, 3, 3, 10)
    rows = [call("k1", t, "a"), {**call("k2", t + timedelta(hours=1), "b"), "agent_id": "A2"}]
    engine = tiny_db({"calls": rows})
    rollup_build.refresh(engine)
    lite = rollup.calls_daily_lite
    stored = db.read_frame(
        engine, sa.select(lite.c.campaign_id, lite.c.outbound_calls, lite.c.connected_calls)
    )
    assert stored.rows() == [("C1", 2, 2)]
    month = (date(2025, 3, 1), date(2025, 3, 15))  # part of a month: not the monthly cube
    assert compute_metrics(engine, *month, by=["campaign"], metrics=["outbound_calls"]).rows() == [("C1", 2)]
    counts = {c.name: 0 for c in lite.columns if c.name not in ("started_at", "campaign_id")}
    with engine.begin() as conn:
        conn.execute(sql.delete(db.dialect_of(conn), lite, lite.c.campaign_id == "C1"))
        conn.execute(
            lite.insert().values(
                started_at=datetime(2025, 3, 3), campaign_id="C1", **{**counts, "outbound_calls": 7}
            )
        )
    assert compute_metrics(engine, *month, by=["campaign"], metrics=["outbound_calls"]).rows() == [("C1", 7)]
    by_agent = compute_metrics(engine, *month, by=["agent"], metrics=["outbound_calls"]).sort("agent")
    assert by_agent.rows() == [("A1", 1), ("A2", 1)]


def test_the_named_calls_are_used_only_while_the_complaints_and_reviews_are_unchanged(
    tiny_db: MakeDb,
) -> None:
    """Complaints are cut by the campaign of the call they name. k1 is a call of campaign C1, k2 one
    of C2. One complaint names k1 when the database is made: 1 complaint for C1. A second, naming k2,
    is added by hand afterwards: it counts for C2 at once (the stored named calls no longer match the
    ids the complaints name, so the calls are read); a refresh stores k2 too, and the same cut reads
    it from there. A QA review names k2 as well: one review for C2."""
    t = datetime(2025, 3, 3, 10)
    rows = [call("k1", t, "a"), {**call("k2", t + timedelta(hours=1), "b"), "campaign_id": "C2"}]
    complaint = {"received_at": t + timedelta(days=1), "channel": "client"}
    engine = tiny_db({"calls": rows, "complaints": [{"complaint_id": "p1", "call_id": "k1", **complaint}]})
    month = (date(2025, 3, 1), date(2025, 3, 31))

    def by_campaign() -> list[tuple[Any, ...]]:
        out = compute_metrics(engine, *month, by=["campaign"], metrics=["complaints"])
        return out.filter(pl.col("complaints") > 0).sort("campaign").rows()

    assert by_campaign() == [("C1", 1)]
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.complaints).values(complaint_id="p2", call_id="k2", **complaint))
        assert not rollup.named_current(conn)
    assert by_campaign() == [("C1", 1), ("C2", 1)]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.qa_reviews).values(review_id="r1", call_id="k2", reviewed_at=t, score=90)
        )
    rollup_build.refresh(engine)
    with engine.connect() as conn:
        assert rollup.current(conn) and rollup.named_current(conn)
    n = rollup.named_calls.c
    stored = db.read_frame(engine, sa.select(n.call_id, n.campaign_id).order_by(n.call_id))
    assert stored.rows() == [("k1", "C1"), ("k2", "C2")]
    assert by_campaign() == [("C1", 1), ("C2", 1)]

    # Proof that the stored row is what is read: marked, it shows (then put back).
    def store_k2(campaign: str) -> None:
        with engine.begin() as conn:
            conn.execute(sql.delete(db.dialect_of(conn), rollup.named_calls, n.call_id == "k2"))
            conn.execute(
                rollup.named_calls.insert().values(
                    call_id="k2", started_at=t + timedelta(hours=1), campaign_id=campaign
                )
            )

    store_k2("CX")
    assert by_campaign() == [("C1", 1), ("CX", 1)]
    store_k2("C2")
    qa = compute_metrics(engine, *month, by=["campaign"], metrics=["qa_reviews"])
    assert qa.filter(pl.col("qa_reviews") > 0).rows() == [("C2", 1)]


@pytest.mark.parametrize(
    ("service", "whole_hours"), [('["10:00", "18:00"]', True), ('["10:30", "18:00"]', False)]
)
def test_a_purpose_with_its_own_window_from_the_hour_columns_or_the_calls(
    tiny_db: MakeDb, tmp_path: Any, service: str, whole_hours: bool
) -> None:
    """Campaign S (purpose service) with its own window, M (marketing) with the default 08:00–21:00.
    Calls of each at 09:59, 10:00, 10:29 and 18:00: S has 09:59 and 18:00 outside [10:00, 18:00),
    plus 10:00 and 10:29 outside [10:30, 18:00); M has none. The daily cube answers only the first."""
    day = datetime(2025, 3, 3)
    times = [(9, 59), (10, 0), (10, 29), (18, 0)]
    rows = [
        call(f"{camp}{i}", day.replace(hour=h, minute=m), f"{camp}{i}") | {"campaign_id": camp}
        for camp in ("S", "M")
        for i, (h, m) in enumerate(times)
    ]
    campaigns = [
        {
            "campaign_id": c,
            "name": c,
            "purpose": p,
            "client": "x",
            "client_industry": "零售",
            "script_id": None,
            "dialer": "manual",
        }
        for c, p in (("S", "service"), ("M", "marketing"))
    ]
    engine = tiny_db({"campaigns": campaigns, "calls": rows})
    rules = _rules(tmp_path, f"[window.by_purpose]\nservice = {service}\n")
    assert bases.whole_hour_windows(rules) is whole_hours
    weekly = risk.compute_risk_all(engine, day.date(), day.date(), grain="day", rules=rules)
    with rollup.disabled():
        live = risk.compute_risk_all(engine, day.date(), day.date(), grain="day", rules=rules)
    expected = [("M", 0), ("S", 2 if whole_hours else 4)]
    for got in (weekly, live):
        assert sorted(got["campaign"].select("entity", "n_outside_hours").rows()) == expected
