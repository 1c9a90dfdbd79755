"""The annual report (DOMAIN.md §2, §3, §8): material changes, the 46-field catalogue, the eight-step
calendar and the ``changes`` / ``fields`` commands.

Material changes are tested on tiny two-year fixtures (report year Y = 2025 against 2024) at, just
below and just above each threshold of ``core/infra/rules.toml`` [material.*]; the catalogue and the commands
on the demo company (end 2026-10-31, Y = 2025), against figures recomputed independently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from core import cli
from core.infra.rules import load_rules
from core.reporting import regulatory
from core.reporting.regulatory import FORMS, compute_changes, load_fields
from core.semantic.metrics import METRICS, compute_metrics

Y = 2025
Rows = dict[str, list[dict[str, Any]]]
MakeDb = Callable[[Rows], sa.Engine]

SEATS_EVIDENCE = ["人员去向说明", "外包协议及补充条款", "场地变更说明"]
# Pinned regressions (found by these tests, fixed in core/reporting/regulatory.py): a change of exactly 30 %
# (70/100 − 1 = −0.30000000000000004), exactly +20 points (0.8 − 0.6 = 0.20000000000000007) and an
# exactly 1.0 pp stake move (16.4 − 15.4 = 0.9999999999999982) were judged on float noise.


def check_entry(entry: dict[str, Any], topic: str) -> None:
    """Every entry of the difference list carries topic, rule, previous, current and its evidence."""
    assert entry["topic"] == topic
    assert isinstance(entry["rule"], str) and entry["rule"]
    assert "previous" in entry and "current" in entry
    assert isinstance(entry["evidence"], list) and entry["evidence"]
    assert all(isinstance(e, str) and e for e in entry["evidence"])


def changes(engine: sa.Engine, **kw: Any) -> list[dict[str, Any]]:
    out = compute_changes(engine, Y, **kw)
    for entry in out:
        check_entry(entry, entry["topic"])
    return out


def simple_call(call_id: str, started: datetime, *, direction: str = "out", **kw: Any) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "direction": direction,
        "started_at": started,
        "answered_at": started + timedelta(seconds=5),
        "ended_at": started + timedelta(seconds=65),
        "ring_seconds": 5,
        "talk_seconds": 60,
        "wrap_seconds": 10,
        "two_way_voice": True,
        "disposition": "answered",
        "callee_id": hashlib.md5(call_id.encode()).hexdigest(),
        "callee_province": "浙江",
        "recorded": True,
        "robot": False,
        **kw,
    }


# --------------------------------------------------------------------------------------------
# 5. Material changes at, just below and just above each threshold
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared_y", "material"),
    [
        pytest.param(70, False, id="-30%"),
        pytest.param(69, True, id="-31%"),
        pytest.param(130, False, id="+30%"),
        pytest.param(131, True, id="+31%"),
        pytest.param(100, False, id="unchanged"),
    ],
)
def test_declared_seats(tiny_db: MakeDb, declared_y: int, material: bool) -> None:
    """Declared seats 100 → N: material only when the change is more than 30 % (69 and 131 are, 70 and 130 are not)."""
    engine = tiny_db(
        {
            "sites": [{"site_id": "S1", "name": "杭州", "province": "浙江", "opened_on": date(2020, 1, 1)}],
            "site_seats": [
                {"site_id": "S1", "effective_from": date(2020, 1, 1), "declared_seats": 100},
                {"site_id": "S1", "effective_from": date(2025, 1, 1), "declared_seats": declared_y},
            ],
        }
    )
    got = changes(engine)
    if not material:
        assert got == []
        return
    assert len(got) == 1
    (entry,) = got
    check_entry(entry, "seats")
    assert entry["detail"] == "declared_seats"
    assert (entry["previous"], entry["current"]) == (100, declared_y)
    assert entry["change"] == pytest.approx(declared_y / 100 - 1)
    assert entry["evidence"] == SEATS_EVIDENCE
    assert "申报坐席数" in entry["rule"]
    assert entry["rule_en"] == f"Declared seats changed {declared_y / 100 - 1:+.1%}, beyond ±30%"


def sessions(day: date, agents: int, start: int = 9, end: int = 17, first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "agent_id": f"P{i:02d}",
            "login_at": datetime(day.year, day.month, day.day, start),
            "logout_at": datetime(day.year, day.month, day.day, end),
            "break_seconds": 0,
        }
        for i in range(first, first + agents)
    ]


@pytest.mark.parametrize(
    ("in_use_y", "material"),
    [
        pytest.param(7, False, id="-30%"),
        pytest.param(6, True, id="-40%"),
        pytest.param(13, False, id="+30%"),
        pytest.param(14, True, id="+40%"),
    ],
)
def test_seats_in_use(tiny_db: MakeDb, in_use_y: int, material: bool) -> None:
    """Seats in use (peak agents logged in at once) 10 → N; four back-to-back sessions starting when the others end do not add to the peak."""
    rows = sessions(date(2024, 3, 4), 10) + sessions(date(2025, 3, 3), in_use_y)
    rows += sessions(date(2025, 3, 3), 4, start=17, end=18)  # P01..P04 again, from 17:00
    engine = tiny_db({"agent_sessions": rows})
    got = changes(engine)
    if not material:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "seats")
    assert entry["detail"] == "peak_concurrent_agents"
    assert (entry["previous"], entry["current"]) == (10, in_use_y)
    assert "在用坐席数" in entry["rule"]
    assert entry["evidence"] == SEATS_EVIDENCE


def share_calls(year: int, outbound: int, total: int = 1000) -> list[dict[str, Any]]:
    t0 = datetime(year, 6, 2, 9)
    return [
        simple_call(f"{year}-{i}", t0 + timedelta(seconds=20 * i), direction="out" if i < outbound else "in")
        for i in range(total)
    ]


@pytest.mark.parametrize(
    ("prev_out", "cur_out", "mode", "material"),
    [
        pytest.param(300, 500, "points", False, id="points+20.0pp"),
        pytest.param(300, 501, "points", True, id="points+20.1pp"),
        pytest.param(500, 300, "points", False, id="points-20.0pp"),
        pytest.param(500, 299, "points", True, id="points-20.1pp"),
        pytest.param(500, 610, "points", False, id="points+11pp"),
        pytest.param(
            600,
            800,
            "points",
            False,
            id="points+20.0pp-from-60%",
        ),
        pytest.param(500, 600, "relative", False, id="relative+20%"),
        pytest.param(500, 601, "relative", True, id="relative+20.2%"),
        pytest.param(500, 610, "relative", True, id="relative+22%"),
    ],
)
def test_outbound_share(
    tiny_db: MakeDb, tmp_path: Path, prev_out: int, cur_out: int, mode: str, material: bool
) -> None:
    """Outbound share of 1,000 calls a year: exactly 20 points is not material, 20.1 is; mode = relative (override file) judges 20 % of the share instead."""
    engine = tiny_db({"calls": share_calls(2024, prev_out) + share_calls(2025, cur_out)})
    rules = None
    if mode == "relative":
        override = tmp_path / "relative.toml"
        override.write_text('[material.outbound_share]\nmode = "relative"\n', encoding="utf-8")
        rules = load_rules(override)
    got = changes(engine, rules=rules)
    if not material:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "outbound_share")
    assert entry["previous"] == pytest.approx(prev_out / 1000)
    assert entry["current"] == pytest.approx(cur_out / 1000)
    assert entry["evidence"] == ["业务结构变更说明", "新客户合同"]
    if mode == "points":
        assert entry["change"] == pytest.approx((cur_out - prev_out) / 1000)
        assert f"{(cur_out - prev_out) / 10:+.1f}个百分点" in entry["rule"]
        assert (
            f"Outbound share changed {(cur_out - prev_out) / 10:+.1f} percentage points" in entry["rule_en"]
        )
    else:
        assert entry["change"] == pytest.approx(cur_out / prev_out - 1)


def register(as_of: date, stakes: dict[str, float]) -> list[dict[str, Any]]:
    return [{"as_of": as_of, "holder": h, "share_pct": p} for h, p in stakes.items()]


BEFORE = {"张三": 60.0, "李四": 40.0}
BEFORE3 = {"张三": 60.0, "李四": 30.0, "王五": 10.0}
JUNE_Y = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        pytest.param(register(date(2020, 1, 1), BEFORE), None, id="no-new-snapshot"),
        pytest.param(
            register(date(2020, 1, 1), BEFORE) + register(JUNE_Y, BEFORE), None, id="same-register-refiled"
        ),
        pytest.param(
            register(date(2020, 1, 1), BEFORE) + register(JUNE_Y, {"张三": 59.1, "李四": 40.9}),
            None,
            id="stake-0.9pp",
        ),
        pytest.param(
            register(date(2020, 1, 1), BEFORE) + register(JUNE_Y, {"张三": 59.0, "李四": 41.0}),
            "持股变化 张三 60%→59%、李四 40%→41%",
            id="stake-1.0pp",
        ),
        pytest.param(
            register(date(2020, 1, 1), {"张三": 76.4, "李四": 15.4, "王五": 8.2})
            + register(JUNE_Y, {"张三": 76.4, "李四": 16.4, "王五": 7.2}),
            "持股变化 李四 15.4%→16.4%、王五 8.2%→7.2%",
            id="stake-1.0pp-decimals",
        ),
        pytest.param(
            register(date(2020, 1, 1), BEFORE) + register(JUNE_Y, BEFORE3),
            "新增股东 王五(10%)",
            id="holder-added",
        ),
        pytest.param(
            register(date(2020, 1, 1), BEFORE3) + register(JUNE_Y, {"张三": 70.0, "李四": 30.0}),
            "退出股东 王五",
            id="holder-removed",
        ),
        pytest.param(
            register(date(2020, 1, 1), BEFORE) + register(date(2024, 6, 30), {"张三": 50.0, "李四": 50.0}),
            None,
            id="changed-in-Y-1-only",
        ),
    ],
)
def test_equity(tiny_db: MakeDb, rows: list[dict[str, Any]], needle: str | None) -> None:
    """Any holder added or removed, or a stake moved by ≥ 1 pp between the registers at the ends of Y−1 and Y, is material; 0.9 pp is not."""
    engine = tiny_db({"shareholders": rows})
    got = changes(engine)
    if needle is None:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "equity")
    assert needle in entry["rule"]
    assert entry["evidence"] == ["工商变更登记", "股东会决议"]


def test_equity_previous_and_current_registers(tiny_db: MakeDb) -> None:
    """A 1 pp move lists both registers, largest stake first: '张三 60%; 李四 40%' → '张三 59%; 李四 41%'."""
    engine = tiny_db(
        {"shareholders": register(date(2020, 1, 1), BEFORE) + register(JUNE_Y, {"张三": 59.0, "李四": 41.0})}
    )
    (entry,) = changes(engine)
    assert (entry["previous"], entry["current"]) == ("张三 60%; 李四 40%", "张三 59%; 李四 41%")


def script(sid: str, version: int, approved: datetime, key: bool) -> dict[str, Any]:
    return {
        "script_id": sid,
        "version": version,
        "title": f"{sid} 话术",
        "approved_at": approved,
        "key_script": key,
    }


APPROVED = datetime(2025, 5, 10, 10, 0)


@pytest.mark.parametrize(
    ("scripts", "calls", "material"),
    [
        pytest.param(
            [script("SC01", 1, datetime(2020, 3, 1), True), script("SC01", 2, APPROVED, True)],
            [simple_call("k1", datetime(2025, 6, 1, 10), campaign_id="K1")],
            True,
            id="key-v2-used-after-approval",
        ),
        pytest.param(
            [script("SC01", 1, datetime(2020, 3, 1), False), script("SC01", 2, APPROVED, False)],
            [simple_call("k1", datetime(2025, 6, 1, 10), campaign_id="K1")],
            False,
            id="not-a-key-script",
        ),
        pytest.param(
            [script("SC01", 1, datetime(2020, 3, 1), True), script("SC01", 2, APPROVED, True)],
            [
                simple_call("k1", APPROVED - timedelta(seconds=1), campaign_id="K1"),
                simple_call("k2", datetime(2025, 6, 1, 10), campaign_id="K1", direction="in"),
            ],
            False,
            id="no-outbound-call-after-approval",
        ),
        pytest.param(
            [script("SC01", 1, datetime(2025, 3, 1, 10), True)],
            [simple_call("k1", datetime(2025, 6, 1, 10), campaign_id="K1")],
            False,
            id="v1-of-a-new-script",
        ),
        pytest.param(
            [
                script("SC01", 1, datetime(2020, 3, 1), True),
                script("SC01", 2, datetime(2024, 5, 10, 10), True),
            ],
            [simple_call("k1", datetime(2025, 6, 1, 10), campaign_id="K1")],
            False,
            id="v2-approved-in-Y-1",
        ),
    ],
)
def test_key_script(
    tiny_db: MakeDb, scripts: list[dict[str, Any]], calls: list[dict[str, Any]], material: bool
) -> None:
    """A key script's new version (not v1) approved in Y and used by an outbound call after approval is material; nothing else is."""
    camp = {
        "campaign_id": "K1",
        "name": "宽带续约",
        "purpose": "marketing",
        "script_id": "SC01",
        "dialer": "preview",
    }
    engine = tiny_db({"scripts": scripts, "campaigns": [camp], "calls": calls})
    got = changes(engine)
    if not material:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "key_script")
    assert (entry["previous"], entry["current"], entry["detail"]) == ("v1", "v2", "SC01")
    assert "SC01" in entry["rule"] and "2025-05-10" in entry["rule"]
    assert entry["rule_en"] == "Key script SC01 version 2 approved on 2025-05-10 and used for outbound calls"
    assert entry["evidence"] == ["话术审核记录", "新旧话术对照"]


