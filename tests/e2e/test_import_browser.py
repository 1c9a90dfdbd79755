"""The data import in a real browser: upload an Asterisk Master.csv on the data-quality page, watch it
import, download the rejects file, and see the data-quality checks on the new data.

Uses the browser fixture and helpers of tests/fixtures.py; the server runs on a fresh DuckDB file
without any table (the import creates them).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.pages_bench import streamlit_server
from core.infra import db
from tests.fixtures import SCREENSHOTS, TIMEOUT_MS, wait_for_run
from tests.ingest import samples


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A streamlit server on an empty DuckDB file (own salt file); yields (base URL, database URL)."""
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    salt = {"CALLCENTER_SALT_FILE": str(tmp_path / "salt")}
    with streamlit_server(url, tmp_path / "streamlit.log", extra_env=salt) as base:
        yield base, url


def _calls_in(url: str) -> int:
    """Rows in calls, read between the app's own script runs (DuckDB: one process at a time)."""
    engine = db.make_engine(url)
    try:
        for _ in range(60):
            try:
                return db.row_counts(engine, [db.schema.calls])["calls"]
            except Exception:  # noqa: BLE001 - the app holds the file during a run
                time.sleep(0.5)
        raise AssertionError("the database stayed locked for 30 s")
    finally:
        engine.dispose()


@pytest.mark.e2e
def test_upload_master_csv(empty_server: tuple[str, str], browser_page: Page, tmp_path: Path) -> None:
    """Upload → progress → counts and a masked rejects download; the database holds the 8 calls."""
    base, url = empty_server
    page = browser_page
    master = samples.write_master(tmp_path / "Master.csv", encoding="gbk", newline="\r\n")
    page.goto(f"{base}/data_quality", wait_until="domcontentloaded")
    expect(page.get_by_text("导入数据")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    page.get_by_label("文件格式").click()
    page.get_by_role("option", name="Asterisk Master.csv(无表头)").click()
    wait_for_run(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(master))
    expect(page.get_by_text("Master.csv").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text("已导入 8 行(读取 14 行)")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="下载拒收文件(含行号与原因)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["line"] for r in rows] == ["12", "13", "14"] and "10000000009" not in text
    wait_for_run(page)
    expect(page.get_by_text("已导入 8 行(读取 14 行)")).to_be_visible(
        timeout=TIMEOUT_MS
    )  # kept across reruns
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert _calls_in(url) == 8
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import.png"), full_page=True)
