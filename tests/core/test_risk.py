"""Risk rules, scores and the calls behind a cell (DOMAIN.md §6–§7), on tiny hand-made fixtures.

Every expectation is worked out by hand from the rows written in the test and the defaults of
``core/infra/rules.toml``: weights outside_hours 0.6, blocked_region 0.9, out_of_coverage 0.5,
unregistered_number 0.8, dnc 0.85, over_cap 0.35, recall_after_abandon 0.35, abandon 0.8 (warning 0,
critical 3 %, min_base 30), recording 0.5 (warning 100 %, critical 95 %), marking 0.6,
regulator_complaints 0.9, complaint_reply 0.3 (warning 100 %, critical 80 %);
score = 100 × (1 − Π (1 − w·s)^n), bands at 30 / 60 / 80.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core import cli
from core.compliance import risk
from core.infra.rules import load_rules

DAY = date(2025, 9, 3)  # a Wednesday; its week starts on Monday 2025-09-01
NUMBER = "0571-0001"
Rows = dict[str, list[dict[str, Any]]]
MakeDb = Callable[[Rows], sa.Engine]


# --------------------------------------------------------------------------------------------
# Hand-made rows
# --------------------------------------------------------------------------------------------


def cid(name: str) -> str:
    """A customer id as the import makes it: 32 hex characters."""
    return hashlib.md5(name.encode()).hexdigest()


def at(hh: int, mm: int = 0, ss: int = 0, d: date = DAY) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, ss)


def call(
    call_id: str,
    started: datetime,
    *,
    campaign: str = "C1",
    number: str = NUMBER,
    callee: str | None = None,
    province: str = "浙江",
    disposition: str = "answered",
    talk: int = 60,
    recorded: bool = True,
    direction: str = "out",
    agent: str | None = "A1",
) -> dict[str, Any]:
    """One call; by default an outbound, answered, recorded 60-second call to its own customer."""
    answered = disposition == "answered"
    return {
        "call_id": call_id,
        "direction": direction,
        "started_at": started,
        "answered_at": started + timedelta(seconds=5) if answered else None,
        "ended_at": started + timedelta(seconds=5 + (talk if answered else 20)),
        "ring_seconds": 5,
        "talk_seconds": talk if answered else 0,
        "wrap_seconds": 10 if answered else 0,
        "two_way_voice": answered,
        "disposition": disposition,
        "agent_id": agent,
        "campaign_id": campaign,
        "caller_number": number,
        "callee_id": cid(callee or call_id),
        "callee_province": province,
        "hangup_by": "customer",
        "recorded": recorded,
        "robot": False,
    }


def campaign(cid_: str, *, purpose: str = "marketing", industry: str = "零售") -> dict[str, Any]:
    return {
        "campaign_id": cid_,
        "name": f"活动{cid_}",
        "purpose": purpose,
        "client": "示例客户",
        "client_industry": industry,
        "script_id": None,
        "dialer": "manual",
    }


def number(
    num: str, *, registered: bool = True, allocated: date = date(2020, 1, 1), released: date | None = None
) -> dict[str, Any]:
    return {
        "number": num,
        "kind": "landline",
        "carrier": "中国电信",
        "province": "浙江",
        "registered": registered,
        "allocated_on": allocated,
        "released_on": released,
    }


def licence(coverage: str = "浙江,江苏", code: str = "B24", no: str = "L1") -> dict[str, Any]:
    return {
        "licence_no": no,
        "business_code": code,
        "coverage": coverage,
        "valid_from": date(2020, 1, 1),
        "valid_to": date(2030, 12, 31),
    }


def tables(
    calls: list[dict[str, Any]],
    *,
    campaigns: list[dict[str, Any]] | None = None,
    numbers: list[dict[str, Any]] | None = None,
    licences: list[dict[str, Any]] | None = None,
    **others: list[dict[str, Any]],
) -> Rows:
    """A complete tiny company: by default every campaign of the calls is a 零售 marketing campaign,
    every caller number is registered since 2020, and the licence covers 浙江 and 江苏."""
    camp_ids = sorted({c["campaign_id"] for c in calls if c["campaign_id"]})
    nums = sorted({c["caller_number"] for c in calls if c["caller_number"]})
    return {
        "licences": licences if licences is not None else [licence()],
        "campaigns": campaigns if campaigns is not None else [campaign(c) for c in camp_ids],
        "numbers": numbers if numbers is not None else [number(n) for n in nums],
        "calls": calls,
        **others,
    }


def cells(
    engine: sa.Engine,
    *,
    entity: str = "campaign",
    grain: str = "day",
    start: date = DAY,
    end: date = DAY,
    rules: Any = None,
) -> dict[tuple[str | None, str], dict[str, Any]]:
    """compute_risk as {(entity value, period): row}."""
    frame = risk.compute_risk(engine, start, end, entity=entity, grain=grain, rules=rules)
    return {(r["entity"], r["period"]): r for r in frame.iter_rows(named=True)}


def check_cell(row: dict[str, Any], rule: str, n: int, s: float, score: float, band: str) -> None:
    """One cell's count, severity, score and band for ``rule`` (every other rule at 0)."""
    assert row[f"n_{rule}"] == n, (row["entity"], row[f"n_{rule}"], n)
    assert row[f"s_{rule}"] == pytest.approx(s, abs=1e-9), (row["entity"], row[f"s_{rule}"], s)
    assert row["score"] == pytest.approx(score, abs=1e-6), (row["entity"], row["score"], score)
    assert row["band"] == band, (row["entity"], row["band"], band)


def check_other_rules_silent(row: dict[str, Any], rule: str) -> None:
    """No rule but ``rule`` fired in the cell."""
    fired = {r.id for r in risk.risk_rules() if r.id != rule and row[f"s_{r.id}"] > 0}
    assert fired == set(), (row["entity"], fired)


# --------------------------------------------------------------------------------------------
# 1. Each rule at, just below and just above its threshold
# --------------------------------------------------------------------------------------------

