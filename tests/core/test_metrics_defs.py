"""Every metric of DOMAIN.md §5 (with the default rules of §6) on tiny hand-made fixtures.

Each test draws its rows as a table, works the expected value out by hand in a comment or an
expression, and runs on a DuckDB file, on a SQLite file and on DuckDB with its rollups (``make_db``).
The definitions of DOMAIN.md §5 are the specification: an expected value is never adjusted to what
the code returns. Unless a test says otherwise the period is March 2025 (2025-03-03 is a Monday).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import schema
from core.semantic.cubes import Filters
from core.semantic.metrics import METRIC_KEYS, compute_metrics
from tests.fixtures import polars_type

MAR_1, MAR_31 = date(2025, 3, 1), date(2025, 3, 31)
FEB_1 = date(2025, 2, 1)

# --------------------------------------------------------------------------------------------
# Drawn tables
# --------------------------------------------------------------------------------------------

_NULL = "-"


def _value(column: sa.Column[Any], text: str) -> Any:
    if text == _NULL:
        return None
    t = column.type
    if isinstance(t, sa.DateTime):
        return datetime.fromisoformat(text)
    if isinstance(t, sa.Date):
        return date.fromisoformat(text)
    if isinstance(t, sa.Boolean):
        assert text in ("true", "false"), f"{column.name}: {text!r} is not true/false"
        return text == "true"
    if isinstance(t, sa.Integer):
        return int(text)
    if isinstance(t, sa.Double | sa.Float):
        return float(text)
    return text


def table(name: str, drawing: str, **defaults: Any) -> pl.DataFrame:
    """Rows of table ``name`` drawn as ``a | b | c`` lines under a header line; ``-`` is null.

    Columns not drawn take ``defaults`` (already typed) or null. Lines of only ``-``, ``|``, ``+``
    and spaces are rulers and ignored.
    """
    tbl = schema.metadata.tables[name]
    lines = [ln.strip() for ln in drawing.strip().splitlines()]
    lines = [ln for ln in lines if ln and not set(ln) <= set("-|+ ")]
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    unknown = (set(header) | set(defaults)) - set(tbl.columns.keys())
    assert not unknown, f"{name}: unknown columns {unknown}"
    rows = []
    for ln in lines[1:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        assert len(cells) == len(header), f"{name}: {ln!r} has {len(cells)} cells, header {len(header)}"
        row = dict(defaults)
        row.update({h: _value(tbl.c[h], c) for h, c in zip(header, cells, strict=True)})
        rows.append({c.name: row.get(c.name) for c in tbl.columns})
    return pl.DataFrame(rows, schema={c.name: polars_type(c) for c in tbl.columns}, orient="row")


MakeDb = Callable[..., sa.Engine]


@pytest.fixture
def make_db(tiny_db: Callable[[dict[str, pl.DataFrame]], sa.Engine]) -> MakeDb:
    """``make_db(calls=table("calls", ...), ...)`` → an engine on a fresh file holding those rows.

    Runs on DuckDB, SQLite and DuckDB with its pre-aggregated rollups built after the load
    (core/semantic/rollup.py; ``tiny_db``): every hand-worked value must come out the same when the common
    cuts are answered from them.
    """

    def make(**tables: pl.DataFrame) -> sa.Engine:
        return tiny_db(tables)

    return make


def total(
    engine: sa.Engine,
    keys: Sequence[str],
    start: date = MAR_1,
    end: date = MAR_31,
    *,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """The metrics ``keys`` over the whole period, as one dict."""
    frame = compute_metrics(engine, start, end, metrics=list(keys), filters=filters)
    assert frame.height == 1
    return frame.row(0, named=True)


def cut(
    engine: sa.Engine,
    keys: Sequence[str],
    by: str,
    start: date = MAR_1,
    end: date = MAR_31,
    *,
    filters: Filters | None = None,
) -> dict[Any, dict[str, Any]]:
    """The metrics ``keys`` cut by one dimension: {dimension value: {key: value}}."""
    frame = compute_metrics(engine, start, end, by=[by], metrics=list(keys), filters=filters)
    out = {r[by]: {k: r[k] for k in keys} for r in frame.iter_rows(named=True)}
    assert len(out) == frame.height, f"duplicate {by} values in {frame}"
    return out


# --------------------------------------------------------------------------------------------
# Volumes, connection and effective calls
# --------------------------------------------------------------------------------------------


def test_volumes_and_outbound_share(make_db: MakeDb) -> None:
    """outbound_calls, inbound_calls and outbound_share count calls started inside the period only."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition
            o1      | out       | 2025-03-01 00:00:00 | answered
            o2      | out       | 2025-03-15 12:00:00 | no_answer
            o3      | out       | 2025-03-31 23:59:59 | busy
            i1      | in        | 2025-03-10 09:00:00 | answered
            before  | out       | 2025-02-28 23:59:59 | answered
            after   | in        | 2025-04-01 00:00:00 | answered
            """,
        )
    )
    got = total(e, ["outbound_calls", "inbound_calls", "outbound_share"])
    assert got["outbound_calls"] == 3  # o1, o2, o3 (the first and the last second of March count)
    assert got["inbound_calls"] == 1  # i1
    assert got["outbound_share"] == pytest.approx(3 / (3 + 1))


def test_effective_call_edges(make_db: MakeDb) -> None:
    """Effective = answered, talk ≥ 30 s and two-way voice: 29 s, one-way voice and not-answered are out."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | two_way_voice
            t29     | out       | 2025-03-03 10:00:00 | answered    | 29           | true
            t30     | out       | 2025-03-03 10:05:00 | answered    | 30           | true
            oneway  | out       | 2025-03-03 10:10:00 | answered    | 120          | false
            noans   | out       | 2025-03-03 10:15:00 | no_answer   | 45           | true
            aband   | out       | 2025-03-03 10:20:00 | abandoned   | 40           | true
            busy    | out       | 2025-03-03 10:25:00 | busy        | 0            | false
            """,
            agent_id="a1",
            robot=False,
        )
    )
    got = total(
        e,
        [
            "outbound_calls",
            "connected_calls",
            "connect_rate",
            "effective_calls",
            "effective_rate",
            "effective_of_connected",
        ],
    )
    assert got["outbound_calls"] == 6
    assert got["connected_calls"] == 3  # t29, t30, oneway (noans/aband not 'answered' even with talk ≥ 30)
    assert got["effective_calls"] == 1  # t30 only
    assert got["connect_rate"] == pytest.approx(3 / 6)
    assert got["effective_rate"] == pytest.approx(1 / 6)
    assert got["effective_of_connected"] == pytest.approx(1 / 3)


def test_effective_talk_hours_both_directions_human_only(make_db: MakeDb) -> None:
    """effective_talk_hours: human effective calls of both directions; effective_calls: outbound only."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | two_way_voice | agent_id | robot
            out_h   | out       | 2025-03-03 10:00:00 | answered    | 600          | true          | a1       | false
            in_h    | in        | 2025-03-03 11:00:00 | answered    | 1200         | true          | a1       | false
            out_rob | out       | 2025-03-03 12:00:00 | answered    | 900          | true          | a2       | true
            out_nob | out       | 2025-03-03 13:00:00 | answered    | 1800         | true          | -        | false
            out_nul | out       | 2025-03-03 13:30:00 | answered    | 360          | true          | a2       | -
            out_29  | out       | 2025-03-03 14:00:00 | answered    | 29           | true          | a1       | false
            in_1way | in        | 2025-03-03 15:00:00 | answered    | 3600         | false         | a2       | false
            """,
        )
    )
    got = total(e, ["effective_calls", "effective_talk_hours"])
    # Outbound effective calls, human or not: out_h, out_rob, out_nob, out_nul (in_h is inbound).
    assert got["effective_calls"] == 4
    # Human effective calls in both directions: out_h 600 + in_h 1200 + out_nul 360 (robot null = not a robot).
    assert got["effective_talk_hours"] == pytest.approx((600 + 1200 + 360) / 3600)
    assert got["effective_talk_hours"] != pytest.approx((600 + 1200 + 360 + 900 + 1800) / 3600)


def test_reached_and_effective_customers_count_each_callee_once(make_db: MakeDb) -> None:
    """reached_customers / effective_customers are distinct callees; attempts_per_effective_customer."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | callee_id | disposition | talk_seconds | two_way_voice
            p1_a    | out       | 2025-03-03 10:00:00 | p1        | answered    | 10           | true
            p1_b    | out       | 2025-03-04 10:00:00 | p1        | answered    | 45           | true
            p1_c    | out       | 2025-03-05 10:00:00 | p1        | answered    | 60           | true
            p2_a    | out       | 2025-03-03 11:00:00 | p2        | answered    | 40           | false
            p3_a    | out       | 2025-03-03 12:00:00 | p3        | no_answer   | 0            | false
            p5_a    | out       | 2025-03-06 12:00:00 | p5        | answered    | 31           | true
            p4_in   | in        | 2025-03-03 13:00:00 | p4        | answered    | 100          | true
            """,
        )
    )
    got = total(
        e,
        [
            "outbound_calls",
            "effective_calls",
            "reached_customers",
            "effective_customers",
            "attempts_per_effective_customer",
        ],
    )
    assert got["outbound_calls"] == 6
    assert got["effective_calls"] == 3  # p1_b, p1_c, p5_a
    assert got["reached_customers"] == 3  # p1, p2, p5 (p1 reached three times counts once; p4 is inbound)
    assert got["effective_customers"] == 2  # p1, p5
    assert got["attempts_per_effective_customer"] == pytest.approx(6 / 2)
    assert got["attempts_per_effective_customer"] != pytest.approx(6 / 3)  # not per effective call


def test_outbound_quality_ratios(make_db: MakeDb) -> None:
    """avg_talk_seconds, short_call_ratio (5 s counts, 6 s not), recording_coverage, abandon_rate."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | recorded
            s5      | out       | 2025-03-03 10:00:00 | answered    | 5            | true
            s6      | out       | 2025-03-03 10:01:00 | answered    | 6            | false
            s40     | out       | 2025-03-03 10:02:00 | answered    | 40           | true
            s1      | out       | 2025-03-03 10:03:00 | answered    | 1            | true
            drop    | out       | 2025-03-03 10:04:00 | abandoned   | 0            | false
            noans   | out       | 2025-03-03 10:05:00 | no_answer   | 0            | false
            in_ans  | in        | 2025-03-03 10:06:00 | answered    | 2            | false
            in_aban | in        | 2025-03-03 10:07:00 | abandoned   | 0            | false
            """,
        )
    )
    got = total(
        e, ["connected_calls", "avg_talk_seconds", "short_call_ratio", "recording_coverage", "abandon_rate"]
    )
    assert got["connected_calls"] == 4  # s5, s6, s40, s1
    assert got["avg_talk_seconds"] == pytest.approx((5 + 6 + 40 + 1) / 4)  # 13
    assert got["short_call_ratio"] == pytest.approx(2 / 4)  # s5, s1 (< 6 s); s6 is not short
    assert got["recording_coverage"] == pytest.approx(3 / 4)  # s5, s40, s1; in_ans is inbound
    # abandoned / (connected + abandoned) = 1 / (4 + 1); not over all outbound (1/6), not inbound's.
    assert got["abandon_rate"] == pytest.approx(1 / (4 + 1))
    assert got["abandon_rate"] != pytest.approx(1 / 6)


def test_inbound_answer_abandon_and_service_level(make_db: MakeDb) -> None:
    """inbound_answer_rate, inbound_abandon_rate and service_level_20s (ring 20 s counts, 21 s does not)."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | ring_seconds
            r5      | in        | 2025-03-03 10:00:00 | answered    | 5
            r20     | in        | 2025-03-03 10:01:00 | answered    | 20
            r21     | in        | 2025-03-03 10:02:00 | answered    | 21
            ab30    | in        | 2025-03-03 10:03:00 | abandoned   | 30
            ab3     | in        | 2025-03-03 10:04:00 | abandoned   | 3
            out1    | out       | 2025-03-03 10:05:00 | answered    | 2
            out2    | out       | 2025-03-03 10:06:00 | abandoned   | 1
            """,
        )
    )
    got = total(e, ["inbound_calls", "inbound_answer_rate", "inbound_abandon_rate", "service_level_20s"])
    assert got["inbound_calls"] == 5
    assert got["inbound_answer_rate"] == pytest.approx(3 / 5)  # r5, r20, r21
    assert got["inbound_abandon_rate"] == pytest.approx(2 / 5)  # ab30, ab3 (out2 is outbound)
    assert got["service_level_20s"] == pytest.approx(2 / 5)  # r5, r20; r21 waited too long


def test_robot_share_counts_robot_outbound_calls(make_db: MakeDb) -> None:
    """robot_share = outbound calls with robot true / outbound_calls (inbound robot calls left out)."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | robot | agent_id
            rob1    | out       | 2025-03-03 10:00:00 | answered    | true  | -
            rob2    | out       | 2025-03-03 10:01:00 | no_answer   | true  | -
            hum1    | out       | 2025-03-03 10:02:00 | answered    | false | a1
            hum2    | out       | 2025-03-03 10:03:00 | answered    | false | a1
            nul     | out       | 2025-03-03 10:04:00 | answered    | -     | a1
            ivr     | in        | 2025-03-03 10:05:00 | answered    | true  | -
            """,
        )
    )
    got = total(e, ["outbound_calls", "robot_share"])
    assert got["outbound_calls"] == 5
    assert got["robot_share"] == pytest.approx(2 / 5)  # rob1, rob2


# --------------------------------------------------------------------------------------------
# Agents: handle time, sessions, activity
# --------------------------------------------------------------------------------------------

AGENTS = table(
    "agents",
    """
    agent_id | team | site_id | employment | hired_on
    a1       | A    | S1      | staff      | 2024-01-01
    a2       | A    | S1      | outsourced | 2024-01-01
    a3       | B    | S2      | outsourced | 2024-01-01
    a4       | B    | S2      | outsourced | 2024-01-01
    a5       | B    | S2      | staff      | 2024-01-01
    """,
)


def test_handle_hours_logged_in_hours_and_occupancy(make_db: MakeDb) -> None:
    """handle_hours sums talk + wrap of human calls; logged_in_hours subtracts breaks; occupancy is their ratio."""
    e = make_db(
        agents=AGENTS,
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | wrap_seconds | agent_id | robot
            h1      | out       | 2025-03-03 10:00:00 | answered    | 100          | 20           | a1       | false
            h2      | in        | 2025-03-03 13:30:00 | answered    | 200          | 40           | a2       | false
            h3      | out       | 2025-03-03 10:30:00 | no_answer   | 0            | 10           | a1       | false
            rob     | out       | 2025-03-03 11:00:00 | answered    | 500          | 50           | a1       | true
            drop    | out       | 2025-03-03 11:30:00 | abandoned   | 3            | -            | -        | false
            """,
        ),
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 08:00:00 | 2025-03-03 12:00:00 | 600
            a2       | 2025-03-03 13:00:00 | 2025-03-03 15:00:00 | 0
            a3       | 2025-03-03 09:00:00 | -                   | 0
            """,
        ),
    )
    got = total(e, ["handle_hours", "logged_in_hours", "occupancy"])
    handle = (100 + 20) + (200 + 40) + (0 + 10)  # h1 + h2 + h3 = 370 s; rob is a robot, drop has no agent
    logged = (4 * 3600 - 600) + 2 * 3600  # a1 13 800 s + a2 7 200 s = 21 000 s; a3 is still open
    assert got["handle_hours"] == pytest.approx(handle / 3600)
    assert got["logged_in_hours"] == pytest.approx(logged / 3600)
    assert got["occupancy"] == pytest.approx(370 / 21000)


def test_active_agents_and_outsourced_share(make_db: MakeDb) -> None:
    """active_agents counts each agent once (robot, agent-less calls add none); outsourced_share of them."""
    e = make_db(
        agents=AGENTS,
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | agent_id | robot
            c1      | out       | 2025-03-03 09:10:00 | answered    | a1       | false
            c2      | out       | 2025-03-03 09:20:00 | no_answer   | a1       | false
            c3      | in        | 2025-03-03 14:00:00 | answered    | a1       | false
            c4      | out       | 2025-03-04 10:00:00 | answered    | a2       | false
            c5      | out       | 2025-03-04 10:00:00 | answered    | a4       | true
            c6      | out       | 2025-03-04 11:00:00 | abandoned   | -        | false
            c7      | out       | 2025-02-27 10:00:00 | answered    | a5       | false
            """,
        ),
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 09:00:00 | 2025-03-03 12:00:00 | 0
            a1       | 2025-03-03 13:00:00 | 2025-03-03 18:00:00 | 0
            a3       | 2025-03-05 09:00:00 | 2025-03-05 17:00:00 | 0
            a5       | 2025-02-27 09:00:00 | 2025-02-27 17:00:00 | 0
            """,
        ),
    )
    got = total(e, ["active_agents", "outsourced_share"])
    # a1 (two sessions and three calls on one day: once), a2 (a human call only), a3 (a session only);
    # a4 made only a robot call, a5 was active in February only, c6 has no agent.
    assert got["active_agents"] == 3
    assert got["outsourced_share"] == pytest.approx(2 / 3)  # a2, a3 outsourced; a1 staff
    assert got["outsourced_share"] != pytest.approx(3 / 4)  # as if a4's robot call made it active
    by_day = cut(e, ["active_agents"], "day")
    assert by_day["2025-03-03"]["active_agents"] == 1  # a1 once, not 2 sessions + 3 calls
    assert by_day["2025-03-04"]["active_agents"] == 1  # a2
    assert by_day["2025-03-05"]["active_agents"] == 1  # a3


def test_occupancy_and_other_agent_rates_null_without_closed_sessions(make_db: MakeDb) -> None:
    """Human calls but only an open session: logged_in_hours 0, occupancy null (not 0, no error)."""
    e = make_db(
        agents=AGENTS,
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | wrap_seconds | agent_id | robot
            h1      | out       | 2025-03-03 10:00:00 | answered    | 360          | 0            | a1       | false
            """,
        ),
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at | break_seconds
            a1       | 2025-03-03 09:00:00 | -         | 0
            """,
        ),
    )
    got = total(e, ["handle_hours", "logged_in_hours", "occupancy", "peak_concurrent_agents"])
    assert got["handle_hours"] == pytest.approx(360 / 3600)
    assert got["logged_in_hours"] == 0
    assert got["occupancy"] is None
    assert got["peak_concurrent_agents"] == 0  # the open session is left out


def test_logged_in_hours_subtracts_breaks_and_skips_open_sessions(make_db: MakeDb) -> None:
    """logged_in_hours = Σ (logout − login − break) / 3600, an overnight session whole, an open one left out."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 08:00:00 | 2025-03-03 12:30:00 | 900
            a2       | 2025-03-03 22:00:00 | 2025-03-04 06:00:00 | 1800
            a3       | 2025-03-04 09:00:00 | -                   | 0
            """,
        ),
    )
    got = total(e, ["logged_in_hours"])
    # a1: 4.5 h − 900 s = 15 300 s; a2: 8 h − 1800 s = 27 000 s; a3 open → nothing.
    assert got["logged_in_hours"] == pytest.approx((15300 + 27000) / 3600)  # 11.75


def test_peak_concurrent_agents_overnight_session_counts_on_both_days(make_db: MakeDb) -> None:
    """Peak by day: a 22:00–06:00 session counts on both days, one ending at 00:00 only on the first."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 22:00:00 | 2025-03-04 06:00:00 | 0
            a2       | 2025-03-03 21:00:00 | 2025-03-03 23:00:00 | 0
            a3       | 2025-03-04 05:00:00 | 2025-03-04 09:00:00 | 0
            a4       | 2025-03-04 12:00:00 | 2025-03-04 16:00:00 | 0
            a5       | 2025-03-04 20:00:00 | 2025-03-05 00:00:00 | 0
            a4       | 2025-03-05 00:00:00 | 2025-03-05 08:00:00 | 0
            """,
        ),
    )
    by_day = cut(e, ["peak_concurrent_agents"], "day", date(2025, 3, 3), date(2025, 3, 5))
    # 3rd: a1 and a2 overlap 22:00–23:00 → 2.
    # 4th: a1 (00:00–06:00, the rest of its overnight session) and a3 overlap 05:00–06:00 → 2;
    #      without splitting at midnight a1 would not be seen on the 4th and the peak would be 1.
    # 5th: a5 ends at 00:00:00 exactly, so only a4 (00:00–08:00) → 1.
    assert {d: v["peak_concurrent_agents"] for d, v in by_day.items()} == {
        "2025-03-03": 2,
        "2025-03-04": 2,
        "2025-03-05": 1,
    }
    assert total(e, ["peak_concurrent_agents"], date(2025, 3, 3), date(2025, 3, 5)) == {
        "peak_concurrent_agents": 2
    }
    # The 4th alone still sees a1, whose session began the day before the period.
    assert total(e, ["peak_concurrent_agents"], date(2025, 3, 4), date(2025, 3, 4)) == {
        "peak_concurrent_agents": 2
    }


def test_back_to_back_sessions_do_not_overlap(make_db: MakeDb) -> None:
    """A session ending at 12:00:00 and another starting at 12:00:00 are never logged in together."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 08:00:00 | 2025-03-03 12:00:00 | 0
            a2       | 2025-03-03 12:00:00 | 2025-03-03 16:00:00 | 0
            """,
        ),
    )
    got = total(e, ["peak_concurrent_agents", "logged_in_hours"])
    assert got["peak_concurrent_agents"] == 1  # not 2
    assert got["logged_in_hours"] == pytest.approx(4 + 4)


# Pinned regression: overlapping sessions of one agent once counted as two agents.
def test_peak_concurrent_agents_counts_agents_not_sessions(make_db: MakeDb) -> None:
    """Two overlapping sessions of one agent are one agent logged in, not two."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-03 09:00:00 | 2025-03-03 17:00:00 | 0
            a1       | 2025-03-03 10:00:00 | 2025-03-03 12:00:00 | 0
            a2       | 2025-03-03 11:00:00 | 2025-03-03 12:00:00 | 0
            """,
        ),
    )
    got = total(e, ["peak_concurrent_agents", "active_agents"])
    # At 11:00–12:00 the agents logged in are a1 and a2: 2 (3 is the number of open sessions).
    assert got == {"peak_concurrent_agents": 2, "active_agents": 2}


# --------------------------------------------------------------------------------------------
# Seats and roster
# --------------------------------------------------------------------------------------------


def test_declared_seats_and_seat_usage_rate(make_db: MakeDb) -> None:
    """declared_seats: latest declaration on or before the end, open sites only; seat_usage_rate."""
    e = make_db(
        sites=table(
            "sites",
            """
            site_id | name   | province | opened_on  | closed_on
            S1      | 一号   | 广东     | 2024-01-01 | -
            S2      | 二号   | 广东     | 2024-01-01 | 2025-03-15
            S3      | 三号   | 北京     | 2025-04-10 | -
            S4      | 四号   | 北京     | 2025-03-20 | -
            """,
        ),
        site_seats=table(
            "site_seats",
            """
            site_id | effective_from | declared_seats
            S1      | 2024-01-01     | 10
            S1      | 2025-03-31     | 12
            S1      | 2025-04-01     | 15
            S2      | 2024-01-01     | 5
            S3      | 2025-04-10     | 3
            S4      | 2025-03-20     | 4
            """,
        ),
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-05 09:00:00 | 2025-03-05 17:00:00 | 0
            a2       | 2025-03-05 09:30:00 | 2025-03-05 17:00:00 | 0
            a3       | 2025-03-05 10:00:00 | 2025-03-05 17:00:00 | 0
            a4       | 2025-03-05 11:00:00 | 2025-03-05 17:00:00 | 0
            """,
        ),
    )
    got = total(e, ["declared_seats", "peak_concurrent_agents", "seat_usage_rate"])
    # On 2025-03-31: S1 → 12 (declared that very day; 15 is from April), S4 → 4 (opened 03-20);
    # S2 closed on 03-15, S3 opens in April.
    assert got["declared_seats"] == 12 + 4
    assert got["declared_seats"] not in (15 + 4, 12 + 4 + 5, 10 + 4)
    assert got["peak_concurrent_agents"] == 4  # 11:00–17:00 all four
    assert got["seat_usage_rate"] == pytest.approx(4 / 16)
    by_month = cut(e, ["declared_seats"], "month", FEB_1, MAR_31)
    # On 2025-02-28: S1 → 10, S2 → 5 (still open); S4 not yet open.
    assert by_month == {"2025-02": {"declared_seats": 10 + 5}, "2025-03": {"declared_seats": 12 + 4}}


