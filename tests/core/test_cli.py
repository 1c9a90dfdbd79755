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

from core import cli, db, schema

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