OUTSIDE_CASES = [
    # campaign, industry, start time, outside the window?
    ("H0759", "零售", at(7, 59, 59), True),
    ("H0800", "零售", at(8, 0, 0), False),
    ("H2059", "零售", at(20, 59, 0), False),
    ("H205959", "零售", at(20, 59, 59), False),
    ("H2100", "零售", at(21, 0, 0), True),
    ("L0830", "寿险", at(8, 30), True),
    ("L085959", "寿险", at(8, 59, 59), True),
    ("L0900", "寿险", at(9, 0), False),
    ("L2100", "寿险", at(21, 0), True),
]


def test_outside_hours_at_the_edges_of_the_window(tiny_db: MakeDb) -> None:
    """08:00–21:00 is [start, end): 07:59:59 and 21:00 are outside, 08:00 and 20:59:59 inside; 寿险 starts at 09:00."""
    engine = tiny_db(
        tables(
            [call(c, t, campaign=c) for c, _, t, _ in OUTSIDE_CASES],
            campaigns=[campaign(c, industry=ind) for c, ind, _, _ in OUTSIDE_CASES],
        )
    )
    got = cells(engine)
    for camp, _, _, outside in OUTSIDE_CASES:
        row = got[(camp, "2025-09-03")]
        if outside:  # one breach of a zero-tolerance rule: 100 × 0.6
            check_cell(row, "outside_hours", 1, 1.0, 60.0, "high")
        else:
            check_cell(row, "outside_hours", 0, 0.0, 0.0, "low")
        check_other_rules_silent(row, "outside_hours")


def test_blocked_regions_are_xinjiang_and_tibet_only(tiny_db: MakeDb) -> None:
    """A call to 新疆 or 西藏 is one breach (score 90, critical); 甘肃 next door is not."""
    rows = [
        call("b1", at(10), campaign="XJ", province="新疆"),
        call("b2", at(10), campaign="XZ", province="西藏"),
        call("b3", at(10), campaign="GS", province="甘肃"),
    ]
    engine = tiny_db(tables(rows, licences=[licence("全国")]))
    got = cells(engine)
    check_cell(got[("XJ", "2025-09-03")], "blocked_region", 1, 1.0, 90.0, "critical")
    check_cell(got[("XZ", "2025-09-03")], "blocked_region", 1, 1.0, 90.0, "critical")
    check_cell(got[("GS", "2025-09-03")], "blocked_region", 0, 0.0, 0.0, "low")
    for key in got:
        check_other_rules_silent(got[key], "blocked_region")


def test_out_of_coverage_follows_the_b24_licence(tiny_db: MakeDb) -> None:
    """Coverage 浙江,江苏: a call to 北京 is out (even though a B25 licence lists 北京); 浙江, 江苏 and an unknown province are not."""
    rows = [
        call("o1", at(10), campaign="ZJ", province="浙江"),
        call("o2", at(10), campaign="JS", province="江苏"),
        call("o3", at(10), campaign="BJ", province="北京"),
        {**call("o4", at(10), campaign="NA"), "callee_province": None},
    ]
    engine = tiny_db(tables(rows, licences=[licence("浙江,江苏"), licence("北京", code="B25", no="L2")]))
    got = cells(engine)
    check_cell(got[("BJ", "2025-09-03")], "out_of_coverage", 1, 1.0, 50.0, "medium")
    for camp in ("ZJ", "JS", "NA"):
        check_cell(got[(camp, "2025-09-03")], "out_of_coverage", 0, 0.0, 0.0, "low")
    for key in got:
        check_other_rules_silent(got[key], "out_of_coverage")


def test_out_of_coverage_is_never_counted_under_a_nationwide_licence(tiny_db: MakeDb) -> None:
    """全国 covers every province: a call to 北京 is inside."""
    engine = tiny_db(tables([call("o1", at(10), campaign="BJ", province="北京")], licences=[licence("全国")]))
    check_cell(cells(engine)[("BJ", "2025-09-03")], "out_of_coverage", 0, 0.0, 0.0, "low")


UNREG_CASES = [
    # caller number, its numbers row (None: not in the table), breach?
    ("N-OK", number("N-OK"), False),
    ("N-MISSING", None, True),
    ("N-UNREG", number("N-UNREG", registered=False), True),
    ("N-NOTYET", number("N-NOTYET", allocated=date(2025, 9, 4)), True),
    ("N-ALLOCDAY", number("N-ALLOCDAY", allocated=date(2025, 9, 3)), False),
    ("N-RELEASED", number("N-RELEASED", released=date(2025, 9, 2)), True),
    ("N-RELDAY", number("N-RELDAY", released=date(2025, 9, 3)), False),
]


def test_unregistered_number_cases(tiny_db: MakeDb) -> None:
    """Missing, unregistered, before allocated_on, after released_on: breaches; on allocated_on / released_on: allowed."""
    rows = [call(f"u-{n}", at(11), number=n) for n, _, _ in UNREG_CASES]
    nums = [r for _, r, _ in UNREG_CASES if r is not None]
    engine = tiny_db(tables(rows, numbers=nums))
    got = cells(engine, entity="caller_number")
    for num, _, breach in UNREG_CASES:
        row = got[(num, "2025-09-03")]
        if breach:
            check_cell(row, "unregistered_number", 1, 1.0, 80.0, "critical")
        else:
            check_cell(row, "unregistered_number", 0, 0.0, 0.0, "low")
        check_other_rules_silent(row, "unregistered_number")


def dnc_row(callee: str, added: datetime) -> dict[str, Any]:
    return {"callee_id": cid(callee), "added_at": added, "source": "客户拒绝"}


def test_dnc_counts_calls_after_the_entry_only(tiny_db: MakeDb) -> None:
    """A call one second after the DNC entry is a breach (85, critical); a call one second before it is not."""
    rows = [
        call("d-after", at(10, 0, 1), campaign="AFTER", callee="x"),
        call("d-before", at(11, 59, 59), campaign="BEFORE", callee="y"),
    ]
    engine = tiny_db(tables(rows, dnc=[dnc_row("x", at(10)), dnc_row("y", at(12))]))
    got = cells(engine)
    check_cell(got[("AFTER", "2025-09-03")], "dnc", 1, 1.0, 85.0, "critical")
    check_cell(got[("BEFORE", "2025-09-03")], "dnc", 0, 0.0, 0.0, "low")
    check_other_rules_silent(got[("AFTER", "2025-09-03")], "dnc")