def test_seat_usage_rate_null_without_declared_seats(make_db: MakeDb) -> None:
    """No declared seats: seat_usage_rate is null even with agents logged in."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-03-05 09:00:00 | 2025-03-05 17:00:00 | 0
            """,
        ),
    )
    got = total(e, ["declared_seats", "peak_concurrent_agents", "seat_usage_rate"])
    assert got == {"declared_seats": 0, "peak_concurrent_agents": 1, "seat_usage_rate": None}


ROSTER = table(
    "agents",
    """
    agent_id | team | site_id | employment | hired_on   | left_on
    r1       | A    | S1      | staff      | 2024-01-01 | -
    r2       | A    | S1      | staff      | 2024-06-01 | 2025-03-10
    r3       | A    | S1      | outsourced | 2025-03-05 | -
    r4       | B    | S1      | outsourced | 2025-03-01 | -
    r5       | B    | S1      | staff      | 2024-01-01 | 2025-02-28
    r6       | B    | S1      | staff      | 2025-04-02 | -
    r7       | B    | S1      | staff      | 2024-01-01 | 2025-03-31
    r8       | A    | S1      | outsourced | 2025-03-12 | 2025-03-20
    r9       | A    | S1      | staff      | 2024-02-01 | 2025-03-01
    r10      | B    | S1      | staff      | 2023-01-01 | -
    """,
)


