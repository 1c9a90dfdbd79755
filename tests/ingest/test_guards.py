"""Guard rails of the importer (issue 12, points 5 and 8): every out-of-range or impossible value is
its row's reject with a reason, control characters and odd line ends never crash an import, an
import that inserted nothing while rejecting rows exits 2, and a cdr_custom ``Master.csv`` is
recognised (and imported with its preset).

Every number is fictitious (``100…`` mobiles do not exist). Each case writes one good record and
one bad one, so the file passes the format check, and reads the bad record's reason from the
rejects file as a user sees it: phone-like digit runs (7 or more digits) masked but the last two
(``2147483648`` → ``********48``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from core.cli import main
from core.infra import db
from core.ingest import IngestError, import_files
from tests.ingest import samples

#: 2^31, one more than the database's Integer columns hold; as the rejects file masks it.
BIG = "2147483648"
BIG_MASKED = "********48"


def reasons(report_file: str | None) -> list[tuple[int, str]]:
    """``(line, reason)`` of each row of a rejects file."""
    assert report_file is not None
    with open(report_file, encoding="utf-8-sig", newline="") as fh:
        return [(int(r["line"]), r["reason"]) for r in csv.DictReader(fh)]


def one_bad(path: Path, duck: str, fmt: str, bad_line: int, mapping: str | None = None) -> str:
    """Import ``path`` (one good record, one bad); the bad record's reason."""
    report = import_files(duck, [path], fmt, mapping=mapping)
    assert (report.read, report.inserted, report.rejected) == (2, 1, 1)
    [(line, reason)] = reasons(report.rejects_file)
    assert line == bad_line
    return reason


# --------------------------------------------------------------------------------------------
# Out-of-range and impossible values, format by format
# --------------------------------------------------------------------------------------------

A = samples.ROW_A  # 2024-05-06 09:00:00, answered 09:00:10, ended 09:01:10, duration 70, billsec 60
D = "2024-05-06 "

