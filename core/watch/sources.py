"""The three kinds of watched source, each turning its stored position into the next batch.

A source's :meth:`next_step` takes the position (a JSON-able dict, or ``None`` the first time) and
returns a :class:`Step`: the files to import (written to a private temporary folder when they are a
piece of something) and the position once they are committed; or ``None`` when nothing is new. A
step without files only moves the position (a rotated file finished: follow the new one); it needs no
commit, since the same move is made again from the stored position after a restart.

* :class:`GrowingFile` — a CDR file that grows. Position ``{dev, inode, head, head_len, offset}``:
  the file followed (its device and inode, and a SHA-256 of its first ``head_len`` bytes) and the
  byte offset read to. Each step reads from the offset to the last complete line (at most
  :data:`MAX_BYTES`); a line still being written waits for its newline. The file is taken as
  rotated or replaced when the path's inode differs, its size is below the offset, or its first bytes
  changed: the followed file is then looked for by inode in the same folder (``Master.csv.1``,
  ``Master.csv-20261203`` …) and its tail read to its end, and then the new file from byte 0. A
  header format (``asterisk``, ``vicidial``, ``canonical``) gets the file's first line put before each
  piece. Records must be one line each (CDR files are).
* :class:`Folder` — files landing in a folder. Position ``{files: {name: [size, mtime_ns, error]}}``:
  the files taken, each imported once as it was; a file is taken when its modification time lies
  ``settle`` seconds in the past (nobody wrote to it since), names a writer uses while writing
  (``.*``, ``*.part``, ``*.tmp``, ``*.partial``, ``*.crdownload``) and rejects files are never taken,
  so a rename into place is taken at once. A file that comes back changed (size or time) is imported
  again (its stored rows are then duplicates). One file per step.
* :class:`CdrTable` — a PBX's CDR table. Position ``{mark, type}``: the high-water mark of the
  monotonic ``column``. Each step reads the rows above the mark (at most ``limit``, in column order)
  and again those from ``mark - overlap`` up to the mark (rows a slower transaction committed
  late); rows read again are duplicates of the stored ones (the importer's duplicate handling).
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.infra import db
from core.ingest.formats import call_format
from core.watch.specs import Spec

#: Bytes of a growing file read per step (a first start on a large file takes several steps).
MAX_BYTES = 64 * 1024 * 1024
#: Bytes of a file's start whose digest tells the same file from a new one.
HEAD_BYTES = 256
#: Names never taken from a folder: written in place, or our own output.
SKIPPED = (".*", "*.part", "*.tmp", "*.partial", "*.crdownload", "*.rejects.csv", "*.rejects.csv.part")


@dataclass
class Step:
    """Files to import and the position once they are committed (no files: a move only)."""

    files: list[Path]
    position: dict[str, Any]
    note: str = ""
    folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    #: The position to store when the importer refuses the step's files as a whole (not the declared
    #: format) while the database is fine: a folder's file is noted as failed (taken again when it
    #: changes); a piece of a growing file already read in that format goes to the rejects file
    #: (``reject_piece``) and is passed. ``None``: the step is tried again at the next poll.
    failed: dict[str, Any] | None = None
    reject_piece: bool = False
    #: Lines before the piece's first record (1: the file's header line put before it).
    header_lines: int = 0

    def cleanup(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


def _private_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="callcenter-watch-")


def _has_header(fmt: str) -> bool:
    if fmt == "canonical":
        return True
    return bool(call_format(fmt).has_header)


class GrowingFile:
    """A CDR file that grows, with rotation (see the module docstring)."""

    def __init__(self, spec: Spec) -> None:
        assert spec.path is not None
        self.spec = spec
        self.path = spec.path
        self.header = _has_header(spec.fmt)

    @staticmethod
    def _head(path: Path, n: int) -> str:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read(n)).hexdigest()

    def _fresh(self, st: os.stat_result) -> dict[str, Any]:
        return {
            "dev": st.st_dev,
            "inode": st.st_ino,
            "offset": 0,
            "head": self._head(self.path, 0),
            "head_len": 0,
        }

    def _is_followed(self, path: Path, st: os.stat_result, pos: dict[str, Any]) -> bool:
        """Whether ``path`` (stat ``st``) is the file ``pos`` follows."""
        if (st.st_dev, st.st_ino) != (pos["dev"], pos["inode"]) or st.st_size < pos["offset"]:
            return False
        try:
            return bool(self._head(path, int(pos["head_len"])) == pos["head"])
        except OSError:
            return False

    def _find_followed(self, pos: dict[str, Any]) -> tuple[Path, os.stat_result] | None:
        """The followed file after a rotation: by inode in the same folder (then by its first bytes)."""
        try:
            entries = list(os.scandir(self.path.parent))
        except OSError:
            return None
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.is_file(follow_symlinks=False) and self._is_followed(Path(entry.path), st, pos):
                return Path(entry.path), st
        return None

    def next_step(self, pos: dict[str, Any] | None) -> Step | None:
        try:
            st: os.stat_result | None = self.path.stat()
        except FileNotFoundError:
            st = None
        if pos is None:
            return None if st is None else Step([], self._fresh(st))
        if st is not None and self._is_followed(self.path, st, pos):
            return self._piece(self.path, st, pos, whole=False)
        # Rotated, replaced or truncated: finish the followed file, then start on the new one.
        old = self._find_followed(pos)
        if old is not None and old[1].st_size > pos["offset"]:
            # Once a new file is there nobody writes to the old one: its last line counts even without
            # a newline (cut off: then a reject, never lost).
            step = self._piece(old[0], old[1], pos, whole=st is not None)
            if step is not None:
                step.note = f"rotated file {old[0].name}"
                return step
        if st is None:
            return None  # renamed away and not created again yet
        note = "rotated" if old is not None else "replaced or truncated"
        return Step([], self._fresh(st), note)

    def _piece(self, path: Path, st: os.stat_result, pos: dict[str, Any], *, whole: bool) -> Step | None:
        start = int(pos["offset"])
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(min(st.st_size - start, MAX_BYTES))
            header = b""
            if self.header and start > 0:
                fh.seek(0)
                header = fh.readline()
        if not (whole and start + len(data) == st.st_size):
            data = data[: data.rfind(b"\n") + 1]
        if not data:
            return None
        end = start + len(data)
        head_len = min(end, HEAD_BYTES)
        position = {
            "dev": pos["dev"],
            "inode": pos["inode"],
            "offset": end,
            "head_len": head_len,
            "head": self._head(path, head_len),
        }
        folder = _private_dir()
        name = f"{self.path.stem}.from-{start}{self.path.suffix or '.csv'}"
        piece = Path(folder.name) / name
        piece.write_bytes(header + data)
        # A piece of a file whose start was read in this format: lines the importer cannot even
        # recognise are garbage written into it (rejected whole, passed). At byte 0 the format itself
        # is in doubt (a wrong format= would reject the whole file): the piece waits, with its error.
        return Step(
            [piece],
            position,
            f"bytes {start}-{end}",
            folder,
            failed=position if start > 0 else None,
            reject_piece=start > 0,
            header_lines=1 if header else 0,
        )


class Folder:
    """Export files landing in a folder (see the module docstring)."""

    def __init__(self, spec: Spec) -> None:
        assert spec.path is not None
        self.spec = spec
        self.path = spec.path

    def next_step(self, pos: dict[str, Any] | None) -> Step | None:
        done: dict[str, list[Any]] = dict((pos or {}).get("files", {}))
        now = datetime.now().timestamp()
        present: dict[str, tuple[int, int]] = {}
        ready: list[tuple[int, str]] = []
        for entry in os.scandir(self.path):
            name = entry.name
            if not entry.is_file() or any(fnmatch.fnmatch(name, p) for p in SKIPPED):
                continue
            if not fnmatch.fnmatch(name, self.spec.pattern):
                continue
            st = entry.stat()
            present[name] = (st.st_size, st.st_mtime_ns)
            seen = done.get(name)
            if seen is not None and (seen[0], seen[1]) == present[name]:
                continue
            if now - st.st_mtime >= self.spec.settle:
                ready.append((st.st_mtime_ns, name))
        kept = {n: v for n, v in done.items() if n in present}
        if not ready:
            if kept != done:  # files gone: forget them (nothing to commit; redone after a restart)
                return Step([], {"files": kept}, "files removed")
            return None
        _, name = min(ready)
        size, mtime = present[name]
        taken = {**kept, name: [size, mtime, None]}
        return Step(
            [self.path / name],
            {"files": taken},
            name,
            failed={"files": {**kept, name: [size, mtime, "failed"]}},
        )


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _mark_of(value: Any) -> tuple[Any, str]:
    """A column value as a JSON-able mark and its type."""
    if isinstance(value, bool):
        return int(value), "int"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float | Decimal):
        return float(value), "float"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" "), "datetime"
    return str(value), "str"


def _value_of(mark: Any, kind: str) -> Any:
    return datetime.fromisoformat(mark) if kind == "datetime" else mark


class CdrTable:
    """A PBX's CDR table read by a high-water mark (see the module docstring)."""

    def __init__(self, spec: Spec) -> None:
        assert spec.url is not None and spec.table_name is not None
        self.spec = spec
        self.engine = db.make_engine(spec.url)
        owner, _, name = spec.table_name.rpartition(".")
        self.table = sa.table(name, schema=owner or None)
        self.column: sa.ColumnClause[Any] = sa.column(spec.column)
        self.header = _has_header(spec.fmt)

    def _below(self, mark: Any, kind: str) -> Any:
        """The lowest value read again: ``overlap`` below the mark (seconds for a time column)."""
        value = _value_of(mark, kind)
        if kind == "datetime":
            return value - timedelta(seconds=self.spec.overlap)
        if kind in ("int", "float"):
            return value - (int(self.spec.overlap) if kind == "int" else self.spec.overlap)
        return value  # a text column: the mark itself

    def next_step(self, pos: dict[str, Any] | None) -> Step | None:
        select: sa.Select[Any] = sa.select(sa.literal_column("*")).select_from(self.table)
        new = select.order_by(self.column).limit(self.spec.limit)
        if pos is not None:
            new = new.where(self.column > _value_of(pos["mark"], pos["type"]))
        try:
            with self.engine.connect() as conn:
                result = conn.execute(new)
                names = list(result.keys())
                rows = [tuple(r) for r in result]
                if not rows:
                    return None
                again: list[tuple[Any, ...]] = []
                if pos is not None:
                    low = self._below(pos["mark"], pos["type"])
                    mark = _value_of(pos["mark"], pos["type"])
                    again = [
                        tuple(r)
                        for r in conn.execute(
                            select.where(self.column >= low, self.column <= mark).order_by(self.column)
                        )
                    ]
        except sa.exc.SQLAlchemyError as exc:
            raise db.connect_error(exc, self.spec.url or "") from None
        at = names.index(self.spec.column) if self.spec.column in names else None
        if at is None:
            raise db.DatabaseError(
                f"表 {self.spec.table_name} 没有列 {self.spec.column}",
                f"The table {self.spec.table_name} has no column {self.spec.column}",
            )
        mark, kind = _mark_of(rows[-1][at])
        folder = _private_dir()
        piece = Path(folder.name) / f"{self.spec.table_name}.csv"
        with open(piece, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            if self.header:
                out.writerow(names)
            for r in again + rows:
                out.writerow([_csv_value(v) for v in r])
        return Step(
            [piece], {"mark": mark, "type": kind}, f"{len(rows)} new rows, {len(again)} read again", folder
        )

    def close(self) -> None:
        self.engine.dispose()


Source = GrowingFile | Folder | CdrTable


def open_source(spec: Spec) -> Source:
    """The source of ``spec``."""
    if spec.kind == "file":
        return GrowingFile(spec)
    if spec.kind == "folder":
        return Folder(spec)
    return CdrTable(spec)