def site(sid: str, opened: date, closed: date | None = None) -> dict[str, Any]:
    return {
        "site_id": sid,
        "name": sid,
        "province": "浙江",
        "city": "杭州",
        "opened_on": opened,
        "closed_on": closed,
    }


def lic(no: str, coverage: str, start: date, end: date) -> dict[str, Any]:
    return {
        "licence_no": no,
        "business_code": "B24",
        "coverage": coverage,
        "valid_from": start,
        "valid_to": end,
    }


OLD, FAR = date(2020, 1, 1), date(2030, 12, 31)


@pytest.mark.parametrize(
    ("sites", "licences", "needle", "previous", "current"),
    [
        pytest.param([site("S1", OLD)], [lic("L1", "浙江", OLD, FAR)], None, None, None, id="unchanged"),
        pytest.param(
            [site("S1", OLD), site("S2", date(2025, 3, 1))],
            [lic("L1", "浙江", OLD, FAR)],
            "新开场地 S2",
            "S1 | 浙江",
            "S1,S2 | 浙江",
            id="site-opened-in-Y",
        ),
        pytest.param(
            [site("S1", OLD), site("S2", date(2024, 3, 1))],
            [lic("L1", "浙江", OLD, FAR)],
            None,
            None,
            None,
            id="site-opened-in-Y-1",
        ),
        pytest.param(
            [site("S1", OLD), site("S2", OLD, closed=date(2025, 6, 30))],
            [lic("L1", "浙江", OLD, FAR)],
            "关闭场地 S2",
            "S1,S2 | 浙江",
            "S1 | 浙江",
            id="site-closed-in-Y",
        ),
        pytest.param(
            [site("S1", OLD)],
            [lic("L1", "浙江", OLD, date(2025, 6, 30)), lic("L2", "浙江,江苏", date(2025, 7, 1), FAR)],
            "许可覆盖范围变更",
            "S1 | 浙江",
            "S1 | " + ",".join(sorted(["浙江", "江苏"])),
            id="coverage-changed",
        ),
        pytest.param(
            [site("S1", OLD)],
            [lic("L1", "浙江", OLD, date(2025, 6, 30)), lic("L2", "浙江", date(2025, 7, 1), FAR)],
            None,
            None,
            None,
            id="licence-renewed-same-coverage",
        ),
    ],
)
def test_sites_and_coverage(
    tiny_db: MakeDb,
    sites: list[dict[str, Any]],
    licences: list[dict[str, Any]],
    needle: str | None,
    previous: str | None,
    current: str | None,
) -> None:
    """A site opened or closed in Y, or a change of the licence coverage, is material; a renewal with the same coverage or a site opened in Y−1 is not."""
    engine = tiny_db({"sites": sites, "licences": licences})
    got = changes(engine)
    if needle is None:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "sites")
    assert needle in entry["rule"]
    assert (entry["previous"], entry["current"]) == (previous, current)
    assert entry["evidence"] == ["许可证变更批复"]


