"""``--format tencent-ccc``: Tencent Cloud Contact Center (腾讯云联络中心) DescribeTelCdr records.

Every record below is written by hand; the numbers are fictitious (``0086 100 0000 xxxx``: the 100
prefix has no subscriber), the mails are ``example.com``, the record URLs ``example.invalid``.
``T`` = 1714960800 = 2024-05-06 10:00:00 Beijing time (02:00:00 UTC).

Hand count of :data:`RECORDS` (12 records):

====  =====  ===========================================  =====================================
id    dir    what                                          stored
====  =====  ===========================================  =====================================
S01   out    ok, accept T+10, end T+70, Duration 60        answered, talk 60, agent 8001
S02   out    202 notAnswer                                 no_answer, agent 8001
S03   out    206 busy, callee masked 100****0014           busy, no customer id, agent = UserId
S04   in     ok, Duration 180, transfer: a2 (Seq 0,        answered, talk 180 (not 80 + 95),
             accept T+320) then a3 (accept T+405)          agent a2@example.com, team 客服组
S05   in     ok, Duration 30, number protected;            answered, talk 30, no customer id,
             participant A1@example.com = SeatUser's mail  agent 8001 (StaffNumber)
S06   in     103 waitingGiveUp                             abandoned, ring 45
S07   out    EndStatus 999                                 reject: unknown EndStatus 999
S08   out    EndedTimestamp before Time                    reject
S09   out    CallType 6 (agent to agent)                   reject: internal call
S10   out    Duration 50 > accept..end 10 s                reject: Duration longer than the call
S11   -      Direction 2                                   reject: unknown direction
S12   out    ok, Duration 20, AIAgentId 7                  answered, talk 20, robot, no agent
====  =====  ===========================================  =====================================

So 7 calls, 4 answered (S01 S04 S05 S12), talk 60 + 180 + 30 + 20 = 290 s, dispositions answered
4, no_answer 1, busy 1, abandoned 1; 5 rejects; agents 8001 (催收一组, first seen on S01) and
a2@example.com (客服组: S03 names no skill group, S04's participant does).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest import IngestError, import_files
from core.ingest.numbers import customer_id
from core.ingest.tencent import END_STATUS, flatten, records_of
from tests.ingest import samples
from tests.ingest.conftest import read_calls

T = 1714960800
COMPANY = "008610000000001"
#: How it is stored: company numbers in one written form (0086 dropped; the fictitious 100… number
#: is not one phonenumbers knows, so its digits stay as they are).
STORED_COMPANY = "10000000001"

RECORDS: list[dict[str, Any]] = [
    {
        "SessionId": "S01",
        "Direction": 1,
        "CallType": 1,
        "Time": T,
        "RingTimestamp": T + 2,
        "AcceptTimestamp": T + 10,
        "EndedTimestamp": T + 70,
        "Duration": 60,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": COMPANY,
        "Callee": "008610000000012",
        "SeatUser": {
            "StaffNumber": "8001",
            "UserId": "a1@example.com",
            "Mail": "a1@example.com",
            "Name": "张三",
        },
        "SkillGroup": "催收一组",
        "SkillGroupId": 11,
        "HungUpSide": "user",
        "RecordURL": "https://example.invalid/r1.mp3",
        "ServeParticipants": [],
    },
    {
        "SessionId": "S02",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 100,
        "RingTimestamp": T + 102,
        "AcceptTimestamp": 0,
        "EndedTimestamp": T + 130,
        "Duration": 0,
        "EndStatus": 202,
        "EndStatusString": "notAnswer",
        "Caller": COMPANY,
        "Callee": "008610000000013",
        "SeatUser": {"StaffNumber": "8001", "Mail": "a1@example.com"},
        "SkillGroup": "催收一组",
        "HungUpSide": "system",
        "RecordURL": "",
    },
    {
        "SessionId": "S03",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 200,
        "AcceptTimestamp": 0,
        "EndedTimestamp": T + 205,
        "Duration": 0,
        "EndStatus": 206,
        "EndStatusString": "busy",
        "Caller": COMPANY,
        "Callee": "100****0014",
        "SeatUser": {"StaffNumber": "", "UserId": "a2@example.com", "Mail": "a2@example.com"},
        "HungUpSide": "system",
    },
    {
        "SessionId": "S04",
        "Direction": 0,
        "CallType": 2,
        "Time": T + 300,
        "AcceptTimestamp": T + 320,
        "EndedTimestamp": T + 500,
        "Duration": 180,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": "008610000000015",
        "Callee": COMPANY,
        "SeatUser": {"StaffNumber": "8003", "Mail": "a3@example.com"},
        "SkillGroup": "客服组",
        "SkillGroupId": 12,
        "HungUpSide": "seat",
        "RecordURL": "https://example.invalid/r4.mp3",
        # Listed last-first on purpose: the first to accept is a2 (Sequence 0, accept T+320).
        "ServeParticipants": [
            {
                "Mail": "a3@example.com",
                "Type": "staffSeat",
                "Sequence": 1,
                "StartTimestamp": T + 400,
                "RingTimestamp": T + 402,
                "AcceptTimestamp": T + 405,
                "EndedTimestamp": T + 500,
                "SkillGroupId": 13,
                "SkillGroupName": "升级组",
            },
            {
                "Mail": "a2@example.com",
                "Type": "staffSeat",
                "Sequence": 0,
                "StartTimestamp": T + 310,
                "RingTimestamp": T + 312,
                "AcceptTimestamp": T + 320,
                "EndedTimestamp": T + 400,
                "SkillGroupId": 12,
                "SkillGroupName": "客服组",
            },
        ],
    },
    {
        "SessionId": "S05",
        "Direction": 0,
        "CallType": 2,
        "Time": T + 600,
        "AcceptTimestamp": T + 610,
        "EndedTimestamp": T + 640,
        "Duration": 30,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": "",
        "ProtectedCaller": "pc-7f3a",
        "Callee": COMPANY,
        "SeatUser": {"StaffNumber": "8001", "Mail": "a1@example.com"},
        "SkillGroup": "客服组",
        "HungUpSide": "user",
        "ServeParticipants": [{"Mail": "A1@example.com", "Sequence": 0, "AcceptTimestamp": T + 610}],
    },
    {
        "SessionId": "S06",
        "Direction": 0,
        "CallType": 2,
        "Time": T + 700,
        "AcceptTimestamp": 0,
        "EndedTimestamp": T + 745,
        "Duration": 0,
        "EndStatus": 103,
        "EndStatusString": "waitingGiveUp",
        "Caller": "008610000000016",
        "Callee": COMPANY,
        "SeatUser": None,
        "SkillGroup": "客服组",
        "HungUpSide": "user",
    },
    {
        "SessionId": "S07",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 800,
        "EndedTimestamp": T + 805,
        "Duration": 0,
        "EndStatus": 999,
        "EndStatusString": "newThing",
        "Caller": COMPANY,
        "Callee": "008610000000017",
    },
    {
        "SessionId": "S08",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 900,
        "EndedTimestamp": T + 850,
        "Duration": 0,
        "EndStatus": 202,
        "EndStatusString": "notAnswer",
        "Caller": COMPANY,
        "Callee": "008610000000018",
    },
    {
        "SessionId": "S09",
        "Direction": 1,
        "CallType": 6,
        "Time": T + 950,
        "AcceptTimestamp": T + 955,
        "EndedTimestamp": T + 960,
        "Duration": 5,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": "8001",
        "Callee": "8002",
    },
    {
        "SessionId": "S10",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 1000,
        "AcceptTimestamp": T + 1010,
        "EndedTimestamp": T + 1020,
        "Duration": 50,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": COMPANY,
        "Callee": "008610000000019",
    },
    {
        "SessionId": "S11",
        "Direction": 2,
        "CallType": 1,
        "Time": T + 1100,
        "EndedTimestamp": T + 1110,
        "Duration": 0,
        "EndStatus": 202,
        "EndStatusString": "notAnswer",
        "Caller": COMPANY,
        "Callee": "008610000000020",
    },
    {
        "SessionId": "S12",
        "Direction": 1,
        "CallType": 1,
        "Time": T + 1200,
        "AcceptTimestamp": T + 1205,
        "EndedTimestamp": T + 1225,
        "Duration": 20,
        "EndStatus": 1,
        "EndStatusString": "ok",
        "Caller": COMPANY,
        "Callee": "008610000000021",
        "AIAgentId": 7,
        "AIAgentName": "小助手",
        "HungUpSide": "user",
    },
]

#: Position of each rejected record (1-based) and its reason.
REJECTS = {
    7: "unknown EndStatus 999 'newThing' (add it to [dispositions] in the mapping)",
    8: "EndedTimestamp before Time",
    9: "internal call between agents (CallType 6), not a customer call",
    10: "Duration longer than the call",
    11: "unknown direction: direction 2 (add it to [direction] in or out of the mapping)",
}


# --------------------------------------------------------------------------------------------
# Writing the same records in every shape
# --------------------------------------------------------------------------------------------


def write_response(path: Path, records: list[dict[str, Any]] = RECORDS) -> Path:
    """What DescribeTelCdr returns (pretty-printed, as people save it)."""
    body = {"Response": {"TotalCount": len(records), "TelCdrList": records, "RequestId": "req-0001"}}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_list(path: Path, records: list[dict[str, Any]] = RECORDS) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def write_lines(path: Path, records: list[dict[str, Any]] = RECORDS) -> Path:
    """JSON Lines: a blank line between records; the last two records as one saved page."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:-2]]
    page = {"Response": {"TotalCount": 2, "TelCdrList": records[-2:], "RequestId": "req-0002"}}
    text = "\n\n".join([*lines, json.dumps(page, ensure_ascii=False)]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_csv(path: Path, records: list[dict[str, Any]] = RECORDS, *, seat_as_json: bool = False) -> Path:
    """A CSV export with the field names as header: SeatUser as ``SeatUser.X`` columns (or one
    JSON cell), ServeParticipants as a JSON cell."""
    rows = []
    for record in records:
        row: dict[str, str] = {}
        for name, value in record.items():
            if name == "SeatUser" and isinstance(value, dict) and not seat_as_json:
                row.update({f"SeatUser.{k}": _cell(v) for k, v in value.items()})
            else:
                row[name] = _cell(value)
        rows.append(row)
    header = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(url: str, path: Path, **kw: Any) -> Any:
    return import_files(url, [path], "tencent-ccc", **kw)


def _rejects(path: Path) -> dict[int, str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}


def _stored(url: str) -> pl.DataFrame:
    return read_calls(db.make_engine(url))


# --------------------------------------------------------------------------------------------
# The hand-counted file
# --------------------------------------------------------------------------------------------


def test_response_json_counts_dispositions_and_talk(tmp_path: Path, duck: str, key: bytes) -> None:
    """The API's answer: 12 read, 7 stored, 5 rejected with their reasons (see the module table)."""
    report = _import(duck, write_response(tmp_path / "cdr.json"))
    assert (report.read, report.inserted, report.rejected, report.duplicates) == (12, 7, 5, 0)
    assert report.files[0].note == ""
    assert _rejects(Path(report.rejects_file)) == REJECTS
    calls = _stored(duck)
    assert calls["call_id"].to_list() == ["S01", "S02", "S03", "S04", "S05", "S06", "S12"]
    assert Counter(calls["disposition"].to_list()) == {
        "answered": 4,
        "no_answer": 1,
        "busy": 1,
        "abandoned": 1,
    }
    assert calls["talk_seconds"].sum() == 290
    by_id = {r["call_id"]: r for r in calls.iter_rows(named=True)}
    s01 = by_id["S01"]
    assert (s01["direction"], str(s01["started_at"]), str(s01["answered_at"]), str(s01["ended_at"])) == (
        "out",
        "2024-05-06 10:00:00",
        "2024-05-06 10:00:10",
        "2024-05-06 10:01:10",
    )
    assert (s01["ring_seconds"], s01["talk_seconds"], s01["agent_id"], s01["hangup_by"], s01["recorded"]) == (
        10,
        60,
        "8001",
        "customer",
        True,
    )
    # Customer: Callee outbound, Caller inbound; 0086 dropped before hashing. Company: the other one.
    assert s01["callee_id"] == customer_id("10000000012", key)
    assert by_id["S04"]["callee_id"] == customer_id("10000000015", key)
    assert {r["caller_number"] for r in by_id.values()} == {STORED_COMPANY}
    # Masked (S03) and protected (S05) numbers: stored without a customer id, not rejected.
    assert by_id["S03"]["callee_id"] is None and by_id["S05"]["callee_id"] is None
    # Agents: UserId when StaffNumber is empty; none on an abandoned call or the AI agent's call.
    assert {k: by_id[k]["agent_id"] for k in by_id} == {
        "S01": "8001",
        "S02": "8001",
        "S03": "a2@example.com",
        "S04": "a2@example.com",
        "S05": "8001",
        "S06": None,
        "S12": None,
    }
    assert (by_id["S06"]["disposition"], by_id["S06"]["ring_seconds"], by_id["S06"]["answered_at"]) == (
        "abandoned",
        45,
        None,
    )
    assert [k for k, r in by_id.items() if r["robot"]] == ["S12"]
    assert [k for k, r in by_id.items() if r["recorded"]] == ["S01", "S04"]
    assert by_id["S04"]["hangup_by"] == "agent" and by_id["S02"]["hangup_by"] == "system"


def test_transfer_folds_into_one_call(tmp_path: Path, duck: str) -> None:
    """S04: two participants (a2 accepted at T+320, a3 at T+405) are one call: the agent is the first
    to accept, the talk is the call's Duration 180 (the participants' 80 + 95 = 175 is not summed),
    answered at T+320 = 10:05:20; S05's participant A1@example.com is the SeatUser (mail compared
    without case), so the call goes to its StaffNumber 8001."""
    _import(duck, write_response(tmp_path / "cdr.json"))
    calls = _stored(duck).filter(pl.col("call_id").is_in(["S04", "S05"]))
    assert calls.select("call_id", "agent_id", "talk_seconds", "ring_seconds").rows() == [
        ("S04", "a2@example.com", 180, 20),
        ("S05", "8001", 30, 10),
    ]
    assert str(calls["answered_at"][0]) == "2024-05-06 10:05:20"


def test_agents_and_teams_from_the_file(tmp_path: Path, duck: str) -> None:
    """Every agent of a stored call is added to ``agents`` with its skill group as team; an agent
    already known keeps its row."""
    engine = db.make_engine(duck)
    db.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.agents).values(agent_id="8001", team="老团队", site_id="SZ"))
    _import(engine, write_response(tmp_path / "cdr.json"))
    agents = db.read_frame(
        engine, sa.select(schema.agents.c.agent_id, schema.agents.c.team, schema.agents.c.site_id)
    )
    assert sorted(agents.rows()) == [("8001", "老团队", "SZ"), ("a2@example.com", "客服组", None)]


