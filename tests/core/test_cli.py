"""``python -m core``: exit codes, one-line reasons, output formats for ``demo`` and ``check``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import cli
from core.infra import db, schema

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m core ARGS`` in the project root, with CALLCENTER_DB_URL set only if given."""
    env = {k: v for k, v in os.environ.items() if k != "CALLCENTER_DB_URL"}
    if env_url:
        env["CALLCENTER_DB_URL"] = env_url
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny demo (scale 0.01) built through the CLI itself; returns its URL."""
    url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'demo.duckdb'}"
    done = run("demo", "--db", url, "--end", "2026-10-31", "--scale", "0.01", "--format", "json")
    assert done.returncode == 0, done.stderr
    counts = {r["table"]: r["rows"] for r in json.loads(done.stdout)}
    assert counts["calls"] > 10_000 and counts["company"] == 1
    return url


def test_check_reports_schema_counts_and_version_as_json(small_demo: str) -> None:
    """``check --format json`` on the demo: schema ok, every table counted, a 16-character data version."""
    done = run("check", "--db", small_demo, "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["schema_ok"] is True and out["engine"] == "duckdb"
    assert len(out["data_version"]) == 16
    tables = {t["table"]: t["rows"] for t in out["tables"]}
    assert set(tables) == set(schema.TABLE_NAMES)
    assert tables["calls"] == db.row_counts(db.make_engine(small_demo))["calls"]


def test_check_reads_the_url_from_the_environment(small_demo: str) -> None:
    """Without --db, ``check`` uses CALLCENTER_DB_URL."""
    done = run("check", "--format", "csv", env_url=small_demo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "table,rows"
    assert "calls," in done.stdout


def test_check_on_a_database_missing_a_table_exits_2_and_names_it(tmp_path: Path) -> None:
    """A database without ``complaints`` fails the check with exit 2 and a one-line reason naming it."""
    url = f"sqlite:///{tmp_path / 'partial.sqlite'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE complaints"))
    done = run("check", "--db", url)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "missing table complaints" in lines[0]
    assert "Traceback" not in done.stderr


def test_check_on_an_unparseable_url_exits_2() -> None:
    """A URL that is not a URL: exit 2, one line, no traceback."""
    errors: list[str] = []
    code = cli.main(["check", "--db", "not a url at all"], stderr=errors.append)
    assert code == 2
    assert len(errors) == 1 and "cannot be parsed" in errors[0]


def test_check_on_an_unreachable_server_exits_2() -> None:
    """A PostgreSQL URL on a closed port: exit 2 with 'Cannot connect'."""
    errors: list[str] = []
    code = cli.main(["check", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"], stderr=errors.append)
    assert code == 2
    assert "Cannot connect" in errors[0]
    assert "secret" not in errors[0]  # the password never appears


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["demo", "--end", "2026-13-01"], "not a date"),
        (["demo", "--scale", "-1"], "must be positive"),
        (["demo", "--scale", "lots"], "not a number"),
        (["demo", "--format", "xml"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv: list[str], fragment: str) -> None:
    """Bad arguments: exit 2 and a single line on stderr that says what is wrong."""
    errors: list[str] = []
    code = cli.main(argv, stderr=errors.append)
    assert code == 2
    assert len(errors) == 1 and errors[0].count("\n") == 1
    assert fragment in errors[0]


def test_table_output_aligns_chinese_text() -> None:
    """The table format pads by display width (a CJK character is two columns)."""
    out = io.StringIO()
    cli.emit([{"name": "杭州", "n": 1}, {"name": "ab", "n": 22}], "table", out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "name  n"
    assert lines[2] == "杭州  1"
    assert lines[3] == "ab    22"


def test_metrics_json_is_an_array_of_objects_with_fractions_and_nulls(small_demo: str) -> None:
    """``metrics --format json``: one object per campaign; rates are fractions; a zero denominator is null."""
    done = run(
        "metrics",
        "--db",
        small_demo,
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--by",
        "campaign",
        "--metrics",
        "outbound_calls,connect_rate,inbound_calls",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and all(
        set(r) == {"campaign", "outbound_calls", "connect_rate", "inbound_calls"} for r in rows
    )
    by = {r["campaign"]: r for r in rows}
    # C07 is the inbound hotline: no outbound calls, so its connect rate has a zero denominator.
    assert by["C07"]["outbound_calls"] == 0 and by["C07"]["connect_rate"] is None
    assert by["C07"]["inbound_calls"] > 0
    assert all(0 <= r["connect_rate"] <= 1 for r in rows if r["connect_rate"] is not None)


def test_metrics_csv_matches_json(small_demo: str) -> None:
    """The CSV and JSON forms of the same request carry the same numbers."""
    args = [
        "metrics",
        "--db",
        small_demo,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--by",
        "team",
        "--metrics",
        "effective_calls,effective_talk_hours",
    ]
    as_json = json.loads(run(*args, "--format", "json").stdout)
    lines = run(*args, "--format", "csv").stdout.strip().splitlines()
    assert lines[0] == "team,effective_calls,effective_talk_hours"
    from_csv = {line.split(",")[0]: line.split(",")[1:] for line in lines[1:]}
    for row in as_json:
        team = row["team"] if row["team"] is not None else ""
        assert int(from_csv[team][0]) == row["effective_calls"]
        assert float(from_csv[team][1]) == pytest.approx(row["effective_talk_hours"], rel=1e-12)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--by", "colour"], "unknown dimension(s): colour"),
        (["--metrics", "happiness"], "unknown metric key(s): happiness"),
        (["--from", "2025-02-01", "--to", "2025-01-01"], "is before --from"),
        (["--from", "2025-02-01"], "give both --from and --to"),
    ],
)
def test_metrics_bad_arguments_exit_2(small_demo: str, argv: list[str], fragment: str) -> None:
    """Unknown dimensions or keys and a reversed period: exit 2 with a one-line reason."""
    errors: list[str] = []
    code = cli.main(["metrics", "--db", small_demo, *argv], stderr=errors.append)
    assert code == 2
    assert len(errors) == 1 and fragment in errors[0]


def test_metrics_on_a_database_without_tables_exits_2(tmp_path: Path) -> None:
    """``metrics`` on an empty SQLite file names the missing tables instead of failing in SQL."""
    errors: list[str] = []
    code = cli.main(
        [
            "metrics",
            "--db",
            f"sqlite:///{tmp_path / 'empty.sqlite'}",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
        ],
        stderr=errors.append,
    )
    assert code == 2
    assert "missing table calls" in errors[0]


def test_a_command_holds_the_duckdb_file_only_while_it_runs(tmp_path: Path) -> None:
    """The report commands keep the database open while they run (core.infra.db.held_open, one opening of
    the file for their many queries) and release it when they end: another process can then write."""
    from tests.core.test_db import _other_process_can_write

    path = tmp_path / "cli.duckdb"
    db.create_schema(db.make_engine(f"duckdb:///{path}"))
    out = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, out
    try:
        code = cli.main(["fields", "--year", "2025", "--format", "json", "--db", f"duckdb:///{path}"])
    finally:
        sys.stdout = sys_stdout
    assert code == 0
    assert len(json.loads(out.getvalue())) == 46
    assert cli.common._HELD is None
    assert _other_process_can_write(path)