def numbers_rows(names: list[str], registered: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "number": n,
            "kind": "landline",
            "carrier": "中国电信",
            "province": "浙江",
            "registered": registered,
            "allocated_on": OLD,
        }
        for n in names
    ]


def used(year: int, names: list[str], direction: str = "out") -> list[dict[str, Any]]:
    return [
        simple_call(
            f"{year}-{direction}-{n}", datetime(year, 6, 1, 10, i), caller_number=n, direction=direction
        )
        for i, n in enumerate(names)
    ]


@pytest.mark.parametrize(
    ("in_use_y", "material"),
    [
        pytest.param(13, False, id="+30%"),
        pytest.param(14, True, id="+40%"),
        pytest.param(6, True, id="-40%"),
    ],
)
def test_registered_numbers_in_use(tiny_db: MakeDb, in_use_y: int, material: bool) -> None:
    """Registered caller numbers used by outbound calls, 10 → N: material above 30 %."""
    names = [f"N{i:02d}" for i in range(1, 15)]
    engine = tiny_db(
        {"numbers": numbers_rows(names), "calls": used(2024, names[:10]) + used(2025, names[:in_use_y])}
    )
    got = changes(engine)
    if not material:
        assert got == []
        return
    (entry,) = got
    check_entry(entry, "numbers")
    assert (entry["previous"], entry["current"]) == (10, in_use_y)
    assert entry["evidence"] == ["码号使用证明", "码号变更批复"]


