"""The watcher on files: a growing Master.csv, a rotated one, a folder of exports (tests/watch/conftest.py
has the 13 sample lines and what each gives, worked by hand). The watched database is a DuckDB file;
the watcher runs in-process (``Watcher.poll`` is one poll of ``python -m core watch --once``)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from core.watch import BatchInfo, Watcher, parse
from core.watch.sources import HEAD_BYTES
from tests.watch.conftest import LINES, count, imports, positions_of


def _watcher(url: str, *specs: str, tmp_path: Path, seen: list[BatchInfo] | None = None) -> Watcher:
    """A watcher whose batches are collected in ``seen`` (its hook) and whose log goes nowhere."""

    def hook(_engine: object, info: BatchInfo) -> None:
        if seen is not None and info.report is not None:
            seen.append(info)

    return Watcher(
        url,
        [parse(s) for s in specs],
        rejects_dir=tmp_path / "rejects",
        alerts=tmp_path / "alerts.toml",
        hook=hook,
        out=io.StringIO(),
        err=io.StringIO(),
    )


def _counts(info: BatchInfo) -> tuple[int, int, int, int, int]:
    r = info.report
    assert r is not None
    return (r.read, r.inserted, r.merged, r.duplicates, r.rejected)


def test_growing_master_csv_in_steps(tmp_path: Path) -> None:
    """Lines appended in three steps, the first step ending in half a line (still being written):

    * step 1: lines 0-4 and half of line 5 → lines 0-4 read: A, B (B2 merged), C, D1 → 4 calls;
    * step 2: the rest of line 5 and lines 6-9 → D2 merged into D, E-H → 8 calls;
    * step 3: lines 10-12 → A again (duplicate), K and L rejected → still 8 calls.

    A poll with nothing new imports nothing; a new watcher (a restart) reads on from the stored position."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:5]) + "\n" + LINES[5][:40])
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    assert watcher.poll() == 0
    assert count(url) == 4
    with master.open("a") as fh:
        fh.write(LINES[5][40:] + "\n" + "\n".join(LINES[6:10]) + "\n")
    assert watcher.poll() == 0
    assert count(url) == 8
    with master.open("a") as fh:
        fh.write("\n".join(LINES[10:]) + "\n")
    assert watcher.poll() == 0
    assert watcher.poll() == 0  # nothing new
    watcher.close()
    assert [_counts(i) for i in seen] == [(5, 4, 1, 0, 0), (5, 4, 1, 0, 0), (3, 0, 0, 1, 2)]
    assert count(url) == 8 and imports(url) == 3 and positions_of(url) == 3
    assert all(i.alerts == tmp_path / "alerts.toml" for i in seen)
    # The rejects of the third batch, named after the byte they start at.
    start = sum(len(line.encode()) + 1 for line in LINES[:10])  # bytes: line H has 张三
    assert (tmp_path / "rejects" / f"Master.from-{start}.csv.rejects.csv").is_file()

    restarted = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    with master.open("a") as fh:
        fh.write(LINES[0] + "\n")  # A once more: a duplicate
    assert restarted.poll() == 0
    restarted.close()
    assert _counts(seen[-1]) == (1, 0, 0, 1, 0)
    assert count(url) == 8 and imports(url) == 4


def test_rotated_file_finishes_the_old_tail_then_reads_the_new_file(tmp_path: Path) -> None:
    """Lines 0-4 read (4 calls); then lines 5-6 appended (D2, E), the file renamed to Master.csv.1 and
    a new Master.csv started with lines 7-9 (F, G, H). One poll reads the old file's tail (D2 merged,
    E: 5 calls) and then the new file (8 calls). A new file replacing the followed one in place
    (copytruncate: same inode, smaller) is read from its start: line 10 (A again) is a duplicate."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:5]) + "\n")
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    watcher.poll()
    assert count(url) == 4
    with master.open("a") as fh:
        fh.write("\n".join(LINES[5:7]) + "\n")
    master.rename(tmp_path / "Master.csv.1")
    master.write_text("\n".join(LINES[7:10]) + "\n")
    watcher.poll()
    assert [_counts(i) for i in seen[1:]] == [(2, 1, 1, 0, 0), (3, 3, 0, 0, 0)]
    assert seen[1].note == "rotated file Master.csv.1"
    assert count(url) == 8
    master.write_text(LINES[10] + "\n")  # truncated and rewritten in place: shorter than the offset
    watcher.poll()
    watcher.close()
    assert _counts(seen[-1]) == (1, 0, 0, 1, 0)
    assert count(url) == 8 and imports(url) == 4


def test_rotation_by_first_bytes_when_the_new_file_is_as_long(tmp_path: Path) -> None:
    """A file replaced in place by one at least as long (same inode, first bytes changed) is a new
    file: read from byte 0. Lines 0-4 first (4 calls), then the file rewritten with lines 6-9 and
    10 (E-H and A again, longer than lines 0-4): 4 more calls and a duplicate."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:5]) + "\n")
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    watcher.poll()
    inode = master.stat().st_ino
    text = "\n".join(LINES[6:11]) + "\n"
    assert len(text) >= master.stat().st_size and len(text) > HEAD_BYTES
    with master.open("r+") as fh:  # rewritten through the same inode
        fh.write(text)
    assert master.stat().st_ino == inode
    watcher.poll()
    watcher.close()
    assert _counts(seen[-1]) == (5, 4, 0, 1, 0)
    assert count(url) == 8