def test_roster_headcount_hires_leavers_attrition(make_db: MakeDb) -> None:
    """headcount_end, hires, leavers and attrition_rate = leavers / mean(headcount at start, at end)."""
    e = make_db(agents=ROSTER)
    got = total(e, ["headcount_end", "hires", "leavers", "attrition_rate"])
    # At the end (2025-03-31): r1, r3, r4, r10 (r7 left on 03-31, so it has left by then) → 4.
    assert got["headcount_end"] == 4
    # Hired in March: r3, r4 (on the first day), r8 → 3 (r6 is hired in April).
    assert got["hires"] == 3
    # Left in March: r2, r7 (last day), r8, r9 (first day) → 4 (r5 left in February).
    assert got["leavers"] == 4
    # At the start: r1, r2, r7, r9, r10 (r9 leaves on 03-01 and r4 joins on 03-01; counting either
    # both or neither gives 5); start + hires − leavers = 5 + 3 − 4 = 4 = end.
    assert got["attrition_rate"] == pytest.approx(4 / ((5 + 4) / 2))  # 8/9
    assert got["attrition_rate"] != pytest.approx(4 / 4)  # not over the end headcount alone


def test_roster_by_month_and_team(make_db: MakeDb) -> None:
    """The roster cut by month (each month its own start and end) and by team."""
    e = make_db(agents=ROSTER)
    by_month = cut(e, ["headcount_end", "hires", "leavers", "attrition_rate"], "month", FEB_1, MAR_31)
    # February: start (end of 01-31) r1 r2 r5 r7 r9 r10 = 6; end (02-28) r1 r2 r7 r9 r10 = 5 (r5 left on
    # 02-28); hires 0; leavers r5 = 1.
    assert by_month["2025-02"]["headcount_end"] == 5
    assert by_month["2025-02"]["hires"] == 0
    assert by_month["2025-02"]["leavers"] == 1
    assert by_month["2025-02"]["attrition_rate"] == pytest.approx(1 / ((6 + 5) / 2))
    assert by_month["2025-03"] == {
        "headcount_end": 4,
        "hires": 3,
        "leavers": 4,
        "attrition_rate": pytest.approx(4 / ((5 + 4) / 2)),
    }
    by_team = cut(e, ["headcount_end", "hires", "leavers", "attrition_rate"], "team")
    # A: start r1 r2 r9 = 3, end r1 r3 = 2, hires r3 r8 = 2, leavers r2 r8 r9 = 3.
    # B: start r7 r10 = 2, end r4 r10 = 2, hires r4 = 1, leavers r7 = 1. Headcount "at the start" is
    # read as at 00:00 of the first day (= headcount_end of the day before), so r4, hired on 03-01,
    # is a hire and not yet in the start headcount; then start + hires − leavers = end in every cut.
    assert by_team["A"] == {
        "headcount_end": 2,
        "hires": 2,
        "leavers": 3,
        "attrition_rate": pytest.approx(3 / ((3 + 2) / 2)),
    }
    assert by_team["B"] == {
        "headcount_end": 2,
        "hires": 1,
        "leavers": 1,
        "attrition_rate": pytest.approx(1 / ((2 + 2) / 2)),
    }


