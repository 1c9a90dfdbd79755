"""The regulatory page data (core/pagedata/regulatory.py): each part computed once, equal to the
separate functions, and built without writing to the database.

Counting calls wraps the real functions (they still run): the difference list and the fields must
each be computed once per build, where a cold load of the page used to compute them four and two
times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.infra import db
from core.pagedata.regulatory import RegulatoryData, build_regulatory_data
from core.reporting import credit, regulatory

Y = 2025
TODAY = date(2026, 3, 20)  # between 10 March (step 5) and 31 March (step 6): amber month
MakeDb = Callable[[dict[str, list[dict[str, Any]]]], sa.Engine]


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> dict[str, int]:
    """Replace ``module.name`` by a wrapper that counts its calls and runs the real function."""
    real = getattr(module, name)
    seen = {"n": 0}

    def counted(*args: Any, **kwargs: Any) -> Any:
        seen["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return seen


def test_build_computes_changes_fields_and_checklist_once(
    demo_company: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One build on the demo runs compute_changes once, compute_fields once (two years of data: Y and Y − 1), checklist once."""
    changes = count_calls(monkeypatch, regulatory, "compute_changes")
    fields = count_calls(monkeypatch, regulatory, "compute_fields")
    years = count_calls(monkeypatch, regulatory, "_year_data")
    steps = count_calls(monkeypatch, regulatory, "checklist")
    data = build_regulatory_data(demo_company.engine, Y, today=TODAY)
    assert (changes["n"], fields["n"], years["n"], steps["n"]) == (1, 1, 2, 1)
    assert data.credit is not None and len(data.fields) == 46 and data.changes


@pytest.fixture(scope="module")
def demo_data(demo_company: Any) -> RegulatoryData:
    return build_regulatory_data(demo_company.engine, Y, today=TODAY)


def test_page_data_equals_the_separate_functions(demo_company: Any, demo_data: RegulatoryData) -> None:
    """Fields (with their SQL), changes, checklist and the whole credit estimate equal what each function gives on its own."""
    engine = demo_company.engine
    assert demo_data.changes == regulatory.compute_changes(engine, Y)
    assert demo_data.fields == regulatory.compute_fields(engine, Y)
    assert demo_data.checklist.equals(regulatory.checklist(engine, Y, TODAY))
    alone = credit.estimate(engine, Y, today=TODAY)
    assert demo_data.credit == alone
    assert demo_data.credit is not None and demo_data.credit.score == alone.score
    # The demo's planted changes (test_regulatory): seats, outbound share, equity, key script.
    assert {c["topic"] for c in demo_data.changes} == {"seats", "outbound_share", "equity", "key_script"}


def test_page_data_calendar_parts(demo_data: RegulatoryData) -> None:
    """Hard dates of 2025's report; grey, since the demo (to 2026-10-31) has every step of 2025 done."""
    assert demo_data.hard_dates == {
        "deadline": date(2026, 3, 31),
        "grace_end": date(2026, 4, 30),
        "locked": date(2026, 5, 1),
    }
    assert demo_data.checklist["step"].to_list() == list(range(1, 9))
    assert demo_data.checklist["done_on"].null_count() == 0
    assert demo_data.deadline_colour == "grey"
    assert demo_data.has_calls
    assert demo_data.credit_grades == (("AA", 100.0), ("A", 80.0), ("B", 60.0), ("C", 0.0))


def _call(call_id: str, started: datetime) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "direction": "out",
        "started_at": started,
        "answered_at": started + timedelta(seconds=5),
        "ended_at": started + timedelta(seconds=65),
        "ring_seconds": 5,
        "talk_seconds": 60,
        "wrap_seconds": 10,
        "two_way_voice": True,
        "disposition": "answered",
        "callee_id": f"c{call_id}",
        "callee_province": "浙江",
        "recorded": True,
        "robot": False,
    }


def _all_counts(engine: sa.Engine) -> dict[str, int]:
    return {str(k): int(v) for k, v in db.row_counts(engine).items()}


def test_building_the_page_data_writes_nothing(tiny_db: MakeDb) -> None:
    """A year without stored steps reads as the eight default steps; every table's row count and the data version are unchanged; mark_step then stores the eight."""
    engine = tiny_db({"calls": [_call("a", datetime(2024, 5, 6, 10)), _call("b", datetime(2025, 5, 6, 10))]})
    before, version = _all_counts(engine), db.data_version(engine)
    assert before["checklist"] == 0

    data = build_regulatory_data(engine, Y, today=TODAY)

    assert _all_counts(engine) == before
    assert db.data_version(engine) == version
    steps = data.checklist
    assert steps["step"].to_list() == list(range(1, 9))
    assert steps["due_on"].to_list() == [regulatory.step_due(Y, s) for s in range(1, 9)]
    assert steps["done_on"].null_count() == 8 and steps["owner"].null_count() == 8
    # On 20 March 2026: steps 1–5 (15 Jan … 10 Mar) overdue, 6–8 (31 Mar, 15 Apr, 30 Apr) due.
    assert steps["status"].to_list() == ["overdue"] * 5 + ["due"] * 3
    assert data.deadline_colour == "amber"
    assert data.has_calls and data.credit is not None and len(data.fields) == 46

    # The explicit action stores the eight steps (the one touched, and the seven defaults).
    regulatory.mark_step(engine, Y, 6, done_on=date(2026, 3, 19), owner="行政部")
    assert _all_counts(engine)["checklist"] == 8
    again = build_regulatory_data(engine, Y, today=TODAY)
    assert _all_counts(engine)["checklist"] == 8
    step6 = again.checklist.row(5, named=True)
    assert (step6["done_on"], step6["owner"], step6["status"]) == (date(2026, 3, 19), "行政部", "done")
    assert again.deadline_colour == "grey"


def test_a_year_without_calls_has_only_the_calendar(tiny_db: MakeDb) -> None:
    """No calls in the year: the eight default steps, no fields, no changes, no credit estimate, nothing written."""
    engine = tiny_db({"calls": [_call("a", datetime(2025, 5, 6, 10))]})
    data = build_regulatory_data(engine, 2023, today=TODAY)
    assert (data.has_calls, data.fields, data.changes, data.credit) == (False, [], [], None)
    # 2023's report was due on 31 March 2024 and step 6 reads as open: red.
    assert data.checklist.height == 8 and data.deadline_colour == "red"
    assert _all_counts(engine)["checklist"] == 0


def test_reading_the_checklist_writes_nothing_on_every_engine(any_engine: sa.Engine) -> None:
    """On each engine: an empty year reads as eight open default steps and stores none; mark_step stores eight and its values read back."""
    steps = regulatory.checklist(any_engine, Y, TODAY)
    assert steps["due_on"].to_list() == [regulatory.step_due(Y, s) for s in range(1, 9)]
    assert steps["status"].to_list() == ["overdue"] * 5 + ["due"] * 3
    assert db.row_counts(any_engine)["checklist"] == 0
    regulatory.mark_step(any_engine, Y, 4, done_on=date(2026, 2, 27), signer="张明")
    assert db.row_counts(any_engine)["checklist"] == 8
    step4 = regulatory.checklist(any_engine, Y, TODAY).row(3, named=True)
    assert (step4["due_on"], step4["done_on"], step4["signer"], step4["status"]) == (
        date(2026, 2, 28),
        date(2026, 2, 27),
        "张明",
        "done",
    )
