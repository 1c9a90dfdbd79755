"""The importer on all five engines: same calls, same metrics, re-import inserts nothing, and a
failure midway leaves the database exactly as it was (one transaction; ClickHouse: staging)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest import IngestError, import_files
from core.ingest import sink as sink_module
from core.ingest import tables as ingest_tables
from tests.ingest import samples
from tests.ingest.test_asterisk import assert_day


def test_asterisk_day_on_every_engine(any_engine: sa.Engine, tmp_path: Path, key: bytes, calls_of) -> None:
    """Same counts, calls and metrics on DuckDB, SQLite, PostgreSQL, MariaDB and ClickHouse; re-import adds 0."""
    path = samples.write_master(tmp_path / "Master.csv", encoding="gbk", newline="\r\n")
    report = import_files(any_engine, [path], "asterisk-csv")
    assert {k: getattr(report, k) for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert_day(any_engine, key, calls_of)
    again = import_files(any_engine, [path], "asterisk-csv")
    # Every leg read and not rejected (14 - 3) is a duplicate of a stored leg.
    assert (again.inserted, again.merged, again.duplicates) == (0, 0, 11)
    assert db.row_counts(
        any_engine, [schema.calls, ingest_tables.call_inferences, ingest_tables.call_legs]
    ) == {
        "calls": 8,
        "call_inferences": 5,
        "call_legs": 10,  # 8 calls + 2 forks merged (the first import's repeated row is not kept)
    }


def test_other_formats_on_every_engine(any_engine: sa.Engine, tmp_path: Path) -> None:
    """FreeSWITCH, VICIdial (with its dnc rows) and canonical calls load on every engine."""
    for path, fmt, expected in (
        (samples.write_freeswitch(tmp_path / "fs.csv"), "freeswitch", samples.FS_COUNTS),
        (samples.write_vicidial(tmp_path / "vicidial_log.csv"), "vicidial", samples.VICI_COUNTS),
        (samples.write_canonical_calls(tmp_path / "calls.csv"), "canonical", samples.CANONICAL_COUNTS),
    ):
        report = import_files(any_engine, [path], fmt)
        assert {k: getattr(report, k) for k in expected} == expected, fmt
    assert db.row_counts(any_engine, [schema.calls, schema.dnc]) == {"calls": 6 + 11 + 5, "dnc": 1}


def _snapshot(engine: sa.Engine) -> dict[str, int]:
    return db.row_counts(engine, [schema.calls, schema.dnc, *ingest_tables.TABLES])


def test_failure_midway_leaves_the_database_unchanged(
    any_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error on the second chunk's write rolls back the first chunk's rows too, on every engine."""
    first = samples.write_vicidial(tmp_path / "day1.csv")
    import_files(any_engine, [first], "vicidial")
    before = _snapshot(any_engine)
    rows = [dict(r, uniqueid=str(r["uniqueid"]) + "9") for r in samples.ASTERISK_ROWS[:10]]
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    fs = samples.write_freeswitch(tmp_path / "fs.csv")
    real_write = sink_module.Sink.write
    calls: list[str] = []

    def failing_write(self: sink_module.Sink, table: sa.Table, frame):  # type: ignore[no-untyped-def]
        if table.name == "calls":
            calls.append(table.name)
            if len(calls) == 2:
                raise RuntimeError("disk full (a crafted failure on the second chunk)")
        return real_write(self, table, frame)

    monkeypatch.setattr(sink_module.Sink, "write", failing_write)
    with pytest.raises(IngestError, match="left as it was: disk full"):
        import_files(any_engine, [fs], "freeswitch", chunk_rows=3)
    assert len(calls) == 2  # the first chunk's calls had been written
    assert _snapshot(any_engine) == before
    assert not (tmp_path / "fs.csv.rejects.csv").exists()
    assert not (tmp_path / "fs.csv.rejects.csv.part").exists()
    assert not [
        n for n in sa.inspect(any_engine).get_table_names() if n.startswith("_import_")
    ]  # staging gone
    monkeypatch.undo()
    report = import_files(any_engine, [fs], "freeswitch", chunk_rows=3)
    assert report.inserted == samples.FS_COUNTS["inserted"]


def test_duckdb_lock_held_stops_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holding the DuckDB file past the opener's wait for its lock (here 0.3 s, not
    the default 30 s, see db.lock_wait): a clear message, and the files are not even opened."""
    import subprocess
    import sys

    monkeypatch.setenv(db.LOCK_WAIT_VAR, "0.3")
    url_path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(url_path)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        missing = tmp_path / "does-not-exist.csv"
        with pytest.raises(
            IngestError, match=r"in use by another program \(process \d+\).*nothing has been read"
        ):
            import_files(f"duckdb:///{url_path}", [missing], "asterisk-csv")
    finally:
        holder.kill()
        holder.wait()
