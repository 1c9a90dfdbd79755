"""core.pagedata.home: headline figures on a tiny hand-made database, worked out by hand (DuckDB and SQLite).

The fixture (May 2024 is the period, April the previous month)::

    call direction disposition talk two_way robot agent campaign started_at
    c1   out       answered    30   yes     no    A1    C1       05-01 00:00:00  effective (start bound)
    c2   out       answered    29   yes     no    A1    C1       05-02 10:00     connected, 29 s: not effective
    c3   out       answered    120  NO      no    A2    C2       05-03 10:00     connected, one-way: not effective
    c4   out       no_answer   0    no      no    A2    C2       05-04 10:00
    c5   out       answered    45   yes     YES   -     C1       05-05 10:00     effective, robot (not human)
    c6   in        answered    60   yes     no    A2    -        05-06 10:00
    c7   in        abandoned   0    no      no    -     -        05-07 10:00
    c8   out       answered    300  yes     no    A1    C1       05-31 23:59:59  effective (end bound)
    c9   out       answered    50   yes     no    A1    C1       06-01 00:00:00  June: outside
    c10  out       answered    50   yes     no    A2    C2       04-30 23:59:59  April
    c11  in        answered    40   yes     no    A1    -        04-10 09:00     April

    agents: A1 team T1 site S1; A2 team T2 site S2; A3 team T1 site S1 (sessions only)
    sessions: A1 05-02, A3 05-15, A9 05-03 (not on the roster), A2 06-01 00:00 (June)
    complaints: k1 05-10 on c3; k2 05-20 no call; k3 06-02 on c1 (June); k4 04-15 on c10

May, no filter: outbound 6 (c1 c2 c3 c4 c5 c8), inbound 2, connected 5, effective 3 (c1 c5 c8),
inbound answered 1, complaints 2 (k1 k2), active agents 4 (A1 A2 from calls, A3 A9 from sessions).
Site S1 keeps A1's calls and the robot call c5, whose campaign C1 S1's agents worked in May.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from core.infra import db
from core.pagedata.home import (
    Filters,
    build_filter_options,
    build_home,
    last_complete_month,
    latest_call_day,
    previous_period,
)
from tests.fixtures import Rows, load_tables

CALL_COLUMNS = (
    "call_id",
    "direction",
    "disposition",
    "talk_seconds",
    "two_way_voice",
    "robot",
    "agent_id",
    "campaign_id",
    "started_at",
)
CALLS = [
    ("c1", "out", "answered", 30, True, False, "A1", "C1", datetime(2024, 5, 1, 0, 0, 0)),
    ("c2", "out", "answered", 29, True, False, "A1", "C1", datetime(2024, 5, 2, 10, 0)),
    ("c3", "out", "answered", 120, False, False, "A2", "C2", datetime(2024, 5, 3, 10, 0)),
    ("c4", "out", "no_answer", 0, False, False, "A2", "C2", datetime(2024, 5, 4, 10, 0)),
    ("c5", "out", "answered", 45, True, True, None, "C1", datetime(2024, 5, 5, 10, 0)),
    ("c6", "in", "answered", 60, True, False, "A2", None, datetime(2024, 5, 6, 10, 0)),
    ("c7", "in", "abandoned", 0, False, False, None, None, datetime(2024, 5, 7, 10, 0)),
    ("c8", "out", "answered", 300, True, False, "A1", "C1", datetime(2024, 5, 31, 23, 59, 59)),
    ("c9", "out", "answered", 50, True, False, "A1", "C1", datetime(2024, 6, 1, 0, 0, 0)),
    ("c10", "out", "answered", 50, True, False, "A2", "C2", datetime(2024, 4, 30, 23, 59, 59)),
    ("c11", "in", "answered", 40, True, False, "A1", None, datetime(2024, 4, 10, 9, 0)),
]

MAY = (date(2024, 5, 1), date(2024, 5, 31))


def _load(engine: Engine) -> None:
    tables: dict[str, Rows] = {"calls": [dict(zip(CALL_COLUMNS, row, strict=True)) for row in CALLS]}
    tables["agents"] = pl.DataFrame(
        {"agent_id": ["A1", "A2", "A3"], "team": ["T1", "T2", "T1"], "site_id": ["S1", "S2", "S1"]}
    )
    tables["sites"] = pl.DataFrame(
        {"site_id": ["S1", "S2"], "name": ["杭州中心", "成都中心"], "province": ["浙江", "四川"]}
    )
    tables["campaigns"] = pl.DataFrame({"campaign_id": ["C1", "C2"], "name": ["续约营销", "账单提醒"]})
    tables["agent_sessions"] = pl.DataFrame(
        {
            "agent_id": ["A1", "A3", "A9", "A2"],
            "login_at": [
                datetime(2024, 5, 2, 9),
                datetime(2024, 5, 15, 9),
                datetime(2024, 5, 3, 9),
                datetime(2024, 6, 1, 0),
            ],
            "logout_at": [
                datetime(2024, 5, 2, 18),
                datetime(2024, 5, 15, 18),
                datetime(2024, 5, 3, 18),
                datetime(2024, 6, 1, 8),
            ],
            "break_seconds": [0, 0, 0, 0],
        }
    )
    tables["complaints"] = pl.DataFrame(
        {
            "complaint_id": ["k1", "k2", "k3", "k4"],
            "received_at": [
                datetime(2024, 5, 10, 12),
                datetime(2024, 5, 20, 12),
                datetime(2024, 6, 2, 12),
                datetime(2024, 4, 15, 12),
            ],
            "call_id": ["c3", None, "c1", "c10"],
            "channel": ["12321", "internal", "carrier", "client"],
        }
    )
    load_tables(engine, tables)


@pytest.fixture(params=["duckdb", "sqlite"], scope="module")
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The hand-made database on DuckDB and on SQLite."""
    folder: Path = tmp_path_factory.mktemp(f"home_{request.param}")
    suffix = "duckdb" if request.param == "duckdb" else "sqlite"
    eng = db.make_engine(f"{request.param}:///{folder / f'tiny.{suffix}'}")
    _load(eng)
    yield eng
    eng.dispose()


