"""Dispositions: Asterisk's numeric codes, the mapping's ``[dispositions]`` section in every format,
and FreeSWITCH's transfer causes.

Every file here is written by hand below; numbers are fictitious (100 0000 xxxx has no subscriber).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from core.infra import db
from core.ingest import IngestError, import_files
from core.ingest.mapping import load_mapping
from tests.ingest import samples
from tests.ingest.conftest import read_calls

CDR_COLUMNS = [
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
    "linkedid",
]

#: (minute, duration, billsec, disposition as cdr_adaptive_odbc writes it into an integer column)
NUMERIC_ROWS = [
    (0, 70, 60, "8"),  # AST_CDR_ANSWERED
    (1, 25, 0, "0"),  # AST_CDR_NOANSWER
    (2, 3, 0, "4"),  # AST_CDR_BUSY
    (3, 1, 0, "2"),  # AST_CDR_FAILED
    (4, 2, 0, "16"),  # AST_CDR_CONGESTION
    (5, 0, 0, "1"),  # AST_CDR_NULL
    (6, 40, 30, "8"),  # AST_CDR_ANSWERED
    (7, 20, 0, "NO ANSWER"),  # the text form still reads
]


def write_numeric_cdr(path: Path) -> Path:
    """A cdr table export (calldate schema) whose disposition column holds Asterisk's numbers."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CDR_COLUMNS)
        for minute, duration, billsec, disposition in NUMERIC_ROWS:
            uid = f"1714957200.{minute + 1:04d}"
            dst = f"1000000010{minute}"
            w.writerow([f"2024-05-06 09:{minute:02d}:00", '"Agent 8001" <95000001>', "8001", dst,
                        "from-internal", f"SIP/8001-0{minute}", f"SIP/trunk-0{minute}", "Dial",
                        f"SIP/trunk/{dst},60", duration, billsec, disposition, 3, "C01", uid, uid])  # fmt: skip
    return path


def dispositions(url: str) -> dict[str, int]:
    """How many calls of each disposition the database holds."""
    return dict(Counter(read_calls(db.make_engine(url))["disposition"].to_list()))


def test_numeric_asterisk_dispositions_import_without_mapping(tmp_path: Path, duck: str, calls_of) -> None:
    """0/1/2/4/8/16 read as no_answer/no_answer/failed/busy/answered/failed; no row rejected."""
    report = import_files(duck, [write_numeric_cdr(tmp_path / "cdr.csv")], "asterisk")
    assert (report.read, report.inserted, report.rejected) == (8, 8, 0)
    # 8 calls: answered minutes 0 and 6; no answer 1, 5 (NULL) and 7; busy 2; failed 3 and 4.
    assert dispositions(duck) == {"answered": 2, "no_answer": 3, "busy": 1, "failed": 2}
    calls = calls_of(db.make_engine(duck))
    answered = calls.filter(pl.col("disposition") == "answered")
    assert answered["talk_seconds"].to_list() == [60, 30]


def test_dispositions_section_overrides_asterisk_numbers(tmp_path: Path, duck: str) -> None:
    """An Asterisk 1.4 mapping ("1" = failed, "4" = no_answer) wins over the built-in numbers."""
    mapping = tmp_path / "ast14.toml"
    mapping.write_text('[dispositions]\n"1" = "failed"\n" 4 " = "No_Answer"\n', encoding="utf-8")
    report = import_files(duck, [write_numeric_cdr(tmp_path / "cdr.csv")], "asterisk", mapping=mapping)
    assert (report.inserted, report.rejected) == (8, 0)
    # Minute 5 (1) is now failed, minute 2 (4) no answer: not busy any more.
    assert dispositions(duck) == {"answered": 2, "no_answer": 3, "failed": 3}