def test_two_dnc_calls_multiply_in_again(tiny_db: MakeDb) -> None:
    """Zero tolerance scales by count: two DNC calls give 100 × (1 − 0.15²) = 97.75, not 85 and not 100."""
    rows = [call("d1", at(10, 5), callee="x"), call("d2", at(15), callee="x")]
    engine = tiny_db(tables(rows, dnc=[dnc_row("x", at(9))]))
    check_cell(cells(engine)[("C1", "2025-09-03")], "dnc", 2, 1.0, 97.75, "critical")


def hourly(
    prefix: str, callee: str, first: datetime, n: int, *, step: timedelta = timedelta(hours=1), **kw: Any
) -> list[dict[str, Any]]:
    return [call(f"{prefix}{i + 1}", first + i * step, callee=callee, **kw) for i in range(n)]


def test_over_cap_per_24h_and_per_5min(tiny_db: MakeDb) -> None:
    """5 calls a day to one customer are fine, the 6th is one breach, a 7th another; 3 in 5 minutes are fine, the 4th is one."""
    minute = timedelta(minutes=1)
    rows = [
        *hourly("a", "ca", at(9), 5, campaign="D5"),
        *hourly("b", "cb", at(9), 6, campaign="D6"),
        *hourly("c", "cc", at(9), 7, campaign="D7"),
        *hourly("m", "cm", at(15), 3, step=minute, campaign="M3"),
        *hourly("n", "cn", at(15), 4, step=minute, campaign="M4"),
        # the 4th call exactly 5 minutes after the first: the window (t − 5 min, t] holds only 3
        *hourly("e", "ce", at(15), 3, step=minute, campaign="M4X"),
        call("e4", at(15, 5), callee="ce", campaign="M4X"),
    ]
    engine = tiny_db(tables(rows))
    got = cells(engine)
    check_cell(got[("D5", "2025-09-03")], "over_cap", 0, 0.0, 0.0, "low")
    check_cell(got[("D6", "2025-09-03")], "over_cap", 1, 1.0, 35.0, "medium")
    # two extra calls: 100 × (1 − 0.65²) = 57.75
    check_cell(got[("D7", "2025-09-03")], "over_cap", 2, 1.0, 57.75, "medium")
    check_cell(got[("M3", "2025-09-03")], "over_cap", 0, 0.0, 0.0, "low")
    check_cell(got[("M4", "2025-09-03")], "over_cap", 1, 1.0, 35.0, "medium")
    check_cell(got[("M4X", "2025-09-03")], "over_cap", 0, 0.0, 0.0, "low")
    for key in got:
        check_other_rules_silent(got[key], "over_cap")


def test_over_cap_counts_across_caller_numbers(tiny_db: MakeDb) -> None:
    """Six calls in a day to one customer from two numbers, three each: the cap is per customer, so the 6th (from N-B) breaches."""
    rows = [
        call(f"x{i + 1}", at(9 + i), callee="cx", number=("N-A" if i % 2 == 0 else "N-B")) for i in range(6)
    ]
    engine = tiny_db(tables(rows))
    by_number = cells(engine, entity="caller_number")
    check_cell(by_number[("N-A", "2025-09-03")], "over_cap", 0, 0.0, 0.0, "low")
    check_cell(by_number[("N-B", "2025-09-03")], "over_cap", 1, 1.0, 35.0, "medium")
    check_cell(cells(engine)[("C1", "2025-09-03")], "over_cap", 1, 1.0, 35.0, "medium")


def test_over_cap_across_midnight_and_exactly_24h(tiny_db: MakeDb) -> None:
    """The 24-hour window is rolling, (t − 24 h, t]: it reaches back across midnight and past the period's start, and a call exactly 24 h earlier is outside it."""
    nxt = DAY + timedelta(days=1)
    rows = [
        # five calls in the evening, the sixth the next morning: 6 within 15 h
        *[
            call(f"f{i + 1}", t, callee="cf", campaign="MID")
            for i, t in enumerate([at(18), at(19), at(20), at(20, 30), at(20, 45)])
        ],
        call("f6", at(8, 30, d=nxt), callee="cf", campaign="MID"),
        # 09:00–13:00, then 09:00 the next day: the first is exactly 24 h back, so only 5 are inside
        *hourly("g", "cg", at(9), 5, campaign="EXACT"),
        call("g6", at(9, d=nxt), callee="cg", campaign="EXACT"),
        # the same with the sixth one second earlier: 6 inside
        *hourly("h", "ch", at(9), 5, campaign="INSIDE"),
        call("h6", at(8, 59, 59, d=nxt), callee="ch", campaign="INSIDE"),
    ]
    engine = tiny_db(tables(rows))
    both = cells(engine, start=DAY, end=nxt)
    next_day = cells(engine, start=nxt, end=nxt)  # the evening before lies outside the period
    for got in (both, next_day):
        check_cell(got[("MID", "2025-09-04")], "over_cap", 1, 1.0, 35.0, "medium")
        check_cell(got[("EXACT", "2025-09-04")], "over_cap", 0, 0.0, 0.0, "low")
        check_cell(got[("INSIDE", "2025-09-04")], "over_cap", 1, 1.0, 35.0, "medium")
    for camp in ("MID", "EXACT", "INSIDE"):
        assert both[(camp, "2025-09-03")]["n_over_cap"] == 0


def test_recall_after_abandon_within_72h(tiny_db: MakeDb) -> None:
    """A call 71 h after an abandoned call to the same customer is a re-call (35, medium); 73 h after is not."""
    t0 = datetime(2025, 9, 1, 10, 0)
    rows = [
        call("r1-drop", t0, campaign="R71", callee="r1", disposition="abandoned"),
        call("r1-again", t0 + timedelta(hours=71), campaign="R71", callee="r1"),
        call("r2-drop", t0, campaign="R73", callee="r2", disposition="abandoned"),
        call("r2-again", t0 + timedelta(hours=73), campaign="R73", callee="r2"),
    ]
    engine = tiny_db(tables(rows))
    got = cells(engine, start=date(2025, 9, 1), end=date(2025, 9, 7), grain="week")
    check_cell(got[("R71", "2025-09-01")], "recall_after_abandon", 1, 1.0, 35.0, "medium")
    check_cell(got[("R73", "2025-09-01")], "recall_after_abandon", 0, 0.0, 0.0, "low")
    for key in got:
        # one abandoned call among two answered + abandoned is under min_base: abandon is not judged
        check_other_rules_silent(got[key], "recall_after_abandon")
    by_day = cells(engine, start=date(2025, 9, 4), end=date(2025, 9, 4))
    assert by_day[("R71", "2025-09-04")]["n_recall_after_abandon"] == 1


