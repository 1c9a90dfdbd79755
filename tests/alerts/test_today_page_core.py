"""What the Today page reads from core, on the tiny company of tests/alerts/today_rows.py at 20:55.

The day's figures (hand-worked in today_rows): C1 4 calls, 2 connected, 1 abandoned, 1 outside its
window, newest 20:52 (8 minutes before 21:00); C2 6 calls, 2 connected, 0 abandoned, 1 outside, 1 DNC,
1 over the cap; S1 has 2 agents logged in against 1 declared seat.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.alerts import store
from core.infra import db
from core.infra.rules import load_rules
from core.pagedata.today import CLOCK_ENV, Flag, beijing_now, build_today, today_flags
from core.reporting.charts import OVER_COLOUR, today_figure
from tests.alerts.today_rows import DAY, N1, N2, at, company
from tests.fixtures import load_tables

RULES = load_rules()


def duckdb_company(tmp_path: Path) -> sa.Engine:
    return load_tables(db.make_engine(f"duckdb:///{tmp_path / 'today.duckdb'}"), company(), indexes=False)


def test_the_clock_can_be_pinned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """CALLCENTER_NOW pins beijing_now() (naive as Beijing time, aware converted); build_today reads it."""
    monkeypatch.setenv(CLOCK_ENV, "2025-09-03T20:55")
    assert beijing_now() == at(20, 55)
    assert build_today(duckdb_company(tmp_path), entities=()).now == at(20, 55)
    monkeypatch.setenv(CLOCK_ENV, "2025-09-03T12:55:00+00:00")  # 12:55 UTC = 20:55 Beijing
    assert beijing_now() == at(20, 55)
    assert beijing_now(at(9, 0)) == at(9, 0)  # an explicit now wins
    monkeypatch.setenv(CLOCK_ENV, "tonight")
    with pytest.raises(ValueError, match="CALLCENTER_NOW='tonight' is not a time"):
        beijing_now()


def test_totals_sum_the_campaigns(tmp_path: Path) -> None:
    """Company: 4 + 6 = 10 calls, 2 + 2 = 4 connected (0.4), abandon 1 / (4 + 1) = 0.2, not the mean of 1/3 and 0."""
    total = build_today(duckdb_company(tmp_path), now=at(20, 55)).totals()
    assert (total["outbound_calls"], total["connected_calls"], total["abandoned_outbound"]) == (10, 4, 1)
    assert total["connect_rate"] == pytest.approx(0.4)
    assert total["abandon_rate"] == pytest.approx(0.2)
    assert (total["outside_hours_calls"], total["dnc_calls"], total["over_cap_calls"]) == (2, 1, 1)


def test_totals_of_a_day_without_calls(tmp_path: Path) -> None:
    """The next day nothing was called: 0 calls and no rates (—), not an error."""
    total = build_today(duckdb_company(tmp_path), now=datetime(2025, 9, 4, 10, 0)).totals()
    assert total["outbound_calls"] == 0
    assert total["abandon_rate"] is None


def test_flags_by_hand(tmp_path: Path) -> None:
    """C1: abandon 1/3 > 3 %, 1 outside, amber at 20:52 before 21:00; C2: 1 outside, 1 DNC, 1 over cap; S1 2 > 1 seat."""
    flags = today_flags(build_today(duckdb_company(tmp_path), now=at(20, 55)), RULES)
    assert flags == [
        Flag("red", "abandon_rate", "campaign", "C1", pytest.approx(1 / 3), 0.03),
        Flag("red", "outside_hours_calls", "campaign", "C1", 1, 0),
        Flag("amber", "near_window_end", "campaign", "C1", "20:52", "21:00"),
        Flag("red", "outside_hours_calls", "campaign", "C2", 1, 0),
        Flag("red", "dnc_calls", "campaign", "C2", 1, 0),
        Flag("red", "over_cap_calls", "campaign", "C2", 1, 0),
        Flag("red", "seats_excess", "site", "S1", 2, 1),
    ]


def test_marking_flags_name_the_test_and_threshold(tmp_path: Path) -> None:
    """min_calls 1, min_connected 1, max_daily_calls 3: N1 4 calls > 3 and short 1/2 ≥ 0.5; N2 6 calls > 3;
    answer rates 2/4 and 2/6 are above 0.20, so no answer-rate flag."""
    override = tmp_path / "rules.toml"
    override.write_text(
        "[marking]\nmin_calls = 1\nmin_connected = 1\nmax_daily_calls = 3\n", encoding="utf-8"
    )
    rules = load_rules(override)
    flags = today_flags(build_today(duckdb_company(tmp_path), now=at(20, 55), rules=rules), rules)
    marking = [f for f in flags if f.entity_kind == "caller_number"]
    assert marking == [
        Flag("red", "marking_volume", "caller_number", N1, 4, 3),
        Flag("red", "marking_short_share", "caller_number", N1, 0.5, 0.5),
        Flag("red", "marking_volume", "caller_number", N2, 6, 3),
    ]


def test_today_figure_traces(tmp_path: Path) -> None:
    """Stacked bars connected 2, 2 and not connected 2, 4 (sums 4 and 6 calls); abandon diamonds 1/3 (red) and 0."""
    data = build_today(duckdb_company(tmp_path), now=at(20, 55))
    labels = {"connected": "接通", "other": "未接通", "abandon_rate": "放弃率", "limit": "上限"}
    fig = today_figure(data.by["campaign"], labels=labels, limit=0.03)
    connected, other, rate, limit = fig.data
    assert (list(connected.x), list(connected.y), list(other.y)) == (["C1", "C2"], [2, 2], [2, 4])
    assert [connected.name, other.name, rate.name, limit.name] == ["接通", "未接通", "放弃率", "上限"]
    assert list(rate.y) == [pytest.approx(1 / 3), 0.0]
    assert list(rate.marker.color) == [OVER_COLOUR, "#616161"]
    assert list(limit.y) == [0.03, 0.03]
    assert fig.layout.barmode == "stack"


def test_alert_log_of_a_day(tmp_path: Path) -> None:
    """Two alerts on 09-03 and a resolution on 09-04. The 21:30 alert: 企业微信 failed once then accepted,
    email timed out → delivered "ops", failed "mail: timeout", 3 attempts; newest first; 09-04 not listed."""
    engine = duckdb_company(tmp_path)
    assert store.read_alert_log(engine, DAY, DAY).height == 0  # tables never created: an empty log
    assert "alert_events" not in sa.inspect(engine).get_table_names()  # and reading created nothing
    store.ensure_tables(engine)

    def event(eid: str, kind: str, entity: str, raised: datetime) -> store.Event:
        return store.Event(
            eid,
            "outside_hours",
            "campaign",
            entity,
            raised.date(),
            kind,
            raised,
            1.0,
            0.0,
            "【告警】…\n详情",
            "",
        )

    store.write_events(
        engine,
        [
            event("e0", "alert", "C2", at(20, 0)),
            event("e1", "alert", "C1", at(21, 30)),
            event("e2", "resolved", "C1", datetime(2025, 9, 4, 9, 0)),
        ],
    )
    for attempt, channel, kind, error in (
        (1, "ops", "wecom", "errcode 93000"),
        (2, "ops", "wecom", None),
        (1, "mail", "email", "timeout"),
    ):
        store.write_delivery(
            engine, "e1", channel, kind, attempt=attempt, round_=1, at=at(21, 30), error=error
        )
    log = store.read_alert_log(engine, DAY, DAY)
    assert log.select("entity", "kind", "delivered", "failed", "attempts", "message").rows() == [
        ("C1", "alert", "ops", "mail: timeout", 3, "【告警】…"),
        ("C2", "alert", "", "", 0, "【告警】…"),
    ]
    assert store.read_alert_log(engine, date(2025, 9, 4), date(2025, 9, 4))["kind"].to_list() == ["resolved"]