def test_attrition_rate_null_without_headcount(make_db: MakeDb) -> None:
    """Nobody employed at the start or the end: attrition_rate is null."""
    e = make_db(
        agents=table(
            "agents",
            """
            agent_id | team | site_id | employment | hired_on   | left_on
            x1       | A    | S1      | staff      | 2025-03-05 | 2025-03-20
            """,
        )
    )
    got = total(e, ["headcount_end", "hires", "leavers", "attrition_rate"])
    assert got == {"headcount_end": 0, "hires": 1, "leavers": 1, "attrition_rate": None}


def test_agent_months_and_effective_talk_hours_per_agent_month(make_db: MakeDb) -> None:
    """agent_months: an agent active in both months counts 2; hours per agent-month divide by it."""
    e = make_db(
        agents=AGENTS,
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-02-10 09:00:00 | 2025-02-10 17:00:00 | 0
            a4       | 2025-03-10 09:00:00 | 2025-03-10 17:00:00 | 0
            a4       | 2025-03-11 09:00:00 | 2025-03-11 17:00:00 | 0
            """,
        ),
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | two_way_voice | agent_id | robot
            m1      | out       | 2025-03-12 10:00:00 | answered    | 3600         | true          | a1       | false
            f2      | in        | 2025-02-11 10:00:00 | answered    | 1800         | true          | a2       | false
            rob     | out       | 2025-03-12 11:00:00 | answered    | 7200         | true          | a3       | true
            """,
        ),
    )
    keys = ["active_agents", "agent_months", "effective_talk_hours", "effective_talk_hours_per_agent_month"]
    got = total(e, keys, FEB_1, MAR_31)
    # February: a1 (session), a2 (call) → 2.  March: a1 (call), a4 (two sessions, once) → 2.
    # a3 made only a robot call.
    assert got["active_agents"] == 3  # a1, a2, a4 over the whole period
    assert got["agent_months"] == 2 + 2  # a1 counts in both months
    assert got["effective_talk_hours"] == pytest.approx((3600 + 1800) / 3600)
    assert got["effective_talk_hours_per_agent_month"] == pytest.approx(1.5 / 4)
    assert got["effective_talk_hours_per_agent_month"] != pytest.approx(1.5 / 3)
    by_month = cut(e, keys, "month", FEB_1, MAR_31)
    assert by_month["2025-02"] == {
        "active_agents": 2,
        "agent_months": 2,
        "effective_talk_hours": pytest.approx(0.5),
        "effective_talk_hours_per_agent_month": pytest.approx(0.5 / 2),
    }
    assert by_month["2025-03"] == {
        "active_agents": 2,
        "agent_months": 2,
        "effective_talk_hours": pytest.approx(1.0),
        "effective_talk_hours_per_agent_month": pytest.approx(1.0 / 2),
    }


# --------------------------------------------------------------------------------------------
# Complaints and QA
# --------------------------------------------------------------------------------------------


def test_complaints_counts_rates_and_cut_by_campaign(make_db: MakeDb) -> None:
    """Complaint counts and rates; cut by campaign through the named call without fan-out."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | campaign_id
            c1      | out       | 2025-03-01 10:00:00 | answered    | X
            c2      | out       | 2025-03-02 10:00:00 | answered    | Y
            c3      | out       | 2025-03-03 10:00:00 | no_answer   | X
            c4      | out       | 2025-03-04 10:00:00 | no_answer   | X
            c5      | out       | 2025-03-05 10:00:00 | busy        | X
            c6      | in        | 2025-03-05 11:00:00 | answered    | -
            """,
        ),
        complaints=table(
            "complaints",
            """
            complaint_id | received_at         | channel  | call_id | replied_at
            k1           | 2025-03-02 09:00:00 | 12321    | c1      | 2025-03-03 09:00:00
            k2           | 2025-03-10 09:00:00 | miit     | c2      | -
            k3           | 2025-03-15 09:00:00 | carrier  | -       | 2025-03-16 09:00:00
            k4           | 2025-03-20 09:00:00 | client   | c1      | 2025-03-21 09:00:00
            k5           | 2025-04-02 09:00:00 | 12321    | c2      | -
            k6           | 2025-02-27 09:00:00 | internal | -       | -
            """,
        ),
    )
    keys = ["outbound_calls", "complaints", "regulator_complaints", "complaints_per_10k"]
    keys += ["complaint_reply_rate"]
    got = total(e, keys)
    assert got["outbound_calls"] == 5
    assert got["complaints"] == 4  # k1–k4 received in March (k5 April, k6 February)
    assert got["regulator_complaints"] == 2  # k1 (12321), k2 (miit)
    assert got["complaints_per_10k"] == pytest.approx(4 / 5 * 10_000)  # 8000
    assert got["complaint_reply_rate"] == pytest.approx(3 / 4)  # k1, k3, k4 replied
    by_campaign = cut(e, ["complaints", "regulator_complaints"], "campaign")
    assert by_campaign == {
        "X": {"complaints": 2, "regulator_complaints": 1},  # k1, k4 (both on c1)
        "Y": {"complaints": 1, "regulator_complaints": 1},  # k2
        None: {"complaints": 1, "regulator_complaints": 0},  # k3 names no call
    }
    assert sum(v["complaints"] for v in by_campaign.values()) == got["complaints"]


def test_complaint_rates_null_without_outbound_or_complaints(make_db: MakeDb) -> None:
    """complaints_per_10k is null with complaints but no outbound call; complaint_reply_rate null with none."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition
            i1      | in        | 2025-03-01 10:00:00 | answered
            """,
        ),
        complaints=table(
            "complaints",
            """
            complaint_id | received_at         | channel | replied_at
            k1           | 2025-03-02 09:00:00 | 12321   | -
            """,
        ),
    )
    got = total(e, ["outbound_calls", "complaints", "complaints_per_10k", "complaint_reply_rate"])
    assert got == {
        "outbound_calls": 0,
        "complaints": 1,
        "complaints_per_10k": None,
        "complaint_reply_rate": 0.0,
    }
    april = total(e, ["complaints", "complaint_reply_rate"], date(2025, 4, 1), date(2025, 4, 30))
    assert april == {"complaints": 0, "complaint_reply_rate": None}