def drops(
    camp: str, abandoned: int, answered: int, d: date = DAY, no_answer: int = 0
) -> list[dict[str, Any]]:
    """``abandoned`` dialer drops, ``answered`` connected and ``no_answer`` unanswered calls, each to its own customer."""
    kinds = ["abandoned"] * abandoned + ["answered"] * answered + ["no_answer"] * no_answer
    t0 = datetime(d.year, d.month, d.day, 9, 0)
    return [
        call(
            f"{camp}-{d:%m%d}-{i}",
            t0 + timedelta(seconds=15 * i),
            campaign=camp,
            disposition=k,
            agent=None if k == "abandoned" else "A1",
        )
        for i, k in enumerate(kinds)
    ]


def test_abandon_rate_per_campaign_day(tiny_db: MakeDb) -> None:
    """Abandoned ÷ (answered + abandoned) per day, 0 at 0 %, 1 at 3 %: 2.9 % → 0.967 (77.33, high), 3 % → 1 (80), 3.1 % → 1 and one day over."""
    rows = [
        *drops("A29", 29, 971),
        *drops("A30", 30, 970),
        *drops("A31", 31, 969),
        *drops("A15", 15, 985),
        *drops("A15", 0, 1000, d=DAY + timedelta(days=1)),  # a clean day in the same week
    ]
    engine = tiny_db(tables(rows))
    got = cells(engine)
    check_cell(got[("A29", "2025-09-03")], "abandon", 0, 0.029 / 0.03, 80 * 0.029 / 0.03, "high")
    check_cell(got[("A30", "2025-09-03")], "abandon", 0, 1.0, 80.0, "critical")
    check_cell(got[("A31", "2025-09-03")], "abandon", 1, 1.0, 80.0, "critical")
    # linear in between: 1.5 % is half way
    check_cell(got[("A15", "2025-09-03")], "abandon", 0, 0.5, 40.0, "medium")
    # a week keeps the worst day (1.5 %), not the week's rate (0.75 % → 0.25)
    week = cells(engine, grain="week")
    check_cell(week[("A15", "2025-09-01")], "abandon", 0, 0.5, 40.0, "medium")
    for key in got:
        check_other_rules_silent(got[key], "abandon")


def test_abandon_days_under_min_base_are_not_judged(tiny_db: MakeDb) -> None:
    """29 answered + abandoned is under min_base 30: not judged even at 17 %; 30 is judged (1/30 = 3.3 % → 1); unanswered calls are not in the base."""
    rows = [
        *drops("S29", 5, 24),
        *drops("S30", 1, 29),
        *drops("NB", 1, 20, no_answer=100),  # 121 calls, but the base is 21
    ]
    engine = tiny_db(tables(rows))
    got = cells(engine)
    check_cell(got[("S29", "2025-09-03")], "abandon", 0, 0.0, 0.0, "low")
    check_cell(got[("S30", "2025-09-03")], "abandon", 1, 1.0, 80.0, "critical")
    check_cell(got[("NB", "2025-09-03")], "abandon", 0, 0.0, 0.0, "low")


def recorded_calls(
    camp: str, recorded: int, unrecorded: int, extra_unanswered: int = 0
) -> list[dict[str, Any]]:
    rows = [call(f"{camp}-r{i}", at(10, 0, i), campaign=camp) for i in range(recorded)]
    rows += [call(f"{camp}-u{i}", at(11, 0, i), campaign=camp, recorded=False) for i in range(unrecorded)]
    rows += [
        call(f"{camp}-n{i}", at(12, 0, i), campaign=camp, recorded=False, disposition="no_answer")
        for i in range(extra_unanswered)
    ]
    return rows


def test_recording_coverage_of_marketing_calls(tiny_db: MakeDb) -> None:
    """Coverage 1.0 → 0 (unanswered calls need no recording); 39/40 = 0.975 → 0.5 (25); 38/40 = 0.95 → 1 (50); a service campaign is not judged."""
    rows = [
        *recorded_calls("R100", 40, 0, extra_unanswered=10),
        *recorded_calls("R975", 39, 1),
        *recorded_calls("R95", 38, 2),
        *recorded_calls("R90", 36, 4),
        *recorded_calls("SV", 0, 40),
    ]
    camps = [campaign(c) for c in ("R100", "R975", "R95", "R90")] + [campaign("SV", purpose="service")]
    engine = tiny_db(tables(rows, campaigns=camps))
    got = cells(engine)
    check_cell(got[("R100", "2025-09-03")], "recording", 0, 0.0, 0.0, "low")
    check_cell(got[("R975", "2025-09-03")], "recording", 1, 0.5, 25.0, "low")
    check_cell(got[("R95", "2025-09-03")], "recording", 2, 1.0, 50.0, "medium")
    check_cell(got[("R90", "2025-09-03")], "recording", 4, 1.0, 50.0, "medium")
    check_cell(got[("SV", "2025-09-03")], "recording", 0, 0.0, 0.0, "low")
    for key in got:
        check_other_rules_silent(got[key], "recording")


def test_recording_purposes_come_from_the_rules(tiny_db: MakeDb, tmp_path: Path) -> None:
    """With recording.purposes = [marketing, service], the unrecorded service campaign is judged: coverage 0 → 1 (50)."""
    override = tmp_path / "rules.toml"
    override.write_text('[recording]\npurposes = ["marketing", "service"]\n', encoding="utf-8")
    engine = tiny_db(tables(recorded_calls("SV", 0, 40), campaigns=[campaign("SV", purpose="service")]))
    got = cells(engine, rules=load_rules(override))
    check_cell(got[("SV", "2025-09-03")], "recording", 40, 1.0, 50.0, "medium")


