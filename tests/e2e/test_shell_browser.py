"""The app shell in a real browser: `streamlit run app.py` driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bench.pages_bench import streamlit_server
from core.infra import db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DEMO_END = date(2025, 6, 30)
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo DuckDB (the real generator at 2% volume), shared by the tests of this module."""
    from core.demo.company import build_demo

    url = f"duckdb:///{tmp_path_factory.mktemp('e2e') / 'demo.duckdb'}"
    engine = db.make_engine(url)
    build_demo(engine, end=DEMO_END, scale=0.02)
    engine.dispose()
    return url


@pytest.fixture
def server(demo_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh streamlit server on a free port, on the demo database; yields its base URL."""
    with streamlit_server(demo_url, tmp_path / "streamlit.log") as base:
        yield base


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A Chromium page at 1440×900 (Debian's Chromium, never a downloaded one)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (scripts/services.sh installs it)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        finally:
            browser.close()


def _wait_for_run(page: Page) -> None:
    """Wait until the script run has finished (the attribute Streamlit's own e2e suite waits on)."""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(
        timeout=TIMEOUT_MS
    )


def _wait_for_query(page: Page, pair: str) -> None:
    """Wait until the address bar's query string holds ``pair``.

    Read from ``location.search``: Streamlit rewrites the URL with ``history.replaceState``,
    which Playwright's ``page.url`` does not always follow.
    """
    page.wait_for_function(
        "pair => new URLSearchParams(location.search).toString().split('&').includes(pair)",
        arg=pair,
        timeout=TIMEOUT_MS,
    )


@pytest.mark.e2e
def test_shell_in_chromium(server: str, browser_page: Page) -> None:
    """Chinese overview renders with seven cards and no exception; English switch; screenshot saved."""
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The default page is the regulatory dashboard; the overview has its own path.
    page.goto(server + "/home", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=TIMEOUT_MS)
    _wait_for_run(page)
    expect(page.get_by_text("2025年6月 核心指标")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(7)
    expect(page.get_by_text("外呼接通率")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _wait_for_query(page, "from=2025-06-01")
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    assert (SCREENSHOTS / "home.png").stat().st_size > 10_000

    # The first click after a server start counts (see ui.shell.leave_legacy_multipage_mode).
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    _wait_for_run(page)
    expect(page.get_by_text("Headline figures, Jun 2025")).to_be_visible()
    _wait_for_query(page, "lang=en")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.mark.e2e
def test_deep_link_on_fresh_server(server: str, browser_page: Page) -> None:
    """A copied /settings link opened first after a start is routed by app.py, with its menu."""
    page = browser_page
    page.goto(server + "/settings?lang=en&site=S1", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible(timeout=TIMEOUT_MS)
    _wait_for_run(page)
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    expect(page.get_by_role("link", name="app")).to_have_count(0)
    expect(page.get_by_text("Schema complete: all 18 tables present.")).to_be_visible()
    _wait_for_query(page, "site=S1")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
