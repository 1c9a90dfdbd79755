"""ui.downloads: chart and table helpers, their buttons and the files they make."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from ui import downloads

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import plotly.graph_objects as go
import polars as pl
from ui import downloads

downloads.chart(go.Figure(go.Bar(x=["外呼"], y=[1])), "t.fig", name="图 1", lang="zh")
downloads.table(pl.DataFrame({{"a": [1, 2]}}), "t.tab", name="表", lang="en")
"""


def test_buttons_and_keys(tmp_path: Path) -> None:
    """A chart gets one PNG button, a table a CSV and an Excel button, each with the given key."""
    script = tmp_path / "app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script)).run()
    assert list(at.exception) == []
    assert [b.proto.label for b in at.get("download_button")] == [
        "下载 PNG 图片",
        "Download CSV",
        "Download Excel",
    ]
    assert [b.key for b in at.get("download_button")] == ["t.fig.png", "t.tab.csv", "t.tab.xlsx"]
    assert len(at.dataframe) == 1


def test_csv_has_bom_and_flattened_lists() -> None:
    """CSV bytes start with a UTF-8 BOM (Excel reads Chinese); lists are joined with ";" (empty: "")."""
    frame = pl.DataFrame({"字段": ["坐席", "码号"], "佐证": [["说明", "协议"], []]})
    data = downloads.csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8").splitlines() == ["字段,佐证", "坐席,说明;协议", '码号,""']


def test_xlsx_opens_with_openpyxl() -> None:
    """The Excel bytes are a workbook whose first sheet holds the header and the rows."""
    frame = pl.DataFrame({"a": [1, 2], "b": [["x"], ["y", "z"]]})
    wb = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(frame, sheet="表")))
    ws = wb["表"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["a", "b"], [1, "x"], [2, "y;z"]]


def test_png_bytes_is_png_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """png_bytes returns core.reporting.charts.figure_png's bytes and makes them once per figure content."""
    calls: list[int] = []

    def fake_png(fig: go.Figure, **_: object) -> bytes:
        calls.append(1)
        return b"\x89PNG\r\n\x1a\nfake"

    monkeypatch.setattr(downloads, "figure_png", fake_png)
    fig = go.Figure(go.Bar(x=["a"], y=[42.5]))
    assert downloads.png_bytes(fig) == b"\x89PNG\r\n\x1a\nfake"
    assert downloads.png_bytes(go.Figure(go.Bar(x=["a"], y=[42.5]))) == b"\x89PNG\r\n\x1a\nfake"
    assert calls == [1]
    downloads.png_bytes(go.Figure(go.Bar(x=["a"], y=[42.6])))
    assert calls == [1, 1]


def test_safe_name() -> None:
    """Slashes become dashes, reserved characters go, spaces become underscores, CJK stays."""
    assert downloads.safe_name("风险差异清单 2025/26: v1") == "风险差异清单_2025-26_v1"
    assert downloads.safe_name("  ") == "download"