def number_day(
    num: str, total: int, answered: int, short: int = 0, short_talk: int = 5
) -> list[dict[str, Any]]:
    """``total`` calls from ``num`` in a day: ``answered`` connected (``short`` of them under 6 s), the rest unanswered."""
    rows = []
    for i in range(total):
        if i < answered:
            talk = short_talk if i < short else 60
            rows.append(call(f"{num}-{i}", at(9) + timedelta(seconds=30 * i), number=num, talk=talk))
        else:
            rows.append(
                call(f"{num}-{i}", at(9) + timedelta(seconds=30 * i), number=num, disposition="no_answer")
            )
    return rows


MARKING_CASES = [
    # number, calls, answered, short (< 6 s), at marking risk?
    ("V200", 200, 60, 0, False),  # 200 a day is the limit, not over it
    ("V201", 201, 61, 0, True),  # volume above 200
    ("AR20", 100, 20, 0, False),  # answer rate exactly 20 %
    ("AR19", 100, 19, 0, True),  # answer rate 19 %
    ("AR49", 49, 0, 0, False),  # 0 % but under min_calls 50: not judged
    ("AR50", 50, 9, 0, True),  # 18 % with exactly min_calls
    ("SH50", 100, 40, 20, True),  # half the connected calls under 6 s
    ("SH47", 100, 40, 19, False),  # 47.5 %
    ("SH19", 90, 19, 19, False),  # all short, but only 19 connected (< min_connected 20); answer rate 21 %
    ("SH20", 95, 20, 10, True),  # 50 % of exactly min_connected; answer rate 21 %
]


def test_marking_risk_per_number_day(tiny_db: MakeDb) -> None:
    """Per caller number and day: > 200 calls, answer rate < 20 % (≥ 50 calls) or ≥ 50 % under 6 s (≥ 20 connected) is one marked day (60, high)."""
    rows = [r for num, total, ans, short, _ in MARKING_CASES for r in number_day(num, total, ans, short)]
    engine = tiny_db(tables(rows))
    got = cells(engine, entity="caller_number")
    for num, _, _, _, marked in MARKING_CASES:
        row = got[(num, "2025-09-03")]
        if marked:
            check_cell(row, "marking", 1, 1.0, 60.0, "high")
        else:
            check_cell(row, "marking", 0, 0.0, 0.0, "low")
        check_other_rules_silent(row, "marking")


def test_a_six_second_call_is_not_short(tiny_db: MakeDb) -> None:
    """Short means talk_seconds < 6: 20 of 40 connected calls at exactly 6 s do not mark the number."""
    engine = tiny_db(tables(number_day("SH6", 100, 40, 20, short_talk=6)))
    check_cell(cells(engine, entity="caller_number")[("SH6", "2025-09-03")], "marking", 0, 0.0, 0.0, "low")


def test_marked_days_add_up_in_a_week(tiny_db: MakeDb) -> None:
    """Two marked days in a week count 2: 100 × (1 − 0.4²) = 84, critical."""
    rows = number_day("V201", 201, 61)
    rows += [
        {**r, "call_id": r["call_id"] + "-b", "started_at": r["started_at"] + timedelta(days=1)} for r in rows
    ]
    engine = tiny_db(tables(rows))
    got = cells(engine, entity="caller_number", grain="week")
    check_cell(got[("V201", "2025-09-01")], "marking", 2, 1.0, 84.0, "critical")


def complaint(cid_: str, channel: str, num: str, call_id: str | None, replied: bool = True) -> dict[str, Any]:
    return {
        "complaint_id": cid_,
        "received_at": at(15),
        "channel": channel,
        "caller_number": num,
        "callee_id": None,
        "call_id": call_id,
        "category": "骚扰电话",
        "substantiated": True,
        "replied_at": at(18) if replied else None,
    }


def test_regulator_complaints_count_12321_and_miit_only(tiny_db: MakeDb) -> None:
    """A 12321 or MIIT complaint is one breach (90, critical); a carrier or client complaint is not."""
    rows = [call(f"k-{n}", at(10), number=n, campaign=f"K{n[-1]}") for n in ("P-1", "P-2", "P-3")]
    comps = [
        complaint("q1", "12321", "P-1", "k-P-1"),
        complaint("q1b", "client", "P-1", "k-P-1"),
        complaint("q2", "miit", "P-2", "k-P-2"),
        complaint("q3", "carrier", "P-3", "k-P-3"),
    ]
    engine = tiny_db(tables(rows, complaints=comps))
    by_number = cells(engine, entity="caller_number")
    check_cell(by_number[("P-1", "2025-09-03")], "regulator_complaints", 1, 1.0, 90.0, "critical")
    check_cell(by_number[("P-2", "2025-09-03")], "regulator_complaints", 1, 1.0, 90.0, "critical")
    check_cell(by_number[("P-3", "2025-09-03")], "regulator_complaints", 0, 0.0, 0.0, "low")
    # by campaign, through the call the complaint names
    by_campaign = cells(engine)
    assert [by_campaign[(f"K{i}", "2025-09-03")]["n_regulator_complaints"] for i in (1, 2, 3)] == [1, 1, 0]
    for key in by_number:
        check_other_rules_silent(by_number[key], "regulator_complaints")


def test_complaint_reply_rate(tiny_db: MakeDb) -> None:
    """Reply rate 1.0 → 0; 9/10 = 0.9 → 0.5 (15, low); 4/5 = 0.8 → 1 (30, medium)."""
    rows = [call(f"k-{n}", at(10), number=n) for n in ("Q-1", "Q-2", "Q-3")]
    comps = [complaint(f"a{i}", "client", "Q-1", None) for i in range(10)]
    comps += [complaint(f"b{i}", "client", "Q-2", None, replied=i < 9) for i in range(10)]
    comps += [complaint(f"c{i}", "internal", "Q-3", None, replied=i < 4) for i in range(5)]
    engine = tiny_db(tables(rows, complaints=comps))
    got = cells(engine, entity="caller_number")
    check_cell(got[("Q-1", "2025-09-03")], "complaint_reply", 0, 0.0, 0.0, "low")
    check_cell(got[("Q-2", "2025-09-03")], "complaint_reply", 1, 0.5, 15.0, "low")
    check_cell(got[("Q-3", "2025-09-03")], "complaint_reply", 1, 1.0, 30.0, "medium")
    for key in got:
        check_other_rules_silent(got[key], "complaint_reply")


