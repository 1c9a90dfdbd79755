"""Excel exports for signature: the draft annual report and the risk difference list.

Both workbooks end with a signature block (编制 / 审核 / 负责人签字 / 日期), because step 4 of the
reporting calendar is "draft report + risk difference list, signed by the boss" and step 5 sends the
list to the provincial regulator.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from core.reporting.regulatory import FORMS

SIGNATURE = (
    ("编制人 Prepared by", ""),
    ("审核人 Reviewed by", ""),
    ("负责人签字 Approved (boss)", ""),
    ("日期 Date", ""),
)


def _cell(value: Any, unit: str | None = None) -> Any:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format(
            {
                "bold": True,
                "bg_color": "#1F4E79",
                "font_color": "#FFFFFF",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        ),
        "cell": wb.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "pct": wb.add_format({"border": 1, "num_format": "0.0%", "valign": "top"}),
        "num": wb.add_format({"border": 1, "num_format": "#,##0", "valign": "top"}),
        "dec": wb.add_format({"border": 1, "num_format": "#,##0.00", "valign": "top"}),
        "red": wb.add_format({"border": 1, "bg_color": "#F8D7DA", "text_wrap": True, "valign": "top"}),
        "sign": wb.add_format({"bottom": 1}),
        "label": wb.add_format({"bold": True}),
        "note": wb.add_format({"italic": True, "font_color": "#555555"}),
    }


def _value_format(f: dict[str, Any], unit: str, value: Any) -> Any:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f["cell"]
    if unit == "pct":
        return f["pct"]
    if unit == "count":
        return f["num"]
    return f["dec"]


def _provenance(wb: xlsxwriter.Workbook, rules_version: dict[str, str] | None) -> str:
    """The rules version in the workbook's properties; the line each sheet shows under its title."""
    if not rules_version:
        return ""
    wb.set_custom_property("rules_version", rules_version.get("id", ""))
    wb.set_custom_property("rules_version_at", rules_version.get("at", ""))
    line = f"规则版本 {rules_version['label_zh']} · Rules version {rules_version['label']}"
    wb.set_properties({"comments": line})
    return line


def _signature(ws: Any, f: dict[str, Any], row: int) -> None:
    ws.write(row, 0, "签字确认 Signatures", f["label"])
    for i, (label, _) in enumerate(SIGNATURE):
        ws.write(row + 1 + i, 0, label, f["label"])
        ws.merge_range(row + 1 + i, 1, row + 1 + i, 3, "", f["sign"])


def write_report_xlsx(
    path: Path | str,
    year: int,
    fields: Sequence[dict[str, Any]],
    changes: Sequence[dict[str, Any]],
    *,
    rules_version: dict[str, str] | None = None,
) -> Path:
    """The draft annual report: one sheet per form, then the difference list, each with a signature block.

    ``rules_version`` (:meth:`core.infra.rules.Rules.provenance`) is written in the workbook's custom
    properties ``rules_version`` / ``rules_version_at`` and on the second row of every sheet.
    """
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    f = _formats(wb)
    line = _provenance(wb, rules_version)
    for form, (zh, en) in FORMS.items():
        rows = [r for r in fields if r["form"] == form]
        ws = wb.add_worksheet(zh[:31])
        ws.write(0, 0, f"{year} 年度 {zh} · {en}(初稿 draft)", f["title"])
        if line:
            ws.write(1, 0, line, f["note"])
        heads = [
            "编号 ID",
            "字段 Field",
            "Field",
            "本年 Value",
            "上年 Previous",
            "变化 Change",
            "实质性变动 Material",
            "规则 Rule",
            "佐证材料 Evidence",
            "来源 Source",
        ]
        ws.write_row(2, 0, heads, f["head"])
        for i, r in enumerate(rows, start=3):
            ws.write(i, 0, r["id"], f["cell"])
            ws.write(i, 1, r["name_zh"], f["cell"])
            ws.write(i, 2, r["name_en"], f["cell"])
            ws.write(i, 3, _cell(r["value"]), _value_format(f, r["unit"], r["value"]))
            ws.write(i, 4, _cell(r["previous"]), _value_format(f, r["unit"], r["previous"]))
            change = r["change"]
            ws.write(i, 5, _cell(change), f["pct"] if isinstance(change, float) else f["cell"])
            ws.write(i, 6, "是 Yes" if r["material"] else "否 No", f["red"] if r["material"] else f["cell"])
            ws.write(i, 7, _cell(r["rule"]), f["cell"])
            ws.write(i, 8, _cell(r["evidence"]), f["cell"])
            ws.write(i, 9, r["source"], f["cell"])
        ws.set_column(0, 0, 7)
        ws.set_column(1, 2, 26)
        ws.set_column(3, 4, 18)
        ws.set_column(5, 6, 12)
        ws.set_column(7, 8, 34)
        ws.set_column(9, 9, 30)
        _signature(ws, f, len(rows) + 5)
    _changes_sheet(wb, f, year, changes, line)
    wb.close()
    return path


def _changes_sheet(
    wb: xlsxwriter.Workbook, f: dict[str, Any], year: int, changes: Sequence[dict[str, Any]], line: str = ""
) -> None:
    ws = wb.add_worksheet("风险差异清单")
    ws.write(0, 0, f"{year} 年度风险差异清单 · Risk difference list ({year} vs {year - 1})", f["title"])
    if line:
        ws.write(1, 0, line, f["note"])
    heads = [
        "序号 No.",
        "类别 Topic",
        "规则 Rule",
        "上年 Previous",
        "本年 Current",
        "变化 Change",
        "佐证材料 Evidence",
        "依据 Source",
    ]
    ws.write_row(2, 0, heads, f["head"])
    for i, c in enumerate(changes, start=3):
        ws.write(i, 0, i - 2, f["cell"])
        ws.write(i, 1, c["topic"], f["cell"])
        ws.write(i, 2, c["rule"], f["red"])
        ws.write(i, 3, _cell(c["previous"]), f["cell"])
        ws.write(i, 4, _cell(c["current"]), f["cell"])
        change = c.get("change")
        ws.write(i, 5, _cell(change), f["pct"] if isinstance(change, float) else f["cell"])
        ws.write(i, 6, _cell(c["evidence"]), f["cell"])
        ws.write(i, 7, _cell(c.get("source")), f["cell"])
    if not changes:
        ws.write(3, 0, "本年度无实质性变动 · No material change this year", f["note"])
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 46)
    ws.set_column(3, 4, 30)
    ws.set_column(5, 5, 10)
    ws.set_column(6, 7, 36)
    _signature(ws, f, max(len(changes), 1) + 5)


def write_changes_xlsx(
    path: Path | str,
    year: int,
    changes: Sequence[dict[str, Any]],
    *,
    rules_version: dict[str, str] | None = None,
) -> Path:
    """The risk difference list alone, with its signature block (for the regulator, step 5), and the
    rules version it was computed with (as in :func:`write_report_xlsx`)."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    line = _provenance(wb, rules_version)
    _changes_sheet(wb, _formats(wb), year, changes, line)
    wb.close()
    return path


def frame_to_xlsx_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    """Any table as an Excel file in memory (the app's "download as Excel")."""
    import io

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    f = _formats(wb)
    ws = wb.add_worksheet(sheet[:31])
    ws.write_row(0, 0, frame.columns, f["head"])
    for i, row in enumerate(frame.iter_rows(), start=1):
        ws.write_row(i, 0, [_cell(v) for v in row])
    wb.close()
    return buf.getvalue()