def test_unknown_asterisk_disposition_names_the_section(tmp_path: Path, duck: str) -> None:
    """A code neither table knows is rejected, and the reason says where to add it."""
    path = tmp_path / "cdr.csv"
    write_numeric_cdr(path)
    path.write_text(path.read_text(encoding="utf-8").replace(",16,", ",32,"), encoding="utf-8")
    report = import_files(duck, [path], "asterisk")
    assert (report.inserted, report.rejected) == (7, 1)
    text = Path(report.rejects_file or "").read_text(encoding="utf-8-sig")
    assert "unknown disposition '32' (add it to [dispositions] in the mapping)" in text


def test_vicidial_custom_statuses_via_dispositions(tmp_path: Path, duck: str, calls_of) -> None:
    """[dispositions] adds a campaign's status (ZZZ → abandoned) and overrides a preset one (NA → busy)."""
    mapping = tmp_path / "vici.toml"
    mapping.write_text('[dispositions]\nzzz = "abandoned"\nNA = "busy"\n', encoding="utf-8")
    path = samples.write_vicidial(tmp_path / "vicidial_log.csv")
    report = import_files(duck, [path], "vicidial", mapping=mapping)
    assert (report.inserted, report.duplicates, report.rejected) == (12, 1, 0)
    calls = calls_of(db.make_engine(duck))
    disp = dict(zip(calls["call_id"].str.slice(-2).to_list(), calls["disposition"].to_list(), strict=True))
    assert (disp["11"], disp["02"]) == ("abandoned", "busy")
    # Without the section: 11 calls, 1 no answer (02), 2 busy (03 04), 2 abandoned (07 08), ZZZ
    # rejected. With it: 12 calls, answered 01 09 10 12, busy 02 03 04, failed 05 06, abandoned 07 08 11.
    assert dispositions(duck) == {"answered": 4, "busy": 3, "failed": 2, "abandoned": 3}


def test_canonical_calls_with_chinese_dispositions(tmp_path: Path, duck: str) -> None:
    """A canonical calls file in the centre's own words: 接通 → answered, 未接 → no_answer, DROP → abandoned."""
    header = "call_id,direction,started_at,answered_at,ended_at,talk_seconds,disposition,callee_id"
    rows = [
        "z-1,out,2024-05-09 09:00:00,2024-05-09 09:00:05,2024-05-09 09:01:05,60,接通,+86 100 0000 0051",
        "z-2,out,2024-05-09 09:10:00,,2024-05-09 09:10:20,0,未接,+86 100 0000 0052",
        "z-3,in,2024-05-09 09:20:00,,2024-05-09 09:20:30,0, drop ,+86 100 0000 0053",
        "z-4,out,2024-05-09 09:30:00,,2024-05-09 09:30:02,0,BUSY,+86 100 0000 0054",
        "z-5,out,2024-05-09 09:40:00,,2024-05-09 09:40:02,0,挂断,+86 100 0000 0055",
    ]
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    mapping = tmp_path / "zh.toml"
    mapping.write_text(
        '[dispositions]\n"接通" = "answered"\n"未接" = "no_answer"\nDROP = "abandoned"\n', encoding="utf-8"
    )
    report = import_files(duck, [path], "canonical", mapping=mapping)
    # z-4 is a canonical value (any case); z-5 is in neither: rejected, not guessed.
    assert (report.inserted, report.rejected) == (4, 1)
    assert dispositions(duck) == {"answered": 1, "no_answer": 1, "abandoned": 1, "busy": 1}
    text = Path(report.rejects_file or "").read_text(encoding="utf-8-sig")
    assert "unknown disposition '挂断'" in text


def test_unknown_canonical_value_is_refused_at_load(tmp_path: Path) -> None:
    """A [dispositions] value that is not a canonical disposition is refused, naming the key, in zh and en."""
    bad = tmp_path / "m.toml"
    bad.write_text('[dispositions]\nANSWERED = "answered"\n"接通" = "connected"\n', encoding="utf-8")
    for fmt in ("asterisk", "freeswitch", "vicidial", "canonical"):
        with pytest.raises(IngestError) as err:
            load_mapping(fmt, bad)
        assert '[dispositions] "接通" = "connected" is not a known disposition' in err.value.en
        assert '"接通"' in err.value.zh and "ANSWERED" not in err.value.en