# --------------------------------------------------------------------------------------------
# 2. Combining severities into a score; bands
# --------------------------------------------------------------------------------------------


def test_one_critical_breach_alone_is_critical() -> None:
    """One DNC call: 100 × 0.85 = 85 → critical."""
    score = risk.combine([(0.85, 1.0, 1)])
    assert score == 85.0
    assert risk.band(score) == "critical"


def test_moderate_breaches_add_up() -> None:
    """Three rules at severity 0.5, weight 0.3: 100 × (1 − 0.85³) = 38.5875 → medium (not the max, 15, nor the sum, 45)."""
    score = risk.combine([(0.3, 0.5, 1)] * 3)
    assert score == pytest.approx(38.5875, abs=1e-9)
    assert round(score, 2) == 38.59
    assert risk.band(score) == "medium"
    assert risk.band(risk.combine([(0.3, 0.5, 1)])) == "low"


def test_zero_tolerance_count_multiplies() -> None:
    """A count rule breached twice: 100 × (1 − (1 − w)²); w = 0.35 → 57.75, w = 0.6 → 84."""
    assert risk.combine([(0.35, 1.0, 2)]) == pytest.approx(57.75, abs=1e-9)
    assert risk.combine([(0.6, 1.0, 2)]) == pytest.approx(84.0, abs=1e-9)
    assert risk.combine([(0.6, 1.0, 0)]) == 0.0
    assert risk.combine([]) == 0.0


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "low"),
        (29.99, "low"),
        (30.0, "medium"),
        (59.99, "medium"),
        (60.0, "high"),
        (79.99, "high"),
        (80.0, "critical"),
        (100.0, "critical"),
    ],
)
def test_bands(score: float, expected: str) -> None:
    """Bands: under 30 low, 30–60 medium, 60–80 high, 80 and over critical."""
    assert risk.band(score) == expected


def test_severity_is_linear_between_warning_and_critical() -> None:
    """rate_high abandon: 0 % → 0, 1.5 % → 0.5, 3 % → 1, 6 % → 1; rate_low recording: 1.0 → 0, 0.975 → 0.5, 0.95 → 1, 0.5 → 1."""
    rules = {r.id: r for r in risk.risk_rules()}
    ab, rec = rules["abandon"], rules["recording"]
    assert [risk.severity(ab, v) for v in (0.0, 0.015, 0.03, 0.06)] == pytest.approx([0.0, 0.5, 1.0, 1.0])
    assert [risk.severity(rec, v) for v in (1.0, 0.975, 0.95, 0.5)] == pytest.approx([0.0, 0.5, 1.0, 1.0])
    assert risk.severity(ab, None) == 0.0


# --------------------------------------------------------------------------------------------
# 3. top_rules, period labels and ranks
# --------------------------------------------------------------------------------------------


def test_top_rules_are_ordered_by_contribution(tiny_db: MakeDb) -> None:
    """3 outside-hours calls (3 × −ln 0.4 = 2.75) > 1 blocked (−ln 0.1 = 2.30) > 1 DNC (−ln 0.15 = 1.90) > 1 over-cap (0.43): top three in that order; score 100 × (1 − 0.4³·0.1·0.15·0.65) = 99.9376."""
    rows = [
        *[call(f"late{i}", at(21, 30, i), callee=f"late{i}") for i in range(3)],
        call("xj", at(10), province="新疆"),
        call("dnc", at(10, 30), callee="refused"),
        *hourly("cap", "busy", at(9), 6),
    ]
    engine = tiny_db(tables(rows, licences=[licence("全国")], dnc=[dnc_row("refused", at(8))]))
    row = cells(engine)[("C1", "2025-09-03")]
    assert row["top_rules"] == ["outside_hours", "blocked_region", "dnc"]
    assert row["top_rules"] != ["blocked_region", "dnc", "outside_hours"]  # not by weight alone
    counts = {r: row[f"n_{r}"] for r in ("outside_hours", "blocked_region", "dnc", "over_cap")}
    assert counts == {"outside_hours": 3, "blocked_region": 1, "dnc": 1, "over_cap": 1}
    assert row["score"] == pytest.approx(100 * (1 - 0.4**3 * 0.1 * 0.15 * 0.65), abs=1e-6)
    assert row["score"] == pytest.approx(99.9376, abs=1e-6)
    assert row["band"] == "critical"


def period_fixture() -> Rows:
    rows = [
        call("k1-wed", at(10), campaign="K1", callee="refused"),  # DNC: 85
        call("k2-wed", at(10), campaign="K2"),
        call("k2-sun", at(21, 30, d=date(2025, 9, 7)), campaign="K2"),  # Sunday, outside hours: 60
        call("k1-mon", at(10, d=date(2025, 9, 8)), campaign="K1"),
        call("k2-mon", at(10, d=date(2025, 9, 8)), campaign="K2", province="新疆"),  # blocked: 90
        call("k1-oct", at(10, d=date(2025, 10, 1)), campaign="K1"),
        call("k2-oct", at(10, d=date(2025, 10, 2)), campaign="K2"),
    ]
    return tables(rows, licences=[licence("全国")], dnc=[dnc_row("refused", datetime(2025, 1, 1))])


def test_week_periods_are_labelled_by_their_monday(tiny_db: MakeDb) -> None:
    """Weeks: '2025-09-01' (Mon–Sun 1–7 Sep: K1 85 rank 1, K2 60 rank 2) and '2025-09-08' (K2 90 rank 1, K1 0 rank 2); Wednesday and Sunday fall in the same week."""
    engine = tiny_db(period_fixture())
    frame = risk.compute_risk(engine, date(2025, 9, 3), date(2025, 9, 8), entity="campaign", grain="week")
    got = [
        (r["period"], r["entity"], round(r["score"], 6), r["rank"], r["period_start"], r["period_end"])
        for r in frame.iter_rows(named=True)
    ]
    assert got == [
        ("2025-09-01", "K1", 85.0, 1, date(2025, 9, 1), date(2025, 9, 7)),
        ("2025-09-01", "K2", 60.0, 2, date(2025, 9, 1), date(2025, 9, 7)),
        ("2025-09-08", "K2", 90.0, 1, date(2025, 9, 8), date(2025, 9, 14)),
        ("2025-09-08", "K1", 0.0, 2, date(2025, 9, 8), date(2025, 9, 14)),
    ]
    assert "2025-09-03" not in frame["period"].to_list()  # not the first day asked for