def test_folder_takes_each_settled_file_once(tmp_path: Path) -> None:
    """A folder with ``a.csv`` (lines 0-4, settled: modified 120 s ago), ``b.csv.part`` (being written)
    and ``c.csv`` (just modified, within the 60 s settle time): only a.csv is taken (4 calls). Then
    b.csv.part renamed into place as b.csv (lines 5-12, settled) and c.csv (lines 0-1, A and B1 again)
    settled: both taken, one batch each (b: D2 merged, E-H, A again, K and L rejected → 8 calls;
    c: two duplicates). A poll with nothing new imports nothing; a file that is not Master.csv at all is
    noted as failed once, and taken again only when it changes."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    past = time.time() - 120
    (inbox / "a.csv").write_text("\n".join(LINES[:5]) + "\n")
    os.utime(inbox / "a.csv", (past, past))
    (inbox / "b.csv.part").write_text("\n".join(LINES[5:]) + "\n")
    os.utime(inbox / "b.csv.part", (past, past))
    (inbox / "c.csv").write_text("\n".join(LINES[:2]) + "\n")
    seen: list[BatchInfo] = []
    spec = f"folder:{inbox}?format=asterisk-csv&settle=60"
    watcher = _watcher(url, spec, tmp_path=tmp_path, seen=seen)
    watcher.poll()
    assert [i.note for i in seen] == ["a.csv"]
    assert count(url) == 4
    (inbox / "b.csv.part").rename(inbox / "b.csv")
    os.utime(inbox / "c.csv", (past + 1, past + 1))
    watcher.poll()
    watcher.poll()
    assert [i.note for i in seen] == ["a.csv", "b.csv", "c.csv"]
    assert [_counts(i) for i in seen[1:]] == [(8, 4, 1, 1, 2), (2, 0, 0, 2, 0)]
    assert count(url) == 8 and imports(url) == 3
    # Rejects went to --rejects, not into the watched folder.
    assert (tmp_path / "rejects" / "b.csv.rejects.csv").is_file()
    assert sorted(p.name for p in inbox.iterdir()) == ["a.csv", "b.csv", "c.csv"]

    (inbox / "junk.csv").write_text("hello,world\nthis is,not a CDR\n")
    os.utime(inbox / "junk.csv", (past, past))
    assert watcher.poll() == 0
    assert watcher.poll() == 0
    watcher.close()
    err = watcher.err.getvalue()  # type: ignore[attr-defined]
    assert err.count("junk.csv not imported") == 1
    assert count(url) == 8 and imports(url) == 3

    restarted = _watcher(url, spec, tmp_path=tmp_path, seen=seen)
    restarted.poll()
    restarted.close()
    assert len(seen) == 3  # a restart takes nothing again


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus:/x", "expected file:PATH"),
        ("file:/x/Master.csv", "no format="),
        ("file:/x/Master.csv?format=tencent-ccc", "format=tencent-ccc does not apply"),
        ("folder:/no/such/dir?format=asterisk", "no such folder"),
        ("table:sqlite:///x.sqlite#cdr", "MySQL/MariaDB or PostgreSQL"),
        ("table:mysql+pymysql://u:secret@h/cdrdb#cdr?column=x;drop", "not a valid column name"),
        ("table:mysql+pymysql://u:secret@h/cdrdb", "no #TABLE"),
        ("file:/x/M.csv?format=asterisk-csv&every=3", "unknown option every"),
    ],
)
def test_a_bad_source_is_one_line_and_exit_2(
    spec: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each mistake: exit 2, one line naming it (the password never shown)."""
    from core.cli import main

    assert main(["watch", "--db", "duckdb:///:memory:", "--source", spec, "--once"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "secret" not in err


def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--every 0, no --source, an --alerts file that does not exist: exit 2 with one line each."""
    from core.cli import main

    src = f"file:{tmp_path / 'M.csv'}?format=asterisk-csv"
    for argv, message in (
        (["watch", "--source", src, "--every", "0"], "must be positive"),
        (["watch", "--once"], "--source"),
        (["watch", "--source", src, "--alerts", str(tmp_path / "none.toml")], "--alerts: no such file"),
        (["watch", "--source", src, "--source", src], "the same source is given twice"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


def test_a_first_batch_writing_no_call_keeps_the_rollups_current(tmp_path: Path) -> None:
    """Rollups built before the importer's log existed (a demo-built database: here two calls loaded
    directly, then a full build) stay current after a batch that writes no call but creates the log
    (line 12, L: rejected): the next batch then refreshes its days only instead of rebuilding whole."""
    from datetime import datetime

    from core.infra import db
    from core.rollup import build as rollup_build
    from tests.fixtures import call_row, load_tables

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    engine = db.make_engine(url)
    load_tables(
        engine,
        {"calls": [call_row("x1", datetime(2024, 5, 1, 10)), call_row("x2", datetime(2024, 5, 2, 10))]},
        indexes=False,
    )
    rollup_build.refresh(engine)
    before = rollup_build.fingerprint_before_import(engine)
    assert before is not None
    master = tmp_path / "Master.csv"
    master.write_text(LINES[12] + "\n")
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    watcher.poll()
    watcher.close()
    assert _counts(seen[-1]) == (1, 0, 0, 0, 1) and imports(url) == 1
    assert rollup_build.fingerprint_before_import(engine) == before
    engine.dispose()


def test_garbage_appended_to_a_read_file_is_rejected_and_passed(tmp_path: Path) -> None:
    """Lines 0-4 read (4 calls); then a line that is no CDR at all (the importer cannot recognise the
    piece as Master.csv): its line goes to the rejects file with the reason (the number in it masked)
    and the position passes it; lines 5-9 then give the 8 calls. A file whose very first piece is not
    Master.csv waits instead (a wrong format= must not reject a whole file): one failure per poll."""
    import csv

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:5]) + "\n")
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{master}?format=asterisk-csv", tmp_path=tmp_path, seen=seen)
    watcher.poll()
    garbage_at = master.stat().st_size
    with master.open("a") as fh:
        fh.write("garbage from a disk error 13800000000\n")
    assert watcher.poll() == 0
    with master.open("a") as fh:
        fh.write("\n".join(LINES[5:10]) + "\n")
    assert watcher.poll() == 0
    watcher.close()
    assert count(url) == 8
    with open(tmp_path / "rejects" / f"Master.from-{garbage_at}.csv.rejects.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["line"], r["record"]) for r in rows] == [("1", "garbage from a disk error *********00")]
    assert "not" in rows[0]["reason"].lower()

    other = tmp_path / "other.csv"
    other.write_text("hello,world\nthis is,not a CDR\n")
    wrong = _watcher(url, f"file:{other}?format=asterisk-csv", tmp_path=tmp_path)
    assert wrong.poll() == 1
    assert wrong.poll() == 1
    wrong.close()
    assert count(url) == 8


def test_growing_freeswitch_cdr_csv(tmp_path: Path) -> None:
    """FreeSWITCH mod_cdr_csv (the sample day of tests/ingest/samples.py: 8 records, 6 calls, the
    WEIRD_CAUSE and the "lab"-context records rejected) growing in two steps: records 1-3 (3 calls),
    then 4-8 (3 calls more, 2 rejected): 6 calls, as importing the whole file gives."""
    from tests.ingest import samples

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    whole = samples.write_freeswitch(tmp_path / "whole.csv").read_text().splitlines(keepends=True)
    cdr = tmp_path / "Master.csv"
    cdr.write_text("".join(whole[:3]))
    seen: list[BatchInfo] = []
    watcher = _watcher(url, f"file:{cdr}?format=freeswitch", tmp_path=tmp_path, seen=seen)
    watcher.poll()
    with cdr.open("a") as fh:
        fh.write("".join(whole[3:]))
    watcher.poll()
    watcher.close()
    assert [_counts(i) for i in seen] == [(3, 3, 0, 0, 0), (5, 3, 0, 0, 2)]
    assert count(url) == samples.FS_COUNTS["inserted"] == 6


def test_a_stop_finishes_the_batch_under_way_then_run_returns(tmp_path: Path) -> None:
    """The loop of the service (``run``): a stop asked during a batch (what SIGTERM does: here the hook
    asks it after the first batch) lets that batch commit and ends the loop with 0 instead of waiting
    for the next poll: lines 0-9 in, 8 calls, one import."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    master.write_text("\n".join(LINES[:10]) + "\n")
    watcher = Watcher(
        url,
        [parse(f"file:{master}?format=asterisk-csv")],
        rejects_dir=tmp_path,
        hook=lambda _engine, info: watcher.stop.set() if info.report is not None else None,
        out=io.StringIO(),
    )
    started = time.monotonic()
    assert watcher.run(every=600) == 0
    watcher.close()
    assert time.monotonic() - started < 300  # it did not wait for the next poll
    assert count(url) == 8 and imports(url) == 1