ASTERISK_CASES = [
    ({"billsec": BIG}, f"billsec '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
    ({"duration": BIG, "billsec": 60}, f"duration '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
    (
        {"start": "9999-01-01 09:00:00"},
        "start time '9999-01-01 09:00:00' outside the years 2000–2099",
    ),
    ({"start": "1970-01-01 08:00:00"}, "start time '1970-01-01 08:00:00' outside the years 2000–2099"),
    ({"end": D + "23:59:60"}, f"bad end time '{D}23:59:60'"),  # a leap second is not the next day
    ({"end": D + "08:59:00"}, "end time before start time"),
    # answered 09:00:10, ended 09:00:40: 30 s, yet billsec 60 (duration 70 is consistent with itself)
    ({"end": D + "09:00:40"}, "billsec longer than the call from answer to end"),
    # not answered, 09:00:00 → 09:00:20, billsec 60 ≤ duration 70 but longer than the call
    ({"answer": "", "end": D + "09:00:20"}, "billsec longer than the call from start to end"),
    ({"billsec": -5}, "negative duration"),
    ({"uniqueid": "u" * 65, "linkedid": "u" * 65}, "call_id longer than 64 characters"),
    ({"uniqueid": "u\x0b2", "linkedid": "u\x0b2"}, "call_id holds a control character"),
    ({"accountcode": "C" * 33}, "campaign_id longer than 32 characters"),
    ({"clid": '"Agent" <' + "9" * 33 + ">"}, "caller_number longer than 32 characters"),
]


@pytest.mark.parametrize(("changes", "reason"), ASTERISK_CASES)
def test_asterisk_out_of_range_values_are_row_rejects(
    tmp_path: Path, duck: str, changes: dict[str, object], reason: str
) -> None:
    """Master.csv: the bad record (line 2) is rejected with its reason; the good one goes in."""
    bad = {**A, "uniqueid": "u2", "linkedid": "u2", **changes}
    path = tmp_path / "Master.csv"
    path.write_text(samples.asterisk_line(A) + "\n" + samples.asterisk_line(bad) + "\n", encoding="utf-8")
    assert one_bad(path, duck, "asterisk-csv", 2) == reason


def test_asterisk_calldate_year_and_huge_duration(tmp_path: Path, duck: str) -> None:
    """The calldate schema: end = calldate + duration. A duration of 2^31 s (68 years) is a reject,
    not an overflowed time; a calldate in 9999 too."""
    from tests.ingest.test_asterisk import CDR_OLD

    def row(calldate: str, duration: object, uid: str) -> list[object]:
        return [calldate, '"Agent 8001" <95000001>', "8001", "10000000001", "from-internal", "SIP/8001-01",
                "SIP/trunk-01", "Dial", "SIP/trunk/10000000001,60", duration, 60, "ANSWERED", 3, "C01",
                uid, ""]  # fmt: skip

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([CDR_OLD, row(D + "09:00:00", 70, "u1"), row(D + "09:10:00", BIG, "u2")])
    w.writerow(row("9999-12-31 23:00:00", 70, "u3"))
    path = tmp_path / "cdr.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    report = import_files(duck, [path], "asterisk")
    assert (report.read, report.inserted, report.rejected) == (3, 1, 2)
    assert reasons(report.rejects_file) == [
        (3, f"duration '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
        (4, "calldate '9999-12-31 23:00:00' outside the years 2000–2099"),
    ]


F = "2024-05-07 "
FS_GOOD = ["Agent 1001", "1001", "10000000011", "default", F + "09:00:00", F + "09:00:07", F + "09:01:07",
           "67", "60", "NORMAL_CLEARING", "uuid-1", "", "C01", "PCMA", "PCMA"]  # fmt: skip
FS_AT = {n: i for i, n in enumerate(samples.FS_COLUMNS)}

FS_CASES = [
    ({"billsec": BIG}, f"billsec '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
    ({"start_stamp": "9999-05-07 09:00:00"}, "start_stamp '9999-05-07 09:00:00' outside the years 2000–2099"),
    ({"end_stamp": F + "23:59:60"}, f"bad end_stamp '{F}23:59:60'"),
    ({"end_stamp": F + "08:00:00"}, "end time before start time"),
    ({"end_stamp": F + "09:00:37"}, "billsec longer than the call from answer to end"),  # 30 s < 60
    ({"duration": "-1"}, "negative duration"),
    ({"uuid": "uuid\r2"}, "call_id holds a control character"),  # a stray CR inside a quoted field
]


@pytest.mark.parametrize(("changes", "reason"), FS_CASES)
def test_freeswitch_out_of_range_values_are_row_rejects(
    tmp_path: Path, duck: str, changes: dict[str, str], reason: str
) -> None:
    bad = list(FS_GOOD)
    bad[FS_AT["uuid"]] = "uuid-2"
    for name, value in changes.items():
        bad[FS_AT[name]] = value
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([FS_GOOD, bad])
    path = tmp_path / "Master.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    assert one_bad(path, duck, "freeswitch", 2) == reason


VICI_AT = {n: i for i, n in enumerate(samples.VICI_COLUMNS)}
# _vici(1, "09:00", 120, …): call_date 2024-05-08 09:00:00, epochs 1715130000 → 1715130120.
VICI_CASES = [
    ({"length_in_sec": BIG}, f"length_in_sec '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
    ({"call_date": "9999-05-08 09:00:00"}, "call_date '9999-05-08 09:00:00' outside the years 2000–2099"),
    ({"call_date": "2024-05-08 23:59:60"}, "bad call_date '2024-05-08 23:59:60'"),
    # 9,999,999,999 − 1,715,130,000 = 8,284,869,999 s: more than 2^31 − 1
    ({"end_epoch": "9999999999"}, "end_epoch − start_epoch out of range (larger than 2^31 − 1)"),
    ({"length_in_sec": "600"}, "length_in_sec longer than the call from start_epoch to end_epoch"),
    ({"length_in_sec": "-3"}, "negative length_in_sec"),
    ({"uniqueid": "1715130000.\x1f2"}, "call_id holds a control character"),
]


@pytest.mark.parametrize(("changes", "reason"), VICI_CASES)
def test_vicidial_out_of_range_values_are_row_rejects(
    tmp_path: Path, duck: str, changes: dict[str, str], reason: str
) -> None:
    good = samples._vici(1, "09:00", 120, "SALE", "10000000021", "6001")
    bad = samples._vici(2, "09:00", 120, "SALE", "10000000022", "6001")
    for name, value in changes.items():
        bad[VICI_AT[name]] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([samples.VICI_COLUMNS, good, bad])
    path = tmp_path / "vicidial_log.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    assert one_bad(path, duck, "vicidial", 3) == reason


CALLS_AT = {n: i for i, n in enumerate(samples.CANONICAL_CALLS_HEADER.split(","))}
K1 = samples.CANONICAL_CALLS[0]  # answered 09:00:05, ended 09:01:05, talk 60
CANONICAL_CASES = [
    ({"talk_seconds": BIG}, f"talk_seconds '{BIG_MASKED}' out of range (larger than 2^31 − 1)"),
    (
        {"ring_seconds": "99999999999999999999"},
        "ring_seconds '******************99' out of range (larger than 2^31 − 1)",
    ),
    ({"started_at": "9999-05-09 09:00:00"}, "started_at '9999-05-09 09:00:00' outside the years 2000–2099"),
    (
        {"started_at": "2024-05-09 08:59:60"},
        "started_at is not a time (YYYY-MM-DD HH:MM:SS): '2024-05-09 08:59:60'",
    ),
    ({"ended_at": "2024-05-09 08:00:00"}, "ended_at before answered_at"),
    ({"ended_at": "2024-05-09 09:00:35"}, "talk_seconds longer than the call from answer to end"),  # 30 s
    ({"talk_seconds": "-1"}, "negative talk_seconds"),
    ({"agent_id": "A" * 33}, "agent_id longer than 32 characters"),
    ({"campaign_id": "C\x0705"}, "campaign_id holds a control character"),
]


@pytest.mark.parametrize(("changes", "reason"), CANONICAL_CASES)
def test_canonical_calls_out_of_range_values_are_row_rejects(
    tmp_path: Path, duck: str, changes: dict[str, str], reason: str
) -> None:
    good = next(csv.reader([K1]))
    bad = list(good)
    bad[CALLS_AT["call_id"]] = "k-2"
    for name, value in changes.items():
        bad[CALLS_AT[name]] = value
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([samples.CANONICAL_CALLS_HEADER.split(","), good, bad])
    path = tmp_path / "calls.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    assert one_bad(path, duck, "canonical", 3) == reason


@pytest.mark.parametrize(
    ("name", "header", "good", "bad", "reason"),
    [
        (
            "agent_sessions.csv",
            "agent_id,login_at,logout_at,break_seconds",
            "A01,2024-05-09 09:00:00,2024-05-09 18:00:00,600",
            f"A02,2024-05-09 09:00:00,2024-05-09 18:00:00,{BIG}",
            f"break_seconds '{BIG_MASKED}' out of range (larger than 2^31 − 1)",
        ),
        (
            "agent_sessions.csv",
            "agent_id,login_at,logout_at,break_seconds",
            "A01,2024-05-09 09:00:00,2024-05-09 18:00:00,600",
            "A02,2024-05-09 09:00:00,9999-12-31 23:59:59,600",
            "logout_at '9999-12-31 23:59:59' outside the years 2000–2099",
        ),
        (
            # a plain date may predate 2000 (a licence, a hire date), not 1900; 9999-12-31 is a filler
            "licences.csv",
            "licence_no,business_code,coverage,valid_from,valid_to",
            "B2-20190001,B24,全国,1998-01-01,2029-01-01",
            "B2-20190002,B24,全国,2019-01-01,9999-12-31",
            "valid_to '9999-12-31' outside the years 1900–2099",
        ),
        (
            "agents.csv",
            "agent_id,team,site_id,employment,hired_on",
            "A01,T1,S1,staff,2019-03-01",
            "A\n02,T1,S1,staff,2019-03-01",  # quoted below: a line break inside the id
            "agent_id holds a control character",
        ),
    ],
)
def test_canonical_tables_out_of_range_values_are_row_rejects(
    tmp_path: Path, duck: str, name: str, header: str, good: str, bad: str, reason: str
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([header.split(","), good.split(","), bad.split(",")])
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    report = import_files(duck, [path], "canonical")
    assert (report.read, report.inserted, report.rejected) == (2, 1, 1)
    assert [r for _line, r in reasons(report.rejects_file)] == [reason]


# --------------------------------------------------------------------------------------------
# Line ends and control characters
# --------------------------------------------------------------------------------------------


def _master_text(newline: str) -> str:
    rows = [samples.ROW_A, {**samples.ROW_A, "uniqueid": "u2", "linkedid": "u2", "dst": "10000000002"}]
    return newline.join(samples.asterisk_line(r) for r in rows) + newline


def test_cr_only_file_reads_right(tmp_path: Path, duck: str, calls_of) -> None:
    """A file whose lines end in a lone CR (classic Mac OS) reads as two calls, same as with LF."""
    path = tmp_path / "Master.csv"
    path.write_bytes(_master_text("\r").encode())
    report = import_files(duck, [path], "asterisk-csv")
    assert (report.read, report.inserted, report.rejected) == (2, 2, 0)
    calls = calls_of(db.make_engine(duck))
    assert calls["call_id"].to_list() == ["1714957200.0001", "u2"]
    assert calls["talk_seconds"].to_list() == [60, 60]


def test_cr_only_canonical_with_header(tmp_path: Path, duck: str) -> None:
    """The canonical sample with CR line ends: same counts as with CRLF (5 in, 3 rejected)."""
    path = samples.write_canonical_calls(tmp_path / "calls.csv", newline="\r", bom=False)
    report = import_files(duck, [path], "canonical")
    assert {k: getattr(report, k) for k in samples.CANONICAL_COUNTS} == samples.CANONICAL_COUNTS


def test_stray_cr_and_nul_bytes_never_crash(tmp_path: Path, duck: str, calls_of) -> None:
    """Line 1: a stray CR in an unquoted field the importer does not store (lastapp) — Python's csv
    module used to raise "new-line character seen in unquoted field"; the record imports.
    Line 2: NUL bytes padding its uniqueid (a broken writer) are dropped: id ``u2``.
    Line 3: a CR inside its unquoted uniqueid: rejected, the id is never stored with the CR."""
    one = samples.asterisk_line(samples.ROW_A).replace('"Dial"', "Di\ral")
    two = samples.asterisk_line({**samples.ROW_A, "uniqueid": "u2\x00\x00", "linkedid": "u2\x00\x00"})
    three = samples.asterisk_line({**samples.ROW_A, "uniqueid": "u3", "linkedid": "u3"}).replace(
        '"u3"', "u\r3"
    )
    path = tmp_path / "Master.csv"
    path.write_bytes(f"{one}\n{two}\n{three}\n".encode())
    report = import_files(duck, [path], "asterisk-csv")
    assert (report.read, report.inserted, report.rejected) == (3, 2, 1)
    assert reasons(report.rejects_file) == [(3, "call_id holds a control character")]
    assert calls_of(db.make_engine(duck))["call_id"].to_list() == ["1714957200.0001", "u2"]


# --------------------------------------------------------------------------------------------
# Exit codes
# --------------------------------------------------------------------------------------------


def run(argv: list[str]) -> tuple[int, list[str]]:
    errors: list[str] = []
    return main(argv, stderr=errors.append), errors


@pytest.mark.parametrize("report", ["table", "json"])
def test_cli_exit_2_when_every_row_was_rejected(
    tmp_path: Path, duck: str, report: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two records, both rejected (bad dcontext, billsec 2^31): the report is printed and the rejects
    file written, and the exit code is 2 with a one-line reason on stderr."""
    rows = [{**A, "dcontext": "weird-ctx"}, {**A, "uniqueid": "u2", "linkedid": "u2", "billsec": BIG}]
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    code, errors = run(["import", "--format", "asterisk-csv", "--db", duck, "--report", report, str(path)])
    assert (code, errors) == (2, [])
    out = capsys.readouterr()
    assert out.err.endswith(  # after the progress bar, also on stderr
        f"\nerror: nothing was imported: 2 of 2 rows were rejected; see {tmp_path / 'Master.csv.rejects.csv'}\n"
    )
    assert ("0 of 2 rows imported" in out.out) if report == "table" else ('"rejected": 2' in out.out)
    assert (tmp_path / "Master.csv.rejects.csv").is_file()


def test_cli_exit_0_when_reimport_only_finds_duplicates(tmp_path: Path, duck: str) -> None:
    """Nothing new and nothing rejected (a re-import) is not an error: exit 0."""
    path = tmp_path / "Master.csv"
    path.write_text(samples.asterisk_line(A) + "\n", encoding="utf-8")
    assert run(["import", "--format", "asterisk-csv", "--db", duck, str(path)])[0] == 0
    assert run(["import", "--format", "asterisk-csv", "--db", duck, str(path)])[0] == 0


# --------------------------------------------------------------------------------------------
# cdr_custom Master.csv and [source] columns
# --------------------------------------------------------------------------------------------


def cdr_custom_line(v: dict[str, object]) -> str:
    """A record as the legacy mapping of Asterisk's sample cdr_custom.conf writes it: every field
    through CSV_QUOTE (quoted, quotes doubled), the last one (sequence) bare."""
    names = ("clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start",
             "answer", "end", "duration", "billsec", "disposition", "amaflags", "accountcode", "uniqueid",
             "userfield")  # fmt: skip
    return ",".join('"' + str(v.get(n, "")).replace('"', '""') + '"' for n in names) + f",{v['sequence']}"


G = "2024-05-10 "


def _custom(uid: str, agent: str, dst: str, hms: str, answer: str, end: str, dur: int, bill: int, disp: str):  # type: ignore[no-untyped-def]
    return {"clid": f'"Agent {agent}" <95000001>', "src": agent, "dst": dst, "dcontext": "from-internal",
            "channel": f"SIP/{agent}-0000000{uid[-1]}", "dstchannel": f"SIP/trunk-0000000{uid[-1]}",
            "lastapp": "Dial", "lastdata": f"SIP/trunk/{dst},60", "start": G + hms, "answer": answer,
            "end": end, "duration": dur, "billsec": bill, "disposition": disp, "amaflags": "DOCUMENTATION",
            "accountcode": "C01", "uniqueid": uid, "userfield": "", "sequence": 1}  # fmt: skip


#: Four calls by hand: 2 answered, talk 60 + 120 = 180 s; one no answer, one busy.
CUSTOM_ROWS = [
    _custom("1715302800.1", "8001", "10000000051", "09:00:00", G + "09:00:05", G + "09:01:05", 65, 60, "ANSWERED"),
    _custom("1715303100.2", "8002", "10000000052", "09:05:00", "", G + "09:05:20", 20, 0, "NO ANSWER"),
    _custom("1715303400.3", "8001", "10000000053", "09:10:00", G + "09:10:10", G + "09:12:10", 130, 120, "ANSWERED"),
    _custom("1715304000.4", "8002", "10000000054", "09:20:00", "", G + "09:20:03", 3, 0, "BUSY"),
]  # fmt: skip


def _write_custom(path: Path) -> Path:
    path.write_text("\n".join(cdr_custom_line(r) for r in CUSTOM_ROWS) + "\n", encoding="utf-8")
    return path


def test_cdr_custom_master_csv_is_refused_with_the_preset_named(tmp_path: Path, duck: str) -> None:
    """19 fields, like cdr_csv with peeraccount/linkedid/sequence, and field 10 (answer here) holds
    a time on 2 of 4 records: the time check alone let it through, then every row was rejected with a
    misleading reason ("missing start time", "unknown disposition 'DOCUMENTATION'": amaflags read as
    the disposition). Now the check names cdr_custom and the preset."""
    path = _write_custom(tmp_path / "Master.csv")
    with pytest.raises(IngestError) as caught:
        import_files(duck, [path], "asterisk-csv")
    err = caught.value
    assert "looks like a Master.csv written by cdr_custom" in err.en
    assert "--mapping asterisk-cdr-custom.toml" in err.en and "[source] columns" in err.en
    assert "cdr_custom" in err.zh and "--mapping asterisk-cdr-custom.toml" in err.zh
    assert db.check_schema(db.make_engine(duck))  # nothing written, not even the tables


def test_cdr_custom_preset_imports_right(tmp_path: Path, duck: str, calls_of) -> None:
    """With the preset: 4 calls, 2 answered, 180 s of talk, agents and campaign as in cdr_csv."""
    path = _write_custom(tmp_path / "Master.csv")
    report = import_files(duck, [path], "asterisk-csv", mapping="asterisk-cdr-custom.toml")
    assert (report.read, report.inserted, report.rejected) == (4, 4, 0)
    calls = calls_of(db.make_engine(duck))
    assert calls["disposition"].to_list() == ["answered", "no_answer", "answered", "busy"]
    assert calls["talk_seconds"].sum() == 180
    assert calls["agent_id"].to_list() == ["8001", "8002", "8001", "8002"]
    assert calls["caller_number"].unique().to_list() == ["95000001"]
    assert calls.row(0, named=True)["answered_at"] == datetime(2024, 5, 10, 9, 0, 5)


def test_source_columns_and_extra_columns_together_are_refused(tmp_path: Path, duck: str) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[source]\ncolumns = ["start", "end"]\nextra_columns = ["uniqueid"]\n', encoding="utf-8"
    )
    with pytest.raises(IngestError, match="cannot have both columns and extra_columns"):
        import_files(duck, [_write_custom(tmp_path / "Master.csv")], "asterisk-csv", mapping=mapping)


def test_source_columns_name_a_headerless_canonical_file(tmp_path: Path, duck: str, calls_of) -> None:
    """``[source] columns`` is honoured by the header formats too: the file then has no header line
    (MySQL's SELECT … INTO OUTFILE). The canonical sample without its header: the same 5 calls."""
    body = "\n".join(samples.CANONICAL_CALLS) + "\n"
    path = tmp_path / "calls.csv"
    path.write_text(body, encoding="utf-8")
    names = ", ".join(f'"{n}"' for n in samples.CANONICAL_CALLS_HEADER.split(","))
    mapping = tmp_path / "m.toml"
    mapping.write_text(f"[source]\ncolumns = [{names}]\n", encoding="utf-8")
    report = import_files(duck, [path], "canonical", mapping=mapping)
    assert {k: getattr(report, k) for k in samples.CANONICAL_COUNTS} == samples.CANONICAL_COUNTS
    assert calls_of(db.make_engine(duck))["call_id"].to_list() == ["k-1", "k-2", "k-3", "k-4", "k-5"]


def test_source_columns_refused_for_a_workbook(tmp_path: Path, duck: str) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["call_id"])  # type: ignore[union-attr]
    path = tmp_path / "calls.xlsx"
    book.save(path)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[source]\ncolumns = ["call_id"]\n', encoding="utf-8")
    with pytest.raises(IngestError, match="applies to text"):
        import_files(duck, [path], "canonical", mapping=mapping)


def test_bad_values_are_rejects_on_every_engine(any_engine, tmp_path: Path, calls_of) -> None:  # type: ignore[no-untyped-def]
    """What used to abort the whole file on PostgreSQL/MariaDB with the database's own text (an
    integer out of range, a NUL in a string) or be stored silently elsewhere is the row's reject on
    every engine: line 2 billsec 2^31, line 3 year 9999, line 4 a leap second; line 5's NUL padding
    is dropped (id ``u5``). Good: lines 1 and 5."""
    rows = [
        A,
        {**A, "uniqueid": "u2", "linkedid": "u2", "billsec": BIG},
        {**A, "uniqueid": "u3", "linkedid": "u3", "start": "9999-05-06 09:00:00"},
        {**A, "uniqueid": "u4", "linkedid": "u4", "end": D + "23:59:60"},
        {**A, "uniqueid": "u5\x00", "linkedid": "u5\x00"},
    ]
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    report = import_files(any_engine, [path], "asterisk-csv")
    assert (report.read, report.inserted, report.rejected) == (5, 2, 3)
    assert [line for line, _r in reasons(report.rejects_file)] == [2, 3, 4]
    assert calls_of(any_engine)["call_id"].to_list() == ["1714957200.0001", "u5"]