def test_numbers_count_only_registered_numbers_on_outbound_calls(tiny_db: MakeDb) -> None:
    """10 → 12 registered numbers in use (+20 %, not material) although 3 unregistered numbers dialled out and 2 more registered ones only took inbound calls (17 if all were counted: +70 %)."""
    names = [f"N{i:02d}" for i in range(1, 13)]
    inbound_only, rogue = ["IN1", "IN2"], ["U1", "U2", "U3"]
    engine = tiny_db(
        {
            "numbers": numbers_rows(names + inbound_only) + numbers_rows(rogue, registered=False),
            "calls": used(2024, names[:10])
            + used(2025, names)
            + used(2025, rogue)
            + used(2025, inbound_only, "in"),
        }
    )
    assert changes(engine) == []
    with engine.connect() as conn:
        assert conn.execute(regulatory.select_numbers_used(2025)).scalar() == 12


# --------------------------------------------------------------------------------------------
# 6. The demo's difference list
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_changes(demo_company: Any) -> list[dict[str, Any]]:
    return compute_changes(demo_company.engine, Y)


def test_demo_changes_are_exactly_the_planted_ones(
    demo_company: Any, demo_changes: list[dict[str, Any]]
) -> None:
    """Y = 2025 on the demo: seats (declared 120 → 75 and in use), outbound share, equity (a fund takes 15 %) and key script SC01 v2, and nothing else."""
    topics = [c["topic"] for c in demo_changes]
    assert set(topics) == {"seats", "outbound_share", "equity", "key_script"}
    assert sorted(t for t in topics if t != "seats") == ["equity", "key_script", "outbound_share"]
    assert 1 <= topics.count("seats") <= 2
    for entry in demo_changes:
        check_entry(entry, entry["topic"])
    by_detail = {c["detail"]: c for c in demo_changes}
    assert (by_detail["declared_seats"]["previous"], by_detail["declared_seats"]["current"]) == (120, 75)
    assert "示例产业投资基金" in by_detail["equity"]["rule"]
    assert by_detail["equity"]["rule_en"].startswith("new shareholders 示例产业投资基金 (15%)")
    assert [c["detail"] for c in demo_changes if c["topic"] == "key_script"] == [
        "SC01"
    ]  # not the non-key SC08 v3
    share = by_detail["outbound_share"]
    assert share["current"] - share["previous"] > 0.20


