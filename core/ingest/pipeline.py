"""The import: files in, a report out, the database changed whole or not at all.

Order of work (each step can stop the import; nothing is written before step 4):

1. the database connection is opened (DuckDB: its lock is taken, or the import stops here);
2. every file is opened and recognised as the declared format, or the import stops;
3. the salt is loaded (created on first use) and missing tables are created;
4. the files are read in chunks; rows are checked, numbers hashed, rejects written to the rejects
   file, duplicates set aside, and the rest written in one transaction (ClickHouse: staging
   tables, see :mod:`core.ingest.sink`);
5. the counts are checked to balance (``read = inserted + merged + duplicates + rejected``), the
   import is logged, and only then committed.

Asterisk and FreeSWITCH legs are first sorted into partitions by family (hash of
``linkedid``/``uniqueid``; FreeSWITCH: of the A-leg's uuid, found once every file has been read,
see :mod:`core.ingest.legs`) in temporary Arrow files, so that each family is folded whole however
far apart its rows are, with memory bounded by the partition size (about ``chunk_rows`` legs each).
A family that already has stored legs (``call_legs``: the call came in an earlier import) is folded
with them and its stored call replaced (:meth:`_Writer.replace_calls`).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.ipc as ipc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema
from core.ingest import tables as ingest_tables
from core.ingest.callers import check_caller_numbers
from core.ingest.calls import drop_duplicate_legs, finish_calls, fold_legs
from core.ingest.canonical import Canonical, infer_two_way_voice, table_for
from core.ingest.common import CALL_FORMATS, FORMATS, IngestError, ProgressFn
from core.ingest.formats import CallFormat, Converted, Layout, call_format
from core.ingest.legs import (
    CALL_OWN,
    LEG_SCHEMA,
    compact_ids,
    freeswitch_roles,
    from_stored,
    link_families,
    prepared,
    to_stored,
    with_call_values,
)
from core.ingest.mapping import Mapping, load_mapping
from core.ingest.numbers import load_salt
from core.ingest.readers import Batch, ExcelSource, Source, open_source
from core.ingest.rejects import RejectsWriter, rejects_path
from core.ingest.sink import Sink
from core.ingest.tencent import TencentCcc

DEFAULT_CHUNK_ROWS = 50_000
#: Chunks parsed and converted at once (threads).
WORKERS = max(1, min(2, os.cpu_count() or 1))
MAX_PARTITIONS = 256
TWO_WAY_RULE = "answered and talk_seconds >= {n}"


@dataclass
class FileReport:
    """One input file (or one Excel sheet): what was read from it and what was rejected."""

    file: str
    table: str
    encoding: str
    read: int = 0
    rejected: int = 0
    note: str = ""


@dataclass
class ImportReport:
    """What an import did. ``read = inserted + merged + duplicates + rejected`` always holds.

    * ``read`` — records in the files (blank lines are not records);
    * ``inserted`` — rows added to the database (calls: new calls; a stored call replaced because
      it got new legs is not inserted);
    * ``merged`` — Asterisk and FreeSWITCH legs folded into another leg's call, in this import or
      into a call stored by an earlier one (then that call is replaced by the call of all its legs);
    * ``duplicates`` — rows already in the database, or repeated within the import;
    * ``rejected`` — rows written to the rejects file, with their reasons;
    * ``inferred_two_way_voice`` — inserted calls whose two-way voice was inferred;
    * ``dnc_added`` — rows added to the dnc table from VICIdial DNC statuses (not counted above);
    * ``call_days`` — the days (of ``started_at``) of the calls inserted, and of the stored calls
      replaced, as they were and as they are: the days whose rollups the import changed
      (``core.rollup.build.refresh_after_import``); ``replaced_customers`` — the (hashed) customers
      of the stored calls replaced, as they were (a fold may give the call another customer). The
      JSON report lists the days, not the customers.
    """

    import_id: str
    format: str
    database: str
    files: list[FileReport] = field(default_factory=list)
    read: int = 0
    inserted: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    inferred_two_way_voice: int = 0
    dnc_added: int = 0
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    call_days: set[date] = field(default_factory=set)
    replaced_customers: set[str] = field(default_factory=set)

    @property
    def balanced(self) -> bool:
        return self.read == self.inserted + self.merged + self.duplicates + self.rejected

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (the CLI's ``--report json``)."""
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        out["call_days"] = [d.isoformat() for d in sorted(self.call_days)]
        del out["replaced_customers"]
        return out

    def touch(self, started_at: pl.Series) -> None:
        """Note the days of these calls' starts in :attr:`call_days`."""
        starts = started_at.drop_nulls()
        if isinstance(starts.dtype, pl.Datetime) and starts.dtype.time_zone is not None:
            starts = starts.dt.replace_time_zone(None)  # stored as the wall-clock time, as the rollups
        days = starts.dt.date().unique()
        self.call_days.update(days.to_list())

    def count(self, table: str, key: str, n: int) -> None:
        counts = self.by_table.setdefault(
            table, {"read": 0, "inserted": 0, "merged": 0, "duplicates": 0, "rejected": 0}
        )
        counts[key] += n
        if key != "read":
            setattr(self, key, getattr(self, key) + n)
        else:
            self.read += n


