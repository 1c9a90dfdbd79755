"""The rejects file: every row that could not be imported, with its line number and the reason.

One CSV per import, ``<first input>.rejects.csv`` beside the first input (or in ``--rejects DIR``),
UTF-8 with a BOM so that Excel shows Chinese text. Columns: ``file``, ``line``, ``reason``,
``record``. Phone numbers are masked in the record and in the reason (every digit but the last two,
:func:`core.ingest.numbers.mask_text`), so the file can be passed around; the original rows are in
the source file.

The file is written as ``….rejects.csv.part`` while importing and renamed at the end; a failed
import removes it, and an import without rejects removes a stale rejects file of the same name.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

import polars as pl

from core.ingest.numbers import mask_text

COLUMNS = ("file", "line", "reason", "record")


def rejects_path(first_input: Path, rejects_dir: Path | None) -> Path:
    folder = rejects_dir if rejects_dir is not None else first_input.resolve().parent
    return folder / f"{first_input.name}.rejects.csv"


class RejectsWriter:
    """Streams rejected rows to the rejects file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.count = 0
        self._fh: IO[str] | None = None
        self._writer: csv.writer | None = None  # type: ignore[valid-type]

    def add(self, file_name: str, rejects: pl.DataFrame) -> None:
        """Append rejected rows (``_line``, ``_reason``, ``_raw``) of ``file_name``."""
        if rejects.height == 0:
            return
        if self._fh is None:
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.part, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by finish()
            self._writer = csv.writer(self._fh)
            self._writer.writerow(COLUMNS)
        assert self._writer is not None
        for line, reason, raw in rejects.select("_line", "_reason", "_raw").iter_rows():
            self._writer.writerow((file_name, line, mask_text(reason or ""), mask_text(raw or "")))
        self.count += rejects.height

    def finish(self) -> Path | None:
        """Close and put the file in place; ``None`` when nothing was rejected."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self.part.replace(self.path)
            return self.path
        self.path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        """Close and remove the partial file (the import failed)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.part.unlink(missing_ok=True)