def test_qa_reviews_pass_rate_and_coverage_with_two_reviews_per_call(make_db: MakeDb) -> None:
    """qa_reviews, qa_pass_rate and qa_coverage: a call reviewed twice counts once in the coverage."""
    e = make_db(
        agents=AGENTS,
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | agent_id | campaign_id
            c1      | out       | 2025-03-03 10:00:00 | answered    | a1       | X
            c2      | in        | 2025-03-03 11:00:00 | answered    | a3       | -
            c3      | out       | 2025-03-03 12:00:00 | answered    | a3       | X
            c4      | out       | 2025-03-03 13:00:00 | no_answer   | a1       | X
            c5      | out       | 2025-03-03 14:00:00 | answered    | a1       | Y
            """,
        ),
        qa_reviews=table(
            "qa_reviews",
            """
            review_id | call_id | reviewed_at         | score | passed
            r1        | c1      | 2025-03-04 09:00:00 | 90    | true
            r2        | c1      | 2025-03-05 09:00:00 | 50    | false
            r3        | c2      | 2025-03-04 10:00:00 | 85    | true
            r4        | c4      | 2025-03-04 11:00:00 | 80    | true
            """,
        ),
    )
    got = total(e, ["qa_reviews", "qa_pass_rate", "qa_coverage"])
    assert got["qa_reviews"] == 4  # r1–r4
    assert got["qa_pass_rate"] == pytest.approx(3 / 4)  # r1, r3, r4
    # Connected calls: c1, c2, c3, c5 = 4; reviewed among them: c1 (twice, once), c2 → 2.
    assert got["qa_coverage"] == pytest.approx(2 / 4)
    assert got["qa_coverage"] != pytest.approx(3 / 4)  # the fan-out answer
    by_team = cut(e, ["qa_reviews", "qa_pass_rate", "qa_coverage"], "team")
    # Team A (a1): reviews r1 r2 r4 (2 passed); connected c1 c5, reviewed c1.
    # Team B (a3): review r3 (passed); connected c2 c3, reviewed c2.
    assert by_team == {
        "A": {"qa_reviews": 3, "qa_pass_rate": pytest.approx(2 / 3), "qa_coverage": pytest.approx(1 / 2)},
        "B": {"qa_reviews": 1, "qa_pass_rate": pytest.approx(1.0), "qa_coverage": pytest.approx(1 / 2)},
    }


# --------------------------------------------------------------------------------------------
# Compliance counts (default rules of DOMAIN.md §6 / core/infra/rules.toml)
# --------------------------------------------------------------------------------------------


def test_outside_hours_calls_window_edges_and_life_insurance(make_db: MakeDb) -> None:
    """Window 08:00–21:00 (07:59 out, 08:00 in, 20:59 in, 21:00 out); a 寿险 campaign at 08:30 is out."""
    e = make_db(
        campaigns=table(
            "campaigns",
            """
            campaign_id | name | purpose   | client | client_industry | dialer
            BANK        | 银行 | marketing | 甲银行 | 银行            | predictive
            LIFE        | 寿险 | marketing | 乙寿险 | 寿险            | predictive
            """,
        ),
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | campaign_id
            b0759   | out       | 2025-03-03 07:59:00 | answered    | BANK
            b0800   | out       | 2025-03-03 08:00:00 | answered    | BANK
            b2059   | out       | 2025-03-03 20:59:59 | answered    | BANK
            b2100   | out       | 2025-03-03 21:00:00 | answered    | BANK
            l0830   | out       | 2025-03-03 08:30:00 | answered    | LIFE
            l0900   | out       | 2025-03-03 09:00:00 | answered    | LIFE
            l2100   | out       | 2025-03-03 21:00:00 | answered    | LIFE
            none22  | out       | 2025-03-03 22:00:00 | answered    | -
            in0700  | in        | 2025-03-03 07:00:00 | answered    | BANK
            """,
        ),
    )
    got = total(e, ["outbound_calls", "outside_hours_calls"])
    assert got["outbound_calls"] == 8
    # b0759, b2100, l0830 (life insurance starts at 09:00), l2100, none22 (default window); in0700 is inbound.
    assert got["outside_hours_calls"] == 5
    by_campaign = cut(e, ["outside_hours_calls"], "campaign")
    assert by_campaign == {
        "BANK": {"outside_hours_calls": 2},
        "LIFE": {"outside_hours_calls": 2},
        None: {"outside_hours_calls": 1},
    }


def test_blocked_region_calls(make_db: MakeDb) -> None:
    """blocked_region_calls: outbound calls to 新疆 or 西藏 (inbound and unknown provinces not counted)."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | callee_province
            x1      | out       | 2025-03-03 10:00:00 | answered    | 新疆
            x2      | out       | 2025-03-03 10:01:00 | no_answer   | 新疆
            t1      | out       | 2025-03-03 10:02:00 | answered    | 西藏
            g1      | out       | 2025-03-03 10:03:00 | answered    | 广东
            n1      | out       | 2025-03-03 10:04:00 | answered    | -
            xin     | in        | 2025-03-03 10:05:00 | answered    | 新疆
            """,
        )
    )
    assert total(e, ["blocked_region_calls"]) == {"blocked_region_calls": 3}  # x1, x2, t1


CALLS_BY_PROVINCE = """
    call_id | direction | started_at          | disposition | callee_province
    bj      | out       | 2025-03-03 10:00:00 | answered    | 北京
    gd      | out       | 2025-03-03 10:01:00 | answered    | 广东
    sc      | out       | 2025-03-03 10:02:00 | no_answer   | 四川
    xj      | out       | 2025-03-03 10:03:00 | answered    | 新疆
    unk     | out       | 2025-03-03 10:04:00 | answered    | -
    sc_in   | in        | 2025-03-03 10:05:00 | answered    | 四川
"""


def test_out_of_coverage_calls(make_db: MakeDb) -> None:
    """out_of_coverage_calls: outbound calls to a province outside licences.coverage; a null province is not."""
    e = make_db(
        licences=table(
            "licences",
            """
            licence_no | business_code | coverage       | valid_from | valid_to
            B2-001     | B24           | 北京,上海,广东 | 2024-01-01 | 2029-01-01
            """,
        ),
        calls=table("calls", CALLS_BY_PROVINCE),
    )
    assert total(e, ["out_of_coverage_calls"]) == {"out_of_coverage_calls": 2}  # sc, xj


NATIONWIDE = """
    licence_no | business_code | coverage | valid_from | valid_to
    A2-001     | B24           | 全国     | 2024-01-01 | 2029-01-01
"""


def test_out_of_coverage_calls_nationwide_licence(make_db: MakeDb) -> None:
    """A licence covering 全国 leaves no call outside the coverage."""
    e = make_db(licences=table("licences", NATIONWIDE), calls=table("calls", CALLS_BY_PROVINCE))
    got = total(e, ["outbound_calls", "out_of_coverage_calls"])
    assert got == {"outbound_calls": 5, "out_of_coverage_calls": 0}


# Pinned regression: a nationwide licence once turned this query into one row per call.
def test_out_of_coverage_calls_nationwide_licence_alone(make_db: MakeDb) -> None:
    """out_of_coverage_calls asked on its own under a nationwide licence is one total row with 0."""
    e = make_db(licences=table("licences", NATIONWIDE), calls=table("calls", CALLS_BY_PROVINCE))
    frame = compute_metrics(e, MAR_1, MAR_31, metrics=["out_of_coverage_calls"])
    assert frame.to_dicts() == [{"out_of_coverage_calls": 0}]