# --------------------------------------------------------------------------------------------
# 7. The field catalogue
# --------------------------------------------------------------------------------------------


def test_catalogue_has_46_fields_in_the_four_forms() -> None:
    """fields.toml: exactly 46 fields F01..F46, unique, each in one of the four forms, every metric source a key of METRICS."""
    fields = load_fields()
    assert len(fields) == 46
    assert [f.id for f in fields] == [f"F{i:02d}" for i in range(1, 47)]
    assert {f.form for f in fields} == set(FORMS)
    assert {f.kind for f in fields} <= {"metric", "manual", "derived"}
    for f in fields:
        if f.kind == "metric":
            assert f.ref in METRICS, f.id
        assert f.name_zh and f.name_en and f.unit, f.id
        assert f.compare in ("relative", "points", "none"), f.id
        assert f.topic is None or f.topic in regulatory.TOPICS, f.id
    # the fields the material-change rules feed
    assert {f.topic for f in fields if f.topic} == {"equity", "sites", "seats", "outbound_share", "numbers"}


@pytest.fixture(scope="module")
def demo_fields(demo_company: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in regulatory.compute_fields(demo_company.engine, Y)}


def stored_payload(engine: sa.Engine, year: int) -> dict[str, Any]:
    with engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT payload FROM report_submissions WHERE year = :y"), {"y": year}
        ).scalar()
    return json.loads(text) if text else {}


