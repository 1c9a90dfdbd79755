"""Time parsing: every common CDR form of a time becomes naive Beijing local time.

Expected values are worked out by hand: 2025-06-02 03:36:51 UTC is 11:36:51 in Beijing (UTC+8), and
is the epoch second 1748835411 (20,241 days × 86,400 s + 3 h 36 min 51 s = 1,748,822,400 + 13,011).
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