def test_unregistered_number_calls(make_db: MakeDb) -> None:
    """Unknown, unregistered, not-yet-allocated or released numbers count; the release day itself is allowed."""
    e = make_db(
        numbers=table(
            "numbers",
            """
            number    | kind | registered | allocated_on | released_on
            950001    | 95   | true       | 2025-01-01   | -
            960002    | 96   | false      | 2025-01-01   | -
            01012345  | 400  | true       | 2025-03-10   | 2025-03-20
            """,
        ),
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | caller_number
            ok      | out       | 2025-03-05 10:00:00 | answered    | 950001
            unknown | out       | 2025-03-05 10:01:00 | answered    | 999999
            unreg   | out       | 2025-03-05 10:02:00 | answered    | 960002
            early   | out       | 2025-03-09 23:00:00 | answered    | 01012345
            alloc   | out       | 2025-03-10 00:00:00 | answered    | 01012345
            release | out       | 2025-03-20 18:00:00 | answered    | 01012345
            late    | out       | 2025-03-21 09:00:00 | answered    | 01012345
            inbound | in        | 2025-03-21 09:30:00 | answered    | 999999
            """,
        ),
    )
    got = total(e, ["outbound_calls", "unregistered_number_calls"])
    assert got["outbound_calls"] == 7
    assert got["unregistered_number_calls"] == 4  # unknown, unreg, early, late


def test_dnc_calls_after_entry_and_duplicate_entries_once(make_db: MakeDb) -> None:
    """dnc_calls: outbound calls after the callee's DNC entry; a callee with two entries counts once per call."""
    e = make_db(
        dnc=table(
            "dnc",
            """
            callee_id | added_at            | source
            p1        | 2025-03-10 12:00:00 | hotline
            p2        | 2025-03-05 09:00:00 | agent
            p2        | 2025-03-20 09:00:00 | 12321
            """,
        ),
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | callee_id
            d1      | out       | 2025-03-10 11:00:00 | answered    | p1
            d2      | out       | 2025-03-11 10:00:00 | answered    | p1
            d3      | out       | 2025-03-06 10:00:00 | no_answer   | p2
            d4      | out       | 2025-03-21 10:00:00 | answered    | p2
            d5      | out       | 2025-03-21 11:00:00 | answered    | p3
            d6      | in        | 2025-03-12 10:00:00 | answered    | p1
            d7      | out       | 2025-03-10 12:00:00 | answered    | p1
            """,
        ),
    )
    got = total(e, ["outbound_calls", "dnc_calls"])
    assert got["outbound_calls"] == 6  # a join to the two p2 entries must not multiply the calls
    # d2 (after p1's entry), d3 (after p2's first), d4 (after both: once); d1 before, d7 at the very
    # second the entry was added (not after it), d5 not listed, d6 inbound.
    assert got["dnc_calls"] == 3
    assert got["dnc_calls"] != 4


OVER_CAP_CALLS = """
    call_id | direction | started_at          | disposition | callee_id | caller_number
    q1_1    | out       | 2025-03-03 09:00:00 | no_answer   | q1        | 950001
    q1_2    | out       | 2025-03-03 11:00:00 | no_answer   | q1        | 950001
    q1_3    | out       | 2025-03-03 13:00:00 | no_answer   | q1        | 950001
    q1_4    | out       | 2025-03-03 15:00:00 | no_answer   | q1        | 950001
    q1_5    | out       | 2025-03-03 17:00:00 | no_answer   | q1        | 950001
    q1_6    | out       | 2025-03-03 19:00:00 | answered    | q1        | 950001
    q2_1    | out       | 2025-03-03 10:00:00 | no_answer   | q2        | 950001
    q2_2    | out       | 2025-03-03 10:01:00 | no_answer   | q2        | 950002
    q2_3    | out       | 2025-03-03 10:02:00 | no_answer   | q2        | 950001
    q2_4    | out       | 2025-03-03 10:04:59 | answered    | q2        | 950002
    q3_1    | out       | 2025-03-03 08:00:00 | no_answer   | q3        | 950001
    q3_2    | out       | 2025-03-03 12:00:00 | no_answer   | q3        | 950001
    q3_3    | out       | 2025-03-03 16:00:00 | no_answer   | q3        | 950001
    q3_4    | out       | 2025-03-03 20:00:00 | no_answer   | q3        | 950001
    q3_5    | out       | 2025-03-04 02:00:00 | no_answer   | q3        | 950001
    q3_6    | out       | 2025-03-04 08:00:00 | answered    | q3        | 950001
    q4_1    | out       | 2025-03-05 23:58:00 | no_answer   | q4        | 950001
    q4_2    | out       | 2025-03-05 23:59:00 | no_answer   | q4        | 950002
    q4_3    | out       | 2025-03-06 00:00:00 | no_answer   | q4        | 950001
    q4_4    | out       | 2025-03-06 00:01:00 | answered    | q4        | 950002
    q5_in1  | in        | 2025-03-07 10:00:00 | answered    | q5        | 950001
    q5_in2  | in        | 2025-03-07 10:01:00 | answered    | q5        | 950001
    q5_in3  | in        | 2025-03-07 10:02:00 | answered    | q5        | 950001
    q5_out  | out       | 2025-03-07 10:03:00 | answered    | q5        | 950001
"""


def test_over_cap_calls(make_db: MakeDb) -> None:
    """over_cap_calls: 6 in 24 h, 4 in 5 min over two numbers, a midnight burst; 24 h apart is no breach."""
    e = make_db(calls=table("calls", OVER_CAP_CALLS))
    # q1: six calls 09:00–19:00 → the sixth is over the 24 h cap → 1.
    # q2: four calls in 4 min 59 s over two numbers → the fourth is over the 5-minute cap → 1.
    # q3: the sixth call is exactly 24 h after the first, which is out of its window (t − 24 h, t] → 0.
    # q4: four calls 23:58–00:01 → the fourth (on the 6th) is over the 5-minute cap → 1.
    # q5: three inbound calls and one outbound → 0 (only outbound calls are capped and counted).
    assert total(e, ["over_cap_calls"]) == {"over_cap_calls": 3}
    by_day = cut(e, ["over_cap_calls"], "day", date(2025, 3, 3), date(2025, 3, 7))
    assert {d: v["over_cap_calls"] for d, v in by_day.items()} == {
        "2025-03-03": 2,  # q1_6, q2_4
        "2025-03-04": 0,  # q3_6 is not over
        "2025-03-05": 0,
        "2025-03-06": 1,  # q4_4
        "2025-03-07": 0,
    }
    by_number = cut(e, ["over_cap_calls"], "caller_number")
    assert by_number == {
        "950001": {"over_cap_calls": 1},
        "950002": {"over_cap_calls": 2},
    }  # q1_6 | q2_4, q4_4


def test_over_cap_burst_crossing_midnight_into_the_period(make_db: MakeDb) -> None:
    """A period starting at midnight still sees the calls of the day before in the caller's windows."""
    e = make_db(calls=table("calls", OVER_CAP_CALLS))
    assert total(e, ["over_cap_calls"], date(2025, 3, 6), date(2025, 3, 6)) == {"over_cap_calls": 1}  # q4_4
    assert total(e, ["over_cap_calls"], date(2025, 3, 5), date(2025, 3, 5)) == {"over_cap_calls": 0}


def test_over_cap_each_extra_call_counts_once(make_db: MakeDb) -> None:
    """A call over both caps counts once; calls at the same second are ordered, the extra one counts once."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | callee_id
            z1      | out       | 2025-03-03 10:00:00 | no_answer   | z
            z2      | out       | 2025-03-03 10:00:30 | no_answer   | z
            z3      | out       | 2025-03-03 10:01:00 | no_answer   | z
            z4      | out       | 2025-03-03 10:01:30 | no_answer   | z
            z5      | out       | 2025-03-03 10:02:00 | no_answer   | z
            z6      | out       | 2025-03-03 10:02:30 | answered    | z
            y1      | out       | 2025-03-04 10:00:00 | no_answer   | y
            y2      | out       | 2025-03-04 10:00:00 | no_answer   | y
            y3      | out       | 2025-03-04 10:00:00 | no_answer   | y
            y4      | out       | 2025-03-04 10:00:00 | answered    | y
            """,
        )
    )
    # z: z4, z5, z6 are the 4th–6th within 5 minutes; z6 is also the 6th within 24 h but counts once → 3.
    # y: four calls in the same second → the 4th is extra → 1.
    assert total(e, ["over_cap_calls"]) == {"over_cap_calls": 3 + 1}


def test_over_cap_under_a_team_filter_counts_each_call_once(make_db: MakeDb) -> None:
    """Regression: with a site or team filter the agents table was cross-joined into the per-callee
    query (its join was added after the FROM clause was built), so each breach counted once per
    agent of the team: 3 × 3 = 9 instead of 3 for team 甲 below."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | callee_id | agent_id
            z1      | out       | 2025-03-03 10:00:00 | no_answer   | z         | A1
            z2      | out       | 2025-03-03 10:00:30 | no_answer   | z         | A1
            z3      | out       | 2025-03-03 10:01:00 | no_answer   | z         | A1
            z4      | out       | 2025-03-03 10:01:30 | no_answer   | z         | A1
            z5      | out       | 2025-03-03 10:02:00 | no_answer   | z         | A1
            z6      | out       | 2025-03-03 10:02:30 | answered    | z         | A1
            y1      | out       | 2025-03-04 10:00:00 | no_answer   | y         | A2
            y2      | out       | 2025-03-04 10:00:00 | no_answer   | y         | A2
            y3      | out       | 2025-03-04 10:00:00 | no_answer   | y         | A2
            y4      | out       | 2025-03-04 10:00:00 | answered    | y         | A2
            """,
        ),
        agents=table(
            "agents",
            """
            agent_id | team | site_id
            A1       | 甲   | S1
            A2       | 乙   | S2
            A3       | 甲   | S1
            A4       | 甲   | S1
            A5       | 乙   | S2
            """,
        ),
    )
    keys = ["over_cap_calls", "outbound_calls"]
    # z4, z5, z6 (team 甲, site S1); y4 (team 乙, site S2).
    assert total(e, keys, filters=Filters(teams=("甲",))) == {"over_cap_calls": 3, "outbound_calls": 6}
    assert total(e, keys, filters=Filters(teams=("乙",))) == {"over_cap_calls": 1, "outbound_calls": 4}
    assert total(e, keys, filters=Filters(sites=("S1", "S2"))) == {"over_cap_calls": 4, "outbound_calls": 10}
    by_team = cut(e, ["over_cap_calls"], "team", filters=Filters(teams=("甲", "乙")))
    assert by_team == {"甲": {"over_cap_calls": 3}, "乙": {"over_cap_calls": 1}}


