"""Encoding detection: the same bytes always give the same, right answer.

The property tests once read a UTF-8 file as GB18030 (北京 became 鍖椾含): the file held two valid
UTF-8 characters and two stray ``\\xff`` bytes, and the old rule ("GB18030 when fewer than two in
three non-ASCII characters are valid UTF-8") said GB18030 although ``\\xff`` is no more GB18030
than UTF-8. Hypothesis draws such a file for about one Master.csv test run in a hundred.
"""

from __future__ import annotations

from pathlib import Path

from core.infra import db
from core.ingest import import_files
from core.ingest.readers import SAMPLE_BYTES, detect_encoding
from tests.ingest import samples
from tests.ingest.conftest import read_calls
from tests.ingest.test_property import build_rows

SPEC = {
    "direction": "out",
    "disposition": "answered",
    "ring": 5,
    "talk": 60,
    "two_way": "true",
    "form": "100{n:08d}",
    "quoted": False,
}


def test_utf8_with_stray_bytes_is_not_taken_for_gbk(duck: str, tmp_path: Path) -> None:
    """One whole row with 北京, two cut rows ending in \\xff: read as UTF-8, 北京 arrives, two rejects."""
    lines, _expected = build_rows([SPEC, SPEC, SPEC])
    data = b"\n".join(
        [
            samples.CANONICAL_CALLS_HEADER.encode(),
            lines[0].encode(),
            lines[1][:30].encode() + b"\xff",
            lines[2][:30].encode() + b"\xff",
        ]
    )
    assert detect_encoding(data) == "utf-8"
    path = tmp_path / "calls.csv"
    path.write_bytes(data + b"\n")
    report = import_files(duck, [path], "canonical")
    assert (report.files[0].encoding, report.read, report.inserted, report.rejected) == ("utf-8", 3, 1, 2)
    calls = read_calls(db.make_engine(duck))
    assert calls["callee_province"].to_list() == ["北京"]


def test_master_csv_drawn_by_hypothesis_stays_utf8() -> None:
    """The Master.csv damage hypothesis drew ({0, 5}: \\xff inserted; 4 cut; 7 bad time): UTF-8, not GB18030."""
    lines = [samples.asterisk_line(r) for r in samples.ASTERISK_ROWS[:10]]
    out: list[bytes] = []
    for i, line in enumerate(lines):
        if i in (0, 5):
            p = {0: 2743, 5: 4385}[i] % len(line)
            out.append(line[:p].encode() + b"\xff" + line[p:].encode())
        elif i == 4:
            out.append(line[: 6439 % len(line)].encode())
        else:
            out.append(line.encode())
    data = b"\n".join(out) + b"\n"
    text = data.decode("utf-8", errors="replace")
    assert (text.count("张三"), text.count("\ufffd")) == (1, 2)  # two valid characters, two bad bytes
    assert detect_encoding(data) == "utf-8"


def test_gbk_is_still_gbk_with_or_without_a_stray_byte() -> None:
    """GBK text decodes whole as GB18030 (and a stray \\xff is bad in both encodings)."""
    gbk = "呼叫中心业务,北京,广东\n".encode("gbk")
    assert detect_encoding(gbk) == "gb18030"
    assert detect_encoding(gbk + b"\xff") == "gb18030"


def test_sample_boundary_is_a_character_edge() -> None:
    """A 1 MB sample cut inside 京 is UTF-8; so is one ending with a whole 京 and a letter (the old
    rule dropped three bytes and made a broken character of it, then said GB18030)."""
    whole = b"a" * (SAMPLE_BYTES - 4) + "京".encode() + b"a"
    cut = b"a" * (SAMPLE_BYTES - 2) + "京".encode()[:2]
    assert len(whole) == len(cut) == SAMPLE_BYTES
    assert detect_encoding(whole) == "utf-8"
    assert detect_encoding(cut) == "utf-8"
    # A short file is whole: its cut character is a real bad byte, and here GB18030 reads it.
    assert detect_encoding(b"a,b\n" + "京".encode()[:2]) == "gb18030"