def test_may_without_filters(engine: Engine) -> None:
    """May's figures follow DOMAIN.md §5: 29 s, one-way and June calls are not effective."""
    data = build_home(engine, *MAY)
    assert data.filtered is False
    cur = data.current
    assert (cur.outbound_calls, cur.inbound_calls) == (6, 2)
    assert cur.connected_calls == 5
    assert cur.effective_calls == 3  # c1 (30 s) c5 c8; not c2 (29 s), not c3 (one-way), not c9 (June)
    assert cur.connect_rate == pytest.approx(5 / 6)
    assert cur.effective_rate == pytest.approx(0.5)
    assert cur.inbound_answer_rate == pytest.approx(0.5)
    assert cur.complaints == 2  # k1, k2; not k3 (June) nor k4 (April)
    assert cur.active_agents == 4  # A1 A2 (calls), A3 A9 (sessions); the robot call adds nobody


def test_previous_month_and_deltas(engine: Engine) -> None:
    """The previous period is April; deltas are relative for counts, differences for rates."""
    data = build_home(engine, *MAY)
    assert (data.previous_start, data.previous_end) == (date(2024, 4, 1), date(2024, 4, 30))
    assert data.whole_month is True
    prev = data.previous
    assert (prev.outbound_calls, prev.inbound_calls, prev.effective_calls) == (1, 1, 1)
    assert (prev.complaints, prev.active_agents) == (1, 2)
    assert prev.connect_rate == pytest.approx(1.0)
    assert data.delta("outbound_calls") == pytest.approx(5.0)  # 6 / 1 - 1
    assert data.delta("connect_rate") == pytest.approx(5 / 6 - 1)
    assert data.delta("complaints") == pytest.approx(1.0)  # 2 / 1 - 1
    assert data.delta("active_agents") == pytest.approx(1.0)  # 4 / 2 - 1


def test_site_filter_and_zero_denominator(engine: Engine) -> None:
    """Site S1: A1/A3 calls, plus agent-less calls of campaigns S1 agents worked (robot c5 of C1).

    No inbound call belongs to S1, so the inbound answer rate is None, not 0.
    """
    cur = build_home(engine, *MAY, Filters(sites=("S1",))).current
    assert (cur.outbound_calls, cur.connected_calls, cur.effective_calls) == (4, 4, 3)  # c1 c2 c8 + c5
    assert cur.inbound_calls == 0  # c7 (queue abandon) has no campaign, so no team or site
    assert cur.inbound_answer_rate is None
    assert cur.effective_rate == pytest.approx(0.75)
    assert cur.complaints == 0  # k1 is about an S2 call; k2 has no call
    assert cur.active_agents == 2  # A1, A3; A9 is on no roster, so in no site


def test_team_filter(engine: Engine) -> None:
    """Team T2 (agent A2) keeps c3 c4 c6 and the complaint on c3."""
    data = build_home(engine, *MAY, Filters(teams=("T2",)))
    assert data.filtered is True
    cur = data.current
    assert (cur.outbound_calls, cur.connected_calls, cur.effective_calls) == (2, 1, 0)
    assert cur.inbound_calls == 1
    assert cur.inbound_answer_rate == 1.0
    assert cur.effective_rate == 0.0
    assert (cur.complaints, cur.active_agents) == (1, 1)


