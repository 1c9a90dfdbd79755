"""The page-change benchmark's bookkeeping (no browser here: tests/e2e/test_page_timings_browser.py
drives it in Chromium). Nothing here looks at times."""

from __future__ import annotations

from bench import pages_bench
from bench.pages_bench import Change, Timings


def test_menu_pages_follow_app_py() -> None:
    zh = pages_bench.menu_pages("zh")
    en = pages_bench.menu_pages("en")
    assert [p.url_path for p in zh] == [
        "regulatory",
        "home",
        "today",
        "touch",
        "capacity",
        "risk",
        "asset_pack",
        "data_quality",
        "settings",
    ]
    assert zh[0].title == "监管仪表盘"
    assert en[1].title == "Overview"


def test_summary_and_table() -> None:
    timings = Timings(
        changes=[
            Change("regulatory", "", 900.0, 40.0, warm=False),
            Change("home", "regulatory", 500.0, 7.0, warm=False),
            Change("regulatory", "home", 450.0, 40.0, warm=False),  # end of the cold round
            Change("home", "regulatory", 200.0, 7.0, warm=True),
            Change("regulatory", "home", 300.0, 40.0, warm=True),
            Change("home", "regulatory", 400.0, 7.0, warm=True),
        ],
        load_before=(0.5, 0.4, 0.3),
        load_after=(0.6, 0.4, 0.3),
    )
    summary = timings.summary()
    assert summary["pages"]["regulatory"]["cold_ms"] == 900.0  # the first load, not the revisit
    assert summary["pages"]["home"]["warm_ms"] == [200.0, 400.0]
    assert summary["pages"]["home"]["warm_median_ms"] == 300.0
    assert summary["warm_median_ms"] == 300.0
    assert summary["warm_max_ms"] == 400.0
    assert timings.warm_by_page() == {"home": [200.0, 400.0], "regulatory": [300.0]}
    table = pages_bench.format_table(timings)
    assert "all warm changes: median 300 ms, max 400 ms" in table
    assert "load average (1/5/15 min) before [0.5, 0.4, 0.3]" in table
