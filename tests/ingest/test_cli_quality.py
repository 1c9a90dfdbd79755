"""``python -m core import`` (exit codes, one-line reasons, JSON report) and the data-quality count
of inferred two-way voice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.cli import main
from core.infra import db
from core.reporting.quality import quality_score, run_checks
from tests.ingest import samples

DAY = date(2024, 5, 6)


def run(argv: list[str]) -> tuple[int, list[str]]:
    errors: list[str] = []
    return main(argv, stderr=errors.append), errors


def test_cli_json_report(tmp_path: Path, duck: str, capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON object with the counts, the rejects file and the per-file lines; exit 0 despite rejects."""
    path = samples.write_master(tmp_path / "Master.csv")
    code, errors = run(["import", "--format", "asterisk-csv", "--db", duck, "--report", "json", str(path)])
    assert (code, errors) == (0, [])
    report = json.loads(capsys.readouterr().out)
    assert {k: report[k] for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert report["rejects_file"] == str(tmp_path / "Master.csv.rejects.csv")
    assert report["files"][0]["file"] == "Master.csv"


def test_cli_table_report_and_rejects_dir(
    tmp_path: Path, duck: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = samples.write_master(tmp_path / "Master.csv")
    out_dir = tmp_path / "rejects"
    code, _ = run(["import", "--format", "asterisk-csv", "--db", duck, "--rejects", str(out_dir), str(path)])
    assert code == 0
    text = capsys.readouterr().out
    assert "8 of 14 rows imported" in text
    assert (out_dir / "Master.csv.rejects.csv").is_file()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--format", "vicidial"], "is not VICIdial vicidial_log"),
        (["--format", "canonical", "--table", "nope"], "Unknown table 'nope'"),
        (["--format", "asterisk-csv", "--chunk-rows", "0"], "--chunk-rows must be a positive number"),
        (["--format", "sip"], "invalid choice: 'sip'"),
    ],
)
def test_cli_refusals_are_one_line(tmp_path: Path, duck: str, args: list[str], reason: str) -> None:
    """Exit 2 with one line on stderr, and the database untouched (no tables)."""
    path = samples.write_master(tmp_path / "Master.csv")
    code, errors = run(["import", *args, "--db", duck, str(path)])
    assert code == 2
    assert len(errors) == 1 and errors[0].startswith("error: ") and errors[0].count("\n") == 1
    assert reason in errors[0]
    assert db.check_schema(db.make_engine(duck))  # still no tables


def test_cli_missing_file(tmp_path: Path, duck: str) -> None:
    code, errors = run(["import", "--format", "freeswitch", "--db", duck, str(tmp_path / "nope.csv")])
    assert code == 2 and "No such file" in errors[0]


def test_quality_counts_inferred_two_way_voice(tmp_path: Path, duck: str) -> None:
    """The data-quality view counts the five inferred values; the count does not lower the score."""
    from core.ingest import import_files

    import_files(duck, [samples.write_master(tmp_path / "Master.csv")], "asterisk-csv")
    checks = run_checks(db.make_engine(duck), DAY, DAY)
    inferred = next(c for c in checks if c.id == "two_way_voice_inferred")
    assert (inferred.count, inferred.severity, inferred.scored) == (5, "info", False)
    assert [e["call_id"] for e in inferred.examples] == [
        "1714957200.0001",
        "1714960800.0003",
        "1714968000.0007",
        "1714975200.0014",
        "1714978800.0016",
    ]
    assert inferred.examples[0]["rule"] == "answered and talk_seconds >= 5"
    others = [c for c in checks if c.id != "two_way_voice_inferred"]
    assert quality_score(checks) == quality_score(others)


def test_quality_without_imports_counts_zero(duck: str) -> None:
    """A database that never saw an import (no call_inferences table) reports 0, not an error."""
    engine = db.make_engine(duck)
    db.create_schema(engine)
    inferred = next(c for c in run_checks(engine, DAY, DAY) if c.id == "two_way_voice_inferred")
    assert inferred.count == 0 and inferred.passed