def test_recall_after_abandon_72h(make_db: MakeDb) -> None:
    """recall_after_abandon_72h: a call 71 h after an abandoned call to the callee counts, 73 h does not."""
    e = make_db(
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | callee_id
            p1_drop | out       | 2025-03-02 10:00:00 | abandoned   | p1
            p1_71h  | out       | 2025-03-05 09:00:00 | answered    | p1
            p2_drop | out       | 2025-03-02 10:00:00 | abandoned   | p2
            p2_73h  | out       | 2025-03-05 11:00:00 | answered    | p2
            p3_miss | out       | 2025-03-02 10:00:00 | no_answer   | p3
            p3_1h   | out       | 2025-03-02 11:00:00 | answered    | p3
            p5_drop | out       | 2025-02-28 20:00:00 | abandoned   | p5
            p5_13h  | out       | 2025-03-01 09:00:00 | answered    | p5
            """,
        )
    )
    # p1_71h; p5_13h (its abandoned call was in February, before the period). p2 73 h: too late;
    # p3's earlier call was not abandoned; the abandoned calls themselves follow no abandoned call.
    assert total(e, ["recall_after_abandon_72h"]) == {"recall_after_abandon_72h": 2}


# --------------------------------------------------------------------------------------------
# Zero denominators
# --------------------------------------------------------------------------------------------


def test_empty_database_gives_zero_counts_and_null_rates(make_db: MakeDb) -> None:
    """On an empty database every count is 0 and every rate (zero denominator) is null, never 0 or an error."""
    e = make_db()
    expected = {
        "outbound_calls": 0,
        "inbound_calls": 0,
        "outbound_share": None,
        "connected_calls": 0,
        "connect_rate": None,
        "effective_calls": 0,
        "effective_rate": None,
        "effective_of_connected": None,
        "reached_customers": 0,
        "effective_customers": 0,
        "attempts_per_effective_customer": None,
        "avg_talk_seconds": None,
        "inbound_answer_rate": None,
        "inbound_abandon_rate": None,
        "service_level_20s": None,
        "effective_talk_hours": 0,
        "active_agents": 0,
        "agent_months": 0,
        "effective_talk_hours_per_agent_month": None,
        "declared_seats": 0,
        "peak_concurrent_agents": 0,
        "seat_usage_rate": None,
        "logged_in_hours": 0,
        "handle_hours": 0,
        "occupancy": None,
        "headcount_end": 0,
        "hires": 0,
        "leavers": 0,
        "attrition_rate": None,
        "outsourced_share": None,
        "robot_share": None,
        "recording_coverage": None,
        "short_call_ratio": None,
        "abandon_rate": None,
        "complaints": 0,
        "regulator_complaints": 0,
        "complaints_per_10k": None,
        "complaint_reply_rate": None,
        "qa_reviews": 0,
        "qa_coverage": None,
        "qa_pass_rate": None,
        "outside_hours_calls": 0,
        "blocked_region_calls": 0,
        "out_of_coverage_calls": 0,
        "unregistered_number_calls": 0,
        "dnc_calls": 0,
        "over_cap_calls": 0,
        "recall_after_abandon_72h": 0,
    }
    assert set(expected) == set(METRIC_KEYS)
    assert total(e, METRIC_KEYS) == expected


def test_zero_denominators_without_outbound_calls(make_db: MakeDb) -> None:
    """Only inbound calls: every outbound rate is null while outbound_share is a true 0 (denominator 2)."""
    e = make_db(
        agents=AGENTS,
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | two_way_voice | agent_id
            i1      | in        | 2025-03-03 10:00:00 | answered    | 60           | true          | a1
            i2      | in        | 2025-03-03 10:05:00 | abandoned   | 0            | false         | -
            """,
        ),
        complaints=table(
            "complaints",
            """
            complaint_id | received_at         | channel | call_id | replied_at
            k1           | 2025-03-04 09:00:00 | 12321   | i1      | 2025-03-05 09:00:00
            """,
        ),
    )
    keys = ["outbound_calls", "outbound_share", "connect_rate", "effective_rate", "effective_of_connected"]
    keys += ["attempts_per_effective_customer", "avg_talk_seconds", "robot_share", "recording_coverage"]
    keys += ["short_call_ratio", "abandon_rate", "complaints", "complaints_per_10k", "complaint_reply_rate"]
    keys += ["inbound_answer_rate", "qa_coverage", "qa_pass_rate", "outsourced_share"]
    assert total(e, keys) == {
        "outbound_calls": 0,
        "outbound_share": 0.0,  # 0 / (0 + 2)
        "connect_rate": None,
        "effective_rate": None,
        "effective_of_connected": None,
        "attempts_per_effective_customer": None,
        "avg_talk_seconds": None,
        "robot_share": None,
        "recording_coverage": None,
        "short_call_ratio": None,
        "abandon_rate": None,
        "complaints": 1,
        "complaints_per_10k": None,  # 1 complaint / 0 outbound
        "complaint_reply_rate": 1.0,
        "inbound_answer_rate": pytest.approx(1 / 2),
        "qa_coverage": 0.0,  # 0 reviewed / 1 connected (i1)
        "qa_pass_rate": None,  # no review
        "outsourced_share": 0.0,  # a1 is staff
    }


# --------------------------------------------------------------------------------------------
# A small company over February and March: cuts, fan-out traps and filters
# --------------------------------------------------------------------------------------------
#
# Teams: A = a1 (staff), a2 (outsourced) at site S1; B = a3, a4 (outsourced), a5 (staff) at S2.
# Licence B24 covers 广东 and 北京; numbers 950001 and 950002 are registered, 950009 is not.
# Customer p6 is on the DNC list twice (the fan-out trap for a join to dnc); call m1 has two QA
# reviews (the trap for a join to qa_reviews) and a complaint (complaints join calls).


def mini_company(make_db: MakeDb) -> sa.Engine:
    return make_db(
        agents=AGENTS,
        campaigns=table(
            "campaigns",
            """
            campaign_id | name | purpose    | client | client_industry | dialer
            X           | 信用卡 | marketing  | 甲银行 | 银行            | predictive
            Y           | 催收   | collection | 乙金融 | 消费金融        | preview
            """,
        ),
        licences=table(
            "licences",
            """
            licence_no | business_code | coverage  | valid_from | valid_to
            B2-001     | B24           | 广东,北京 | 2024-01-01 | 2029-01-01
            """,
        ),
        numbers=table(
            "numbers",
            """
            number | kind | registered | allocated_on
            950001 | 95   | true       | 2024-01-01
            950002 | 95   | true       | 2024-01-01
            """,
        ),
        calls=table(
            "calls",
            """
            call_id | direction | started_at          | disposition | talk_seconds | wrap_seconds | two_way_voice | agent_id | robot | campaign_id | callee_id | callee_province | caller_number | recorded
            f1      | out       | 2025-02-10 10:00:00 | answered    | 60           | 10           | true          | a1       | false | X           | p1        | 广东            | 950001        | true
            f2      | out       | 2025-02-10 11:00:00 | no_answer   | 0            | 5            | false         | a3       | false | Y           | p2        | 北京            | 950001        | false
            f3      | in        | 2025-02-11 10:00:00 | answered    | 120          | 20           | true          | a3       | false | -           | p3        | 广东            | 950001        | true
            m1      | out       | 2025-03-03 10:00:00 | answered    | 45           | 15           | true          | a1       | false | X           | p1        | 广东            | 950001        | true
            m2      | out       | 2025-03-03 10:30:00 | answered    | 20           | 10           | true          | a2       | false | X           | p4        | 广东            | 950002        | false
            m3      | out       | 2025-03-03 11:00:00 | abandoned   | 0            | -            | false         | -        | false | X           | p5        | 新疆            | 950002        | false
            m4      | out       | 2025-03-04 09:00:00 | answered    | 300          | 30           | true          | a3       | false | Y           | p6        | 四川            | 950001        | true
            m5      | out       | 2025-03-04 22:00:00 | answered    | 40           | 0            | true          | -        | true  | Y           | p7        | 北京            | 950009        | true
            m6      | in        | 2025-03-05 10:00:00 | answered    | 90           | 30           | true          | a4       | false | -           | p8        | 广东            | 950001        | true
            m7      | out       | 2025-03-05 10:00:00 | no_answer   | 0            | 0            | false         | a4       | false | Y           | p6        | 四川            | 950001        | false
            """,
        ),
        agent_sessions=table(
            "agent_sessions",
            """
            agent_id | login_at            | logout_at           | break_seconds
            a1       | 2025-02-10 09:00:00 | 2025-02-10 17:00:00 | 0
            a1       | 2025-03-03 09:00:00 | 2025-03-03 13:00:00 | 0
            a1       | 2025-03-03 14:00:00 | 2025-03-03 18:00:00 | 0
            a3       | 2025-03-04 08:00:00 | 2025-03-04 12:00:00 | 1800
            a4       | 2025-03-05 09:00:00 | 2025-03-05 17:00:00 | 3600
            """,
        ),
        complaints=table(
            "complaints",
            """
            complaint_id | received_at         | channel | call_id | replied_at
            k1           | 2025-03-06 09:00:00 | 12321   | m1      | 2025-03-07 09:00:00
            k2           | 2025-02-12 09:00:00 | client  | f2      | -
            k3           | 2025-03-07 09:00:00 | miit    | m4      | 2025-03-08 09:00:00
            """,
        ),
        qa_reviews=table(
            "qa_reviews",
            """
            review_id | call_id | reviewed_at         | score | passed
            q1        | m1      | 2025-03-04 09:00:00 | 90    | true
            q2        | m1      | 2025-03-05 09:00:00 | 40    | false
            q3        | m4      | 2025-03-05 10:00:00 | 85    | true
            q4        | f1      | 2025-02-11 09:00:00 | 80    | true
            """,
        ),
        dnc=table(
            "dnc",
            """
            callee_id | added_at            | source
            p6        | 2025-03-01 09:00:00 | agent
            p6        | 2025-03-02 09:00:00 | 12321
            """,
        ),
    )


# Keys whose value over a period is the sum of their values over the parts of a partition of its
# calls, sessions, complaints and reviews (distinct counts, peaks, stocks and rates are not).
ADDITIVE = [
    "outbound_calls",
    "inbound_calls",
    "connected_calls",
    "effective_calls",
    "effective_talk_hours",
    "handle_hours",
    "logged_in_hours",
    "complaints",
    "regulator_complaints",
    "qa_reviews",
    "outside_hours_calls",
    "blocked_region_calls",
    "out_of_coverage_calls",
    "unregistered_number_calls",
    "dnc_calls",
    "over_cap_calls",
    "recall_after_abandon_72h",
]