def test_campaign_filter(engine: Engine) -> None:
    """Campaign C1 keeps c1 c2 c5 c8; sessions carry no campaign, so only A1 is active."""
    cur = build_home(engine, *MAY, Filters(campaigns=("C1",))).current
    assert (cur.outbound_calls, cur.connected_calls, cur.effective_calls) == (4, 4, 3)
    assert cur.inbound_answer_rate is None
    assert (cur.complaints, cur.active_agents) == (0, 1)


def test_period_without_calls_gives_none_rates(engine: Engine) -> None:
    """A month without calls: counts 0, every rate None (never 0, never an error)."""
    data = build_home(engine, date(2024, 1, 1), date(2024, 1, 31))
    cur = data.current
    assert (cur.outbound_calls, cur.inbound_calls, cur.complaints, cur.active_agents) == (0, 0, 0, 0)
    assert (cur.connect_rate, cur.effective_rate, cur.inbound_answer_rate) == (None, None, None)
    assert data.delta("outbound_calls") is None  # previous month (December) has no calls either


def test_last_complete_month(engine: Engine) -> None:
    """The latest call is on 1 June, so May is the last complete month."""
    assert latest_call_day(engine) == date(2024, 6, 1)
    assert last_complete_month(engine, date(2030, 1, 1)) == MAY


def test_filter_options(engine: Engine) -> None:
    """Sites are labelled name(province), teams are distinct, campaigns by name."""
    options = build_filter_options(engine)
    assert options.sites == (("S2", "成都中心(四川)"), ("S1", "杭州中心(浙江)"))
    assert options.teams == (("T1", "T1"), ("T2", "T2"))
    assert options.campaigns == (("C1", "续约营销"), ("C2", "账单提醒"))


def test_last_complete_month_on_month_end(tmp_path: Path) -> None:
    """A latest call on 31 May makes May itself complete; no calls fall back to today's rule."""
    eng = db.make_engine(f"duckdb:///{tmp_path / 'edge.duckdb'}")
    db.create_schema(eng)
    assert last_complete_month(eng, date(2024, 3, 15)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert last_complete_month(eng, date(2024, 3, 31)) == (date(2024, 3, 1), date(2024, 3, 31))
    db.load_frame(
        eng,
        "calls",
        pl.DataFrame(
            {"call_id": ["x"], "direction": ["out"], "started_at": [datetime(2024, 5, 31, 23, 59, 59)]}
        ),
    )
    assert last_complete_month(eng, date(2030, 1, 1)) == MAY
    eng.dispose()


def test_previous_period_rules() -> None:
    """Whole months map to the same number of months before; other ranges to as many days."""
    assert previous_period(date(2024, 3, 1), date(2024, 5, 31)) == (date(2023, 12, 1), date(2024, 2, 29))
    assert previous_period(date(2024, 1, 1), date(2024, 1, 31)) == (date(2023, 12, 1), date(2023, 12, 31))
    assert previous_period(date(2024, 5, 11), date(2024, 5, 20)) == (date(2024, 5, 1), date(2024, 5, 10))


@pytest.mark.engines
def test_same_figures_on_every_engine(any_engine: Engine) -> None:
    """The hand-made month gives the same headline figures and filter choices on all five engines."""
    _load(any_engine)
    figures = {}
    for name, filters in {
        "all": Filters(),
        "S1": Filters(sites=("S1",)),
        "T2": Filters(teams=("T2",)),
        "C1": Filters(campaigns=("C1",)),
    }.items():
        cur = build_home(any_engine, *MAY, filters).current
        figures[name] = (
            cur.outbound_calls,
            cur.inbound_calls,
            cur.connected_calls,
            cur.effective_calls,
            cur.complaints,
            cur.active_agents,
            cur.inbound_answer_rate,
        )
    assert figures == {
        "all": (6, 2, 5, 3, 2, 4, 0.5),
        "S1": (4, 0, 4, 3, 0, 2, None),
        "T2": (2, 1, 1, 0, 1, 1, 1.0),
        "C1": (4, 0, 4, 3, 0, 1, None),
    }
    assert latest_call_day(any_engine) == date(2024, 6, 1)
    assert last_complete_month(any_engine, date(2030, 1, 1)) == MAY
    assert build_filter_options(any_engine).teams == (("T1", "T1"), ("T2", "T2"))
