"""The app shell in a real browser: `streamlit run app.py` driven by Debian's Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures import SCREENSHOTS, TIMEOUT_MS, wait_for_query, wait_for_run

# The server (`streamlit run app.py` on the 2 % demo ending 2025-06-30), the browser and the wait
# helpers are the shared ones of tests/fixtures.py, as for every browser test.


@pytest.mark.e2e
def test_shell_in_chromium(server: str, browser_page: Page) -> None:
    """Chinese overview renders with seven cards and no exception; English switch; screenshot saved."""
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The default page is the regulatory dashboard; the overview has its own path.
    page.goto(server + "/home", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    expect(page.get_by_text("2025年6月 核心指标")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(7)
    expect(page.get_by_text("外呼接通率")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    wait_for_query(page, "from=2025-06-01")
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    assert (SCREENSHOTS / "home.png").stat().st_size > 10_000

    # The first click after a server start counts (see ui.shell.leave_legacy_multipage_mode).
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    expect(page.get_by_text("Headline figures, Jun 2025")).to_be_visible()
    wait_for_query(page, "lang=en")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.mark.e2e
def test_deep_link_on_fresh_server(server: str, browser_page: Page) -> None:
    """A copied /settings link opened first after a start is routed by app.py, with its menu."""
    page = browser_page
    page.goto(server + "/settings?lang=en&site=S1", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    expect(page.get_by_role("link", name="app")).to_have_count(0)
    expect(page.get_by_text("Schema complete: all 18 tables present.")).to_be_visible()
    wait_for_query(page, "site=S1")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
