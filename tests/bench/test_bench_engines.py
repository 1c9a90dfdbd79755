"""The benchmark data on PostgreSQL, MariaDB and ClickHouse, at a tiny scale (0.02): each is loaded from the
DuckDB file with the same row counts, reused while its marker and its calls match, reloaded when the server
database is dropped behind its back; the metrics and risk benchmarks run on them and agree with DuckDB, and
the refresh benchmark runs on a scratch copy and leaves the benchmark database as it was. Nothing here
looks at times.

The server databases get a prefix of this process's own (``CALLCENTER_BENCH_DB_PREFIX``) and are dropped
at the end; ClickHouse is only ever opened in child processes (chdb opens one path per process).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import dataset, refresh_bench, risk_bench
from bench import metrics_bench as mb
from core.infra import db

pytestmark = pytest.mark.engines

SPEC = dataset.DataSpec(scale=0.02, year=2025)
SERVERS = ("postgresql", "mariadb")


def _drop(engine: str, name: str) -> None:
    admin = db.make_engine(dataset.server_url(engine))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            force = " WITH (FORCE)" if engine == "postgresql" else ""
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A work folder and server databases of this test process's own, dropped at the end."""
    for engine in SERVERS:
        eng = db.make_engine(dataset.server_url(engine))
        try:
            db.ping(eng)
        except db.DatabaseError as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(exc.en)
        finally:
            eng.dispose()
    mp = pytest.MonkeyPatch()
    mp.setenv("CALLCENTER_BENCH_DB_PREFIX", f"cc_bench_t{os.getpid()}")
    path = tmp_path_factory.mktemp("bench-engines")
    mp.setenv("CALLCENTER_SALT_FILE", str(path / "salt"))
    yield path
    name = dataset.database_name(SPEC)
    for engine in SERVERS:
        _drop(engine, name)
        _drop(engine, f"{name}_refresh")
    mp.undo()


def _calls(url: str) -> int:
    eng = db.make_engine(url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM calls")).scalar_one())
    finally:
        eng.dispose()


def test_each_engine_is_loaded_from_duckdb_with_the_same_rows_and_reused(workdir: Path) -> None:
    """Every table of each loaded engine has DuckDB's row count (the marker says so, having compared
    them), the rollups are built; a second call reuses them all; a dropped server database is reloaded."""
    lines: list[str] = []
    urls = dataset.ensure_data(SPEC, workdir, ["sqlite", "postgresql", "mariadb", "clickhouse"], lines.append)
    assert set(urls) == {"duckdb", "sqlite", "postgresql", "mariadb", "clickhouse"}
    assert urls["postgresql"].endswith(f"/cc_bench_t{os.getpid()}_y2025_s0_02")
    duck = dataset.read_marker(SPEC, SPEC.path(workdir, "duckdb"))
    assert duck is not None and duck["calls_in_year"] > 0
    for engine in ("postgresql", "mariadb", "clickhouse"):
        marker = json.loads((SPEC.folder(workdir) / f"callcenter.{engine}.json").read_text())
        # Every table DuckDB has rows in, its count (DuckDB's marker leaves out the empty tables).
        assert {k: v for k, v in marker["rows"].items() if v} == duck["rows"], engine
        assert marker["calls_in_year"] == duck["calls_in_year"]
        assert marker["source_built_at"] == duck["built_at"]
        assert marker["rollup_seconds"] >= 0
        assert any(line.startswith(f"{engine}: rollups built in") for line in lines), engine
    for engine in SERVERS:
        assert _calls(urls[engine]) == duck["calls_in_year"]

    again: list[str] = []
    assert dataset.ensure_data(SPEC, workdir, ["postgresql", "mariadb", "clickhouse"], again.append) == {
        k: v for k, v in urls.items() if k != "sqlite"
    }
    assert [line.split(":")[0] for line in again if "reusing" in line] == [
        "duckdb",
        "postgresql",
        "mariadb",
        "clickhouse",
    ]
    assert not any("loading" in line or "rollups built" in line for line in again)

    _drop("postgresql", dataset.database_name(SPEC))  # behind the benchmark's back
    reloaded: list[str] = []
    dataset.ensure_data(SPEC, workdir, ["postgresql"], reloaded.append)
    assert any(line.startswith("postgresql: ") and "reloading" in line for line in reloaded), reloaded
    assert _calls(urls["postgresql"]) == duck["calls_in_year"]


def test_metrics_benchmark_agrees_on_every_engine(workdir: Path) -> None:
    """The touch and capacity pages' values and the risk frames are the same on the five engines; the
    report prints each engine's line of issue 13's targets."""
    engines = ("duckdb", "postgresql", "mariadb", "clickhouse", "sqlite")
    report = mb.benchmark(SPEC, workdir, engines, say=lambda _m: None)
    assert [r.engine for r in report.runs] == list(engines)
    for run in report.runs[1:]:
        assert run.differences == [], (run.engine, run.differences[:10])
    assert set(report.risks) == {"duckdb", "postgresql", "clickhouse"}
    assert report.risk_agrees and report.agree
    text = mb.format_report(report)
    assert "agree: duckdb, postgresql, mariadb, clickhouse, sqlite give the same" in text
    targets = [
        line.split()[:2] for line in text.splitlines() if line.startswith("  ") and "page data" in line
    ]
    assert [t[0] for t in targets] == list(engines)
    assert "risk agree: yes" in text
    assert "postgresql page data (touch + capacity)" in text and "< 3 s" in text


def test_risk_benchmark_agrees_across_engines(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = risk_bench.main(
        ["--scale", "0.02", "--workdir", str(workdir), "--engines", "duckdb,postgresql,mysql,clickhouse"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agree: yes" in out and "duckdb all, postgresql all, mariadb all, clickhouse all" in out
    totals = [line.split()[0] for line in out.splitlines() if " TOTAL " in line]
    assert totals == ["duckdb", "postgresql", "mariadb", "clickhouse"]


def test_refresh_benchmark_on_servers_leaves_the_benchmark_databases(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One more day on a scratch copy of each engine: the refresh equals a full rebuild; the scratch
    copies are gone and the benchmark databases still hold the year's calls only."""
    code = refresh_bench.main(
        ["--scale", "0.02", "--workdir", str(workdir), "--engines", "postgresql,mariadb,clickhouse"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    for engine in ("postgresql", "mariadb", "clickhouse"):
        assert f"agree: yes: every rollup table of the refresh on {engine} equals the full rebuild's" in out
    assert not (SPEC.folder(workdir) / "refresh.clickhouse").exists()
    duck = dataset.read_marker(SPEC, SPEC.path(workdir, "duckdb"))
    assert duck is not None
    for engine in SERVERS:
        assert _calls(dataset.url_for(SPEC, workdir, engine)) == duck["calls_in_year"]
        admin = db.make_engine(dataset.server_url(engine))
        with admin.connect() as conn:
            sql = "SELECT datname FROM pg_database" if engine == "postgresql" else "SHOW DATABASES"
            names = set(conn.execute(sa.text(sql)).scalars().all())
        admin.dispose()
        assert f"{dataset.database_name(SPEC)}_refresh" not in names
