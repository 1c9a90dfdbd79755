"""Output helpers of the commands: rows as a table, JSON or CSV; a progress bar; cell formats.

JSON is an array of objects, rates are fractions, missing values null; the table view is for a
terminal (CJK characters count two columns).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from datetime import date, datetime
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN → null
        return None
    return value


def emit(rows: list[dict[str, Any]], fmt: str, out: io.TextIOBase | Any = None) -> None:
    """Print rows as a table, a JSON array of objects, or CSV."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump([{k: _jsonable(v) for k, v in r.items()} for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else _jsonable(v) for k, v in r.items()})
        return
    text = [[("—" if r[c] is None else str(_jsonable(r[c]))) for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(t[i]) for t in text]) for i, c in enumerate(columns)]
    out.write("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for t in text:
        out.write("  ".join(_pad(v, w) for v, w in zip(t, widths, strict=True)).rstrip() + "\n")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write_rows(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """:func:`emit` to ``--out FILE`` when given (saying so on stderr), else to stdout."""
    if getattr(args, "out", None):
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            emit(rows, args.format, fh)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        emit(rows, args.format)


class ProgressBar:
    """A one-line text progress bar on stderr (quiet when stderr is not a terminal, except at the end)."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_line = ""

    def __call__(self, label: str, fraction: float) -> None:
        filled = round(self.width * max(0.0, min(1.0, fraction)))
        elapsed = time.perf_counter() - self.started
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:5.1f}% {elapsed:6.1f}s {label}"
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self.last_line)))
            if fraction >= 1.0:
                self.stream.write("\n")
        elif fraction >= 1.0 or fraction == 0.0:
            self.stream.write(line + "\n")
        self.last_line = line
        self.stream.flush()


def fmt_cell(value: Any, fmt: str) -> Any:
    """Table output only: rates as percentages, hours with one decimal; JSON/CSV keep raw values.

    >>> fmt_cell(0.1234, "pct1"), fmt_cell(1234.56, "hours1"), fmt_cell(1234, "int"), fmt_cell(None, "pct1")
    ('12.3%', '1,234.6', '1,234', None)
    """
    if value is None:
        return None
    if fmt == "pct1":
        return f"{value * 100:.1f}%"
    if fmt in ("hours1", "num1"):
        return f"{value:,.1f}"
    if fmt in ("num2", "per10k2"):
        return f"{value:,.2f}"
    if fmt == "sec0":
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else value


def change_text(change: float | None, unit: str) -> str | None:
    """Rates change in percentage points, everything else relatively.

    >>> change_text(0.012, "pct"), change_text(0.25, "count"), change_text(None, "pct")
    ('+1.2pp', '+25.0%', None)
    """
    if change is None:
        return None
    return f"{change * 100:+.1f}pp" if unit == "pct" else f"{change:+.1%}"


def short(value: Any, width: int = 28) -> Any:
    """A value cut to ``width`` characters for a terminal table (floats with four significant digits)."""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    text = "—" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
