"""One filter rule for every module: a call without an agent belongs to the teams that work its campaign.

The hand-made day (Monday 2026-03-02), two teams and a robot campaign::

    agent  team  site          campaign  worked by      dialer
    A1     A     S1            HOT       A (inbound)    manual
    B1     B     S2            LINE      B (inbound)    manual
                               SALES     A (outbound)   predictive
                               ROBO      nobody         robot

    call  dir  campaign  agent  disposition  ring  talk  wrap  notes
    h1    in   HOT       A1     answered     5     100   20
    h2    in   HOT       -      abandoned    30                abandoned in the queue: team A's
    g1    in   LINE      B1     answered     5     200   0
    g2    in   LINE      -      abandoned    40                abandoned in the queue: team B's
    s1    out  SALES     A1     answered           60          effective (>= 30 s, two-way)
    s2    out  SALES     -      abandoned                      the dialer's drop: team A's
    r1    out  ROBO      -      answered           40          robot: no team's
    r2    out  ROBO      -      no_answer                      robot: no team's

Team A (and site S1) therefore holds h1, h2, s1, s2: 2 inbound calls (1 abandoned) and 2 outbound
(1 connected, 1 abandoned). The plausible wrong answer, dropping every call no agent handled, would
give 1 inbound and 1 outbound call, an abandon rate of 0 and a perfect service level.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.compliance.risk import compute_risk, read_rule_calls, select_rule_calls
from core.pagedata.capacity import build_capacity
from core.pagedata.home import build_home
from core.pagedata.staffing import compute_staffing
from core.pagedata.touch import build_campaign_agents, read_call_list, select_call_list
from core.semantic.cubes import Filters
from core.semantic.metrics import compute_metrics
from tests.fixtures import MakeDb, call_row

DAY = date(2026, 3, 2)
TEAM_A = Filters(teams=("A",))
SITE_S1 = Filters(sites=("S1",))
TEAM_B = Filters(teams=("B",))


def _call(
    call_id: str,
    direction: str,
    hhmm: str,
    campaign: str,
    agent: str | None,
    disposition: str,
    *,
    ring: int = 0,
    talk: int = 0,
    wrap: int = 0,
) -> dict[str, Any]:
    started = datetime.fromisoformat(f"{DAY.isoformat()} {hhmm}")
    return call_row(
        call_id, started, direction=direction, disposition=disposition, agent=agent, campaign=campaign,
        ring=ring, talk=talk, wrap=wrap, robot=campaign == "ROBO", caller_number="0571-XXXX0001",
        callee_id=f"cust-{call_id}", callee_province="浙江",
    )  # fmt: skip


TABLES: dict[str, list[dict[str, Any]]] = {
    "agents": [
        {"agent_id": "A1", "team": "A", "site_id": "S1", "employment": "staff"},
        {"agent_id": "B1", "team": "B", "site_id": "S2", "employment": "staff"},
    ],
    "campaigns": [
        {"campaign_id": "HOT", "name": "hotline", "purpose": "service", "dialer": "manual"},
        {"campaign_id": "LINE", "name": "line B", "purpose": "service", "dialer": "manual"},
        {"campaign_id": "SALES", "name": "sales", "purpose": "marketing", "dialer": "predictive"},
        {"campaign_id": "ROBO", "name": "robot", "purpose": "notification", "dialer": "robot"},
    ],
    "calls": [
        _call("h1", "in", "09:01:00", "HOT", "A1", "answered", ring=5, talk=100, wrap=20),
        _call("h2", "in", "09:05:00", "HOT", None, "abandoned", ring=30),
        _call("g1", "in", "09:10:00", "LINE", "B1", "answered", ring=5, talk=200),
        _call("g2", "in", "09:12:00", "LINE", None, "abandoned", ring=40),
        _call("s1", "out", "10:00:00", "SALES", "A1", "answered", talk=60),
        _call("s2", "out", "10:02:00", "SALES", None, "abandoned"),
        _call("r1", "out", "11:00:00", "ROBO", None, "answered", talk=40),
        _call("r2", "out", "11:01:00", "ROBO", None, "no_answer"),
    ],
}

KEYS = [
    "inbound_calls",
    "inbound_abandon_rate",
    "service_level_20s",
    "outbound_calls",
    "abandon_rate",
    "robot_share",
]


@pytest.fixture
def engine(tiny_db: MakeDb) -> sa.Engine:
    """The hand-made day on each engine of ``tiny_db`` (DuckDB, SQLite, DuckDB with rollups)."""
    return tiny_db(TABLES)


def _metrics(engine: sa.Engine, filters: Filters) -> dict[str, Any]:
    return compute_metrics(engine, DAY, DAY, metrics=KEYS, filters=filters).row(0, named=True)


@pytest.mark.parametrize("filters", [TEAM_A, SITE_S1], ids=["team", "site"])
def test_metrics_count_the_agentless_calls_of_team_a_campaigns(engine: sa.Engine, filters: Filters) -> None:
    """Team A / site S1: inbound h1+h2 (half abandoned), outbound s1+s2 (abandon 1/2), no robot call."""
    row = _metrics(engine, filters)
    assert row == {
        "inbound_calls": 2,
        "inbound_abandon_rate": 0.5,
        "service_level_20s": 0.5,
        "outbound_calls": 2,
        "abandon_rate": 0.5,
        "robot_share": 0.0,
    }
    assert row["inbound_calls"] != 1 and row["abandon_rate"] != 0.0  # the agentless calls were kept


def test_metrics_without_filter_and_for_team_b(engine: sa.Engine) -> None:
    """No filter: 4 inbound, 4 outbound, half of them robot; team B: its line only, no outbound call."""
    assert _metrics(engine, Filters()) == {
        "inbound_calls": 4,
        "inbound_abandon_rate": 0.5,
        "service_level_20s": 0.5,
        "outbound_calls": 4,
        "abandon_rate": pytest.approx(1 / 3),
        "robot_share": 0.5,
    }
    row = _metrics(engine, TEAM_B)
    assert (row["inbound_calls"], row["inbound_abandon_rate"], row["outbound_calls"]) == (2, 0.5, 0)


@pytest.mark.parametrize("filters", [TEAM_A, SITE_S1], ids=["team", "site"])
def test_staffing_offers_team_a_its_queue_abandon(engine: sa.Engine, filters: Filters) -> None:
    """Staffing, team A: the 09:00 slot offered h1 and h2 (2, not 1), 1 answered, 1 in 20 s: SL 50 %."""
    frame = compute_staffing(engine, DAY, DAY, filters=filters)
    assert frame.select(
        "slot_start", "offered", "answered", "answered_in_target", "handle_seconds"
    ).rows() == [("09:00", 2, 1, 1, 120)]
    assert frame["service_level"].to_list() == [0.5]
    assert int(frame["offered"].sum()) == _metrics(engine, filters)["inbound_calls"]


def test_staffing_team_b_and_no_filter(engine: sa.Engine) -> None:
    """Team B is offered g1 and g2 (not h2); without a filter the slot has all four inbound calls."""
    assert compute_staffing(engine, DAY, DAY, filters=TEAM_B).select("offered", "answered").rows() == [(2, 1)]
    assert compute_staffing(engine, DAY, DAY).select("offered", "answered").rows() == [(4, 2)]


def test_home_and_capacity_figures_under_team_a(engine: sa.Engine) -> None:
    """Overview and capacity, team A: 2 inbound and 2 outbound calls, inbound abandon 50 %."""
    home = build_home(engine, DAY, DAY, TEAM_A).current
    assert (home.inbound_calls, home.outbound_calls, home.connected_calls, home.inbound_answer_rate) == (
        2,
        2,
        1,
        0.5,
    )
    monthly = build_capacity(engine, DAY, DAY, filters=TEAM_A).monthly
    assert monthly.select("inbound_calls", "inbound_abandon_rate").rows() == [(2, 0.5)]


def _ids(frame: pl.DataFrame) -> list[str]:
    return sorted(frame["call_id"].to_list()) if frame.height else []


def test_touch_drilldown_lists_what_the_figures_count(engine: sa.Engine) -> None:
    """Touch drill-down, team A: SALES lists s1 and the drop s2, ROBO lists nothing; team B sees no SALES call."""

    def listed(campaign: str, filters: Filters) -> list[str]:
        return _ids(read_call_list(engine, select_call_list(DAY, DAY, campaign_id=campaign, filters=filters)))

    assert listed("SALES", TEAM_A) == ["s1", "s2"]
    assert listed("ROBO", TEAM_A) == []
    assert listed("SALES", TEAM_B) == []
    assert listed("ROBO", Filters()) == ["r1", "r2"]
    agents = build_campaign_agents(engine, DAY, DAY, "SALES", filters=TEAM_A)
    assert sorted(agents.select("agent", "outbound_calls").rows(), key=str) == [("A1", 1), (None, 1)]


def test_risk_cells_and_the_calls_behind_them_under_team_a(engine: sa.Engine) -> None:
    """Risk by campaign, team A: SALES has a cell and ROBO none; the abandon calls of SALES are s2 for team A, none for B."""
    cells = compute_risk(engine, DAY, DAY, entity="campaign", grain="day", filters=TEAM_A)
    assert set(cells["entity"].to_list()) == {"SALES"}
    assert "ROBO" in set(compute_risk(engine, DAY, DAY, entity="campaign", grain="day")["entity"].to_list())

    def behind(filters: Filters) -> list[str]:
        query = select_rule_calls(
            engine, "abandon", entity="campaign", value="SALES", start=DAY, end=DAY, filters=filters
        )
        return _ids(read_rule_calls(engine, query))

    assert behind(TEAM_A) == ["s2"]
    assert behind(TEAM_B) == []
    assert behind(Filters()) == ["s2"]
