"""Regulatory dashboard, asset pack, data quality and settings in a real browser.

Uses the server and browser fixtures of tests/fixtures.py (a fresh ``streamlit run
app.py`` on the 2 % demo ending 2025-06-30, Debian's Chromium at 1440×900, zh-CN): the regulatory
dashboard loads as the default page, the draft annual report downloads as an Excel file that
openpyxl opens, and a full-page screenshot of each page goes to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.fixtures import SCREENSHOTS, TIMEOUT_MS, wait_for_run

SLOW_MS = 180_000  # the first run of the regulatory page computes the whole report year

#: page → (path, Chinese heading)
PAGES = {
    "regulatory": ("", "监管仪表盘"),
    "asset_pack": ("asset_pack", "合规资产包"),
    "data_quality": ("data_quality", "数据质量"),
    "settings": ("settings", "设置"),
}


def open_page(page: Page, base: str, path: str, heading: str) -> None:
    """Open a page and wait for its heading and the end of its script run (after the fresh-server rerun)."""
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=SLOW_MS)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(
        timeout=SLOW_MS
    )


def full_page_screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made as tall as it.

    Measured until it stops growing (charts and grids draw after the first layout), then restored.
    """
    size = page.viewport_size or {"width": 1440, "height": 900}
    height = 0
    for _ in range(5):
        grown = int(
            page.evaluate(
                "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                " return Math.ceil(Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight)); }"
            )
        )
        if grown <= height:
            break
        height = grown
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_timeout(1200)  # plotly and the grids redraw at the new size
    wait_for_run(page)
    # Park the mouse in the empty bottom-right corner: no hover toolbar or sidebar button in the picture.
    page.mouse.move(size["width"] - 5, max(size["height"], height) - 5)
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def assert_chinese_font(page: Page) -> None:
    """The browser has a CJK font for the page's text (else Chinese would render as boxes)."""
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '监管仪表盘')") is True


@pytest.mark.e2e
def test_regulatory_dashboard_and_excel_export(server: str, browser_page: Page, tmp_path: Path) -> None:
    """The default page is the regulatory dashboard; the draft report downloads and opens in openpyxl;
    the monthly report downloads as one offline HTML file."""
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    open_page(page, server, "", "监管仪表盘")
    for text in ("报送截止倒计时", "八步报送日历", "信用评分估算", "风险差异清单(实质性变动)", "导出"):
        expect(page.get_by_role("heading", name=text)).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_text("年报字段(46 项)")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=TIMEOUT_MS)  # gauge and components
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert_chinese_font(page)

    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="初版年报 Excel").click()
    download = info.value
    assert download.suggested_filename == "annual-report-draft-2024.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    assert workbook.sheetnames == [
        "企业基本情况表",
        "企业经济效益表",
        "企业服务质量表",
        "呼叫中心业务表",
        "风险差异清单",
    ]
    assert workbook["企业基本情况表"]["A1"].value == "2024 年度 企业基本情况表 · Company basics(初稿 draft)"
    assert (
        workbook["风险差异清单"]["A1"].value == "2024 年度风险差异清单 · Risk difference list (2024 vs 2023)"
    )

    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_role("button", name="2025年6月 监管月报 HTML").click()
    monthly = tmp_path / info.value.suggested_filename
    info.value.save_as(monthly)
    assert monthly.name == "regulatory-dashboard-2025-06.html"
    text = monthly.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1 and "<script src=" not in text
    assert "<title>华信云联客服科技有限公司(示例) · 监管仪表盘月报 · 2025年6月</title>" in text

    full_page_screenshot(page, SCREENSHOTS / "regulatory.png")
    assert (SCREENSHOTS / "regulatory.png").stat().st_size > 50_000
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.mark.e2e
def test_screenshots_of_pack_quality_settings(server: str, browser_page: Page) -> None:
    """Asset pack, data quality and settings load without exception; a full-page screenshot of each."""
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("asset_pack", "data_quality", "settings"):
        path, heading = PAGES[name]
        open_page(page, server, path, heading)
        if name == "asset_pack":
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=TIMEOUT_MS)  # radar and trend
            expect(page.get_by_role("button", name="下载投资人页面(HTML,离线可用)")).to_be_visible()
        elif name == "data_quality":
            expect(page.get_by_text("数据质量得分")).to_be_visible()
        else:
            expect(page.get_by_role("heading", name="当前生效的合规规则")).to_be_visible()
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        assert_chinese_font(page)
        full_page_screenshot(page, SCREENSHOTS / f"{name}.png")
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 30_000