def test_agents_team_from_a_new_file(tmp_path: Path, duck: str) -> None:
    _import(duck, write_response(tmp_path / "cdr.json"))
    engine = db.make_engine(duck)
    agents = db.read_frame(engine, sa.select(schema.agents.c.agent_id, schema.agents.c.team))
    assert sorted(agents.rows()) == [("8001", "催收一组"), ("a2@example.com", "客服组")]


# --------------------------------------------------------------------------------------------
# Every shape gives the same calls
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "writer",
    [
        write_list,
        write_lines,
        write_csv,
        lambda p: write_csv(p, seat_as_json=True),
    ],
    ids=["bare-list", "json-lines", "csv", "csv-seat-json"],
)
def test_every_shape_stores_identical_calls(tmp_path: Path, writer: Any) -> None:
    """Invariant: the Response JSON and the same records as a bare list, JSON Lines, or CSV (SeatUser
    flattened or as one JSON cell) give identical stored calls (same salt) and the same rejects."""
    first = f"duckdb:///{tmp_path}/a.duckdb"
    second = f"duckdb:///{tmp_path}/b.duckdb"
    _import(first, write_response(tmp_path / "cdr.json"))
    report = _import(second, writer(tmp_path / "cdr.other"))
    assert (report.read, report.inserted, report.rejected) == (12, 7, 5)
    assert _stored(first).equals(_stored(second))