def test_every_metric_field_equals_its_metric(
    demo_company: Any, demo_fields: dict[str, dict[str, Any]]
) -> None:
    """Each metric-sourced field's value is compute_metrics over 2025 for its key, exactly; previous is the 2024 submission where it holds the key, else compute_metrics over 2024."""
    engine = demo_company.engine
    payload = stored_payload(engine, Y - 1)
    assert payload, "the demo stores the 2024 submission"
    metric_fields = [f for f in load_fields() if f.kind == "metric"]
    assert len(metric_fields) >= 20
    for f in metric_fields:
        row = demo_fields[f.id]
        cur = compute_metrics(engine, date(Y, 1, 1), date(Y, 12, 31), metrics=[f.ref])[f.ref][0]
        prev_data = compute_metrics(engine, date(Y - 1, 1, 1), date(Y - 1, 12, 31), metrics=[f.ref])[f.ref][0]
        assert row["value"] == cur, (f.id, row["value"], cur)
        assert row["data_previous"] == prev_data, (f.id, row["data_previous"], prev_data)
        if f.id in payload or f.ref in payload:
            submitted = payload.get(f.id, payload.get(f.ref))
            assert (row["previous"], row["previous_source"]) == (submitted, "submission"), f.id
        else:
            assert (row["previous"], row["previous_source"]) == (prev_data, "data"), f.id
    # the demo's 2024 submission under-reports complaints by 3: previous is the submitted figure
    f16 = demo_fields["F16"]
    assert f16["previous"] == payload["complaints"] == f16["data_previous"] - 3


def test_fields_flag_the_planted_material_changes(demo_fields: dict[str, dict[str, Any]]) -> None:
    """Seats, equity and outbound-share fields are material with their rule and evidence; the sites and numbers fields are not."""
    for fid in ("F10", "F20", "F21", "F31"):
        assert demo_fields[fid]["material"] is True, fid
        assert demo_fields[fid]["rule"] and demo_fields[fid]["evidence"], fid
    for fid in ("F18", "F19", "F38", "F01", "F29"):
        assert demo_fields[fid]["material"] is False, fid
        assert demo_fields[fid]["rule"] is None and demo_fields[fid]["evidence"] == [], fid


def test_derived_counts_match_the_calls(demo_company: Any, demo_fields: dict[str, dict[str, Any]]) -> None:
    """F38 (registered numbers used) and F32 (marketing outbound calls) equal counts made directly in SQL."""
    with demo_company.engine.connect() as conn:
        numbers_used = conn.execute(
            sa.text(
                "SELECT COUNT(DISTINCT k.caller_number) FROM calls k JOIN numbers n ON n.number = k.caller_number "
                "WHERE k.direction = 'out' AND n.registered AND k.started_at >= '2025-01-01' AND k.started_at < '2026-01-01'"
            )
        ).scalar()
        marketing = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM calls k JOIN campaigns c ON c.campaign_id = k.campaign_id "
                "WHERE k.direction = 'out' AND c.purpose = 'marketing' "
                "AND k.started_at >= '2025-01-01' AND k.started_at < '2026-01-01'"
            )
        ).scalar()
    assert demo_fields["F38"]["value"] == numbers_used
    assert demo_fields["F32"]["value"] == marketing


