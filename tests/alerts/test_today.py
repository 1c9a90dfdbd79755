"""Today's signals (core.pagedata.today) on the tiny company of tests/alerts/today_rows.py, every engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.infra import db
from core.infra.rules import load_rules
from core.pagedata.today import beijing_now, build_today
from tests.alerts.today_rows import N1, N2, at, company
from tests.fixtures import load_tables

MakeDb = Callable[[dict[str, list[dict[str, Any]]]], sa.Engine]


def rows(frame: Any) -> dict[str, dict[str, Any]]:
    return {r["entity"]: r for r in frame.iter_rows(named=True)}


def test_today_signals_by_hand(tiny_db: MakeDb) -> None:
    """Per campaign, caller number and team since midnight, seats now, newest call (hand-worked in today_rows)."""
    engine = tiny_db(company())
    today = build_today(engine, now=at(20, 55))
    camp = rows(today.by["campaign"])
    assert set(camp) == {"C1", "C2"}  # yesterday's call adds nothing
    c1, c2 = camp["C1"], camp["C2"]
    assert (c1["outbound_calls"], c1["connected_calls"], c1["abandoned_outbound"]) == (4, 2, 1)
    assert c1["connect_rate"] == pytest.approx(0.5)
    assert c1["abandon_rate"] == pytest.approx(1 / 3)
    assert (c1["outside_hours_calls"], c1["dnc_calls"], c1["over_cap_calls"]) == (1, 0, 0)
    assert (c1["window_end"], c1["near_window_end"]) == ("21:00", 1)
    assert (c2["outbound_calls"], c2["connected_calls"], c2["abandoned_outbound"]) == (6, 2, 0)
    assert c2["connect_rate"] == pytest.approx(1 / 3)
    assert c2["abandon_rate"] == 0.0
    assert (c2["outside_hours_calls"], c2["dnc_calls"], c2["over_cap_calls"]) == (1, 1, 1)
    assert (c2["window_end"], c2["near_window_end"]) == ("21:00", 0)
    nums = rows(today.by["caller_number"])
    assert (nums[N1]["outbound_calls"], nums[N1]["short_share"]) == (4, 0.5)
    # Default thresholds: too few calls (min_calls 50, min_connected 20) to judge; 4 and 6 ≤ 200.
    assert [nums[n]["marking_risk"] for n in (N1, N2)] == [0, 0]
    team = rows(today.by["team"])
    assert team["T1"]["outbound_calls"] == 10
    assert rows(today.by["site"])["S1"]["dnc_calls"] == 1
    assert (today.logged_in_now, today.declared_seats) == (2, 1)
    assert today.seats.row(0, named=True) == {
        "site": "S1",
        "logged_in_now": 2,
        "declared_seats": 1,
        "over_seats": 1,
    }
    assert today.newest_call_at == at(20, 52)
    assert (today.stale, today.stale_minutes_now) == (False, 3.0)


def duckdb_company(tmp_path: Path) -> sa.Engine:
    """The tiny company in a DuckDB file (the engine-parity of the figures is test_today_signals_by_hand's)."""
    return load_tables(db.make_engine(f"duckdb:///{tmp_path / 'today.duckdb'}"), company(), indexes=False)


def test_marking_flags_with_tuned_thresholds(tmp_path: Path) -> None:
    """min_calls 1, min_connected 1, max_daily_calls 5: N1's short share 1/2 ≥ 0.5 is red, N2's 6 calls > 5 too."""
    override = tmp_path / "rules.toml"
    override.write_text(
        "[marking]\nmin_calls = 1\nmin_connected = 1\nmax_daily_calls = 5\n", encoding="utf-8"
    )
    engine = duckdb_company(tmp_path)
    nums = rows(build_today(engine, now=at(20, 55), rules=load_rules(override)).by["caller_number"])
    n1, n2 = nums[N1], nums[N2]
    assert (n1["marking_short_share"], n1["marking_answer_rate"], n1["marking_volume"]) == (1, 0, 0)
    # N2: answer rate 2/6 = 0.33 ≥ 0.20 is fine; 6 calls > 5.
    assert (n2["marking_short_share"], n2["marking_answer_rate"], n2["marking_volume"]) == (0, 0, 1)
    assert (n1["marking_risk"], n2["marking_risk"]) == (1, 1)


def test_staleness_follows_the_window_and_the_clock(tmp_path: Path) -> None:
    """Newest call 20:52: stale at 21:10 would be outside the window (not stale); at 20:55 with 2 minutes, stale."""
    engine = duckdb_company(tmp_path)
    assert build_today(engine, now=at(20, 55), stale_minutes=2, entities=()).stale is True
    assert build_today(engine, now=at(21, 10), entities=()).stale is False


def test_an_aware_now_is_read_as_beijing_time() -> None:
    """12:55 UTC is 20:55 in Beijing (UTC+8), stored naive."""
    assert beijing_now(datetime(2025, 9, 3, 12, 55, tzinfo=UTC)) == at(20, 55)


def test_the_24h_cap_counts_yesterdays_calls(tmp_path: Path) -> None:
    """Customer Z: 4 calls yesterday from 22:00 and 2 today (09:00, 09:10): today's 09:10 call is the 6th in
    24 h (cap 5), so C3 has 1 over-cap call today, though only 2 calls today."""
    from datetime import timedelta

    from tests.alerts.today_rows import DAY
    from tests.core.test_risk import call

    yesterday = DAY - timedelta(days=1)
    rows = [
        call(f"y{i}", at(22, 10 * i, yesterday), campaign="C3", callee="Z", disposition="no_answer")
        for i in range(4)
    ]
    rows += [
        call(f"t{i}", at(9, 10 * i), campaign="C3", callee="Z", disposition="no_answer") for i in range(2)
    ]
    engine = load_tables(db.make_engine(f"duckdb:///{tmp_path / 'cap.duckdb'}"), company(rows), indexes=False)
    frame = build_today(engine, now=at(12, 0), entities=("campaign",)).by["campaign"]
    # Only C3 called today (company() adds yesterday's C1 call, which is not today's).
    assert frame["entity"].to_list() == ["C3"]
    got = frame.row(0, named=True)
    assert (got["outbound_calls"], got["over_cap_calls"]) == (2, 1)
