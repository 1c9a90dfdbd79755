"""core.pagedata.report and ``python -m core report``: the monthly dashboard as offline HTML plus PNG charts.

The tiny company below has, in October 2026, three outbound calls (one effective: 40 s with voice
both ways; one connected for 10 s; one unanswered) and one inbound call; in September 2026 two
outbound calls (one effective of 35 s, one unanswered). So for October: outbound_calls 3 (MoM +50.0%),
connect_rate 2/3 = 66.7% (MoM +16.7 pp), effective_rate 1/3 = 33.3% (MoM −16.7 pp), and no
year-over-year figure (nothing in October 2025).
"""

from __future__ import annotations

import re
import struct
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from core import cli
from core.infra import db
from core.pagedata import report
from tests.fixtures import load_tables


def _call(call_id: str, direction: str, start: datetime, disposition: str, talk: int, two_way: bool) -> dict:
    answered = disposition == "answered"
    return {
        "call_id": call_id,
        "direction": direction,
        "started_at": start,
        "answered_at": start if answered else None,
        "ended_at": start.replace(minute=start.minute + 5),
        "ring_seconds": 5,
        "talk_seconds": talk,
        "wrap_seconds": 0,
        "two_way_voice": two_way,
        "disposition": disposition,
        "agent_id": "A1",
        "campaign_id": "C1" if direction == "out" else None,
        "caller_number": "95000001",
        "callee_id": f"hash-{call_id}-0000000000",
        "callee_province": "北京",
        "recorded": True,
        "robot": False,
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "company": [{"name": "测试呼叫中心有限公司"}],
    "sites": [{"site_id": "S1", "name": "北京一部", "province": "北京", "opened_on": date(2020, 1, 1)}],
    "agents": [
        {
            "agent_id": "A1",
            "team": "一组",
            "site_id": "S1",
            "employment": "staff",
            "hired_on": date(2020, 1, 1),
        }
    ],
    "campaigns": [
        {"campaign_id": "C1", "name": "回访", "purpose": "service", "client": "甲", "dialer": "manual"}
    ],
    "calls": [
        _call("o1", "out", datetime(2026, 10, 5, 10, 0), "answered", 40, True),
        _call("o2", "out", datetime(2026, 10, 6, 10, 0), "answered", 10, True),
        _call("o3", "out", datetime(2026, 10, 7, 10, 0), "no_answer", 0, False),
        _call("i1", "in", datetime(2026, 10, 8, 10, 0), "answered", 60, True),
        _call("s1", "out", datetime(2026, 9, 5, 10, 0), "answered", 35, True),
        _call("s2", "out", datetime(2026, 9, 6, 10, 0), "no_answer", 0, False),
    ],
}


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny company of the module docstring in a DuckDB file."""
    url = f"duckdb:///{tmp_path_factory.mktemp('report') / 'tiny.duckdb'}"
    load_tables(db.make_engine(url), ROWS).dispose()
    return url


@pytest.fixture(scope="module")
def written(tiny_url: str, tmp_path_factory: pytest.TempPathFactory) -> report.ReportFiles:
    """The October 2026 report written once (HTML and PNGs) for the tests of this module."""
    engine = db.make_engine(tiny_url)
    try:
        return report.write_report(
            engine, date(2026, 10, 1), tmp_path_factory.mktemp("out"), now=datetime(2026, 11, 5, 7, 0)
        )
    finally:
        engine.dispose()


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (fails unless the file starts like a PNG)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_month_parsing() -> None:
    """``YYYY-MM`` gives the first day; the default month is the one before today."""
    assert report.month_of("2026-10") == date(2026, 10, 1)
    assert report.previous_month(date(2026, 11, 5)) == date(2026, 10, 1)
    assert report.previous_month(date(2026, 1, 5)) == date(2025, 12, 1)
    for bad in ("2026-13", "2026", "Oct 2026", ""):
        with pytest.raises(ValueError, match="not a month"):
            report.month_of(bad)


def test_files_written(written: report.ReportFiles) -> None:
    """One HTML file and three PNGs, named by the month."""
    assert written.html.name == "regulatory-dashboard-2026-10.html"
    assert [p.name for p in written.pngs] == [
        "2026-10-trend.png",
        "2026-10-risk-heatmap.png",
        "2026-10-capacity.png",
    ]
    assert written.has_calls is True


def test_pngs_are_valid(written: report.ReportFiles) -> None:
    """Each PNG is a real PNG at figure_png's scale 2 (1200 px wide figures → 2400 px)."""
    for path in written.pngs:
        width, height = _png_size(path)
        assert width == 2400
        assert height >= 640


