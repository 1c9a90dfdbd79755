"""Warm page changes in a real browser: every page visited once, then changed to through the sidebar.

Uses the server and browser fixtures of tests/fixtures.py (a fresh ``streamlit run
app.py`` on the 2 % demo ending 2025-06-30, Debian's Chromium at 1440×900, zh-CN) and the
measurement of ``python -m bench pages`` (:mod:`bench.pages_bench`): each change is timed in the
browser, from the click on the sidebar link until the page's title is shown, the script run has
ended, the running indicator is gone, nothing is stale and every plotly chart has drawn.

House rule: tests never assert on timing. The figures go to ``artifacts/page_timings.json`` and
are printed (``pytest -s`` shows them); the test asserts only that every page shows its title and
no exception each time it is reached.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench import pages_bench
from tests.fixtures import SCREENSHOTS

ARTIFACTS: Path = SCREENSHOTS.parent
TIMINGS = ARTIFACTS / "page_timings.json"
WARM_ROUNDS = 2
COLD_TIMEOUT_MS = 300_000  # the first load of the regulatory page computes the whole report year
WARM_TIMEOUT_MS = 60_000


@pytest.mark.e2e
def test_warm_page_changes_are_timed(server: str, browser_page: Page) -> None:
    """Visit every page (cold), then go round the menu twice; record each change's time."""
    page = browser_page
    pages = pages_bench.menu_pages("zh")
    assert [p.url_path for p in pages][:2] == ["regulatory", "home"]
    assert len({p.title for p in pages}) == len(pages) == 9
    reached: list[str] = []

    def check(spec: pages_bench.PageSpec) -> None:
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_role("heading", name=spec.title, exact=True)).to_be_visible()
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        reached.append(spec.url_path)

    timings = pages_bench.run_changes(
        page,
        server,
        pages,
        rounds=WARM_ROUNDS,
        cold_timeout_ms=COLD_TIMEOUT_MS,
        warm_timeout_ms=WARM_TIMEOUT_MS,
        after_change=check,
    )

    # Functional invariants only: every page reached once cold and once per warm round.
    assert len(reached) == 1 + len(pages) * (WARM_ROUNDS + 1)
    assert {p.url_path for p in pages} == set(reached)
    warm = timings.warm_by_page()
    assert set(warm) == {p.url_path for p in pages}
    assert all(len(v) == WARM_ROUNDS for v in warm.values())

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = timings.summary() | {"database": "e2e demo, 2 % scale, ending 2025-06-30"}
    TIMINGS.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print()
    print(pages_bench.format_table(timings))
    print(f"(saved to {TIMINGS})")
