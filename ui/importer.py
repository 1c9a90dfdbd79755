"""The data import on the data-quality page: upload files, watch a progress bar, read the report.

``render_import(lang)`` draws it (in an expander, open while the database holds no call). The work
is :func:`run_import`, which has no Streamlit in it: the uploaded files are written to a private
temporary folder (they hold clear numbers until imported, and are deleted right after), imported
with :func:`core.ingest.import_files` into the database the app uses, and the report and the
rejects file (numbers masked) are kept in the session for display and download.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from core.infra.db import DatabaseError
from core.infra.i18n import fmt, t
from core.infra.schema import TABLE_NAMES
from core.ingest import FORMATS, IngestError, ProgressFn, import_files
from core.rollup import build as rollup_build
from ui import glue

STATE_KEY = "import.last"


@dataclass(frozen=True)
class ImportOutcome:
    """What the page shows after an import: the report (as a dict) and the rejects file's bytes."""

    report: dict[str, Any]
    rejects_name: str | None = None
    rejects: bytes | None = None


def _safe_name(name: str, index: int) -> str:
    """An uploaded file's name, reduced to a plain file name (never a path)."""
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", Path(name).name).strip("._") or "upload"
    return f"{index:02d}-{base}" if index else base


def run_import(
    target: Any,
    uploads: Sequence[tuple[str, bytes]],
    fmt_name: str,
    *,
    table: str | None = None,
    mapping: bytes | None = None,
    progress: ProgressFn | None = None,
) -> ImportOutcome:
    """Import uploaded files (``(name, content)`` pairs) into ``target`` (an engine or a URL).

    Raises:
        IngestError: nothing was imported (wrong format, locked database, failure midway …).
    """
    with tempfile.TemporaryDirectory(prefix="callcenter-upload-") as tmp:
        folder = Path(tmp)
        paths = []
        for i, (name, content) in enumerate(uploads):
            path = folder / _safe_name(name, i)
            path.write_bytes(content)
            paths.append(path)
        mapping_path = None
        if mapping:
            mapping_path = folder / "mapping.toml"
            mapping_path.write_bytes(mapping)
        before = rollup_build.fingerprint_before_import(target)
        report = import_files(
            target,
            paths,
            fmt_name,
            table=table,
            mapping=mapping_path,
            rejects_dir=folder / "rejects",
            progress=progress,
        )
        # The pre-aggregates follow the new calls, on every engine: the days touched, or all
        # (core/semantic/rollup.py)
        rollup_build.refresh_after_import(target, report, before)
        rejects = Path(report.rejects_file).read_bytes() if report.rejects_file else None
        data = report.to_dict()
        # The folder is about to go: show names as uploaded, not the temporary paths.
        names = {p.name: name for p, (name, _c) in zip(paths, uploads, strict=True)}
        for entry in data["files"]:
            entry["file"] = names.get(entry["file"], entry["file"])
        rejects_name = f"{Path(uploads[0][0]).stem}.rejects.csv" if rejects else None
        data["rejects_file"] = rejects_name
        return ImportOutcome(data, rejects_name, rejects)


def _has_calls(url: str) -> bool:
    try:
        if glue.schema_problems(url):
            return False
        return glue.load_latest_call_day(url, glue.data_version(url)) is not None
    except Exception:  # noqa: BLE001 - the page explains database problems itself
        return False


def render_report(outcome: ImportOutcome, lang: str) -> None:
    """The counts of the last import, the inferred values, and the rejects file to download."""
    r = outcome.report
    st.success(
        t("import.done", lang, inserted=fmt(r["inserted"], "num0", lang), read=fmt(r["read"], "num0", lang))
    )
    columns = st.columns(5)
    for column, key in zip(columns, ("read", "inserted", "merged", "duplicates", "rejected"), strict=True):
        column.metric(t(f"import.{key}", lang), fmt(r[key], "num0", lang), border=True)
    if r["inferred_two_way_voice"]:
        st.caption(t("import.inferred", lang, n=fmt(r["inferred_two_way_voice"], "num0", lang)))
    if r["dnc_added"]:
        st.caption(t("import.dnc", lang, n=fmt(r["dnc_added"], "num0", lang)))
    files = pl.DataFrame(r["files"]).select("file", "table", "encoding", "read", "rejected", "note")
    if files.height > 1 or files["note"].str.len_chars().sum():
        st.dataframe(files, hide_index=True, key="import.files_table")
    if outcome.rejects:
        st.download_button(
            t("import.rejects_download", lang),
            outcome.rejects,
            file_name=outcome.rejects_name or "rejects.csv",
            mime="text/csv",
            key="import.rejects_download",
            icon=":material/download:",
        )


def render_import(lang: str) -> None:
    """The upload form with its progress bar and the last import's report (see the module)."""
    url = glue.database_url()
    # Open while there is nothing else to look at, or a report to read.
    expanded = STATE_KEY in st.session_state or not _has_calls(url)
    with st.expander(t("import.title", lang), expanded=expanded, icon=":material/upload_file:"):
        st.caption(t("import.intro", lang))
        left, right = st.columns(2)
        fmt_name = left.selectbox(
            t("import.format", lang),
            FORMATS,
            format_func=lambda f: t(f"import.format.{f}", lang),
            key="import.format",
        )
        table_choice = right.selectbox(
            t("import.table", lang),
            ("", *TABLE_NAMES),
            format_func=lambda n: n or t("import.table_auto", lang),
            key="import.table",
            disabled=fmt_name != "canonical",
        )
        files = st.file_uploader(t("import.files", lang), accept_multiple_files=True, key="import.files")
        mapping = st.file_uploader(
            t("import.mapping", lang),
            type=["toml"],
            help=t("import.mapping_help", lang),
            key="import.mapping",
        )
        if st.button(t("import.run", lang), type="primary", disabled=not files, key="import.run"):
            bar = st.progress(0.0, text=t("import.run", lang))

            def progress(label: str, fraction: float) -> None:
                bar.progress(max(0.0, min(1.0, fraction)), text=label)

            try:
                outcome = run_import(
                    glue.get_engine(url),
                    [(f.name, f.getvalue()) for f in files or []],
                    fmt_name,
                    table=(table_choice or None) if fmt_name == "canonical" else None,
                    mapping=mapping.getvalue() if mapping else None,
                    progress=progress,
                )
            except (IngestError, DatabaseError) as exc:
                bar.empty()
                st.session_state.pop(STATE_KEY, None)
                st.error(t("import.failed", lang, reason=exc.message(lang)), icon=":material/error:")
            else:
                st.session_state[STATE_KEY] = outcome
                glue.clear_status()  # a new data version: every page reads the new rows
        last = st.session_state.get(STATE_KEY)
        if isinstance(last, ImportOutcome):
            render_report(last, lang)