def test_json_lines_rejects_name_the_line(tmp_path: Path, duck: str) -> None:
    """In JSON Lines a reject's line is the file's line (records 1..10 on lines 1, 3, … 19; the
    page of S11 and S12 on line 21); a line that is not JSON is its own reject."""
    path = write_lines(tmp_path / "cdr.jsonl")
    path.write_text(path.read_text(encoding="utf-8") + '{"SessionId": "S13", \n', encoding="utf-8")
    report = _import(duck, path)
    assert (report.read, report.inserted, report.rejected) == (13, 7, 6)
    reasons = _rejects(Path(report.rejects_file))
    assert {k: v for k, v in reasons.items() if k != 22} == {
        2 * n - 1: r for n, r in REJECTS.items() if n < 11
    } | {21: REJECTS[11]}
    assert reasons[22].startswith("not valid JSON")


def test_csv_rejects_name_the_csv_line(tmp_path: Path, duck: str) -> None:
    """CSV: the header is line 1, so record n is on line n + 1."""
    report = _import(duck, write_csv(tmp_path / "cdr.csv"))
    assert _rejects(Path(report.rejects_file)) == {n + 1: r for n, r in REJECTS.items()}


def test_reimport_is_all_duplicates(tmp_path: Path, duck: str) -> None:
    """Pages saved twice (overlapping pagination): the second import stores nothing new."""
    _import(duck, write_response(tmp_path / "cdr.json"))
    before = _stored(duck)
    report = _import(duck, write_lines(tmp_path / "again.jsonl"))
    assert (report.inserted, report.duplicates, report.rejected) == (0, 7, 5)
    assert _stored(duck).equals(before)


