"""The tiny company of the Today and alert tests, with its figures worked out by hand.

Day 2025-09-03 (numbers fictitious: the 0571 prefix with made-up suffixes ``0001``/``0002``).

Campaign C1 (零售 marketing, window 08:00–21:00), caller number 0571-0001:
  c1 07:30 answered 60 s (outside the window) · c2 10:00 answered 3 s (short) ·
  c3 10:05 abandoned · c4 20:52 no answer (the newest call; 8 minutes before 21:00)
  → outbound 4, connected 2, connect_rate 2/4 = 0.5, abandon_rate 1/(2+1) = 1/3,
    outside_hours 1, near_window_end 1.
Campaign C2 (寿险, window 09:00–21:00), caller number 0571-0002:
  d1 08:30 answered 60 s (outside: 寿险 starts at 09:00) · d2 12:00 answered 60 s to a customer on
  the DNC list since 09-01 · e1..e4 13:00, 13:01, 13:02, 13:03 no answer to one customer (cap 3 per
  5 minutes: the 4th is one over-cap call)
  → outbound 6, connected 2, connect_rate 1/3, abandon_rate 0/2 = 0, outside 1, dnc 1, over_cap 1,
    newest call 13:03 → near_window_end 0.
Yesterday one C1 call (not counted today). Every call's agent is A1 (team T1, site S1).
Site S1 declares 1 seat; at 20:55 A1 (since 08:00) and A2 (again since 20:30) are logged in: 2 > 1.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tests.core.test_risk import call, campaign, tables

DAY = date(2025, 9, 3)
N1, N2 = "0571-0001", "0571-0002"


def at(hh: int, mm: int = 0, d: date = DAY) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm)


def today_calls() -> list[dict[str, Any]]:
    rows = [
        call("c1", at(7, 30), campaign="C1", number=N1),
        call("c2", at(10, 0), campaign="C1", number=N1, talk=3),
        call("c3", at(10, 5), campaign="C1", number=N1, disposition="abandoned"),
        call("c4", at(20, 52), campaign="C1", number=N1, disposition="no_answer"),
        call("d1", at(8, 30), campaign="C2", number=N2),
        call("d2", at(12, 0), campaign="C2", number=N2, callee="refuser"),
    ]
    rows += [
        call(f"e{i}", at(13, i - 1), campaign="C2", number=N2, callee="busy", disposition="no_answer")
        for i in range(1, 5)
    ]
    return rows


def company(calls: list[dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The tables of the tiny company (``calls``: today's calls by default, plus yesterday's one)."""
    from tests.core.test_risk import cid

    rows = [*(today_calls() if calls is None else calls)]
    rows.append(call("y1", at(10, 0, DAY - timedelta(days=1)), campaign="C1", number=N1))
    return tables(
        rows,
        campaigns=[campaign("C1"), campaign("C2", industry="寿险")],
        dnc=[{"callee_id": cid("refuser"), "added_at": datetime(2025, 9, 1, 9, 0), "source": "客户拒绝"}],
        agents=[
            {
                "agent_id": a,
                "team": "T1",
                "site_id": "S1",
                "employment": "staff",
                "hired_on": date(2024, 1, 1),
            }
            for a in ("A1", "A2")
        ],
        sites=[
            {
                "site_id": "S1",
                "name": "杭州",
                "province": "浙江",
                "city": "杭州",
                "opened_on": date(2024, 1, 1),
            }
        ],
        site_seats=[{"site_id": "S1", "effective_from": date(2024, 1, 1), "declared_seats": 1}],
        agent_sessions=[
            {"agent_id": "A1", "login_at": at(8, 0), "logout_at": None, "break_seconds": 0},
            {"agent_id": "A2", "login_at": at(9, 0), "logout_at": at(20, 0), "break_seconds": 0},
            {"agent_id": "A2", "login_at": at(20, 30), "logout_at": None, "break_seconds": 0},
        ],
    )