def test_dispositions_keys_are_normalised(tmp_path: Path) -> None:
    """Keys are trimmed and upper-cased, values lower-cased; the preset's tables are left as they were."""
    path = tmp_path / "m.toml"
    path.write_text('[dispositions]\n" drop " = "Abandoned"\n8 = "answered"\n', encoding="utf-8")
    m = load_mapping("vicidial", path)
    assert m.dispositions == {"DROP": "abandoned", "8": "answered"}
    assert m.statuses["DROP"] == "abandoned" and load_mapping("vicidial").dispositions == {}


def test_freeswitch_transfer_causes_import(tmp_path: Path, duck: str, calls_of) -> None:
    """BLIND_TRANSFER / ATTENDED_TRANSFER: answered when answered, else no_answer; none rejected."""
    f = "2024-05-07 "
    rows = [
        # answered, then transferred blind by the agent
        ("1001", "10000000061", "default", f + "09:00:00", f + "09:00:05", f + "09:01:05", 65, 60, "BLIND_TRANSFER"),
        # answered, attended transfer
        ("1001", "10000000062", "default", f + "09:10:00", f + "09:10:04", f + "09:10:34", 34, 30, "ATTENDED_TRANSFER"),
        # transferred before anyone answered this leg
        ("1002", "10000000063", "default", f + "09:20:00", "", f + "09:20:10", 10, 0, "BLIND_TRANSFER"),
        # an inbound call picked up at another phone, and one declined by the callee's side
        ("01000000064", "95000003", "public", f + "09:30:00", "", f + "09:30:08", 8, 0, "PICKED_OFF"),
        ("1002", "10000000065", "default", f + "09:40:00", "", f + "09:40:03", 3, 0, "decline"),
    ]  # fmt: skip
    path = tmp_path / "Master.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for n, (num, dst, ctx, start, answer, end, dur, bill, cause) in enumerate(rows, 1):
            w.writerow(["", num, dst, ctx, start, answer, end, dur, bill, cause,
                        f"a1b2c3d4-0000-4000-8000-{n:012d}", "", "C03", "PCMA", "PCMA"])  # fmt: skip
    report = import_files(duck, [path], "freeswitch")
    assert (report.read, report.inserted, report.rejected) == (5, 5, 0)
    calls = calls_of(db.make_engine(duck))
    got = dict(zip(calls["call_id"].str.slice(-1).to_list(), calls["disposition"].to_list(), strict=True))
    assert got == {"1": "answered", "2": "answered", "3": "no_answer", "4": "no_answer", "5": "rejected"}
    assert calls["talk_seconds"].to_list() == [60, 30, 0, 0, 0]


def test_freeswitch_dispositions_section_wins_over_causes_and_abandon_rule(
    tmp_path: Path, duck: str, calls_of
) -> None:
    """[dispositions] ORIGINATOR_CANCEL = no_answer: the inbound cancel is no longer abandoned; answered stays."""
    mapping = tmp_path / "fs.toml"
    mapping.write_text(
        '[dispositions]\noriginator_cancel = "no_answer"\nNORMAL_CLEARING = "failed"\n', encoding="utf-8"
    )
    path = samples.write_freeswitch(tmp_path / "Master.csv")
    report = import_files(duck, [path], "freeswitch", mapping=mapping)
    assert (report.inserted, report.rejected) == (6, 2)
    calls = calls_of(db.make_engine(duck))
    got = dict(zip(calls["call_id"].str.slice(-2).to_list(), calls["disposition"].to_list(), strict=True))
    # 05 was abandoned by the preset's rule; 01 04 06 ended NORMAL_CLEARING but were answered.
    assert got == {"01": "answered", "02": "no_answer", "03": "busy", "04": "answered", "05": "no_answer",
                   "06": "answered"}  # fmt: skip