# March by team, worked out from the rows above (null team: m3 has no agent, m5 is a robot call).
MARCH_BY_TEAM = {
    "A": {
        "outbound_calls": 2,  # m1, m2
        "inbound_calls": 0,
        "connected_calls": 2,  # m1, m2
        "effective_calls": 1,  # m1 (m2 talked 20 s)
        "effective_talk_hours": pytest.approx(45 / 3600),  # m1
        "handle_hours": pytest.approx((45 + 15 + 20 + 10) / 3600),  # m1 + m2
        "logged_in_hours": pytest.approx(4 + 4),  # a1's two sessions on 03-03
        "complaints": 1,  # k1 on m1
        "regulator_complaints": 1,
        "qa_reviews": 2,  # q1, q2 on m1
        "outside_hours_calls": 0,
        "blocked_region_calls": 0,
        "out_of_coverage_calls": 0,
        "unregistered_number_calls": 0,
        "dnc_calls": 0,
        "over_cap_calls": 0,
        "recall_after_abandon_72h": 0,
        "active_agents": 2,  # a1 (sessions and a call on 03-03: once), a2 (a call)
        "qa_coverage": pytest.approx(1 / 2),  # m1 reviewed (twice: once) of m1, m2
    },
    "B": {
        "outbound_calls": 2,  # m4, m7
        "inbound_calls": 1,  # m6
        "connected_calls": 1,  # m4
        "effective_calls": 1,  # m4
        "effective_talk_hours": pytest.approx((300 + 90) / 3600),  # m4 + inbound m6
        "handle_hours": pytest.approx((300 + 30 + 90 + 30 + 0) / 3600),  # m4 + m6 + m7
        "logged_in_hours": pytest.approx((4 * 3600 - 1800 + 8 * 3600 - 3600) / 3600),  # a3 + a4 = 10.5
        "complaints": 1,  # k3 on m4
        "regulator_complaints": 1,
        "qa_reviews": 1,  # q3
        "outside_hours_calls": 0,
        "blocked_region_calls": 0,
        "out_of_coverage_calls": 2,  # m4, m7 to 四川
        "unregistered_number_calls": 0,
        "dnc_calls": 2,  # m4, m7 to p6 (two entries: each call once)
        "over_cap_calls": 0,
        "recall_after_abandon_72h": 0,
        "active_agents": 2,  # a3, a4
        "qa_coverage": pytest.approx(1 / 2),  # m4 reviewed of m4, m6
    },
    None: {
        "outbound_calls": 2,  # m3, m5
        "inbound_calls": 0,
        "connected_calls": 1,  # m5
        "effective_calls": 1,  # m5 (a robot's call is still an effective call)
        "effective_talk_hours": 0,  # not human
        "handle_hours": 0,  # not human
        "logged_in_hours": 0,  # sessions always have an agent, hence a team
        "complaints": 0,
        "regulator_complaints": 0,
        "qa_reviews": 0,
        "outside_hours_calls": 1,  # m5 at 22:00
        "blocked_region_calls": 1,  # m3 to 新疆
        "out_of_coverage_calls": 1,  # m3 to 新疆
        "unregistered_number_calls": 1,  # m5 from 950009
        "dnc_calls": 0,
        "over_cap_calls": 0,
        "recall_after_abandon_72h": 0,
        "active_agents": 0,
        "qa_coverage": 0.0,  # m5 connected, not reviewed
    },
}


def test_cut_by_team_hand_values_and_sums_equal_the_uncut_values(make_db: MakeDb) -> None:
    """Cut by team (join to agents): hand values per team, and they add up to the uncut values."""
    e = mini_company(make_db)
    keys = [*ADDITIVE, "active_agents", "qa_coverage"]
    by_team = cut(e, keys, "team")
    assert set(by_team) == {"A", "B", None}
    for team, expected in MARCH_BY_TEAM.items():
        assert by_team[team] == expected, team
    whole = total(e, keys)
    for key in [*ADDITIVE, "active_agents"]:  # each agent is in one team
        parts = sum(v[key] or 0 for v in by_team.values())
        assert whole[key] == pytest.approx(parts), key
    assert whole["active_agents"] == 4
    assert whole["dnc_calls"] == 2
    assert whole["qa_reviews"] == 3
    assert whole["qa_coverage"] == pytest.approx(2 / 5)  # m1, m4 reviewed of m1, m2, m4, m5, m6


def test_cut_by_campaign_and_caller_number_sum_to_the_whole(make_db: MakeDb) -> None:
    """Cuts by campaign (join to campaigns) and caller number add up to the uncut values."""
    e = mini_company(make_db)
    whole = total(e, ADDITIVE)
    for by in ("campaign", "purpose", "client", "caller_number", "callee_province", "day", "hour"):
        parts = cut(e, ADDITIVE, by)
        for key in ADDITIVE:
            if key == "logged_in_hours" and by not in ("day",):
                continue  # sessions cannot be cut by these dimensions (null)
            assert sum(v[key] or 0 for v in parts.values()) == pytest.approx(whole[key]), (by, key)
    by_campaign = cut(e, ["outbound_calls", "complaints", "qa_reviews", "dnc_calls"], "campaign")
    assert by_campaign == {
        "X": {"outbound_calls": 3, "complaints": 1, "qa_reviews": 2, "dnc_calls": 0},  # m1 m2 m3; k1; q1 q2
        "Y": {"outbound_calls": 3, "complaints": 1, "qa_reviews": 1, "dnc_calls": 2},  # m4 m5 m7; k3; q3
        None: {"outbound_calls": 0, "complaints": 0, "qa_reviews": 0, "dnc_calls": 0},  # inbound m6
    }


def test_cut_by_month_sums_to_the_whole_period(make_db: MakeDb) -> None:
    """Additive metrics by month add up to the two-month value; agent_months too, active_agents not."""
    e = mini_company(make_db)
    keys = [*ADDITIVE, "agent_months", "active_agents", "hires", "leavers"]
    whole = total(e, [*keys, "effective_talk_hours_per_agent_month"], FEB_1, MAR_31)
    by_month = cut(e, keys, "month", FEB_1, MAR_31)
    assert set(by_month) == {"2025-02", "2025-03"}
    for key in [*ADDITIVE, "agent_months", "hires", "leavers"]:
        assert whole[key] == pytest.approx(by_month["2025-02"][key] + by_month["2025-03"][key]), key
    feb = by_month["2025-02"]
    assert feb["outbound_calls"] == 2  # f1, f2
    assert feb["inbound_calls"] == 1  # f3
    assert feb["effective_talk_hours"] == pytest.approx((60 + 120) / 3600)  # f1 + inbound f3
    assert feb["handle_hours"] == pytest.approx((70 + 5 + 140) / 3600)
    assert feb["logged_in_hours"] == pytest.approx(8)
    assert feb["complaints"] == 1  # k2
    assert feb["qa_reviews"] == 1  # q4
    assert feb["active_agents"] == 2  # a1, a3
    assert whole["outbound_calls"] == 2 + 6
    assert whole["effective_talk_hours"] == pytest.approx((180 + 435) / 3600)
    assert whole["logged_in_hours"] == pytest.approx(8 + 8 + 10.5)
    assert whole["agent_months"] == 2 + 4  # February a1 a3; March a1 a2 a3 a4
    assert whole["active_agents"] == 4  # a1, a2, a3, a4 once over the two months
    assert whole["effective_talk_hours_per_agent_month"] == pytest.approx((615 / 3600) / 6)


def test_team_filter_restricts_to_the_team(make_db: MakeDb) -> None:
    """Filters(teams=("A",)) gives team A's values for agent-bound metrics, sessions and the roster."""
    e = mini_company(make_db)
    keys = ["effective_talk_hours", "handle_hours", "logged_in_hours", "active_agents", "connected_calls"]
    keys += ["effective_calls", "complaints", "qa_reviews", "qa_pass_rate", "dnc_calls", "headcount_end"]
    keys += ["peak_concurrent_agents", "outsourced_share"]
    got = total(e, keys, filters=Filters(teams=("A",)))
    assert got == {
        "effective_talk_hours": pytest.approx(45 / 3600),  # m1
        "handle_hours": pytest.approx(90 / 3600),  # m1 60 + m2 30
        "logged_in_hours": pytest.approx(8),  # a1's two sessions
        "active_agents": 2,  # a1, a2
        "connected_calls": 2,  # m1, m2 (m5, the robot's connected call, is not team A's)
        "effective_calls": 1,  # m1
        "complaints": 1,  # k1
        "qa_reviews": 2,  # q1, q2
        "qa_pass_rate": pytest.approx(1 / 2),
        "dnc_calls": 0,  # the DNC calls are team B's
        "headcount_end": 2,  # a1, a2 (all hired in 2024, none left)
        "peak_concurrent_agents": 1,  # a1 alone (team B's a3 and a4 are filtered out)
        "outsourced_share": pytest.approx(1 / 2),  # a2
    }
    b = total(
        e, ["dnc_calls", "logged_in_hours", "headcount_end", "active_agents"], filters=Filters(teams=("B",))
    )
    assert b == {
        "dnc_calls": 2,
        "logged_in_hours": pytest.approx(10.5),
        "headcount_end": 3,
        "active_agents": 2,
    }


def test_each_metric_alone_equals_its_value_among_all(make_db: MakeDb) -> None:
    """Asking for one metric gives one total row with the same value as asking for all of them."""
    e = mini_company(make_db)
    every = total(e, METRIC_KEYS, FEB_1, MAR_31)
    for key in METRIC_KEYS:
        frame = compute_metrics(e, FEB_1, MAR_31, metrics=[key])
        assert frame.to_dicts() == [{key: every[key]}], key
