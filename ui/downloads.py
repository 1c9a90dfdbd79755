"""Charts and tables with their downloads: every chart as PNG, every table as CSV and Excel.

Every page draws its figures and tables through these two helpers, so the download buttons look
and behave the same everywhere::

    from ui import downloads

    downloads.chart(fig, "reg.credit_gauge", name="credit-gauge")
    downloads.table(frame, "reg.fields", name="annual-report-fields")

The files are made only when the button is clicked (Streamlit runs a callable ``data`` on click):
a PNG takes kaleido a few seconds with the system Chromium, which must not slow every rerun.
Made files are kept in a small in-memory cache keyed by the content, so a second click is instant.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core.infra.i18n import t
from core.reporting.charts import figure_png
from core.reporting.exports import frame_to_xlsx_bytes
from ui import filters

#: Plotly's own toolbar: no logo; its camera button also saves a PNG (client-side).
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
_CACHE_MAX = 32

_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def _cached(key: str, make: Callable[[], bytes]) -> bytes:
    """``make()`` once per ``key`` (small LRU shared by every session; made outside the lock)."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = make()
    with _lock:
        _cache[key] = data
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return data


def safe_name(name: str) -> str:
    """A file name without characters browsers or file systems refuse (CJK is kept).

    >>> safe_name("风险差异清单 2025/26: v1")
    '风险差异清单_2025-26_v1'
    """
    text = re.sub(r"[\\/]+", "-", name.strip())
    text = re.sub(r"[:*?\"<>|]+", "", text)
    return re.sub(r"\s+", "_", text) or "download"


def png_bytes(fig: go.Figure) -> bytes:
    """The figure as PNG bytes (:func:`core.reporting.charts.figure_png`), cached by the figure's content."""
    spec = fig.to_json()
    key = "png:" + hashlib.sha1(spec.encode("utf-8")).hexdigest()
    return _cached(key, lambda: figure_png(fig))


def flat_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with list and struct columns joined into text (CSV cannot hold nested values).

    >>> flat_frame(pl.DataFrame({"a": [["x", "y"], []]}))["a"].to_list()
    ['x;y', '']
    """
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            out.append(col.cast(pl.List(pl.String)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct | pl.Object):
            out.append(col.map_elements(str, return_dtype=pl.String).alias(name))
        else:
            out.append(col)
    return frame.select(out)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    return b"\xef\xbb\xbf" + flat_frame(frame).write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    """The table as an Excel workbook (:func:`core.reporting.exports.frame_to_xlsx_bytes`)."""
    return frame_to_xlsx_bytes(flat_frame(frame), sheet=sheet)


def chart(
    fig: go.Figure,
    key: str,
    *,
    name: str | None = None,
    lang: str | None = None,
    height: int | None = None,
) -> None:
    """Draw a plotly figure with a "download PNG" button under it.

    Args:
        fig: the figure (from :mod:`core.reporting.charts` or built by the page from page data).
        key: a key unique on the page; the chart gets ``{key}.chart``, the button ``{key}.png``.
        name: the file name without extension (default: ``key``).
        lang: interface language (default: the sidebar's).
        height: chart height in pixels (default: the figure's own).
    """
    lang = lang or filters.language()
    if height is not None:
        fig.update_layout(height=height)
    st.plotly_chart(fig, key=f"{key}.chart", config=PLOTLY_CONFIG, theme=None)
    st.download_button(
        t("download.png", lang),
        data=lambda: png_bytes(fig),
        file_name=f"{safe_name(name or key)}.png",
        mime="image/png",
        key=f"{key}.png",
        on_click="ignore",
        icon=":material/image:",
        type="tertiary",
    )


def table(
    frame: pl.DataFrame,
    key: str,
    name: str,
    *,
    lang: str | None = None,
    column_config: Mapping[str, Any] | None = None,
    height: int | None = None,
    static: bool = False,
) -> None:
    """Draw a table with "download CSV" and "download Excel" buttons under it.

    Args:
        frame: the table as shown (columns already named in the interface language).
        key: a key unique on the page; the table gets ``{key}.table``, the buttons ``{key}.csv``
            and ``{key}.xlsx``.
        name: the file name without extension.
        lang: interface language (default: the sidebar's).
        column_config: Streamlit column configuration (formats, widths).
        height: table height in pixels (default: Streamlit's, up to ten rows).
        static: draw a static table whose long texts wrap (``st.table``: every row shows, and
            it prints and screenshots as it looks) instead of the scrolling data grid.
    """
    lang = lang or filters.language()
    if static:
        st.table(frame, hide_index=True, border="horizontal")
    else:
        st.dataframe(
            frame,
            key=f"{key}.table",
            hide_index=True,
            width="stretch",
            height=height if height is not None else "auto",
            column_config=dict(column_config) if column_config else None,
        )
    table_downloads(frame, key, name, lang=lang)


def table_downloads(frame: pl.DataFrame, key: str, name: str, *, lang: str | None = None) -> None:
    """Only the "download CSV" and "download Excel" buttons of a table drawn some other way (cards).

    Keys: ``{key}.csv`` and ``{key}.xlsx``, as in :func:`table`.
    """
    lang = lang or filters.language()
    file_name = safe_name(name)
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            t("download.csv", lang),
            data=lambda: csv_bytes(frame),
            file_name=f"{file_name}.csv",
            mime="text/csv",
            key=f"{key}.csv",
            on_click="ignore",
            icon=":material/download:",
            type="tertiary",
        )
        st.download_button(
            t("download.xlsx", lang),
            data=lambda: xlsx_bytes(frame, sheet=file_name[:31]),
            file_name=f"{file_name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}.xlsx",
            on_click="ignore",
            icon=":material/table_view:",
            type="tertiary",
        )


def file_button(
    label: str,
    make: Callable[[], bytes | str],
    *,
    file_name: str,
    mime: str,
    key: str,
    primary: bool = False,
    icon: str = ":material/download:",
) -> None:
    """A download button for any file made on click (Excel report, HTML page …)."""
    st.download_button(
        label,
        data=make,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=icon,
        type="primary" if primary else "secondary",
    )


__all__ = [
    "chart",
    "csv_bytes",
    "file_button",
    "flat_frame",
    "png_bytes",
    "safe_name",
    "table",
    "table_downloads",
    "xlsx_bytes",
]
