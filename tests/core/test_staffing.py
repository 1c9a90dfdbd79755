"""Inbound staffing: Erlang C against published tables, interval aggregates and statuses by hand, parity.

Published worked examples the Erlang C values are checked against (rounded as published; the tests
also recompute each one exactly, with rational arithmetic on the factorial formula, so that a
wrong recollection of a table could not hide a wrong implementation):

* Call Centre Helper, "Erlang C formula – made simple with an easy worked example": 100 calls in
  30 minutes, AHT 180 s, so A = 10 Erlangs, target 80 % in 20 s. Probability of waiting 68.2 %
  (11 agents), 44.9 % (12), 28.5 % (13), 17.4 % (14); service level 39.0 %, 64.0 %, 79.6 %,
  88.8 %; 14 agents needed before shrinkage.
* Westbay Engineers, "The Erlang-C formula": 360 calls per half hour, 4-minute calls, 55 agents,
  target 15 s: A = 48 Erlangs, probability of waiting 0.2387, average speed of answer 8.2 s,
  service level 84.6 %.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from core.demo import company as demo
from core.infra import db
from core.pagedata.staffing import (
    STAFFING_COLUMNS,
    agents_required,
    average_speed_of_answer,
    compute_logged_in,
    compute_staffing,
    erlang_b,
    erlang_c,
    select_inbound_intervals,
    service_level,
    summarise_staffing,
)
from core.semantic.cubes import Filters
from tests.fixtures import DEMO_END, DemoBuilds, call_row, load_tables

# --------------------------------------------------------------------------------------------
# An independent reference: the factorial formula in exact rational arithmetic
# --------------------------------------------------------------------------------------------


def exact_erlang_c(agents: int, traffic: Fraction | int) -> Fraction:
    """``(A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))``, exactly."""
    a = Fraction(traffic)
    top = a**agents / math.factorial(agents) * Fraction(agents) / (agents - a)
    return top / (sum(a**k / math.factorial(k) for k in range(agents)) + top)


def exact_service_level(agents: int, traffic: Fraction | int, aht: float, target: float) -> float:
    """``1 − C·exp(−(N − A)·T/AHT)`` with the exact C."""
    c = exact_erlang_c(agents, traffic)
    return 1 - float(c) * math.exp(-(agents - float(traffic)) * target / aht)


def exact_required(traffic: Fraction | int, aht: float, target: float = 20, level: float = 0.8) -> int:
    """The smallest N > A whose exact service level reaches ``level``, by plain search."""
    n = math.floor(traffic) + 1
    while exact_service_level(n, traffic, aht, target) < level:
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# Erlang C against published tables
# --------------------------------------------------------------------------------------------

# agents → (probability of waiting, service level 80/20) for A = 10 Erlangs, AHT 180 s.
CALL_CENTRE_HELPER = {11: (0.682, 0.390), 12: (0.449, 0.640), 13: (0.285, 0.796), 14: (0.174, 0.888)}


@pytest.mark.parametrize("agents", sorted(CALL_CENTRE_HELPER))
def test_erlang_c_matches_the_published_ten_erlang_table(agents: int) -> None:
    """A = 10: P(wait) and 80/20 service level equal the published table and the exact formula."""
    published_c, published_sl = CALL_CENTRE_HELPER[agents]
    c = erlang_c(agents, 10.0)
    assert round(c, 3) == published_c
    assert c == pytest.approx(float(exact_erlang_c(agents, 10)), rel=1e-12)
    sl = service_level(agents, 10.0, 180, 20)
    assert round(sl, 3) == published_sl
    assert sl == pytest.approx(exact_service_level(agents, 10, 180, 20), rel=1e-12)


def test_erlang_c_four_decimals_of_the_ten_erlang_example() -> None:
    """A = 10, N = 11..14: P(wait) = 0.6821, 0.4494, 0.2853, 0.1741 to four decimals."""
    assert [round(erlang_c(n, 10.0), 4) for n in (11, 12, 13, 14)] == [0.6821, 0.4494, 0.2853, 0.1741]


def test_service_level_of_twelve_agents_on_ten_erlangs() -> None:
    """A = 10, N = 12, AHT 180 s, T = 20 s: SL = 1 − 0.449388·e^(−2/9) = 0.640158 (not the 0.5 of a wrong sign)."""
    expected = 1 - float(exact_erlang_c(12, 10)) * math.exp(-2 * 20 / 180)
    assert service_level(12, 10.0, 180, 20) == pytest.approx(expected, rel=1e-12)
    assert round(service_level(12, 10.0, 180, 20), 6) == 0.640158


def test_westbay_example_48_erlangs_55_agents() -> None:
    """360 calls / 30 min × 240 s = 48 Erlangs, 55 agents: P(wait) 0.2387, ASA 8.2 s, SL(15 s) 84.6 %."""
    traffic = 360 * 240 / 1800
    assert traffic == 48.0
    assert round(erlang_c(55, traffic), 4) == 0.2387
    assert erlang_c(55, traffic) == pytest.approx(float(exact_erlang_c(55, 48)), rel=1e-12)
    assert round(average_speed_of_answer(55, traffic, 240), 1) == 8.2
    assert round(service_level(55, traffic, 240, 15), 3) == 0.846


def test_agents_required_for_the_published_examples() -> None:
    """10 Erlangs at 180 s needs 14 (13 gives 79.6 %); 180 calls × 240 s / 1800 = 24 Erlangs needs 29 for 80/20."""
    assert agents_required(10.0, 180) == 14 == exact_required(10, 180)
    assert service_level(13, 10.0, 180, 20) < 0.8 <= service_level(14, 10.0, 180, 20)
    traffic = 180 * 240 / 1800
    assert traffic == 24.0
    assert agents_required(traffic, 240) == 29 == exact_required(24, 240)
    assert service_level(28, 24.0, 240, 20) < 0.8 <= service_level(29, 24.0, 240, 20)


def test_agents_required_follows_the_target() -> None:
    """A = 10, AHT 180: 90 % in 20 s needs 15, 80 % in 60 s needs 13, 0 % still needs N > A (11)."""
    assert agents_required(10.0, 180, target_level=0.9) == 15 == exact_required(10, 180, level=0.9)
    assert agents_required(10.0, 180, target_seconds=60) == 13 == exact_required(10, 180, target=60)
    assert agents_required(10.0, 180, target_level=0.0) == 11


def test_agents_required_with_an_occupancy_cap() -> None:
    """A = 10 with occupancy at most 70 % needs ceil(10/0.7) = 15; a 90 % cap leaves the 14 of the service level."""
    assert agents_required(10.0, 180, max_occupancy=0.7) == 15
    assert agents_required(10.0, 180, max_occupancy=0.9) == 14
    assert agents_required(10.0, 180, max_occupancy=0.5) == 20  # exactly 50 %, not 21


def test_erlang_edge_cases() -> None:
    """No traffic: nobody waits, SL 1, ASA 0, 0 agents required; agents <= traffic: P(wait) 1, SL 0, ASA ∞."""
    assert erlang_c(0, 0.0) == 0.0 and erlang_c(5, 0.0) == 0.0
    assert service_level(3, 0.0, 180, 20) == 1.0
    assert average_speed_of_answer(3, 0.0, 180) == 0.0
    assert agents_required(0.0, 180) == 0
    assert erlang_c(10, 10.0) == 1.0 and erlang_c(9, 10.0) == 1.0 and erlang_c(0, 0.5) == 1.0
    assert service_level(10, 10.0, 180, 20) == 0.0
    assert average_speed_of_answer(10, 10.0, 180) == math.inf
    assert erlang_c(1, 0.25) == pytest.approx(0.25, rel=1e-15)  # one agent: P(wait) = A
    assert erlang_b(0, 3.0) == 1.0 and erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-15)


def test_erlang_c_is_stable_for_large_centres() -> None:
    """A = 200, N = 215 (far past float factorials): equals the exact rational value to 1e-12."""
    c = erlang_c(215, 200.0)
    assert c == pytest.approx(float(exact_erlang_c(215, 200)), rel=1e-12)
    assert 0 < c < 1
    assert agents_required(200.0, 300) == exact_required(200, 300)


def test_bad_arguments_are_refused() -> None:
    """Negative agents or traffic, zero AHT, a 100 % target and a zero occupancy cap raise ValueError."""
    for call in (
        lambda: erlang_c(-1, 1.0),
        lambda: erlang_c(2, -0.1),
        lambda: service_level(2, 1.0, 0, 20),
        lambda: agents_required(1.0, 180, target_level=1.0),
        lambda: agents_required(1.0, 180, max_occupancy=0.0),
    ):
        with pytest.raises(ValueError):
            call()


# --------------------------------------------------------------------------------------------
# A hand-made day on DuckDB and SQLite
# --------------------------------------------------------------------------------------------

DAY = date(2026, 3, 2)  # a Monday
T = datetime.fromisoformat


def _t(hhmmss: str, day: date = DAY) -> datetime:
    return T(f"{day.isoformat()} {hhmmss}")


def _call(
    call_id: str,
    direction: str,
    started: datetime,
    disposition: str,
    agent: str | None,
    ring: int,
    talk: int = 0,
    wrap: int = 0,
    campaign: str = "HOT",
) -> dict[str, object]:
    return call_row(
        call_id, started, direction=direction, disposition=disposition, agent=agent, campaign=campaign,
        ring=ring, talk=talk, wrap=wrap,
    )  # fmt: skip


CALLS = [
    # 09:00–09:30: 3 offered, 2 answered, 1 within 20 s (ring 25 is not), handle 1200 + 1200.
    _call("c1", "in", _t("09:01:00"), "answered", "A1", 5, 1000, 200),
    _call("c2", "in", _t("09:10:00"), "answered", "A2", 25, 1100, 100),
    _call("c3", "in", _t("09:29:59"), "abandoned", None, 30),
    # 09:30–10:00: 2 offered, both within 20 s (ring 20 counts), handle 180 + 60.
    _call("c4", "in", _t("09:30:00"), "answered", "A1", 20, 150, 30),
    _call("c5", "in", _t("09:45:00"), "answered", "A1", 0, 60, 0),
    # 10:00–10:30: 1 offered, none answered (the slot takes the period's AHT).
    _call("c6", "in", _t("10:05:00"), "abandoned", None, 40),
    # 11:00–11:30: 2 offered, both within 20 s, handle 120 + 240.
    _call("c7", "in", _t("11:10:00"), "answered", "A2", 3, 100, 20),
    _call("c8", "in", _t("11:20:00"), "answered", "A4", 10, 200, 40),
    # Not counted: outbound, the evening before the period, the first second after it.
    _call("x1", "out", _t("09:05:00"), "answered", "A3", 0, 300, 10, campaign="OUT"),
    _call("x2", "in", _t("23:50:00", date(2026, 3, 1)), "answered", "A1", 1, 100, 0),
    _call("x3", "in", _t("00:00:00", date(2026, 3, 3)), "answered", "A1", 1, 100, 0),
]

AGENTS = [
    {"agent_id": "A1", "team": "hotline", "site_id": "S1", "employment": "staff"},
    {"agent_id": "A2", "team": "hotline", "site_id": "S1", "employment": "staff"},
    {"agent_id": "A3", "team": "sales", "site_id": "S2", "employment": "staff"},  # never answers inbound
    {"agent_id": "A4", "team": "hotline", "site_id": "S2", "employment": "outsourced"},
]


def _session(agent: str, login: datetime, logout: datetime | None) -> dict[str, object]:
    return {"agent_id": agent, "login_at": login, "logout_at": logout, "break_seconds": 0}


SESSIONS = [
    _session("A1", _t("23:40:00", date(2026, 3, 1)), _t("00:20:00")),  # 20 min of the period: 2/3 at 00:00
    _session("A1", _t("09:15:00"), _t("10:00:00")),  # 0.5 at 09:00, 1.0 at 09:30
    _session("A1", _t("10:30:00"), _t("12:00:00")),
    _session("A2", _t("08:50:00"), _t("09:20:00")),  # 1/3 at 08:30, 2/3 at 09:00
    _session("A2", _t("10:30:00"), _t("12:00:00")),
    _session("A2", _t("13:00:00"), None),  # open: left out
    _session("A3", _t("09:00:00"), _t("09:30:00")),  # outbound agent: only in pool="all"
    _session("A4", _t("11:00:00"), _t("11:30:00")),
    _session("A4", _t("08:00:00", date(2026, 3, 3)), _t("09:00:00", date(2026, 3, 3))),  # after the period
]


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def hand_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """The hand-made day in a fresh DuckDB or SQLite file."""
    suffix = request.param
    path = tmp_path_factory.mktemp(f"staffing_{suffix}") / f"hand.{suffix}"
    return load_tables(
        db.make_engine(f"{suffix}:///{path}"), {"agents": AGENTS, "agent_sessions": SESSIONS, "calls": CALLS}
    )


COLS = (
    "slot",
    "slot_start",
    "offered",
    "answered",
    "answered_in_target",
    "handle_seconds",
    "aht_seconds",
    "required_agents",
    "status",
)


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.select(COLS).rows()


def test_interval_aggregates_by_hand(hand_db: sa.Engine) -> None:
    """Per slot: offered, answered, within 20 s, handle seconds, AHT (10:00 takes the period's 3000/6 = 500 s)."""
    frame = compute_staffing(hand_db, DAY, DAY)
    assert frame.schema == pl.Schema(STAFFING_COLUMNS)
    assert frame["day"].unique().to_list() == ["2026-03-02"]
    assert frame["weekday"].unique().to_list() == [1]
    assert _rows(frame) == [
        (0, "00:00", 0, 0, 0, 0, None, 0, "overstaffed"),
        (17, "08:30", 0, 0, 0, 0, None, 0, "overstaffed"),
        (18, "09:00", 3, 2, 1, 2400, 1200.0, 4, "understaffed"),
        (19, "09:30", 2, 2, 2, 240, 120.0, 1, "balanced"),
        (20, "10:00", 1, 0, 0, 0, 500.0, 2, "understaffed"),
        (21, "10:30", 0, 0, 0, 0, None, 0, "overstaffed"),
        (22, "11:00", 2, 2, 2, 360, 180.0, 1, "overstaffed"),
        (23, "11:30", 0, 0, 0, 0, None, 0, "overstaffed"),
    ]


def test_traffic_required_and_actual_service_level_by_hand(hand_db: sa.Engine) -> None:
    """Traffic = offered × AHT / 1800; required agents equal the exact search; actual SL = within 20 s / offered."""
    frame = compute_staffing(hand_db, DAY, DAY).filter(pl.col("offered") > 0)
    traffic = [3 * 1200 / 1800, 2 * 120 / 1800, 1 * 500 / 1800, 2 * 180 / 1800]
    assert frame["traffic_erlangs"].to_list() == pytest.approx(traffic, rel=1e-15)
    exact = [
        exact_required(Fraction(2), 1200),
        exact_required(Fraction(2, 15), 120),
        exact_required(Fraction(5, 18), 500),
        exact_required(Fraction(1, 5), 180),
    ]
    assert frame["required_agents"].to_list() == exact == [4, 1, 2, 1]
    assert frame["service_level"].to_list() == pytest.approx([1 / 3, 1.0, 0.0, 1.0], rel=1e-15)


def test_logged_in_agents_are_mean_overlaps(hand_db: sa.Engine) -> None:
    """09:15–10:00 gives 0.5 then 1.0; A2's 08:50–09:20 adds 1/3 and 2/3; the session from the evening before gives 2/3."""
    frame = compute_staffing(hand_db, DAY, DAY)
    logged = dict(frame.select("slot", "logged_in_agents").iter_rows())
    assert logged == pytest.approx(
        {0: 2 / 3, 17: 1 / 3, 18: 0.5 + 2 / 3, 19: 1.0, 20: 0.0, 21: 2.0, 22: 3.0, 23: 2.0}, rel=1e-15
    )
    gaps = dict(frame.select("slot", "gap").iter_rows())
    assert gaps[18] == pytest.approx(7 / 6 - 4, rel=1e-15)
    assert gaps[20] == -2.0 and gaps[22] == 2.0


def test_logged_in_excludes_open_sessions_and_outside_the_period(hand_db: sa.Engine) -> None:
    """The open 13:00 session and the next day's session add nothing; slots run only 00:00 to 11:30."""
    logged = compute_logged_in(hand_db, DAY, DAY)
    assert logged["day"].unique().to_list() == ["2026-03-02"]
    assert logged["slot_minute"].to_list() == [0, 510, 540, 570, 630, 660, 690]


def test_pool_all_counts_the_outbound_agent(hand_db: sa.Engine) -> None:
    """pool='all' adds A3's 09:00–09:30 session (1.0) to the 09:00 slot: 13/6 logged in, still understaffed."""
    frame = compute_staffing(hand_db, DAY, DAY, pool="all").filter(pl.col("slot") == 18)
    assert frame["logged_in_agents"].to_list() == pytest.approx([13 / 6], rel=1e-15)
    assert frame["status"].to_list() == ["understaffed"]


def test_tolerance_widens_the_balanced_band(hand_db: sa.Engine) -> None:
    """tolerance=3: 09:00 (gap −2.83), 10:00 (−2) and 11:00 (+2) become balanced; slots without calls stay overstaffed."""
    frame = compute_staffing(hand_db, DAY, DAY, tolerance=3)
    assert dict(frame.select("slot", "status").iter_rows()) == {
        0: "overstaffed",
        17: "overstaffed",
        18: "balanced",
        19: "balanced",
        20: "balanced",
        21: "overstaffed",
        22: "balanced",
        23: "overstaffed",
    }


def test_site_filter_keeps_the_queue_abandons_of_its_campaign(hand_db: sa.Engine) -> None:
    """Site S1: A4's call and session drop; the agent-less abandons c3 and c6 stay (S1 works HOT): 10:00 is kept."""
    frame = compute_staffing(hand_db, DAY, DAY, filters=Filters(sites=("S1",)))
    period_aht = (2400 + 240 + 120) / 5  # 552 s over S1's five answered calls
    assert _rows(frame) == [
        (0, "00:00", 0, 0, 0, 0, None, 0, "overstaffed"),
        (17, "08:30", 0, 0, 0, 0, None, 0, "overstaffed"),
        (18, "09:00", 3, 2, 1, 2400, 1200.0, 4, "understaffed"),
        (19, "09:30", 2, 2, 2, 240, 120.0, 1, "balanced"),
        (20, "10:00", 1, 0, 0, 0, period_aht, exact_required(Fraction(552, 1800), 552), "understaffed"),
        (21, "10:30", 0, 0, 0, 0, None, 0, "overstaffed"),
        (22, "11:00", 1, 1, 1, 120, 120.0, 1, "balanced"),
        (23, "11:30", 0, 0, 0, 0, None, 0, "overstaffed"),
    ]
    # The wrong answer (calls no agent answered dropped) would offer 2 at 09:00 and lose 10:00.
    assert frame.filter(pl.col("slot") == 20)["required_agents"].item() == 2
    assert frame.filter(pl.col("slot") == 22)["logged_in_agents"].item() == 2.0  # A1 + A2, not A4


def test_team_filter_and_an_unknown_campaign(hand_db: sa.Engine) -> None:
    """Team 'sales' answered no inbound call: nothing; campaign 'NONE': an empty frame with every column."""
    assert compute_staffing(hand_db, DAY, DAY, filters=Filters(teams=("sales",))).height == 0
    empty = compute_staffing(hand_db, DAY, DAY, filters=Filters(campaigns=("NONE",)))
    assert empty.height == 0 and empty.schema == pl.Schema(STAFFING_COLUMNS)


def test_summary_counts_shares_and_worst_cells(hand_db: sa.Engine) -> None:
    """8 slots: 2 understaffed, 1 balanced, 5 overstaffed; worst understaffed Monday 09:00 (−2.83), then 10:00 (−2)."""
    summary = summarise_staffing(compute_staffing(hand_db, DAY, DAY))
    assert summary.intervals == 8
    assert summary.by_status.rows() == [
        ("understaffed", 2, 0.25),
        ("balanced", 1, 0.125),
        ("overstaffed", 5, 0.625),
    ]
    assert summary.worst_understaffed.select("weekday", "slot_start").rows() == [(1, "09:00"), (1, "10:00")]
    # Overstaffed cells by mean gap: +2 at 10:30, 11:00 and 11:30 (ties by slot), then +2/3, +1/3.
    assert summary.worst_overstaffed.select("slot_start", "mean_gap").rows() == [
        ("10:30", 2.0),
        ("11:00", 2.0),
        ("11:30", 2.0),
        ("00:00", pytest.approx(2 / 3, rel=1e-15)),
        ("08:30", pytest.approx(1 / 3, rel=1e-15)),
    ]
    assert summary.cells.height == 8


def test_interval_query_is_a_grouped_select_without_float_division() -> None:
    """The builder returns an unexecuted Select grouped by day and slot; the slot uses % (no '/')."""
    query = select_inbound_intervals("sqlite", DAY, DAY)
    assert isinstance(query, sa.Select)
    text = str(query.compile(dialect=sa.dialects.sqlite.dialect()))
    assert "GROUP BY" in text and "%" in text and "/" not in text
    assert [c.name for c in query.selected_columns] == [
        "day",
        "slot_minute",
        "offered",
        "answered",
        "answered_in_target",
        "handle_seconds",
    ]


# --------------------------------------------------------------------------------------------
# Parity on the demo
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_pair(
    demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory
) -> tuple[sa.Engine, sa.Engine]:
    """A small demo (scale 0.02, end 2026-10-31) in DuckDB (the session's build) and built into SQLite."""
    root: Path = tmp_path_factory.mktemp("staffing_demo")
    duck = db.make_engine(demo_builds.copy(root / "demo.duckdb", DEMO_END, 0.02).url)
    lite = db.make_engine(f"sqlite:///{root / 'demo.sqlite'}")
    demo.build_demo(lite, end=DEMO_END, scale=0.02)
    return duck, lite


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(teams=("客服热线组",))],
    ids=["all", "team"],
)
def test_duckdb_and_sqlite_give_identical_frames(
    demo_pair: tuple[sa.Engine, sa.Engine], filters: Filters
) -> None:
    """October 2026 of the demo: compute_staffing is identical on DuckDB and SQLite, and not empty."""
    duck, lite = demo_pair
    a = compute_staffing(duck, date(2026, 10, 1), date(2026, 10, 31), filters=filters)
    b = compute_staffing(lite, date(2026, 10, 1), date(2026, 10, 31), filters=filters)
    assert a.height > 100 and int(a["offered"].sum()) > 0
    assert set(a["status"].unique().to_list()) <= {"understaffed", "balanced", "overstaffed"}
    assert_frame_equal(a, b, check_exact=True)