def test_every_metric_field_shows_its_sql(demo_fields: dict[str, dict[str, Any]]) -> None:
    """Each metric-sourced field carries the SQL it ran (non-empty, a SELECT); manual entries carry none."""
    for f in load_fields():
        sql = demo_fields[f.id]["sql"]
        if f.kind == "metric":
            assert sql and "SELECT" in sql, f.id
        elif f.kind == "manual":
            assert sql is None, f.id


def test_every_derived_field_shows_its_sql(demo_fields: dict[str, dict[str, Any]]) -> None:
    """Each derived field (computed from the data) also carries the SQL it ran."""
    missing = [
        f.id
        for f in load_fields()
        if f.kind == "derived" and not (demo_fields[f.id]["sql"] or "").count("SELECT")
    ]
    assert missing == []


# --------------------------------------------------------------------------------------------
# 8. The reporting calendar
# --------------------------------------------------------------------------------------------


def test_step_due_dates() -> None:
    """Report year 2025: 15 Jan, 31 Jan, 15 Feb, 28 Feb, 10 Mar, 31 Mar, 15 Apr, 30 Apr 2026."""
    assert [regulatory.step_due(2025, s) for s in range(1, 9)] == [
        date(2026, 1, 15),
        date(2026, 1, 31),
        date(2026, 2, 15),
        date(2026, 2, 28),
        date(2026, 3, 10),
        date(2026, 3, 31),
        date(2026, 4, 15),
        date(2026, 4, 30),
    ]


@pytest.mark.parametrize(
    ("year", "end_feb"), [(2027, date(2028, 2, 29)), (2026, date(2027, 2, 28)), (2023, date(2024, 2, 29))]
)
def test_step_4_is_the_last_day_of_february(year: int, end_feb: date) -> None:
    """Step 4 falls on 29 February in a leap Y+1 (2028, 2024), else on the 28th."""
    assert regulatory.step_due(year, 4) == end_feb


def test_step_status() -> None:
    """done once dated; open: due up to and on the due day, overdue the day after."""
    due = date(2026, 3, 31)
    assert regulatory.step_status(due, date(2026, 4, 20), date(2026, 5, 1)) == "done"
    assert regulatory.step_status(due, None, date(2026, 3, 30)) == "due"
    assert regulatory.step_status(due, None, date(2026, 3, 31)) == "due"
    assert regulatory.step_status(due, None, date(2026, 4, 1)) == "overdue"


@pytest.mark.parametrize(
    ("today", "step6_done", "colour"),
    [
        (date(2026, 1, 10), False, "green"),
        (date(2026, 2, 28), False, "green"),
        (date(2026, 3, 1), False, "amber"),
        (date(2026, 3, 24), False, "amber"),
        (date(2026, 3, 25), False, "red"),
        (date(2026, 3, 31), False, "red"),
        (date(2026, 4, 20), False, "red"),
        (date(2026, 3, 25), True, "grey"),
    ],
)
def test_deadline_colour(today: date, step6_done: bool, colour: str) -> None:
    """Amber from 1 March, red from 25 March while step 6 is open."""
    assert regulatory.deadline_colour(2025, today, step6_done=step6_done) == colour


def test_hard_dates() -> None:
    """31 March deadline, 30 April end of grace, 1 May lock."""
    assert regulatory.hard_dates(2025) == {
        "deadline": date(2026, 3, 31),
        "grace_end": date(2026, 4, 30),
        "locked": date(2026, 5, 1),
    }


