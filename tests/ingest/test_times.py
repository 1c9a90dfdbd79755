"""Time parsing: every common CDR form of a time becomes naive Beijing local time.

Expected values are worked out by hand: 2025-06-02 03:36:51 UTC is 11:36:51 in Beijing (UTC+8), and
is the epoch second 1748835411 (20,241 days × 86,400 s + 3 h 36 min 51 s = 1,748,822,400 + 13,011).

Excel serials: day 0 is 1899-12-30 (Excel's day 1 is 1900-01-01, and it counts a 29 February 1900
that never was), so 2025-06-02 is serial 45810 (from 1899-12-30: 100 years to 1999-12-30 = 36,524
days, 1999-12-30 → 2025-06-02 = 9,286 days; 36,524 + 9,286 = 45,810). A fraction is the time of day:
0.4839 × 86,400 s = 41,808.96 s → 41,809 s (rounded to the second) = 11:36:49; 11:36:51 is
41,811 s = 0.483923611… of a day.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from core.infra import db
from core.ingest import IngestError, import_files
from core.ingest.parse import to_datetime
from tests.ingest.test_asterisk import CDR_OLD

BJ = datetime(2025, 6, 2, 11, 36, 51)

FORMS = [
    # written form, expected naive Beijing time (None: not a time)
    ("2025-06-02 11:36:51", BJ),  # naive: already Beijing
    ("2025-06-02 11:36:51+08", BJ),  # PostgreSQL's text of a timestamptz
    ("2025-06-02 11:36:51+08:00", BJ),
    ("2025-06-02 11:36:51+0800", BJ),
    ("2025-06-02 03:36:51+00", BJ),
    ("2025-06-01 22:36:51-05:00", BJ),  # 22:36 at UTC-5 = 03:36 UTC, the day after
    ("2025-06-02T11:36:51+08:00", BJ),  # ISO 8601
    ("2025-06-02T11:36:51.250+08:00", datetime(2025, 6, 2, 11, 36, 51, 250000)),
    ("2025-06-02 11:36:51.5+08", datetime(2025, 6, 2, 11, 36, 51, 500000)),
    ("2025-06-02T03:36:51Z", BJ),  # UTC
    ("2025-06-02T03:36:51.125Z", datetime(2025, 6, 2, 11, 36, 51, 125000)),
    ("2025-06-01T19:36Z", datetime(2025, 6, 2, 3, 36)),  # minutes only, across midnight
    ("1748835411", BJ),  # epoch seconds
    ("1748835411000", BJ),  # epoch milliseconds
    ("1748835411.25", datetime(2025, 6, 2, 11, 36, 51, 250000)),
    ("2025/06/02 11:36", datetime(2025, 6, 2, 11, 36)),
    ("2025-06-02", datetime(2025, 6, 2)),
    # Excel re-saved: serial numbers and its display forms
    ("45810.4839", datetime(2025, 6, 2, 11, 36, 49)),
    ("45810.48392361111", BJ),  # 41,810.99999... s rounds to 41,811 s
    ("45810", datetime(2025, 6, 2)),  # a date cell
    ("36526", datetime(2000, 1, 1)),  # the first serial read
    ("36525", None),  # 1999-12-31: outside the years 2000–2099, so a 5-digit id is never a time
    ("73051", None),  # 2100-01-01
    ("2025/6/2 11:36", datetime(2025, 6, 2, 11, 36)),  # Excel zh-CN display
    ("2025/6/2 11:36:51", BJ),
    ("2025-6-2 11:36:51", BJ),
    ("6/2/2025 11:36", None),  # 2 June or 6 February: not guessed
    ("2/6/2025", None),
    # a leap second is not a time (chrono would make it 00:00:00 of the next day)
    ("2025-06-02 23:59:60", None),
    ("2025-06-02T23:59:60+08:00", None),
    ("garbage", None),
    ("2025-06-02 11:36:51+8x", None),
    ("12345", None),  # neither 10 nor 13 digits
    ("174883541100", None),  # 12 digits
    ("2025-13-02 11:36:51+08", None),  # month 13
    (None, None),
]


@pytest.mark.parametrize(("written", "expected"), FORMS)
def test_each_time_form_gives_naive_beijing_time(written: str | None, expected: datetime | None) -> None:
    """Each written form parses to its hand-worked Beijing wall-clock time, or null."""
    out = to_datetime(pl.Series("t", [written], dtype=pl.String))
    assert out.dtype == pl.Datetime("us") and out.dtype.time_zone is None  # type: ignore[union-attr]
    assert out.item() == expected


def test_forms_mixed_in_one_column() -> None:
    """One column mixing forms: every row parses on its own (the plain fast path does not hide the others)."""
    values = [row[0] for row in FORMS]
    assert to_datetime(pl.Series("t", values, dtype=pl.String)).to_list() == [row[1] for row in FORMS]


def test_zone_applies_to_naive_times_only() -> None:
    """A mapping's zone converts naive times; a time with an offset or an epoch is an instant and is not
    shifted a second time."""
    s = pl.Series(
        "t", ["2025-06-02 03:36:51", "2025-06-02 11:36:51+08", "2025-06-02T03:36:51Z", "1748835411"]
    )
    assert to_datetime(s, "UTC").to_list() == [BJ, BJ, BJ, BJ]
    # the wrong answer: the offset time treated as UTC wall clock again (19:36:51)
    assert datetime(2025, 6, 2, 19, 36, 51) not in to_datetime(s, "UTC").to_list()


def test_excel_serial_is_wall_clock_in_the_mappings_zone() -> None:
    """A serial is naive wall-clock time, like ``2025-06-02 11:36:49``: in a UTC export it is 8 hours
    earlier than Beijing (11:36:49 UTC = 19:36:49 Beijing)."""
    s = pl.Series("t", ["45810.4839", "2025-06-02 11:36:49"])
    assert to_datetime(s, "UTC").to_list() == [datetime(2025, 6, 2, 19, 36, 49)] * 2


def test_epoch_seconds_and_serials_are_told_apart() -> None:
    """10 digits (with or without a fraction) are epoch seconds, 5 digits a serial day:
    1748835411 is 2025-06-02 11:36:51 in Beijing, 45810 midnight of the same day; a 6- to 9-digit
    number is neither."""
    s = pl.Series("t", ["1748835411", "1748835411.5", "45810.5", "458104", "174883541"])
    assert to_datetime(s).to_list() == [
        BJ,
        datetime(2025, 6, 2, 11, 36, 51, 500000),
        datetime(2025, 6, 2, 12),
        None,
        None,
    ]


def test_excel_resaved_csv_imports(tmp_path: Path, duck: str, calls_of) -> None:
    """A cdr export re-saved by Excel: calldate as serials. 45810.4839 → 11:36:49 (end = +70 s
    11:37:59, answer = end − 60 s 11:36:59); 45810.5 → 12:00:00."""
    path = _cdr(tmp_path / "cdr.csv", ["45810.4839", "45810.5"])
    report = import_files(duck, [path], "asterisk")
    assert (report.read, report.inserted, report.rejected) == (2, 2, 0)
    calls = calls_of(db.make_engine(duck))
    got = [(r["started_at"], r["answered_at"], r["ended_at"]) for r in calls.iter_rows(named=True)]
    assert got == [
        (
            datetime(2025, 6, 2, 11, 36, 49),
            datetime(2025, 6, 2, 11, 36, 59),
            datetime(2025, 6, 2, 11, 37, 59),
        ),
        (datetime(2025, 6, 2, 12), datetime(2025, 6, 2, 12, 0, 10), datetime(2025, 6, 2, 12, 1, 10)),
    ]


def test_excel_resaved_workbook_imports(tmp_path: Path, duck: str, calls_of) -> None:
    """A canonical calls.xlsx whose time cells Excel holds as plain numbers (format General) and as
    display text: started 45810.4839 → 11:36:49, answered '2025/6/2 11:36:59', ended 45810.484
    (0.484 × 86,400 = 41,817.6 s → 41,818 s = 11:36:58 — before the answer: rejected), and a second
    call ended 45810.4847 (41,878.08 s → 11:37:58). Talk 59 s ≤ 11:36:59 → 11:37:58."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "calls"
    sheet.append(
        ["call_id", "direction", "started_at", "answered_at", "ended_at", "talk_seconds", "disposition"]
    )
    sheet.append(["x-1", "out", 45810.4839, "2025/6/2 11:36:59", 45810.4847, 59, "answered"])
    sheet.append(["x-2", "out", 45810.4839, "2025/6/2 11:36:59", 45810.484, 0, "answered"])
    path = tmp_path / "calls.xlsx"
    book.save(path)
    report = import_files(duck, [path], "canonical", rejects_dir=tmp_path)
    assert (report.read, report.inserted, report.rejected) == (2, 1, 1)
    row = calls_of(db.make_engine(duck)).row(0, named=True)
    assert (row["started_at"], row["answered_at"], row["ended_at"]) == (
        datetime(2025, 6, 2, 11, 36, 49),
        datetime(2025, 6, 2, 11, 36, 59),
        datetime(2025, 6, 2, 11, 37, 58),
    )
    rejects = (tmp_path / "calls.xlsx.rejects.csv").read_text(encoding="utf-8-sig")
    assert "ended_at before answered_at" in rejects