def test_withheld_numbers_are_kept_and_missing_ones_rejected(tmp_path: Path, duck: str) -> None:
    """Outbound: a protected callee (number protection on, Callee empty) is stored without a
    customer id; a call with neither a number nor a protected id is a reject; a VoIP call's caller
    (CallType 3, an app user, not a number) gives no customer id and no reject."""
    base = {"Time": T, "EndedTimestamp": T + 30, "Duration": 0, "EndStatus": 202, "Caller": COMPANY}
    records = [
        {**base, "SessionId": "P1", "Direction": 1, "Callee": "", "ProtectedCallee": "pe-91c2"},
        {**base, "SessionId": "P2", "Direction": 1, "Callee": ""},
        {
            **base,
            "SessionId": "P3",
            "Direction": 0,
            "CallType": 3,
            "Caller": "app-user-42",
            "Callee": COMPANY,
        },
    ]
    report = _import(duck, write_list(tmp_path / "p.json", records))
    assert (report.inserted, report.rejected) == (2, 1)
    assert _rejects(Path(report.rejects_file)) == {2: "outbound call without a customer number"}
    assert _stored(duck).select("call_id", "callee_id", "caller_number").rows() == [
        ("P1", None, STORED_COMPANY),
        ("P3", None, STORED_COMPANY),
    ]