def test_month_periods_are_labelled_yyyy_mm(tiny_db: MakeDb) -> None:
    """Months: '2025-09' (K2 outside hours + blocked = 100 × (1 − 0.4·0.1) = 96 rank 1, K1 85 rank 2) and '2025-10' (a 0–0 tie ranked by name)."""
    engine = tiny_db(period_fixture())
    frame = risk.compute_risk(engine, date(2025, 9, 1), date(2025, 10, 31), entity="campaign", grain="month")
    got = [
        (r["period"], r["entity"], round(r["score"], 6), r["rank"], r["period_start"], r["period_end"])
        for r in frame.iter_rows(named=True)
    ]
    assert got == [
        ("2025-09", "K2", 96.0, 1, date(2025, 9, 1), date(2025, 9, 30)),
        ("2025-09", "K1", 85.0, 2, date(2025, 9, 1), date(2025, 9, 30)),
        ("2025-10", "K1", 0.0, 1, date(2025, 10, 1), date(2025, 10, 31)),
        ("2025-10", "K2", 0.0, 2, date(2025, 10, 1), date(2025, 10, 31)),
    ]
    assert frame.filter(pl.col("period") == "2025-09")["top_rules"].to_list() == [
        ["blocked_region", "outside_hours"],
        ["dnc"],
    ]


def test_day_periods_are_the_iso_date(tiny_db: MakeDb) -> None:
    """Days: the period is the ISO date and starts and ends on that day; a day without calls has no cell."""
    engine = tiny_db(period_fixture())
    frame = risk.compute_risk(engine, date(2025, 9, 3), date(2025, 9, 4), entity="campaign", grain="day")
    assert [(r["period"], r["entity"], r["rank"]) for r in frame.iter_rows(named=True)] == [
        ("2025-09-03", "K1", 1),
        ("2025-09-03", "K2", 2),
    ]
    assert set(frame["period_start"].to_list()) == {date(2025, 9, 3)} == set(frame["period_end"].to_list())


def test_unknown_entity_or_grain_is_refused(tiny_db: MakeDb) -> None:
    """compute_risk names the choices for a wrong entity or grain."""
    engine = tiny_db(period_fixture())
    with pytest.raises(ValueError, match="caller_number"):
        risk.compute_risk(engine, DAY, DAY, entity="province")
    with pytest.raises(ValueError, match="week"):
        risk.compute_risk(engine, DAY, DAY, entity="campaign", grain="year")


# --------------------------------------------------------------------------------------------
# 4. The calls behind a cell
# --------------------------------------------------------------------------------------------

MASKED = re.compile(r"^[0-9a-f]{4}…[0-9a-f]{4}$")


def behind_fixture() -> Rows:
    minute = timedelta(minutes=1)
    rows = [
        call("d-after", at(10, 0, 1), campaign="B1", callee="x"),
        call("d-before", at(11, 59, 59), campaign="B1", callee="y"),
        call("plain", at(12), campaign="B1"),
        call("late-0730", at(7, 30), campaign="B1"),
        call("late-2115", at(21, 15), campaign="B1"),
        *hourly("v", "cv", at(9, 10), 6, campaign="B1"),  # v6 is the 6th in 24 h
        *hourly("w", "cw", at(16), 4, step=minute, campaign="B1"),  # w4 is the 4th in 5 min
        # another campaign with breaches of its own: never listed for B1
        call("other-dnc", at(13), campaign="B2", callee="x"),
        call("other-late", at(22), campaign="B2"),
    ]
    return tables(rows, dnc=[dnc_row("x", at(10)), dnc_row("y", at(12))])


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("dnc", ["d-after"]),
        ("outside_hours", ["late-2115", "late-0730"]),  # newest first
        ("over_cap", ["w4", "v6"]),
    ],
)
def test_calls_behind_a_cell_are_exactly_the_breaches(
    tiny_db: MakeDb, rule: str, expected: list[str]
) -> None:
    """select_rule_calls + read_rule_calls list exactly the breaching calls of B1, newest first, as many as the cell counts."""
    engine = tiny_db(behind_fixture())
    query = risk.select_rule_calls(engine, rule, entity="campaign", value="B1", start=DAY, end=DAY)
    frame = risk.read_rule_calls(engine, query)
    assert frame["call_id"].to_list() == expected
    assert cells(engine)[("B1", "2025-09-03")][f"n_{rule}"] == len(expected)


def test_calls_behind_a_cell_mask_the_customer(tiny_db: MakeDb) -> None:
    """The listed callee ids are masked (first four … last four), never the raw 32-hex id."""
    engine = tiny_db(behind_fixture())
    raw = {cid(n) for n in ("x", "cv", "cw", "late-0730", "late-2115")}
    for rule in ("dnc", "outside_hours", "over_cap"):
        query = risk.select_rule_calls(engine, rule, entity="campaign", value="B1", start=DAY, end=DAY)
        shown = risk.read_rule_calls(engine, query)["callee_id"].to_list()
        assert shown and all(MASKED.match(v) for v in shown), shown
        assert not raw & set(shown)
    assert risk.read_rule_calls(
        engine, risk.select_rule_calls(engine, "dnc", entity="campaign", value="B1", start=DAY, end=DAY)
    )["callee_id"].to_list() == [cid("x")[:4] + "…" + cid("x")[-4:]]


def test_calls_behind_a_cell_are_paged(tiny_db: MakeDb) -> None:
    """Page size 1: page 0 is the newest breach, page 1 the next, page 2 is empty."""
    engine = tiny_db(behind_fixture())

    def page(n: int) -> list[str]:
        q = risk.select_rule_calls(
            engine, "outside_hours", entity="campaign", value="B1", start=DAY, end=DAY, page=n, page_size=1
        )
        return risk.read_rule_calls(engine, q)["call_id"].to_list()

    assert (page(0), page(1), page(2)) == (["late-2115"], ["late-0730"], [])