def test_ambiguous_day_month_is_named(tmp_path: Path, duck: str) -> None:
    """calldate written 6/2/2025 (Excel en-US display): refused, and the message says why."""
    path = _cdr(tmp_path / "cdr.csv", ["6/2/2025 11:36", "6/2/2025 12:00"])
    with pytest.raises(IngestError) as caught:
        import_files(duck, [path], "asterisk")
    assert "A date such as 6/2/2025 is ambiguous" in caught.value.en
    assert "6/2/2025 这样的日期无法判断" in caught.value.zh


def _cdr(path: Path, calldates: list[str]) -> Path:
    """An Asterisk cdr export (older calldate schema, header) with one answered call per calldate."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CDR_OLD)
        for i, calldate in enumerate(calldates):
            w.writerow([calldate, '"Agent 8001" <95000001>', "8001", f"1000000000{i}", "from-internal",
                        f"SIP/8001-0{i}", f"SIP/trunk-0{i}", "Dial", f"SIP/trunk/1000000000{i},60", 70, 60,
                        "ANSWERED", 3, "C01", f"1748835411.000{i}", ""])  # fmt: skip
    return path


def test_calldate_with_offsets_imports(tmp_path: Path, duck: str, calls_of) -> None:
    """A cdr export whose calldate carries PostgreSQL's +08 (and a Z) imports with Beijing started_at;
    end = calldate + duration (70 s), answer = end - billsec (60 s)."""
    path = _cdr(tmp_path / "cdr.csv", ["2025-06-02 11:36:51+08", "2025-06-02T04:00:00Z"])
    report = import_files(duck, [path], "asterisk")
    assert (report.read, report.inserted, report.rejected) == (2, 2, 0)
    calls = calls_of(db.make_engine(duck))
    got = [(r["started_at"], r["answered_at"], r["ended_at"]) for r in calls.iter_rows(named=True)]
    assert got == [
        (BJ, datetime(2025, 6, 2, 11, 37, 1), datetime(2025, 6, 2, 11, 38, 1)),
        (datetime(2025, 6, 2, 12), datetime(2025, 6, 2, 12, 0, 10), datetime(2025, 6, 2, 12, 1, 10)),
    ]


def test_garbage_time_column_is_named(tmp_path: Path, duck: str) -> None:
    """A file whose calldate is not a time is refused; the message names calldate and shows the values
    it could not read, in zh and en, with no customer number in clear."""
    path = _cdr(tmp_path / "cdr.csv", ["yesterday noon", "13800000000", "yesterday noon"])
    with pytest.raises(IngestError) as caught:
        import_files(duck, [path], "asterisk")
    err = caught.value
    assert "0 of the first 3 records fit" in err.en
    assert "The column calldate holds values that are not times: 'yesterday noon', '*********00'." in err.en
    assert "列 calldate 中有无法识别的时间:'yesterday noon', '*********00'。" in err.zh
    assert "13800000000" not in str(err) and "10000000000" not in str(err)
    assert "Accepted time forms" in err.en and "2025-06-02 11:36:51+08" in err.en
