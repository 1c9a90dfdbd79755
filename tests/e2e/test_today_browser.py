"""The Today page updating by itself in Chromium after new call records arrive.

A ``streamlit run app.py`` on the tiny company of tests/alerts/today_rows.py (a DuckDB file), the clock
pinned to 2025-09-03 20:55 (``CALLCENTER_NOW``) and the page's refresh every 2 s
(``CALLCENTER_TODAY_REFRESH``). The page shows 10 calls since midnight; the test then writes 3 more C1
calls (20:53, 20:53:30, 20:54) into the file from this process — retrying while the app holds it for a
read, DuckDB allowing one process at a time — and the figure's bars (connected + not connected per
campaign) and the calls card reach 13 without any reload: a marker set in the window before the write
is still there after, and the browser made no new navigation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from bench.pages_bench import streamlit_server
from core.infra import db, schema
from core.pagedata.today import CLOCK_ENV
from tests.alerts.today_rows import N1, at, company
from tests.core.test_risk import call
from tests.fixtures import SCREENSHOTS, TIMEOUT_MS, frame_for, load_tables, wait_for_run
from ui.glue import TODAY_REFRESH_ENV, is_lock_error

REFRESH_S = 2

#: Calls per campaign drawn by the figure: the connected and the other bars stacked.
FIGURE_CALLS = """() => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!plot || !plot.data) return null;
  const sum = (trace) => trace.y.reduce((a, b) => a + b, 0);
  return sum(plot.data[0]) + sum(plot.data[1]);
}"""


@pytest.fixture
def tiny_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The tiny company on a streamlit server with the clock pinned and a 2-second refresh."""
    url = f"duckdb:///{tmp_path / 'today.duckdb'}"
    load_tables(db.make_engine(url), company(), indexes=False).dispose()
    env = {CLOCK_ENV: "2025-09-03T20:55", TODAY_REFRESH_ENV: str(REFRESH_S)}
    with streamlit_server(url, tmp_path / "streamlit.log", extra_env=env) as base:
        yield base, url


def write_calls(url: str, rows: list[dict[str, object]]) -> None:
    """Append ``rows`` to calls, retrying while the app's read holds the DuckDB file."""
    frame: pl.DataFrame = frame_for("calls", rows)
    engine = db.make_engine(url)
    try:
        end = time.monotonic() + 30
        while True:
            try:
                db.load_frame(engine, schema.calls, frame)
                return
            except Exception as exc:
                if not is_lock_error(exc) or time.monotonic() > end:
                    raise
                time.sleep(0.05)
    finally:
        engine.dispose()


@pytest.mark.e2e
def test_today_updates_itself(tiny_server: tuple[str, str], browser_page: Page) -> None:
    """10 calls on screen; 3 written → the figure and the card show 13 within a few refreshes, no reload."""
    base, url = tiny_server
    page = browser_page
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    page.goto(f"{base}/today", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="今日监控")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    calls_card = page.locator('[data-testid="stMetric"]').filter(has_text="外呼量")
    expect(calls_card).to_contain_text("10", timeout=TIMEOUT_MS)
    page.wait_for_function(f"({FIGURE_CALLS})() === 10", timeout=TIMEOUT_MS)
    expect(page.get_by_text("活动 C1:放弃率 33.3%,超过上限 3.0%")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.evaluate("() => { window.__todayMarker = 'before-write'; }")
    seen = len(navigations)

    write_calls(
        url,
        [
            call("n1", at(20, 53), campaign="C1", number=N1),
            call("n2", at(20, 53).replace(second=30), campaign="C1", number=N1, disposition="no_answer"),
            call("n3", at(20, 54), campaign="C1", number=N1),
        ],
    )
    # Within the fragment's interval (plus a read and a draw): generous for a loaded machine.
    page.wait_for_function(f"({FIGURE_CALLS})() === 13", timeout=10 * REFRESH_S * 1000)
    expect(calls_card).to_contain_text("13", timeout=TIMEOUT_MS)
    # C1 now 7 calls, 4 connected, 1 abandoned: abandon 1/5 = 20.0 %.
    expect(page.get_by_text("活动 C1:放弃率 20.0%,超过上限 3.0%")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__todayMarker") == "before-write"  # the same document: no reload
    assert navigations[seen:] == []
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "today.png"), full_page=True)
