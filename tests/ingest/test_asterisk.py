"""Asterisk: Master.csv (no header; forks folded by linkedid, or uniqueid on old systems) and the
``cdr`` table exported with a header (older ``calldate`` and newer ``start/answer/end`` schemas).

Expected values are worked out by hand from the day in ``samples.py``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db
from core.ingest import IngestError, import_files
from core.ingest.numbers import customer_id
from core.semantic.metrics import compute_metrics
from tests.ingest import samples

DAY = date(2024, 5, 6)


def T(hms: str) -> datetime:
    return datetime.fromisoformat(f"2024-05-06 {hms}")


def expected_calls(key: bytes) -> pl.DataFrame:
    """The eight calls of the Asterisk day, by call id (hand-made from the table in samples.py)."""
    c = {k: customer_id(v, key) for k, v in samples.CUSTOMERS.items()}
    rows = [
        # call_id, dir, started, answered, ended, ring, talk, two_way, disposition, agent, campaign, caller, callee
        ("1714957200.0001", "out", "09:00:00", "09:00:10", "09:01:10", 10, 60, True, "answered", "8001", "C01", "95000001", c["c1"]),
        ("1714960800.0003", "in", "10:00:00", "10:00:12", "10:03:12", 12, 180, True, "answered", "8002", None, "95000001", c["c3"]),
        ("1714964400.0006", "in", "11:00:00", None, "11:00:46", 46, 0, False, "abandoned", None, None, "95000001", c["c4"]),
        ("1714968000.0007", "out", "12:00:00", "12:00:08", "12:01:08", 8, 60, True, "answered", "8001", "C01", "95000001", c["c5"]),
        ("1714971600.0010", "out", "13:00:00", None, "13:00:30", 30, 0, False, "no_answer", "8002", "C01", "95000001", c["c6"]),
        ("1714971900.0012", "out", "13:05:00", None, "13:05:03", 3, 0, False, "busy", "8002", "C01", "95000001", c["c7"]),
        ("1714975200.0014", "out", "14:00:00", "14:00:05", "14:00:08", 5, 3, False, "answered", "8001", "C01", "95000001", c["c1"]),
        ("1714978800.0016", "out", "15:00:00", "15:00:06", "15:00:46", 6, 40, True, "answered", "8003", "C02", "95000002", c["c8"]),
    ]  # fmt: skip
    return pl.DataFrame(
        [
            (i, d, T(s), T(a) if a else None, T(e), r, t, tw, disp, ag, camp, caller, callee)
            for i, d, s, a, e, r, t, tw, disp, ag, camp, caller, callee in rows
        ],
        schema={
            "call_id": pl.String,
            "direction": pl.String,
            "started_at": pl.Datetime("us"),
            "answered_at": pl.Datetime("us"),
            "ended_at": pl.Datetime("us"),
            "ring_seconds": pl.Int64,
            "talk_seconds": pl.Int64,
            "two_way_voice": pl.Boolean,
            "disposition": pl.String,
            "agent_id": pl.String,
            "campaign_id": pl.String,
            "caller_number": pl.String,
            "callee_id": pl.String,
        },
        orient="row",
    )


#: Metrics of the day, by hand: 6 outbound (A D E F G H), 2 inbound (B C); connected A D G H;
#: effective (talk >= 30 and two-way) A D H; talk of connected 60+60+3+40; effective human talk
#: A 60 + B 180 + D 60 + H 40 = 340 s; handle = every call with an agent: 60+180+60+0+0+3+40 = 343 s.
EXPECTED_METRICS = {
    "outbound_calls": 6,
    "inbound_calls": 2,
    "outbound_share": 0.75,
    "connected_calls": 4,
    "connect_rate": 4 / 6,
    "effective_calls": 3,
    "effective_rate": 0.5,
    "effective_of_connected": 0.75,
    "reached_customers": 3,
    "effective_customers": 3,
    "attempts_per_effective_customer": 2.0,
    "avg_talk_seconds": 40.75,
    "inbound_answer_rate": 0.5,
    "inbound_abandon_rate": 0.5,
    "service_level_20s": 0.5,
    "short_call_ratio": 0.25,
    "abandon_rate": 0.0,
    "robot_share": 0.0,
    "effective_talk_hours": 340 / 3600,
    "handle_hours": 343 / 3600,
}


def assert_day(engine: sa.Engine, key: bytes, calls_of: Callable[[sa.Engine], pl.DataFrame]) -> None:
    got = calls_of(engine).select(expected_calls(key).columns)
    assert got.to_dicts() == expected_calls(key).to_dicts()
    values = compute_metrics(engine, DAY, DAY, metrics=list(EXPECTED_METRICS)).row(0, named=True)
    for name, want in EXPECTED_METRICS.items():
        assert values[name] == pytest.approx(want), name


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("gbk", "\r\n"), ("utf-8", "\n")],
    ids=["gbk-crlf", "utf8-lf"],
)
def test_master_csv_day(tmp_path: Path, duck: str, key: bytes, calls_of, encoding: str, newline: str) -> None:
    """Master.csv (GBK + CRLF, or UTF-8): exact counts, every call's values and the day's metrics."""
    path = samples.write_master(tmp_path / "Master.csv", encoding=encoding, newline=newline)
    report = import_files(duck, [path], "asterisk-csv")
    assert {k: getattr(report, k) for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert report.balanced
    assert report.files[0].encoding == ("gb18030" if encoding == "gbk" else "utf-8")
    assert report.inferred_two_way_voice == 5  # the answered calls A B D G H
    engine = db.make_engine(duck)
    assert_day(engine, key, calls_of)


def test_rejects_file_has_lines_reasons_and_no_clear_number(tmp_path: Path, duck: str) -> None:
    """The three bad records are listed with their line numbers and reasons; numbers are masked."""
    path = samples.write_master(tmp_path / "Master.csv")
    report = import_files(duck, [path], "asterisk-csv")
    assert report.rejects_file == str(tmp_path / "Master.csv.rejects.csv")
    with open(report.rejects_file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["line"], r["reason"]) for r in rows] == [
        ("12", "bad start time '2024-13-45 99:00:00'"),
        ("13", "unknown direction: dcontext weird-ctx (add it to [direction] in or out of the mapping)"),
        ("14", "unbalanced quote"),
    ]
    text = Path(report.rejects_file).read_text(encoding="utf-8-sig")
    assert "10000000009" not in text and "*********09" in text


def test_reimport_inserts_nothing(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """The same file again: every leg is a duplicate of a stored leg (11 = 14 read - 3 rejected; the
    2 forks are no longer merged a second time), nothing is inserted or replaced."""
    path = samples.write_master(tmp_path / "Master.csv")
    import_files(duck, [path], "asterisk-csv")
    again = import_files(duck, [path], "asterisk-csv")
    assert (again.read, again.inserted, again.merged, again.duplicates, again.rejected) == (14, 0, 0, 11, 3)
    assert again.inferred_two_way_voice == 0
    assert calls_of(db.make_engine(duck)).height == 8


def test_forks_folded_across_chunks_and_partitions(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """With 2-line chunks (so many spill partitions), fork legs far apart still fold into one call."""
    rows = list(samples.ASTERISK_ROWS)
    rows.append(rows.pop(2))  # the answered leg of B moves to the end of the file, far from its sibling
    path = tmp_path / "Master.csv"
    path.write_text(
        "\n".join(samples.asterisk_line(r) for r in rows) + "\n" + samples.TRUNCATED, encoding="utf-8"
    )
    report = import_files(duck, [path], "asterisk-csv", chunk_rows=2)
    assert {k: getattr(report, k) for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert_day(db.make_engine(duck), key, calls_of)


def test_old_master_csv_folds_by_uniqueid(tmp_path: Path, duck: str, calls_of) -> None:
    """18 fields (no linkedid): a ring group's two rows share a uniqueid and become one call."""
    legs = [samples.ASTERISK_ROWS[1], samples.ASTERISK_ROWS[2]]
    lines = [samples.asterisk_line(r).rsplit(",", 3)[0] for r in legs]  # drop peeraccount, linkedid, sequence
    path = tmp_path / "Master-old.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_files(duck, [path], "asterisk-csv")
    assert (report.read, report.inserted, report.merged) == (2, 1, 1)
    call = calls_of(db.make_engine(duck)).row(0, named=True)
    assert (call["call_id"], call["disposition"], call["agent_id"], call["talk_seconds"]) == (
        "1714960800.0003",
        "answered",
        "8002",
        180,
    )