@dataclass
class _Plan:
    index: int
    path: Path
    table: str
    source: Source
    handler: CallFormat | Canonical
    layout: Layout | None  # None: the file holds no record


# --------------------------------------------------------------------------------------------
# Planning: open and recognise every file before anything is written
# --------------------------------------------------------------------------------------------


def _plans(paths: Sequence[Path], fmt: str, table: str | None, mapping: Mapping) -> list[_Plan]:
    plans: list[_Plan] = []
    for path in paths:
        if not path.is_file():
            raise IngestError(f"找不到文件 {path}", f"No such file: {path}")
        _columns_apply(path, mapping)
        if fmt == "canonical":
            for sheet, target in _canonical_targets(path, table):
                handler: CallFormat | Canonical = Canonical(target)
                source = open_source(
                    path,
                    has_header=not mapping.columns,
                    multiline=True,
                    encoding=mapping.encoding,
                    sheet=sheet,
                )
                plans.append(_plan(len(plans), path, target, source, handler, mapping))
            continue
        if table not in (None, "calls"):
            raise IngestError(
                f"--format {fmt} 只能导入 calls 表",
                f"--format {fmt} imports calls only; --table {table} does not apply",
            )
        handler = TencentCcc() if fmt == "tencent-ccc" else call_format(fmt)  # tencent.py imports formats
        if not handler.has_header and path.suffix.lower() in (".xlsx", ".xlsm", ".parquet", ".pq", ".xls"):
            raise IngestError(
                f"{path.name}:--format {fmt} 读取的是文本文件(CSV),不是 Excel 或 Parquet",
                f"{path.name}: --format {fmt} reads text (CSV) files, not Excel or Parquet",
            )
        opener = getattr(handler, "open_source", None)  # a format with its own reader (tencent-ccc JSON)
        source = (
            opener(path, mapping)
            if opener is not None
            else open_source(
                path,
                has_header=handler.has_header and not mapping.columns,
                multiline=handler.multiline,
                encoding=mapping.encoding,
            )
        )
        plans.append(_plan(len(plans), path, "calls", source, handler, mapping))
    return plans


def _plan(
    index: int, path: Path, table: str, source: Source, handler: CallFormat | Canonical, mapping: Mapping
) -> _Plan:
    empty = source.header is None if source.has_header else source.empty
    if empty:
        return _Plan(index, path, str(table), source, handler, None)
    return _Plan(index, path, str(table), source, handler, handler.layout(source, mapping))


def _columns_apply(path: Path, mapping: Mapping) -> None:
    """``[source] columns`` names the fields of a text file; a workbook or Parquet file names its own."""
    if mapping.columns and path.suffix.lower() in (".xlsx", ".xlsm", ".parquet", ".pq"):
        raise IngestError(
            f"{path.name}:映射文件的 [source] columns 只用于文本(CSV)文件;Excel 与 Parquet 文件请用表头和 [rename]",
            f"{path.name}: the mapping's [source] columns applies to text (CSV) files; an Excel or Parquet "
            "file names its columns in its header (rename them with [rename])",
        )