def test_callee_province_and_carrier_come_from_the_customer_number(tmp_path: Path, duck: str) -> None:
    """Tencent's records carry no callee province: it is read from the customer's number before it is
    hashed (fictitious numbers on real prefixes): outbound to 138-0100-0001 is 北京 / 中国移动, outbound
    to the Ürümqi landline 0991-2000001 is 新疆 (no carrier for a landline), and an inbound call from
    138-0100-0001 is also 北京 (the customer is the caller)."""
    base = {"Time": T, "EndedTimestamp": T + 30, "Duration": 0, "EndStatus": 202}
    records = [
        {**base, "SessionId": "G1", "Direction": 1, "Caller": COMPANY, "Callee": "13801000001"},
        {**base, "SessionId": "G2", "Direction": 1, "Caller": COMPANY, "Callee": "0991-2000001"},
        {**base, "SessionId": "G3", "Direction": 0, "Caller": "+86 138 0100 0001", "Callee": COMPANY},
    ]
    report = _import(duck, write_list(tmp_path / "g.json", records))
    assert (report.inserted, report.rejected) == (3, 0)
    assert _stored(duck).select("call_id", "callee_province", "callee_carrier").rows() == [
        ("G1", "北京", "中国移动"),
        ("G2", "新疆", None),
        ("G3", "北京", "中国移动"),
    ]


# --------------------------------------------------------------------------------------------
# Dispositions
# --------------------------------------------------------------------------------------------


