"""The data-quality page's import (ui/importer.py): the work without Streamlit, and the form in AppTest."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.infra import db
from core.ingest import IngestError
from tests.ingest import samples
from ui.importer import run_import

SCRIPT = """
from ui.importer import render_import
render_import("en")
"""


def test_run_import_reports_and_masks(tmp_path: Path, duck: str) -> None:
    """Uploads are imported (progress reported), names shown as uploaded, rejects masked, temp files gone."""
    content = samples.write_master(tmp_path / "m.csv").read_bytes()
    seen: list[float] = []
    outcome = run_import(
        duck, [("../../etc/Master.csv", content)], "asterisk-csv", progress=lambda _l, f: seen.append(f)
    )
    report = outcome.report
    assert {k: report[k] for k in samples.ASTERISK_COUNTS} == samples.ASTERISK_COUNTS
    assert (
        report["files"][0]["file"] == "../../etc/Master.csv"
        and report["rejects_file"] == "Master.rejects.csv"
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0
    rows = list(csv.DictReader(io.StringIO((outcome.rejects or b"").decode("utf-8-sig"))))
    assert len(rows) == 3 and "10000000009" not in (outcome.rejects or b"").decode("utf-8-sig")
    assert db.row_counts(db.make_engine(duck), [db.schema.calls]) == {"calls": 8}


def test_run_import_refuses_wrong_format(tmp_path: Path, duck: str) -> None:
    content = samples.write_freeswitch(tmp_path / "fs.csv").read_bytes()
    with pytest.raises(IngestError, match="does not look like"):
        run_import(duck, [("fs.csv", content)], "asterisk-csv")


def test_form_renders_open_on_an_empty_database(
    duck: str, use_db: Callable[[str], None], clean_streamlit: None
) -> None:
    """On a database without calls the form is open, the button waits for files; nothing fails."""
    use_db(duck)
    at = AppTest.from_string(SCRIPT, default_timeout=120).run()
    assert list(at.exception) == []
    assert at.expander[0].label == "Import data"
    assert [s.label for s in at.selectbox] == ["File format", "Target table"]
    assert at.selectbox[0].value == "canonical"
    assert at.button[0].disabled