def _canonical_targets(path: Path, table: str | None) -> list[tuple[str | None, str]]:
    if table is not None and table not in schema.TABLE_NAMES:
        raise IngestError(
            f"未知的表 {table}", f"Unknown table {table!r}; one of {', '.join(schema.TABLE_NAMES)}"
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = ExcelSource.sheet_names(path)
        if table:
            return [(table if table in sheets else sheets[0], table)]
        named = [(s, t) for s in sheets if (t := table_for(s))]
        if named:
            return named  # type: ignore[return-value]
        guess = table_for(path.stem)
        if guess:
            return [(sheets[0], guess)]
    else:
        guess = table or table_for(path.stem)
        if guess:
            return [(None, guess)]
    raise IngestError(
        f"无法判断 {path.name} 属于哪张表:请用 --table 指定(如 --table calls),或按表名命名文件/工作表",
        f"Cannot tell which table {path.name} is for: pass --table (e.g. --table calls), or name the "
        "file or sheet after the table (calls.csv, agents.xlsx …)",
    )


# --------------------------------------------------------------------------------------------
# Spilling Asterisk legs by family
# --------------------------------------------------------------------------------------------


class _Spill:
    """Legs sorted into ``n`` partitions by family, in temporary Arrow stream files (in memory when
    ``n`` is 1)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.frames: list[pl.DataFrame] = []
        self.dir: tempfile.TemporaryDirectory[str] | None = None
        self.writers: dict[int, ipc.RecordBatchStreamWriter] = {}
        self.files: dict[int, Any] = {}
        self.schema = pl.DataFrame(schema=LEG_SCHEMA).to_arrow().schema

    def split(self, legs: pl.DataFrame) -> dict[int, Any]:
        """``legs`` cut into their partitions, as Arrow tables (no state touched: runs in the
        worker threads, so that the main thread only writes)."""
        legs = legs.select([pl.col(c).cast(t) for c, t in LEG_SCHEMA.items()])
        if self.n == 1:
            return {0: legs}
        parts = legs.with_columns((pl.col("_key").hash() % self.n).alias("_p")).partition_by(
            "_p", as_dict=True, include_key=False
        )
        return {int(p): sub.to_arrow().cast(self.schema) for (p,), sub in parts.items()}

    def write(self, parts: dict[int, Any]) -> None:
        """Append the partitions made by :meth:`split`."""
        if self.n == 1:
            self.frames.extend(parts.values())
            return
        if self.dir is None:
            self.dir = tempfile.TemporaryDirectory(prefix="callcenter-import-")
        for p, table in sorted(parts.items()):
            if p not in self.writers:
                fh = open(Path(self.dir.name) / f"p{p}.arrows", "wb")  # noqa: SIM115 - open until parts()
                self.files[p] = fh
                self.writers[p] = ipc.new_stream(fh, self.schema)
            self.writers[p].write_table(table)

    def parts(self) -> Iterator[pl.DataFrame]:
        if self.n == 1:
            if self.frames:
                yield pl.concat(self.frames)
            self.frames = []
            return
        for p in sorted(self.writers):
            self.writers[p].close()
            self.files[p].close()
        for p in sorted(self.writers):
            assert self.dir is not None
            with open(Path(self.dir.name) / f"p{p}.arrows", "rb") as fh:
                table = ipc.open_stream(fh).read_all()
            frame = pl.from_arrow(table)
            assert isinstance(frame, pl.DataFrame)
            yield frame

    def close(self) -> None:
        for fh in self.files.values():
            if not fh.closed:
                fh.close()
        if self.dir is not None:
            self.dir.cleanup()
            self.dir = None


def _partitions(plans: Sequence[_Plan], chunk_rows: int) -> int:
    """Enough partitions that each holds about ``chunk_rows`` legs (from the bytes per line of a sample)."""
    rows = 0
    for plan in plans:
        with open(plan.path, "rb") as fh:
            head = fh.read(1 << 16)
        per_line = len(head) / max(1, head.count(b"\n") or head.count(b"\r"))  # or CR-only lines
        rows += int(plan.source.size / max(1.0, per_line))
    return max(1, min(MAX_PARTITIONS, math.ceil(rows / max(1, chunk_rows))))


# --------------------------------------------------------------------------------------------
# Writing with de-duplication
# --------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, sink: Sink, report: ImportReport, mapping: Mapping) -> None:
        self.sink = sink
        self.report = report
        self.rule = TWO_WAY_RULE.format(n=mapping.min_talk_seconds)

    def put(
        self,
        table: sa.Table,
        rows: pl.DataFrame,
        *,
        counted: bool = True,
        staged: bool = True,
        distinct: bool = False,
    ) -> pl.DataFrame:
        """Write the rows of ``rows`` whose key is new; return them. Repeats within ``rows`` keep the
        first. ``staged=False``: these keys cannot be among the rows this import already wrote.
        ``distinct``: no key repeats within ``rows`` (calls folded by their key), nothing to drop."""
        key = [c.name for c in table.primary_key.columns]
        unique = rows if distinct else rows.unique(subset=key, keep="first", maintain_order=True)
        stored = self.sink.existing(table, unique.select(key), staged=staged)
        new = unique.join(stored, on=key, how="anti", nulls_equal=True) if stored.height else unique
        self.sink.write(table, new.select([c.name for c in table.columns]))
        if counted:
            self.report.count(table.name, "inserted", new.height)
            self.report.count(table.name, "duplicates", rows.height - new.height)
        return new

    def put_calls(self, calls: pl.DataFrame, *, staged: bool = True, distinct: bool = False) -> pl.DataFrame:
        """Write the calls whose id is new (and their inference marks); return them."""
        new = self.put(schema.calls, calls, staged=staged, distinct=distinct)
        self.report.touch(new["started_at"])
        marks = self._marks(new)
        if marks.height:
            # Marks belong to calls new to the database, so none of them was written before.
            self.put(ingest_tables.call_inferences, marks, counted=False, staged=False)
            self.report.inferred_two_way_voice += marks.height
        return new

    def _marks(self, calls: pl.DataFrame) -> pl.DataFrame:
        return calls.filter(pl.col("_tw_inferred")).select(
            pl.col("call_id"), pl.lit("two_way_voice").alias("field"), pl.lit(self.rule).alias("rule")
        )

    def put_legs(self, legs: pl.DataFrame, calls: pl.DataFrame, written: pl.DataFrame) -> None:
        """Keep the legs of the calls written (``written`` of ``calls``): a call that was already
        stored without legs (imported before ``call_legs`` existed) keeps none."""
        if written.height < calls.height:
            legs = legs.filter(pl.col("_key").is_in(written["call_id"].implode()))
        table = ingest_tables.call_legs
        self.sink.write(table, to_stored(legs, [c.name for c in table.columns]))

    def replace_calls(self, calls: pl.DataFrame, legs: pl.DataFrame, stored_ids: pl.Series) -> None:
        """Replace stored calls (``stored_ids``, and any stored call with a new call's id) by
        ``calls``, folded from their stored and new ``legs``: the calls rows, their marks and their
        legs. Counted by the caller (their new legs as merged)."""
        ids = pl.concat([stored_ids.cast(pl.String), calls["call_id"].cast(pl.String)]).unique()
        old = self.sink.lookup(schema.calls, "call_id", ids, ["started_at", "callee_id"])
        self.report.touch(old["started_at"])
        self.report.touch(calls["started_at"])
        self.report.replaced_customers.update(old["callee_id"].drop_nulls().cast(pl.String).to_list())
        for table in (schema.calls, ingest_tables.call_inferences, ingest_tables.call_legs):
            self.sink.delete(table, "call_id", ids)
        self.sink.write(schema.calls, calls.select([c.name for c in schema.calls.columns]))
        self.sink.write(ingest_tables.call_inferences, self._marks(calls))
        table = ingest_tables.call_legs
        self.sink.write(table, to_stored(legs, [c.name for c in table.columns]))


# --------------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------------


def _ensure_schema(engine: Engine) -> None:
    problems = db.upgrade_schema(engine, db.check_schema(engine))
    columns = [p for p in problems if p.column is not None]
    if columns:
        raise db.schema_error(columns)
    if problems:
        db.create_schema(engine)
    ingest_tables.create_tables(engine)


def import_files(
    target: Engine | str | None,
    paths: Sequence[str | Path],
    fmt: str,
    *,
    table: str | None = None,
    mapping: str | Path | None = None,
    rejects_dir: str | Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressFn | None = None,
    salt_file: str | Path | None = None,
    before_commit: Callable[[Sink, ImportReport], None] | None = None,
) -> ImportReport:
    """Import ``paths`` of format ``fmt`` into the database; return the report.

    Args:
        target: an engine, a database URL, or None (``--db`` rules: ``$CALLCENTER_DB_URL``, else
            the embedded DuckDB file). Missing tables are created.
        paths: the input files (all of one format).
        fmt: one of :data:`core.ingest.FORMATS`.
        table: canonical format only: the target table (default: from the file or sheet name).
        mapping: a mapping file laid over the format's preset (see ``core/ingest/mappings``).
        rejects_dir: where the rejects file goes (default: beside the first input).
        chunk_rows: lines read per chunk; memory grows with it, not with the file.
        progress: called with a label and the fraction done.
        salt_file: the salt's file (default: ``$CALLCENTER_SALT_FILE``, else ``data/salt``).
        before_commit: called with the sink and the balanced report just before the commit, to
            write more rows in the same transaction (``Sink.write``): the watcher's stored position
            of its source (:mod:`core.watch`), which then advances only with the rows it covers.

    Raises:
        IngestError: nothing was imported, for the reason given: a file not in the declared
            format, a locked or unreachable database, a bad mapping, or a failure midway (after
            which the database is as it was).
    """
    started = time.perf_counter()
    say = progress or (lambda _label, _fraction: None)
    if fmt not in FORMATS:
        raise IngestError(f"未知的格式 {fmt}", f"Unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    files = [Path(p) for p in paths]
    if not files:
        raise IngestError("没有要导入的文件", "No file to import")
    if chunk_rows < 1:
        raise IngestError("chunk_rows 必须为正数", "chunk_rows must be positive")
    the_mapping = load_mapping(fmt, mapping)
    engine = target if isinstance(target, Engine) else db.make_engine(db.resolve_url(target))
    import_id = uuid.uuid4().hex
    report = ImportReport(
        import_id=import_id,
        format=fmt,
        database=db.redact_url(engine.url.render_as_string(hide_password=False)),
    )
    sink = Sink(engine, import_id)
    say("连接数据库 / connecting", 0.0)
    sink.connect()
    plans: list[_Plan] = []
    try:
        plans = _plans(files, fmt, table, the_mapping)
        for plan in plans:
            note = "empty file" if plan.layout is None else plan.layout.note
            if plan.layout is not None and plan.layout.missing and fmt != "canonical":
                note = "; ".join(
                    x for x in (note, "columns not in the file: " + ", ".join(plan.layout.missing)) if x
                )
            report.files.append(FileReport(plan.path.name, plan.table, plan.source.encoding, note=note))
        key = load_salt(Path(salt_file) if salt_file else None)
        _ensure_schema(engine)
        check_caller_numbers(
            [
                (p.path.name, p.source, p.handler, p.layout)
                for p in plans
                if isinstance(p.handler, CallFormat)
            ],
            the_mapping,
            engine,
            key,
        )
        rejects = RejectsWriter(rejects_path(files[0], Path(rejects_dir) if rejects_dir else None))
        sink.begin()
        try:
            _run(plans, fmt, the_mapping, key, sink, rejects, report, chunk_rows, say)
            if not report.balanced:  # pragma: no cover - a bug, never a user's data
                raise RuntimeError(
                    f"counts do not balance: read {report.read} != inserted {report.inserted} + merged "
                    f"{report.merged} + duplicates {report.duplicates} + rejected {report.rejected}"
                )
            _log(sink, report, plans)
            if before_commit is not None:
                before_commit(sink, report)
            say("提交 / committing", 0.98)
            sink.commit()
        except BaseException as exc:
            _quiet_rollback(sink)
            rejects.discard()
            if isinstance(exc, IngestError | KeyboardInterrupt):
                raise
            if isinstance(exc, Exception):
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                raise IngestError(
                    f"导入失败,数据库已恢复到导入前的状态:{first}",
                    f"The import failed and the database was left as it was: {first}",
                ) from exc
            raise
        written = rejects.finish()
        report.rejects_file = str(written) if written else None
    finally:
        for plan in plans:
            closer = getattr(plan.source, "close", None)
            if closer is not None:
                closer()
        sink.close()
    report.seconds = time.perf_counter() - started
    say(f"完成 / done: {report.inserted:,}", 1.0)
    return report


def _quiet_rollback(sink: Sink) -> None:
    with contextlib.suppress(Exception):  # the first error is the one to report
        sink.rollback()


@dataclass
class _Folded:
    """One partition folded: counts, new calls (with their legs), and stored calls re-folded."""

    duplicates: int
    merged: int
    calls: pl.DataFrame
    legs: pl.DataFrame
    replaced: pl.DataFrame | None = None
    replaced_legs: pl.DataFrame | None = None
    stored_ids: pl.Series | None = None


def _run(
    plans: list[_Plan],
    fmt: str,
    mapping: Mapping,
    key: bytes,
    sink: Sink,
    rejects: RejectsWriter,
    report: ImportReport,
    chunk_rows: int,
    say: ProgressFn,
) -> None:
    writer = _Writer(sink, report, mapping)
    folds = fmt in FOLDING_FORMATS
    freeswitch = fmt == "freeswitch"
    total = sum(p.source.size for p in plans) or 1
    share = 0.8 if folds else 0.97
    spill = _Spill(_partitions(plans, chunk_rows)) if folds else None
    nodes: list[pl.DataFrame] = []  # FreeSWITCH: every leg's uuid, bleg_uuid and start
    done = 0
    try:
        for plan in plans:
            fr = report.files[plan.index]
            if plan.layout is None:
                done += plan.source.size
                continue
            prepare = functools.partial(_split, spill, plan.index, freeswitch) if spill is not None else None
            for batch, converted, parts in _converted(plan, mapping, key, chunk_rows, prepare):
                fr.read += batch.read
                fr.rejected += batch.bad.height + converted.rejects.height
                report.count(plan.table, "read", batch.read)
                report.count(plan.table, "rejected", batch.bad.height + converted.rejects.height)
                rejects.add(plan.path.name, pl.concat([batch.bad, converted.rejects]).sort("_line"))
                rows = converted.rows if spill is not None else _with_file(converted.rows, plan.index)
                if spill is not None:
                    spill.write(parts[0])
                    if parts[1] is not None:
                        nodes.append(parts[1])
                elif fmt in CALL_FORMATS:
                    writer.put_calls(finish_calls(rows, mapping.min_talk_seconds))
                elif plan.table == "calls":
                    writer.put_calls(infer_two_way_voice(rows, mapping.min_talk_seconds))
                else:
                    writer.put(schema.metadata.tables[plan.table], rows)
                for name, extra in converted.extra.items():
                    added = writer.put(schema.metadata.tables[name], extra, counted=False)
                    report.dnc_added += added.height if name == "dnc" else 0
                fraction = (done + plan.source.bytes_done) / total
                say(f"{plan.path.name}: {fr.read:,} 行 / rows", share * min(1.0, fraction))
            done += plan.source.size
        if spill is not None:
            # Asked before anything is written to it: legs stored by earlier imports, or none.
            stored_before = not sink.was_empty(ingest_tables.call_legs)
            remap: pl.DataFrame | None = None  # FreeSWITCH: stored call_id → the family's key now
            if freeswitch:
                spill, remap = _freeswitch_families(spill, nodes, sink, mapping, stored_before)
                nodes.clear()
            _fold_spill(spill, writer, sink, report, mapping, stored_before, remap, freeswitch, say, share)
    finally:
        if spill is not None:
            spill.close()


FOLDING_FORMATS: tuple[str, ...] = ("asterisk", "asterisk-csv", "freeswitch")
_NODE_COLUMNS = ["call_id", "leg_id", "link_id", "started_at"]


def _freeswitch_families(
    spill: _Spill, nodes: list[pl.DataFrame], sink: Sink, mapping: Mapping, stored_before: bool
) -> tuple[_Spill, pl.DataFrame]:
    """This import's FreeSWITCH legs keyed by their family (the A-leg's uuid), partitioned again
    by it; and, for stored calls of those families, stored call_id → the family's key."""
    new = pl.concat(nodes) if nodes else pl.DataFrame(schema={k: LEG_SCHEMA[k] for k in _NODE_LEG})
    table = ingest_tables.call_legs
    stored = pl.DataFrame(
        schema={
            "call_id": pl.String,
            "leg_id": pl.String,
            "link_id": pl.String,
            "started_at": pl.Datetime("us"),
        }
    )
    if stored_before and new.height:
        hit = pl.concat(
            [
                sink.lookup(table, "leg_id", pl.concat([new["_leg"], new["_link"]]), ["call_id"]),
                sink.lookup(table, "link_id", new["_leg"], ["call_id"]),
            ],
            how="vertical_relaxed",
        )
        if hit.height:
            stored = sink.lookup(table, "call_id", hit["call_id"].cast(pl.String), _NODE_COLUMNS)
    stored = stored.select(
        pl.col("call_id").cast(pl.String),
        pl.col("leg_id").cast(pl.String),
        pl.col("link_id").cast(pl.String),
        _naive(stored, "started_at"),
    )
    roots = link_families(new, stored)
    prefix = mapping.call_id_prefix
    keyed = roots.select("_leg", (pl.lit(prefix) + pl.col("_root")).alias("_family"))
    remap = (
        stored.join(keyed, left_on="leg_id", right_on="_leg")
        .select("call_id", pl.col("_family").alias("_key"))
        .unique()
    )
    if keyed.height == 0:
        return spill, remap
    rekeyed = _Spill(spill.n)
    try:
        for legs in spill.parts():
            legs = (
                legs.join(keyed, on="_leg", how="left")
                .with_columns(pl.coalesce("_family", "_key").alias("_key"))
                .with_columns(pl.col("_key").alias("call_id"))
                .drop("_family")
            )
            rekeyed.write(rekeyed.split(legs))
    except BaseException:
        rekeyed.close()
        raise
    spill.close()
    return rekeyed, remap


_NODE_LEG = ("_leg", "_link", "started_at")
_CALL_OWN_COLUMNS = ["call_id", *CALL_OWN]


def _naive(frame: pl.DataFrame, name: str) -> pl.Expr:
    col = pl.col(name)
    dtype = frame.schema.get(name)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        col = col.dt.replace_time_zone(None)
    return col.cast(pl.Datetime("us"), strict=False).alias(name)


def _fold_spill(
    spill: _Spill,
    writer: _Writer,
    sink: Sink,
    report: ImportReport,
    mapping: Mapping,
    stored_before: bool,
    remap: pl.DataFrame | None,
    freeswitch: bool,
    say: ProgressFn,
    share: float,
) -> None:
    n = spill.n
    table = ingest_tables.call_legs
    columns = [c.name for c in table.columns]
    prefix = mapping.call_id_prefix

    def stored_of(legs: pl.DataFrame) -> pl.DataFrame | None:
        """The stored legs of the partition's families (their ``call_id`` the stored call's, their
        ``_key`` the family's now); read in this thread, which owns the connection."""
        if not stored_before:
            return None
        keys = legs["_key"].unique()
        ids = keys
        if remap is not None and remap.height:
            ids = pl.concat([keys, remap.filter(pl.col("_key").is_in(keys.implode()))["call_id"]])
        rows = sink.lookup(table, "call_id", ids, columns)
        compact = compact_ids(rows)
        if compact.len():
            rows = with_call_values(rows, sink.lookup(schema.calls, "call_id", compact, _CALL_OWN_COLUMNS))
        stored = from_stored(rows)
        if remap is not None and remap.height and stored.height:
            stored = (
                stored.join(remap.rename({"_key": "_family"}), on="call_id", how="left")
                .with_columns(pl.coalesce("_family", "_key").alias("_key"))
                .drop("_family")
            )
        return stored

    def fold_calls(legs: pl.DataFrame) -> pl.DataFrame:
        calls = fold_legs(freeswitch_roles(legs, prefix) if freeswitch else legs)
        return finish_calls(calls.drop("_legs"), mapping.min_talk_seconds)

    def fold(item: tuple[pl.DataFrame, pl.DataFrame | None]) -> _Folded:
        legs, stored = item
        out = _Folded(0, 0, pl.DataFrame(), pl.DataFrame())
        if stored is not None and stored.height:
            touched = legs.filter(pl.col("_key").is_in(stored["_key"].unique().implode()))
            legs = legs.filter(~pl.col("_key").is_in(stored["_key"].unique().implode()))
            kept, _repeated = drop_duplicate_legs(
                pl.concat([stored.with_columns(pl.col("_key").alias("call_id")), touched])
            )
            fresh = kept.filter(pl.col("_file") >= 0)
            out.duplicates += touched.height - fresh.height
            out.merged += fresh.height
            changed = fresh["_key"].unique().implode()
            if fresh.height:
                replaced_legs = kept.filter(pl.col("_key").is_in(changed))
                out.replaced = fold_calls(replaced_legs)
                out.replaced_legs = replaced_legs
                out.stored_ids = stored.filter(pl.col("_key").is_in(changed))["call_id"].unique()
        kept, repeated = drop_duplicate_legs(legs)
        out.calls = fold_calls(kept)
        out.legs = kept
        out.duplicates += repeated
        out.merged += kept.height - out.calls.height
        return out

    items = ((legs, stored_of(legs)) for legs in spill.parts())
    for k, folded in enumerate(_in_threads(fold, items), start=1):
        report.count("calls", "duplicates", folded.duplicates)
        report.count("calls", "merged", folded.merged)
        # Partitions split families by key: no call of this one was written by another.
        written = writer.put_calls(folded.calls, staged=False, distinct=True)  # one row per family
        writer.put_legs(folded.legs, folded.calls, written)
        if folded.replaced is not None and folded.replaced_legs is not None and folded.stored_ids is not None:
            writer.replace_calls(folded.replaced, folded.replaced_legs, folded.stored_ids)
        say(f"合并分叉记录 / folding forks {k}/{n}", share + (0.97 - share) * k / n)


def _with_file(rows: pl.DataFrame, index: int) -> pl.DataFrame:
    return rows.with_columns(pl.lit(index, dtype=pl.Int64).alias("_file"))


def _split(spill: _Spill, index: int, freeswitch: bool, converted: Converted) -> tuple[dict[int, Any], Any]:
    """A chunk's legs (typed and fingerprinted) cut into partitions; FreeSWITCH: and the links."""
    legs = prepared(_with_file(converted.rows, index))
    return spill.split(legs), legs.select(_NODE_LEG) if freeswitch else None


def _in_threads(fn: Callable[[Any], Any], items: Iterator[Any]) -> Iterator[Any]:
    """``fn`` of each item, in order, with up to :data:`WORKERS` items worked on at once in threads
    (polars and DuckDB release the GIL) while this thread takes the results; memory holds at most
    ``WORKERS + 1`` items."""
    if WORKERS < 2:
        for item in items:
            yield fn(item)
        return
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="import") as pool:
        pending: deque[Future[Any]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= WORKERS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _converted(
    plan: _Plan,
    mapping: Mapping,
    key: bytes,
    chunk_rows: int,
    prepare: Callable[[Converted], Any] | None = None,
) -> Iterator[tuple[Batch, Converted, Any]]:
    """Each chunk of a file parsed and converted (then ``prepare`` d, in the same worker), in file
    order, while this thread reads the next chunk and writes the previous one."""
    assert plan.layout is not None
    layout = plan.layout

    def work(job: Callable[[], Batch]) -> tuple[Batch, Converted, Any]:
        batch = job()
        converted = plan.handler.convert(batch.rows, layout, mapping, key)
        return batch, converted, prepare(converted) if prepare is not None else None

    yield from _in_threads(work, plan.source.chunks(layout.names, chunk_rows))


def _log(sink: Sink, report: ImportReport, plans: list[_Plan]) -> None:
    now = datetime.now().replace(microsecond=0)
    rows = pl.DataFrame(
        {
            "import_id": [report.import_id] * len(report.files),
            "file_no": list(range(len(report.files))),
            "imported_at": [now] * len(report.files),
            "format": [report.format] * len(report.files),
            "table_name": [f.table for f in report.files],
            "file_name": [f.file[:256] for f in report.files],
            "read_rows": [f.read for f in report.files],
            "rejected_rows": [f.rejected for f in report.files],
            "inserted": [report.inserted] * len(report.files),
            "merged": [report.merged] * len(report.files),
            "duplicates": [report.duplicates] * len(report.files),
        },
        schema_overrides={"imported_at": pl.Datetime("us")},
    )
    if rows.height:
        sink.write(ingest_tables.import_log, rows)


__all__ = ["DEFAULT_CHUNK_ROWS", "FileReport", "ImportReport", "import_files"]