def test_html_is_self_contained(written: report.ReportFiles) -> None:
    """plotly.js is inlined exactly once and no script, stylesheet or image is fetched from a URL."""
    text = written.html.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1  # the bundle's licence header: the library is inline
    assert re.findall(r"<script[^>]*\bsrc=", text) == []
    assert re.findall(r"<link[^>]*\bhref=[\"']?https?:", text) == []
    assert re.findall(r"<img[^>]*\bsrc=[\"']?https?:", text) == []
    assert text.count('class="chart"') == 3


def test_html_headline_figures(written: report.ReportFiles) -> None:
    """The cards show the hand-computed October figures and their month-over-month changes."""
    text = written.html.read_text(encoding="utf-8")
    assert "<title>测试呼叫中心有限公司 · 监管仪表盘月报 · 2026年10月</title>" in text
    assert (
        '<div class="label">外呼量</div><div class="value">3</div>'
        '<div class="delta">环比 <span class="">+50.0%</span> · 同比 <span class="">—</span></div>'
    ) in text
    assert (
        '<div class="label">外呼接通率</div><div class="value">66.7%</div>'
        '<div class="delta">环比 <span class="up">+16.7个百分点</span> · 同比 <span class="">—</span></div>'
    ) in text
    assert (
        '<div class="label">有效通话率</div><div class="value">33.3%</div>'
        '<div class="delta">环比 <span class="down">-16.7个百分点</span>'
    ) in text
    assert "生成于 2026-11-05 07:00" in text


def test_report_data_matches_core(tiny_url: str) -> None:
    """build_report's KPIs are core.pagedata.touch.compute_kpis' numbers (3 outbound, 2/3 connected)."""
    engine = db.make_engine(tiny_url)
    try:
        data = report.build_report(engine, date(2026, 10, 17), lang="en")
    finally:
        engine.dispose()
    kpis = {k.key: k for k in data.kpis}
    assert (data.month, data.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert kpis["outbound_calls"].value == 3 and kpis["outbound_calls"].previous == 2
    assert kpis["connect_rate"].value == pytest.approx(2 / 3)
    assert kpis["connect_rate"].mom == pytest.approx(2 / 3 - 1 / 2)
    assert kpis["connect_rate"].yoy is None
    assert [c.id for c in data.checks][:2] == ["agents_not_on_roster", "sessions_never_closed"]
    assert set(data.figures()) == {"trend", "risk-heatmap", "capacity"}


def test_month_without_calls_says_so(tiny_url: str, tmp_path: Path) -> None:
    """A month with no calls still gets its HTML file, with the notice; has_calls is False."""
    engine = db.make_engine(tiny_url)
    try:
        files = report.write_report(engine, date(2026, 7, 1), tmp_path, png=False, lang="en")
    finally:
        engine.dispose()
    assert files.pngs == () and files.has_calls is False
    text = files.html.read_text(encoding="utf-8")
    assert "There are no calls in this month: check that the data has been imported." in text


def test_cli_report(tiny_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``report --month 2026-10 --out DIR --no-png`` writes the HTML and names it on stderr."""
    lines: list[str] = []
    code = cli.main(["report", "--db", tiny_url, "--month", "2026-10", "--out", str(tmp_path), "--no-png"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regulatory-dashboard-2026-10.html"]
    assert capsys.readouterr().err == f"wrote {tmp_path / 'regulatory-dashboard-2026-10.html'}\n"
    code = cli.main(
        ["report", "--db", tiny_url, "--month", "2026-13", "--out", str(tmp_path)], stderr=lines.append
    )
    assert code == 2
    assert lines == ["error: not a month (YYYY-MM): '2026-13'\n"]