# --------------------------------------------------------------------------------------------
# 6. The demo: the planted number, campaign and team rank first in their weeks
# --------------------------------------------------------------------------------------------

RISK_NUMBER, ROGUE_CAMPAIGN, ROGUE_TEAM = "0551-XXXX0003", "C08", "外包营销组"
PLANTED_WEEKS = {"2025-09-01", "2025-09-08", "2025-09-15", "2026-10-05", "2026-10-12"}


def marked_weeks(engine: sa.Engine) -> set[str]:
    """Mondays of the weeks in which the planted number had a day with > 200 calls and an answer rate < 20 % (SQL over the calls)."""
    with engine.connect() as conn:
        days = conn.execute(
            sa.text(
                """
                SELECT CAST(started_at AS DATE) AS d
                FROM calls
                WHERE direction = 'out' AND caller_number = :num
                GROUP BY 1
                HAVING COUNT(*) > 200
                   AND SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END) < 0.2 * COUNT(*)
                """
            ),
            {"num": RISK_NUMBER},
        ).fetchall()
    return {(d - timedelta(days=d.weekday())).isoformat() for (d,) in days}


def test_demo_planted_weeks_from_the_data(demo_company: Any) -> None:
    """The weeks where 0551-XXXX0003 dialled > 200 a day at < 20 % answered are the five planted weeks."""
    assert marked_weeks(demo_company.engine) == PLANTED_WEEKS


@pytest.mark.parametrize(
    ("entity", "planted"),
    [("caller_number", RISK_NUMBER), ("campaign", ROGUE_CAMPAIGN), ("team", ROGUE_TEAM)],
)
def test_demo_ranks_the_planted_entity_first_in_its_weeks(
    demo_company: Any, entity: str, planted: str
) -> None:
    """In every planted week the planted number / campaign / team is rank 1 (critical); in the weeks around the episodes it is not a high-risk rank 1."""
    engine = demo_company.engine
    weeks = marked_weeks(engine)
    frame = pl.concat(
        [
            risk.compute_risk(engine, date(2025, 8, 25), date(2025, 9, 28), entity=entity, grain="week"),
            risk.compute_risk(engine, date(2026, 9, 28), date(2026, 10, 25), entity=entity, grain="week"),
        ]
    )
    firsts = {r["period"]: r for r in frame.filter(pl.col("rank") == 1).iter_rows(named=True)}
    for week in sorted(weeks):
        top = firsts[week]
        assert top["entity"] == planted, (week, top["entity"], top["score"])
        assert top["band"] == "critical"
        assert top["n_dnc"] > 0 and top["n_outside_hours"] > 0
    # the week before the first episode and the week after it: someone else, or the planted entity far lower
    for week in ("2025-08-25", "2025-09-22", "2026-09-28"):
        top = firsts[week]
        assert top["entity"] != planted or top["score"] < 60, (week, top["entity"], top["score"])
    if entity == "caller_number":
        marked = frame.filter((pl.col("entity") == planted) & pl.col("period").is_in(sorted(weeks)))
        assert (marked["n_marking"] > 0).all()


def test_demo_scores_are_between_0_and_100_with_matching_bands(demo_company: Any) -> None:
    """On the demo's planted month every cell's score is in 0..100 and its band is the band of its score."""
    frame = risk.compute_risk(
        demo_company.engine, date(2025, 9, 1), date(2025, 9, 30), entity="agent", grain="month"
    )
    assert frame.height > 10
    assert frame["score"].min() >= 0 and frame["score"].max() <= 100
    assert all(r["band"] == risk.band(r["score"]) for r in frame.iter_rows(named=True))
    assert math.isclose(frame.filter(pl.col("rank") == 1)["score"][0], frame["score"].max())


# --------------------------------------------------------------------------------------------
# 10. CLI: python -m core risk
# --------------------------------------------------------------------------------------------


def test_cli_risk_json_on_the_demo(demo_company: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """``risk --by caller_number --grain week --format json`` for the first planted week: objects with entity, period, score 0–100, band and top_rules; 0551-XXXX0003 first."""
    errors: list[str] = []
    code = cli.main(
        [
            "risk",
            "--db",
            demo_company.url,
            "--from",
            "2025-09-01",
            "--to",
            "2025-09-07",
            "--by",
            "caller_number",
            "--grain",
            "week",
            "--format",
            "json",
        ],
        stderr=errors.append,
    )
    assert code == 0 and errors == []
    out = json.loads(capsys.readouterr().out)
    assert len(out) > 5
    rule_ids = {r.id for r in risk.risk_rules()}
    for obj in out:
        assert {"entity", "period", "score", "band", "top_rules"} <= set(obj)
        assert obj["period"] == "2025-09-01"
        assert 0 <= obj["score"] <= 100
        assert obj["band"] in ("low", "medium", "high", "critical")
        assert obj["band"] == risk.band(obj["score"])
        assert isinstance(obj["top_rules"], list) and set(obj["top_rules"]) <= rule_ids
    assert out[0]["entity"] == RISK_NUMBER and out[0]["band"] == "critical" and out[0]["score"] == 100.0
    assert [o["rank"] for o in out] == list(range(1, len(out) + 1))


def test_cli_risk_rejects_an_unknown_entity(demo_company: Any) -> None:
    """``risk --by province`` exits 2 with one line naming the valid entities."""
    errors: list[str] = []
    code = cli.main(["risk", "--db", demo_company.url, "--by", "province"], stderr=errors.append)
    assert code == 2
    assert len(errors) == 1 and "callee_province" in errors[0]


def test_every_entity_at_once_with_an_empty_roster(tiny_db: MakeDb) -> None:
    """Regression: compute_risk_all looks the team up from the roster; an empty agents table read
    from SQLite has untyped columns, and the join failed (polars SchemaError) instead of giving
    the calls no team. One call at 21:00: one outside-hours breach, under no team."""
    engine = tiny_db(tables([call("late", at(21))]))
    got = risk.compute_risk_all(engine, DAY, DAY, grain="day")
    assert got["campaign"].select("entity", "n_outside_hours").rows() == [("C1", 1)]
    assert got["team"].select("entity", "n_outside_hours").rows() == [(None, 1)]
    assert got["agent"].select("entity", "n_outside_hours").rows() == [("A1", 1)]