CDR_OLD = [
    "calldate",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "uniqueid",
    "userfield",
]


def test_cdr_export_calldate_schema_with_bom(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """The older cdr table (calldate, no answer/end): end = calldate + duration, answer = end - billsec."""
    path = tmp_path / "cdr.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CDR_OLD)
        w.writerow(["2024-05-06 09:00:00", '"Agent 8001" <95000001>', "8001", "10000000001", "from-internal",
                    "SIP/8001-01", "SIP/trunk-02", "Dial", "SIP/trunk/10000000001,60", 70, 60, "ANSWERED", 3, "C01",
                    "1714957200.0001", ""])  # fmt: skip
        w.writerow(["2024-05-06 13:00:00", '"Agent 8002" <95000001>', "8002", "10000000006", "from-internal",
                    "SIP/8002-03", "SIP/trunk-04", "Dial", "SIP/trunk/10000000006,60", 30, 0, "NO ANSWER", 3, "C01",
                    "1714971600.0010", ""])  # fmt: skip
    report = import_files(duck, [path], "asterisk")
    assert (report.read, report.inserted, report.rejected) == (2, 2, 0)
    calls = calls_of(db.make_engine(duck))
    first = calls.row(0, named=True)
    assert (first["answered_at"], first["ended_at"], first["ring_seconds"], first["talk_seconds"]) == (
        T("09:00:10"),
        T("09:01:10"),
        10,
        60,
    )
    assert first["callee_id"] == customer_id(samples.CUSTOMERS["c1"], key)
    assert calls.row(1, named=True)["disposition"] == "no_answer"


def test_cdr_export_start_answer_end_schema(tmp_path: Path, duck: str, key: bytes, calls_of) -> None:
    """The newer schema (start/answer/end, linkedid, sequence); MySQL's zero date means no answer."""
    names = list(samples.MASTER_COLUMNS)
    path = tmp_path / "cdr_new.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for row in samples.ASTERISK_ROWS[:10]:
            values = [row.get(n, "") for n in names]
            values[names.index("answer")] = values[names.index("answer")] or "0000-00-00 00:00:00"
            w.writerow(values)
    report = import_files(duck, [path], "asterisk")
    assert (report.read, report.inserted, report.merged, report.duplicates, report.rejected) == (
        10,
        8,
        2,
        0,
        0,
    )
    engine = db.make_engine(duck)
    assert_day(engine, key, calls_of)


def test_empty_master_csv(tmp_path: Path, duck: str) -> None:
    """An empty file imports nothing, says so, and is not an error."""
    path = tmp_path / "Master.csv"
    path.write_bytes(b"")
    report = import_files(duck, [path], "asterisk-csv")
    assert (report.read, report.inserted, report.rejected, report.rejects_file) == (0, 0, 0, None)
    assert report.files[0].note == "empty file"


def test_wrong_format_stops_before_writing(tmp_path: Path, duck: str) -> None:
    """A FreeSWITCH file given as Master.csv stops with a clear message; not even a table is created."""
    path = samples.write_freeswitch(tmp_path / "fs.csv")
    with pytest.raises(IngestError, match=r"does not look like Asterisk Master\.csv"):
        import_files(duck, [path], "asterisk-csv")
    engine = db.make_engine(duck)
    assert sa.inspect(engine).get_table_names() == []
    assert not (tmp_path / "fs.csv.rejects.csv").exists()


def test_header_file_given_as_master_csv(tmp_path: Path, duck: str) -> None:
    """A cdr export with a header, given as Master.csv, is told to use --format asterisk."""
    path = tmp_path / "cdr.csv"
    path.write_text(",".join(CDR_OLD) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="use --format asterisk"):
        import_files(duck, [path], "asterisk-csv")


def test_mapping_overrides_direction_and_timezone(tmp_path: Path, duck: str, calls_of) -> None:
    """A mapping file adds a context to [direction] and says the times are UTC (usegmtime=yes)."""
    row = dict(samples.ASTERISK_ROWS[12], start="2024-05-06 01:00:00", end="2024-05-06 01:00:30")  # weird-ctx
    path = tmp_path / "Master.csv"
    path.write_text(samples.asterisk_line(row) + "\n", encoding="utf-8")
    mapping = tmp_path / "pbx.toml"
    mapping.write_text(
        'format = "asterisk-csv"\n[source]\ntimezone = "UTC"\n[direction]\nout = ["weird-*"]\n',
        encoding="utf-8",
    )
    report = import_files(duck, [path], "asterisk-csv", mapping=mapping)
    assert (report.inserted, report.rejected) == (1, 0)
    call = calls_of(db.make_engine(duck)).row(0, named=True)
    assert (call["direction"], call["started_at"]) == ("out", T("09:00:00"))  # 01:00 UTC = 09:00 Beijing


@pytest.mark.parametrize("limit", [None, "3GB"])
def test_the_commit_restores_duckdbs_memory_limit(tmp_path: Path, duck: str, limit: str | None) -> None:
    """The rows of the unindexed calls table go in under a lowered memory limit (core.ingest.sink);
    the instance's own limit, shared with every open connection of the process (here one held open
    across the import, as the app's would be), is back afterwards: the default exactly, a limit set
    by hand as DuckDB shows it. The import is whole."""
    engine = db.make_engine(duck)
    setting = sa.text("SELECT current_setting('memory_limit')")
    with engine.connect() as held:
        if limit:
            held.execute(sa.text(f"SET memory_limit = '{limit}'"))
        before = held.execute(setting).scalar_one()
        report = import_files(engine, [samples.write_master(tmp_path / "Master.csv")], "asterisk-csv")
        after = held.execute(setting).scalar_one()
    if limit:
        assert before == after == "2.7 GiB"
    else:
        assert after == before
    assert {k: getattr(report, k) for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert db.row_counts(engine, [db.schema.calls])["calls"] == samples.ASTERISK_COUNTS["inserted"]