def test_mapping_translates_unknown_and_overrides_codes(tmp_path: Path, duck: str) -> None:
    """``[dispositions]``: the unknown 999 becomes failed (by code), and ivrEnd-style overrides by
    name work too: ``busy`` (S03, by its EndStatusString) becomes failed."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[dispositions]\n"999" = "failed"\nbusy = "failed"\n', encoding="utf-8")
    report = _import(duck, write_response(tmp_path / "cdr.json"), mapping=mapping)
    assert (report.inserted, report.rejected) == (8, 4)
    by_id = dict(_stored(duck).select("call_id", "disposition").rows())
    assert (by_id["S07"], by_id["S03"]) == ("failed", "failed")


def test_every_documented_code_has_a_disposition(tmp_path: Path, duck: str) -> None:
    """One outbound record per EndStatus of the API reference (code only, then string only): each
    is stored (none rejected) with the table's disposition; ``ok`` ones are answered."""
    records = []
    for n, (code, (name, _disp)) in enumerate(sorted(END_STATUS.items())):
        base = {
            "Direction": 1,
            "Time": T + 100 * n,
            "EndedTimestamp": T + 100 * n + 5,
            "Duration": 0,
            "Caller": COMPANY,
            "Callee": f"0086100000{n:05d}",
        }
        records.append({**base, "SessionId": f"C{code}", "EndStatus": code})
        records.append({**base, "SessionId": f"N{code}", "EndStatusString": name})
    report = _import(duck, write_list(tmp_path / "codes.json", records))
    assert (report.inserted, report.rejected) == (2 * len(END_STATUS), 0)
    stored = dict(_stored(duck).select("call_id", "disposition").rows())
    for code, (_name, disp) in END_STATUS.items():
        assert stored[f"C{code}"] == disp and stored[f"N{code}"] == disp


# --------------------------------------------------------------------------------------------
# Files that are not Tencent CCC records
# --------------------------------------------------------------------------------------------


def test_other_json_is_refused_naming_the_missing_fields(tmp_path: Path, duck: str) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"data": [{"id": 1}], "total": 1}', encoding="utf-8")
    with pytest.raises(IngestError) as err:
        _import(duck, path)
    assert (
        "lacks the field(s) SessionId, Direction, Time (or StartTimestamp), EndStatus (or EndStatusString)"
        in (err.value.en)
    )
    assert "缺少字段" in err.value.zh and "Nothing was written" in err.value.en


def test_vicidial_csv_is_refused(tmp_path: Path, duck: str) -> None:
    with pytest.raises(IngestError, match="is not Tencent Cloud Contact Center"):
        _import(duck, samples.write_vicidial(tmp_path / "vicidial.csv"))


def test_api_error_and_broken_json_are_refused(tmp_path: Path, duck: str) -> None:
    error = tmp_path / "error.json"
    error.write_text(
        json.dumps({"Response": {"Error": {"Code": "AuthFailure", "Message": "bad key"}, "RequestId": "r"}}),
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="failed API call \\(Error AuthFailure: bad key\\)"):
        _import(duck, error)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "Response": {"TelCdrList": [\n', encoding="utf-8")
    with pytest.raises(IngestError, match="is not valid JSON"):
        _import(duck, broken)
    assert "calls" not in sa.inspect(db.make_engine(duck)).get_table_names()  # nothing was written


def test_times_that_are_not_timestamps_are_refused(tmp_path: Path, duck: str) -> None:
    """A file whose Time holds no time at all is not taken for call records; the message names the column."""
    records = [{**r, "Time": "soon"} for r in RECORDS]
    with pytest.raises(IngestError, match="The column time holds values that are not times: 'soon'"):
        _import(duck, write_list(tmp_path / "bad.json", records))


def test_empty_page_imports_nothing(tmp_path: Path, duck: str) -> None:
    report = _import(duck, write_response(tmp_path / "empty.json", []))
    assert (report.read, report.inserted, report.files[0].note) == (0, 0, "empty file")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def test_flatten_and_records_of() -> None:
    """The JSON shapes and the flattening the CSV columns mirror."""
    record = {"SessionId": "s", "SeatUser": {"StaffNumber": 8001, "Mail": None}, "IVRKeyPressed": ["1", "2"]}
    assert flatten(record) == {
        "sessionid": "s",
        "seatuser.staffnumber": "8001",
        "seatuser.mail": None,
        "ivrkeypressed": '["1","2"]',
    }
    assert records_of({"Response": {"TelCdrs": [record]}}) == ([record], None)
    assert records_of({"TelCdrList": []}) == ([], None)
    assert records_of([record, 3]) == ([record, 3], None)
    assert records_of({"Error": {"Code": "X", "Message": "y"}}) == ([], "X: y")
