"""FreeSWITCH mod_cdr_csv, VICIdial vicidial_log and the canonical format: counts, values, metrics.

Expected values are worked out by hand from ``samples.py``.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest import IngestError, import_files
from core.ingest.numbers import customer_id
from core.semantic.metrics import compute_metrics
from tests.ingest import samples


def counts(report) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {k: getattr(report, k) for k in ("read", "inserted", "merged", "duplicates", "rejected")}


def metrics(url: str, day: date, keys: list[str]) -> dict[str, object]:
    return compute_metrics(db.make_engine(url), day, day, metrics=keys).row(0, named=True)


# --------------------------------------------------------------------------------------------
# FreeSWITCH
# --------------------------------------------------------------------------------------------


def test_freeswitch_default_template(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """The 'example' template: answered, no answer, busy, inbound answered and abandoned; two rejects."""
    path = samples.write_freeswitch(tmp_path / "Master.csv")
    report = import_files(duck, [path], "freeswitch")
    assert counts(report) == samples.FS_COUNTS
    calls = calls_of(db.make_engine(duck))
    by_id = {r["call_id"][-2:]: r for r in calls.to_dicts()}
    assert {k: (v["direction"], v["disposition"]) for k, v in by_id.items()} == {
        "01": ("out", "answered"),
        "02": ("out", "no_answer"),
        "03": ("out", "busy"),
        "04": ("in", "answered"),
        "05": ("in", "abandoned"),
        "06": ("out", "answered"),
    }
    first = by_id["01"]
    assert (first["ring_seconds"], first["talk_seconds"], first["agent_id"], first["campaign_id"]) == (
        7,
        60,
        "1001",
        "C03",
    )
    inbound = by_id["04"]
    assert (
        inbound["caller_number"],
        inbound["agent_id"],
        inbound["ring_seconds"],
        inbound["talk_seconds"],
    ) == (
        "95000003",
        None,
        15,
        300,
    )
    assert inbound["callee_id"] == customer_id("010-0000-0014", key)
    assert by_id["02"]["callee_id"] == customer_id("+86 100 0000 0012", key)
    values = metrics(
        duck,
        date(2024, 5, 7),
        ["outbound_calls", "inbound_calls", "connected_calls", "connect_rate", "effective_calls", "avg_talk_seconds",
         "inbound_answer_rate", "inbound_abandon_rate", "service_level_20s"],
    )  # fmt: skip
    # out: 01 02 03 06; connected 01 (60 s) and 06 (20 s, not effective); in: 04 answered (ring 15), 05 abandoned.
    assert values == {
        "outbound_calls": 4,
        "inbound_calls": 2,
        "connected_calls": 2,
        "connect_rate": 0.5,
        "effective_calls": 1,
        "avg_talk_seconds": 40.0,
        "inbound_answer_rate": 0.5,
        "inbound_abandon_rate": 0.5,
        "service_level_20s": 0.5,
    }


def test_freeswitch_compiled_in_template(tmp_path: Path, duck: str) -> None:
    """The 13-field template mod_cdr_csv uses when none is configured is recognised too."""
    path = samples.write_freeswitch(tmp_path / "Master.csv", fields=13)
    report = import_files(duck, [path], "freeswitch")
    assert counts(report) == samples.FS_COUNTS


def test_freeswitch_rejects_name_the_cause(tmp_path: Path, duck: str) -> None:
    path = samples.write_freeswitch(tmp_path / "fs.csv")
    report = import_files(duck, [path], "freeswitch")
    text = Path(report.rejects_file or "").read_text(encoding="utf-8-sig")
    assert "unknown hangup_cause 'WEIRD_CAUSE' (add it to [causes])" in text
    assert "unknown direction: context lab" in text


# --------------------------------------------------------------------------------------------
# VICIdial
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t"], ids=["csv", "tsv"])
def test_vicidial_statuses(tmp_path: Path, duck: str, key: bytes, calls_of, delimiter: str) -> None:
    """DROP/PDROP → abandoned, NA → no_answer, B/AB → busy, DC/ADC → failed, DNC kept (and listed)."""
    path = samples.write_vicidial(tmp_path / "vicidial_log.csv", delimiter=delimiter)
    report = import_files(duck, [path], "vicidial")
    assert counts(report) == samples.VICI_COUNTS
    assert report.dnc_added == 1
    calls = calls_of(db.make_engine(duck))
    disp = dict(zip(calls["call_id"].str.slice(-2).to_list(), calls["disposition"].to_list(), strict=True))
    assert disp == {
        "01": "answered",
        "02": "no_answer",
        "03": "busy",
        "04": "busy",
        "05": "failed",
        "06": "failed",
        "07": "abandoned",
        "08": "abandoned",
        "09": "answered",
        "10": "answered",
        "12": "answered",
    }
    one = calls.filter(pl.col("call_id").str.ends_with("01")).row(0, named=True)
    assert (one["agent_id"], one["campaign_id"], one["talk_seconds"], one["hangup_by"]) == (
        "6001",
        "C04",
        120,
        "customer",
    )
    assert (one["ended_at"] - one["started_at"]).total_seconds() == 120
    dropped = calls.filter(pl.col("call_id").str.ends_with("07")).row(0, named=True)
    assert (dropped["agent_id"], dropped["talk_seconds"]) == (None, 0)  # VDAD is the dialer, not a person
    foreign = calls.filter(pl.col("call_id").str.ends_with("12")).row(0, named=True)
    assert foreign["callee_id"] == customer_id("+1 202 555 0142", key)
    dnc = db.read_frame(db.make_engine(duck), sa.select(*schema.dnc.columns))
    assert dnc.rows() == [
        (customer_id("+86 100 0000 0029", key), datetime(2024, 5, 8, 10, 0, 30), "vicidial:DNC")
    ]
    values = metrics(
        duck,
        date(2024, 5, 8),
        ["outbound_calls", "connected_calls", "abandon_rate", "effective_calls", "dnc_calls"],
    )
    # 11 calls; connected 01 09 10 12; abandoned 07 08 → 2 / (4 + 2); the 12:00 call follows the 10:00 DNC.
    assert values == {
        "outbound_calls": 11,
        "connected_calls": 4,
        "abandon_rate": pytest.approx(1 / 3),
        "effective_calls": 4,
        "dnc_calls": 1,
    }


def test_vicidial_unknown_status_rejected_and_mapping_adds_it(tmp_path: Path, duck: str) -> None:
    path = samples.write_vicidial(tmp_path / "vicidial_log.csv")
    report = import_files(duck, [path], "vicidial")
    assert "unknown status 'ZZZ' (add it to [statuses] in the mapping)" in Path(
        report.rejects_file or ""
    ).read_text(encoding="utf-8-sig")
    mapping = tmp_path / "vici.toml"
    mapping.write_text('[statuses]\nZZZ = "answered"\n', encoding="utf-8")
    again = import_files(duck, [path], "vicidial", mapping=mapping)
    assert (again.inserted, again.duplicates, again.rejected, again.rejects_file) == (1, 12, 0, None)
    assert not (tmp_path / "vicidial_log.csv.rejects.csv").exists()  # the stale rejects file is gone


# --------------------------------------------------------------------------------------------
# Canonical
# --------------------------------------------------------------------------------------------


def test_canonical_calls_csv(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """BOM, CRLF, quoted fields; clear numbers hashed, a hashed id kept; codes, order and signs checked."""
    path = samples.write_canonical_calls(tmp_path / "calls.csv")
    report = import_files(duck, [path], "canonical")
    assert counts(report) == samples.CANONICAL_COUNTS
    calls = calls_of(db.make_engine(duck))
    assert calls["call_id"].to_list() == ["k-1", "k-2", "k-3", "k-4", "k-5"]
    assert calls["callee_id"].to_list() == [
        customer_id("+86 100 0000 0041", key),
        customer_id("+86 100 0000 0042", key),
        customer_id("010-0000-0043", key),
        samples.PREHASHED,
        customer_id("+86 100 0000 0041", key),
    ]
    k3 = calls.row(2, named=True)
    assert (k3["two_way_voice"], k3["robot"], k3["agent_id"], k3["callee_province"]) == (
        True,
        True,
        None,
        "新疆",
    )
    k5 = calls.row(4, named=True)
    assert (k5["disposition"], k5["two_way_voice"], k5["recorded"], k5["robot"]) == (
        "answered",
        True,
        True,
        False,
    )
    assert report.inferred_two_way_voice == 1  # k-3 had no value: answered, 32 s → true, marked
    text = Path(report.rejects_file or "").read_text(encoding="utf-8-sig")
    assert "unknown direction 'sideways' (one of in, out)" in text
    assert "ended_at before started_at" in text
    assert "negative talk_seconds" in text
    assert "0000 0046" not in text and "+** *** **** **46" in text
    values = metrics(duck, date(2024, 5, 9), ["outbound_calls", "connected_calls", "effective_calls", "reached_customers",
                                                "blocked_region_calls", "robot_share"])  # fmt: skip
    # out: k-1 k-2 k-3 k-5; connected k-1 k-3 k-5 (customers 41, 43, 41); effective k-1 (60 s) k-3 (32 s).
    assert values == {
        "outbound_calls": 4,
        "connected_calls": 3,
        "effective_calls": 2,
        "reached_customers": 2,
        "blocked_region_calls": 1,
        "robot_share": 0.25,
    }


def test_canonical_gbk_agents_excel_sessions_parquet(tmp_path: Path, duck: str) -> None:
    """Agents in GBK with Chinese teams, sessions in Parquet, campaigns in an Excel sheet named after the table."""
    agents = tmp_path / "agents.csv"
    agents.write_bytes("agent_id,team,site_id,employment,hired_on,left_on\nA01,北京一组,S1,staff,2024-01-02,\n"
                       "A02,外包二组,S1,Outsourced,2024/03/01,\nA03,北京一组,S1,temp,2024-01-02,\n".encode("gbk"))  # fmt: skip
    sessions = tmp_path / "agent_sessions.parquet"
    pl.DataFrame(
        {
            "agent_id": ["A01", "A02"],
            "login_at": [datetime(2024, 5, 9, 8, 0), datetime(2024, 5, 9, 9, 0)],
            "logout_at": [datetime(2024, 5, 9, 17, 0), datetime(2024, 5, 9, 12, 0)],
            "break_seconds": [3600, 0],
        }
    ).write_parquet(sessions)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "campaigns"
    sheet.append(["campaign_id", "name", "purpose", "client", "client_industry", "script_id", "dialer"])
    sheet.append(["C05", "信用卡分期", "marketing", "某银行", "银行", None, "predictive"])
    notes = book.create_sheet("说明")
    notes.append(["这一页不是数据"])
    workbook = tmp_path / "reference.xlsx"
    book.save(workbook)
    for path in (agents, sessions, workbook):
        report = import_files(duck, [path], "canonical")
        assert report.balanced
    engine = db.make_engine(duck)
    teams = db.read_frame(
        engine, sa.select(schema.agents.c.agent_id, schema.agents.c.team, schema.agents.c.employment)
    )
    assert sorted(teams.rows()) == [
        ("A01", "北京一组", "staff"),
        ("A02", "外包二组", "outsourced"),
    ]  # A03: 'temp'
    assert db.row_counts(engine, [schema.agent_sessions, schema.campaigns]) == {
        "agent_sessions": 2,
        "campaigns": 1,
    }
    values = compute_metrics(engine, date(2024, 5, 9), date(2024, 5, 9), metrics=["logged_in_hours"]).row(
        0, named=True
    )
    assert values["logged_in_hours"] == pytest.approx(11.0)  # (9 h − 1 h break) + 3 h


def test_canonical_rename_and_unknown_table(tmp_path: Path, duck: str) -> None:
    """Chinese headers through [rename]; a file whose table cannot be told asks for --table."""
    path = tmp_path / "名单.csv"
    path.write_text("号码,加入时间,来源\n+86 100 0000 0051,2024-05-01 10:00:00,12321\n", encoding="utf-8")
    with pytest.raises(IngestError, match="pass --table"):
        import_files(duck, [path], "canonical")
    mapping = tmp_path / "dnc.toml"
    mapping.write_text(
        '[rename]\n"号码" = "callee_id"\n"加入时间" = "added_at"\n"来源" = "source"\n', encoding="utf-8"
    )
    report = import_files(duck, [path], "canonical", table="dnc", mapping=mapping)
    assert (report.read, report.inserted) == (1, 1)


def test_canonical_wrong_columns_suggest_format(tmp_path: Path, duck: str) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "calldate,src,dst,dcontext,billsec\n2024-05-06 09:00:00,8001,10000000001,from-internal,60\n"
    )
    with pytest.raises(IngestError, match="use --format asterisk"):
        import_files(duck, [path], "canonical")
    assert sa.inspect(db.make_engine(duck)).get_table_names() == []


@pytest.mark.parametrize(
    "content", [b"", b"\r\n\r\n", CANON := samples.CANONICAL_CALLS_HEADER.encode() + b"\n"]
)
def test_canonical_empty_files(tmp_path: Path, duck: str, content: bytes) -> None:
    """Empty, blank and header-only files import nothing and are not errors."""
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    report = import_files(duck, [path], "canonical")
    assert counts(report) == {"read": 0, "inserted": 0, "merged": 0, "duplicates": 0, "rejected": 0}


def test_no_clear_number_anywhere_in_the_database(tmp_path: Path, duck: str) -> None:
    """After importing every format, no text column of any table holds a customer's digits."""
    import_files(duck, [samples.write_master(tmp_path / "Master.csv")], "asterisk-csv")
    import_files(duck, [samples.write_freeswitch(tmp_path / "fs.csv")], "freeswitch")
    import_files(duck, [samples.write_vicidial(tmp_path / "vicidial_log.csv")], "vicidial")
    import_files(duck, [samples.write_canonical_calls(tmp_path / "calls.csv")], "canonical")
    engine = db.make_engine(duck)
    dump = io.StringIO()
    for name in sa.inspect(engine).get_table_names():
        frame = db.read_frame(engine, sa.text(f'SELECT * FROM "{name}"'))
        frame.write_csv(dump)
    text = dump.getvalue()
    # Every customer number of the samples, normalised, is 1000000xxx(x); the foreign one 12025550142.
    assert re.findall(r"(?<!\d)1000000\d{3,4}(?!\d)|5550142", text) == []
    assert re.findall(r"(?<!\d)1000000\d{3,4}(?!\d)", "x,10000000041,y")  # the pattern does find one