def test_checklist_is_created_once_and_marks_persist(tiny_db: MakeDb) -> None:
    """ensure_checklist makes the 8 steps once; mark_step's date, owner and signer read back through checklist; reopening clears them."""
    engine = tiny_db({})
    regulatory.ensure_checklist(engine, Y)
    regulatory.ensure_checklist(engine, Y)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM checklist WHERE year = 2025")).scalar() == 8
    today = date(2026, 4, 1)
    before = regulatory.checklist(engine, Y, today)
    assert before["step"].to_list() == list(range(1, 9))
    assert before["due_on"].to_list() == [regulatory.step_due(Y, s) for s in range(1, 9)]
    assert before["status"].to_list() == ["overdue"] * 6 + ["due"] * 2

    regulatory.mark_step(engine, Y, 4, done_on=date(2026, 2, 27), owner="内审部", signer="张明")
    regulatory.mark_step(
        engine, Y, 6, done_on=date(2026, 3, 30), owner="行政部", signer="张明", note="已提交"
    )
    after = {r["step"]: r for r in regulatory.checklist(engine, Y, today).iter_rows(named=True)}
    assert (after[4]["done_on"], after[4]["owner"], after[4]["signer"], after[4]["status"]) == (
        date(2026, 2, 27),
        "内审部",
        "张明",
        "done",
    )
    assert (after[6]["note"], after[6]["status"]) == ("已提交", "done")
    assert after[5]["status"] == "overdue" and after[7]["status"] == "due"

    regulatory.mark_step(engine, Y, 4, done_on=None)
    reopened = {r["step"]: r for r in regulatory.checklist(engine, Y, today).iter_rows(named=True)}
    assert (reopened[4]["done_on"], reopened[4]["status"]) == (None, "overdue")
    assert reopened[6]["status"] == "done"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM checklist")).scalar() == 8
    with pytest.raises(ValueError):
        regulatory.mark_step(engine, Y, 9, done_on=today)


# --------------------------------------------------------------------------------------------
# 10. The changes and fields commands
# --------------------------------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    errors: list[str] = []
    code = cli.main(args, stderr=errors.append)
    assert code == 0, errors
    return capsys.readouterr().out


def test_cli_changes_json(demo_company: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """``changes --year 2025 --format json``: one object per planted change with topic, rule, previous, current, evidence."""
    out = json.loads(
        run_cli(["changes", "--db", demo_company.url, "--year", "2025", "--format", "json"], capsys)
    )
    assert {o["topic"] for o in out} == {"seats", "outbound_share", "equity", "key_script"}
    for obj in out:
        assert {"topic", "rule", "previous", "current", "evidence"} <= set(obj)
        assert isinstance(obj["evidence"], list) and obj["evidence"]


FIELD_KEYS = {
    "id",
    "form",
    "name_zh",
    "name_en",
    "unit",
    "value",
    "previous",
    "change",
    "material",
    "rule",
    "evidence",
    "source",
}


def test_cli_fields_json(demo_company: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """``fields --year 2025 --format json``: 46 objects F01..F46 with every documented key; material is a boolean."""
    out = json.loads(
        run_cli(["fields", "--db", demo_company.url, "--year", "2025", "--format", "json"], capsys)
    )
    assert [o["id"] for o in out] == [f"F{i:02d}" for i in range(1, 47)]
    for obj in out:
        assert set(obj) >= FIELD_KEYS, obj["id"]
        assert isinstance(obj["material"], bool)
        assert obj["form"] in FORMS
        assert isinstance(obj["evidence"], list)
    by_id = {o["id"]: o for o in out}
    assert by_id["F20"]["material"] is True and (by_id["F20"]["value"], by_id["F20"]["previous"]) == (75, 120)


def test_cli_fields_xlsx(demo_company: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``fields --format xlsx --out F``: a workbook with a sheet per form and the 风险差异清单, each with a signature block."""
    out = tmp_path / "report.xlsx"
    run_cli(
        ["fields", "--db", demo_company.url, "--year", "2025", "--format", "xlsx", "--out", str(out)], capsys
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [zh for zh, _ in FORMS.values()] + ["风险差异清单"]
    for ws in wb.worksheets:
        texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert any("负责人签字" in t for t in texts), ws.title
    diff = wb["风险差异清单"]
    topics = {str(diff.cell(row=r, column=2).value) for r in range(4, diff.max_row + 1)}
    assert {"seats", "outbound_share", "equity", "key_script"} <= topics
    ids = {str(c.value) for ws in wb.worksheets[:4] for c in ws["A"] if c.value}
    assert {f"F{i:02d}" for i in range(1, 47)} <= ids
