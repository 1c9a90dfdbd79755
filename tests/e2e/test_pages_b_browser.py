"""Touch, capacity and risk pages in a real browser: load, heatmap, click-through to calls, screenshots.

Uses the server and browser fixtures of tests/fixtures.py; only the database differs: the
demo at 5 % volume ending 2026-10-31, whose September 2025 holds the planted rogue weeks (campaign
C08, caller number 0551-XXXX0003).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.fixtures import DEMO_END, SCREENSHOTS, TIMEOUT_MS, DemoBuilds, wait_for_query, wait_for_run

SEPT = "from=2025-09-01&to=2025-09-30"
TITLES = {"touch": "客户触达效率", "capacity": "坐席产能健康度", "risk": "外呼合规风险热力图"}
#: Text of the last section of each page: once attached, the whole page has been drawn.
LAST = {"touch": "第 1 页(每页最多", "capacity": "最常人手富余的时段", "risk": "现行规则及依据"}


@pytest.fixture(scope="module")
def demo_url(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo at 5 % volume ending 2026-10-31 (overrides the shared 2 % demo of ``server``)."""
    return demo_builds.copy(tmp_path_factory.mktemp("e2e_b") / "demo.duckdb", DEMO_END, 0.05).url


def open_page(page: Page, base: str, path: str) -> None:
    """Open a page and wait until its script run has finished and its charts are drawn."""
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    wait_for_run(page)
    # A fresh server reruns once (legacy multipage mode); wait for the final run's charts.
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)


MAIN_HEIGHT_JS = (
    "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
    " return Math.ceil(m ? m.scrollHeight : document.body.scrollHeight); }"
)


def settled_height(page: Page, *, steady: int = 4, step_ms: int = 500, limit_ms: int = 30_000) -> int:
    """The main block's height once it has stopped growing (charts and grids lay out for a few
    seconds after the script run ends)."""
    last, same, waited = -1, 0, 0
    while waited < limit_ms:
        height = int(page.evaluate(MAIN_HEIGHT_JS))
        same = same + 1 if height == last else 0
        if same >= steady:
            return height
        last = height
        page.wait_for_timeout(step_ms)
        waited += step_ms
    return last


def full_page_screenshot(page: Page, path: Path) -> None:
    """The whole page, not just the viewport: Streamlit scrolls inside its main block, so the window
    is made as tall as that block, then restored."""
    size = page.viewport_size or {"width": 1440, "height": 900}
    height = settled_height(page)
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    settled_height(page)  # plotly redraws at the new size
    wait_for_run(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def cell_position(page: Page, entity: str, period: str) -> tuple[float, float]:
    """Page coordinates of the centre of a heatmap cell, from plotly's own axes."""
    plot = page.locator(".js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    offset = plot.evaluate(
        """(gd, cell) => {
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const xi = xa._categories.indexOf(cell[1]), yi = ya._categories.indexOf(cell[0]);
            if (xi < 0 || yi < 0) return null;
            return [xa._offset + xa.l2p(xi), ya._offset + ya.l2p(yi)];
        }""",
        [entity, period],
    )
    assert offset is not None, f"cell {entity} · {period} is not in the heatmap"
    box = plot.bounding_box()
    assert box is not None
    return box["x"] + offset[0], box["y"] + offset[1]


def choose(page: Page, key: str, option: str) -> None:
    """Pick ``option`` in the select box with widget key ``key`` (dots become dashes in the class).

    Choosing the option already shown is a no-op (the page may open on that very cell).
    """
    wait_for_run(page)  # a rerun still in flight would close the list as it opens
    box = page.locator(f".st-key-{key.replace('.', '-')}")
    if option in box.inner_text().split("\n"):
        return
    wanted = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        box.get_by_role("combobox").click()
        page.keyboard.type(option)  # the list filters as one types: the option is the first shown
        try:
            wanted.click(timeout=TIMEOUT_MS // 3)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_for_run(page)
    wait_for_run(page)


def downloaded_csv(page: Page, key: str) -> list[dict[str, str]]:
    """Click the CSV button of a table and parse the file the browser receives."""
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.locator(f".st-key-{key.replace('.', '-')}-csv button").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.e2e
def test_pages_load_with_screenshots(server: str, browser_page: Page) -> None:
    """Each page loads in Chinese without an exception element; a full-page screenshot of each is saved."""
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, title in TITLES.items():
        open_page(page, server, f"{name}?{SEPT}")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text(LAST[name]).first).to_be_attached(timeout=TIMEOUT_MS)
        expect(page.get_by_role("heading", name="2025年9月")).to_be_visible()
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
        if name != "risk":
            expect(page.locator('[data-testid="stMetric"]')).to_have_count(13 if name == "capacity" else 10)
        target = SCREENSHOTS / f"{name}.png"
        full_page_screenshot(page, target)
        assert target.stat().st_size > 50_000


@pytest.mark.e2e
def test_risk_heatmap_click_reaches_calls(server: str, browser_page: Page) -> None:
    """The heatmap draws its cells; clicking C08 · week of 2025-09-08 opens that cell and its calls."""
    page = browser_page
    open_page(page, server, f"risk?{SEPT}")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    plot = page.locator(".st-key-risk-heatmap .js-plotly-plot")
    expect(plot.locator(".heatmaplayer image, .hm image")).to_have_count(1)  # the cells, drawn as one image
    cells = plot.evaluate("gd => gd.data[0].z.flat().filter(v => v !== null).length")
    assert gd_type(plot) == "heatmap" and cells >= 12
    x, y = cell_position(page, "C08", "2025-09-08")
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    heading = page.get_by_role("heading", name="外呼项目 C08 · 2025-09-08 至 2025-09-14")
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    wait_for_query(page, "risk_cell=C08")
    wait_for_query(page, "risk_period=2025-09-08")
    expect(page.get_by_text("规则背后的通话")).to_be_visible()
    expect(page.get_by_text("第 1 页(每页最多 50 条").first).to_be_visible()
    rows = downloaded_csv(page, "risk.calls.outside_hours")
    assert rows and {r["外呼项目"] for r in rows} == {"C08"}
    assert all("…" in r["客户(脱敏)"] for r in rows)
    assert all("2025-09-08" <= r["开始时间"][:10] <= "2025-09-14" for r in rows)
    assert all(r["开始时间"][11:16] >= "21:00" or r["开始时间"][11:16] < "08:00" for r in rows)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def gd_type(plot: Any) -> str:
    """The type of the first trace of a plotly graph div."""
    return str(plot.evaluate("gd => gd.data[0].type"))


@pytest.mark.e2e
def test_risk_fallback_selectors_reach_calls(server: str, browser_page: Page) -> None:
    """Without the mouse: the select boxes under the heatmap choose the cell, then its calls list."""
    page = browser_page
    open_page(page, server, f"risk?{SEPT}")
    choose(page, "risk.cell.entity", "C08")
    choose(page, "risk.cell.period", "2025-09-15")
    expect(page.get_by_role("heading", name="外呼项目 C08 · 2025-09-15 至 2025-09-21")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_for_query(page, "risk_period=2025-09-15")
    rows = downloaded_csv(page, "risk.calls.outside_hours")
    assert rows and all("2025-09-15" <= r["开始时间"][:10] <= "2025-09-21" for r in rows)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
