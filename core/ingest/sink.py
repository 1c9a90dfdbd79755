"""Writing an import so that it either happens whole or not at all.

* **SQLite, PostgreSQL, MariaDB/MySQL**: one connection and one transaction for the whole import
  (every file, every table). Rows go in through :func:`core.infra.db.load_frame` on that connection
  (``executemany``, ``COPY``, multi-row ``INSERT``); any error, or an interrupt, rolls everything
  back. Tables are created before the transaction starts (MySQL commits on DDL).
* **DuckDB**: staged files and one final transaction. DuckDB keeps an open transaction's rows in
  memory, so one transaction over a large file would grow with the file. Rows go instead into
  Parquet files in a private temporary folder (customer numbers in them are already hashed); once
  everything has been read and checked, one transaction runs ``INSERT INTO <table> BY NAME SELECT *
  FROM read_parquet(…)`` for every table, which DuckDB streams. A failure before that leaves the
  tables untouched; a failure in it is rolled back by DuckDB. The folder is removed either way.
* **ClickHouse** has no multi-statement transactions. Rows go into staging tables (same structure
  as the target) and, once everything has been read and checked, each is moved into its table with
  ``ALTER TABLE … ATTACH PARTITION tuple() FROM …``, which adds the staged parts in one step per
  table; the staging tables are then dropped. A failure before that point drops the staging tables
  and leaves the tables untouched. Between two tables' attach steps there is a moment where
  ``calls`` holds the new rows and ``call_inferences`` not yet; ``import_log`` is attached last, so
  a log row means the import completed.

Staging tables a crashed import left behind on ClickHouse are dropped by the next import once
they are a day old. Duplicates are found against what is stored, and against what this import
has written so far (the same transaction, or the staging tables), by primary key.

**Replacing stored rows** (a call that got new legs, see :mod:`core.ingest.legs`): :meth:`Sink.delete`
removes the stored rows in the same transaction on SQLite, PostgreSQL and MariaDB. DuckDB and
ClickHouse keep the keys and delete at commit, before the new rows go in: DuckDB in the same final
transaction; ClickHouse with a lightweight ``DELETE FROM`` per table before the attach steps (a
reader may see the replaced calls missing until their new rows are attached a moment later).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db
from core.ingest.common import IngestError

STAGING_DIALECTS = ("duckdb", "clickhouse")
#: DuckDB's memory limit while an import's rows go into tables without indexes (Sink._bounded_memory).
COMMIT_MEMORY_LIMIT = "256MB"
STAGING_PREFIX = "_import_"

#: Keys per ``IN (…)`` look-up (SQLite allows 32,766 bound values; the others many more).
LOOKUP_BATCH = 5_000


_UNITS = {"B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS.update({"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40})


def _bytes(shown: str) -> int:
    """A DuckDB size as it shows it (``2.7 GiB``, rounded down to 0.1) in bytes, halfway up the
    rounding (it would read ``GiB`` back as ``GB``)."""
    number, _, unit = shown.strip().partition(" ")
    return int((float(number) + 0.05) * _UNITS.get(unit.strip().upper() or "B", 1))


def _lock_error(exc: Exception, url: str) -> IngestError | None:
    text = str(exc)
    if "lock" not in text.lower():
        return None
    pid = re.search(r"PID (\d+)", text)
    who = f"(进程 {pid.group(1)})" if pid else ""
    who_en = f" (process {pid.group(1)})" if pid else ""
    path = db.redact_url(url)
    return IngestError(
        f"数据库 {path} 正被另一个程序占用{who}:DuckDB 同一时间只允许一个程序写入。"
        "请关闭占用它的程序(或等它完成)后重试;本次导入尚未读取任何文件。",
        f"The database {path} is in use by another program{who_en}: DuckDB allows one writing "
        "process at a time. Close that program (or wait for it to finish) and try again; nothing "
        "has been read or written.",
    )


class Sink:
    """One import's writes to one database (see the module docstring)."""

    def __init__(self, engine: Engine, import_id: str) -> None:
        self.engine = engine
        self.dialect = db.dialect_of(engine)
        self.staging = self.dialect in STAGING_DIALECTS
        self.import_id = import_id
        self.prefix = f"{STAGING_PREFIX}{int(time.time())}_{import_id[:8]}_"
        self.conn: sa.Connection | None = None
        self.tx: sa.RootTransaction | None = None
        self.staged: dict[str, sa.Table] = {}  # table name → its staging table, in attach order
        self.files: dict[str, list[Path]] = {}  # DuckDB: table name → staged Parquet files, in order
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.empty_tables: dict[str, bool] = {}  # staging dialects: table name → empty at start
        self.deletes: dict[str, tuple[str, list[pl.DataFrame]]] = {}  # staging: table → (column, keys)

    # -- lifecycle --------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the connection (DuckDB: take the file's lock) before any file is read."""
        url = self.engine.url.render_as_string(hide_password=False)
        try:
            self.conn = self.engine.connect()
            self.conn.execute(sa.text("SELECT 1"))
            if self.conn.in_transaction():
                self.conn.commit()
        except Exception as exc:  # noqa: BLE001 - every driver has its own errors
            raise (_lock_error(exc, url) or db.connect_error(exc, url)) from None

    def begin(self) -> None:
        assert self.conn is not None
        if self.staging:
            self._drop_stale_staging()
            return
        self.tx = self.conn.begin()

    def commit(self) -> None:
        assert self.conn is not None
        if not self.staging:
            assert self.tx is not None
            self.tx.commit()
            self.tx = None
            return
        if self.conn.in_transaction():
            self.conn.commit()
        if self.dialect == "duckdb":
            with self._memory_limits() as limit_for, self.conn.begin():
                self._apply_deletes()
                for table, files in self.files.items():
                    listed = ", ".join(f"'{f}'" for f in files)
                    limit_for(table)
                    self.conn.execute(
                        sa.text(
                            f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet([{listed}], union_by_name = true)'
                        )
                    )
            self._drop_files()
        else:
            self._apply_deletes()
            for table, staging in self.staged.items():
                self.conn.execute(
                    sa.text(f"ALTER TABLE `{table}` ATTACH PARTITION tuple() FROM `{staging.name}`")
                )
                self.conn.execute(sa.text(f"DROP TABLE IF EXISTS `{staging.name}`"))
            self.conn.commit()
        self.staged.clear()

    @contextlib.contextmanager
    def _memory_limits(self) -> Iterator[Callable[[str], None]]:
        """For the final inserts on DuckDB: a function that, given the table about to receive rows,
        sets DuckDB's memory limit to :data:`COMMIT_MEMORY_LIMIT` when the table has neither an
        index nor a key (see ``core.infra.db.DUCKDB_UNKEYED``), else back to the instance's own. Without
        an index the insert streams, and DuckDB would otherwise keep what it wrote cached up to
        80 % of the machine's memory; a table with an index needs memory for the index entries of
        every row inserted, which a limit could make fail. The instance's limit (shared by every
        connection of this process: the app's too, when it imports) is restored afterwards."""
        assert self.conn is not None
        raw: Any = self.conn.connection.driver_connection
        setting = "SELECT current_setting('memory_limit')"
        before = raw.execute(setting).fetchone()[0]
        raw.execute("RESET memory_limit")
        # DuckDB shows a limit rounded down to 0.1 of its unit and reads "2.7 GiB" back as GB: the
        # default comes back with RESET, a limit set by hand within 0.05 of its unit (_bytes).
        own = (
            f"SET memory_limit = '{_bytes(before)}B'"
            if raw.execute(setting).fetchone()[0] != before
            else None
        )

        def limit_for(table: str) -> None:
            indexed = raw.execute(
                "SELECT (SELECT count(*) FROM duckdb_indexes() WHERE table_name = $1) + (SELECT count(*) "
                "FROM duckdb_constraints() WHERE table_name = $1 AND constraint_type IN ('PRIMARY KEY', 'UNIQUE'))",
                [table],
            ).fetchone()[0]
            if not indexed:
                raw.execute(f"SET memory_limit = '{COMMIT_MEMORY_LIMIT}'")
            else:
                raw.execute(own or "RESET memory_limit")

        try:
            if own:
                raw.execute(own)
            yield limit_for
        finally:
            raw.execute(own or "RESET memory_limit")

    def rollback(self) -> None:
        if self.conn is None:
            return
        if not self.staging:
            if self.tx is not None and self.tx.is_active:
                self.tx.rollback()
            self.tx = None
            return
        if self.conn.in_transaction():
            self.conn.rollback()
        self._drop_files()
        self.deletes.clear()
        for staging in self.staged.values():
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS {self._q(staging.name)}"))
        self.staged.clear()
        self.conn.commit()

    def _drop_files(self) -> None:
        self.files.clear()
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None

    def close(self) -> None:
        self._drop_files()
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- staging (DuckDB, ClickHouse) -------------------------------------------------------

    def _q(self, name: str) -> str:
        return f"`{name}`" if self.dialect == "clickhouse" else f'"{name}"'

    def _staging(self, table: sa.Table) -> sa.Table:
        assert self.conn is not None
        staging = self.staged.get(table.name)
        if staging is None:
            name = self.prefix + table.name
            self.conn.execute(sa.text(f"CREATE TABLE `{name}` AS `{table.name}`"))
            self.conn.commit()
            staging = sa.Table(name, sa.MetaData(), *[sa.Column(c.name, c.type) for c in table.columns])
            # Insertion order decides attach order: calls first, import_log last.
            self.staged[table.name] = staging
            if "import_log" in self.staged and table.name != "import_log":
                self.staged["import_log"] = self.staged.pop("import_log")
        return staging

    def _drop_stale_staging(self) -> None:
        assert self.conn is not None
        if self.dialect != "clickhouse":
            return
        query = "SELECT name FROM system.tables WHERE database = currentDatabase()"
        names = [str(n) for (n,) in self.conn.execute(sa.text(query)).fetchall()]
        day_ago = time.time() - 86_400
        for name in names:
            stamp = re.match(rf"^{STAGING_PREFIX}(\d+)_", name)
            if stamp and int(stamp.group(1)) < day_ago:
                self.conn.execute(sa.text(f"DROP TABLE IF EXISTS {self._q(name)}"))
        self.conn.commit()

    # -- reads and writes ------------------------------------------------------------------

    def existing(self, table: sa.Table, keys: pl.DataFrame, *, staged: bool = True) -> pl.DataFrame:
        """The rows of ``keys`` (primary-key columns of ``table``) already stored, or already written
        by this import (``staged=False``: the caller knows these keys cannot be among them)."""
        assert self.conn is not None
        if keys.height == 0:
            return keys
        if not staged and self.staging and self._empty(table):
            return keys.clear()
        if self.dialect == "duckdb":
            return self._existing_duckdb(table, keys, staged=staged)
        sources = [table] + ([self.staged[table.name]] if staged and table.name in self.staged else [])
        names = keys.columns
        first = names[0]
        found: list[pl.DataFrame] = []
        batch = 900 if self.dialect == "sqlite" else LOOKUP_BATCH
        distinct = keys[first].unique().to_list()
        ranges = [(other, keys[other].min(), keys[other].max()) for other in names[1:]]
        for start in range(0, len(distinct), batch):
            part = distinct[start : start + batch]
            selects = []
            for src in sources:
                cond = [src.c[first].in_(part)]
                cond += [src.c[o].between(lo, hi) for o, lo, hi in ranges]
                selects.append(sa.select(*[src.c[n] for n in names]).where(*cond))
            query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
            rows = self.conn.execute(query).fetchall()
            if rows:
                found.append(
                    pl.DataFrame(
                        [tuple(r) for r in rows], schema=names, orient="row", infer_schema_length=None
                    )
                )
        if not found:
            return keys.clear()
        stored = _like(pl.concat(found, how="vertical_relaxed"), keys)
        return keys.join(stored.unique(), on=names, how="semi", nulls_equal=True)

    def _empty(self, table: sa.Table) -> bool:
        """Whether ``table`` held no row when first asked. Staging dialects write nothing to the
        table itself before :meth:`commit`, so the answer holds for the whole import."""
        assert self.conn is not None
        if table.name not in self.empty_tables:
            query = sa.select(sa.literal(1)).select_from(table).limit(1)
            self.empty_tables[table.name] = not self.conn.execute(query).fetchall()  # fetched to the end
        return self.empty_tables[table.name]

    def _existing_duckdb(self, table: sa.Table, keys: pl.DataFrame, *, staged: bool) -> pl.DataFrame:
        assert self.conn is not None
        raw: Any = self.conn.connection.driver_connection
        raw.register("_import_keys", keys.to_arrow())
        try:
            match = " AND ".join(f't."{n}" = k."{n}"' for n in keys.columns)
            cols = ", ".join(f'"{n}"' for n in keys.columns)
            source = f'SELECT {cols} FROM "{table.name}"'
            files = self.files.get(table.name) if staged else None
            if files:
                # One EXISTS over both sources: an OR of two EXISTS is planned as mark joins that
                # build on the stored table (1.6-2.3 s against 0.4-0.6 s on 19 M calls).
                listed = ", ".join(f"'{f}'" for f in files)
                source += f" UNION ALL SELECT {cols} FROM read_parquet([{listed}], union_by_name = true)"
            found = f"EXISTS (SELECT 1 FROM ({source}) t WHERE {match})"
            result = raw.sql(f"SELECT k.* FROM _import_keys k WHERE {found}").to_arrow_table()
        finally:
            raw.unregister("_import_keys")
        out = pl.from_arrow(result)
        assert isinstance(out, pl.DataFrame)
        return _like(out, keys)

    def was_empty(self, table: sa.Table) -> bool:
        """Whether ``table`` held no row before this import (ask before writing to it)."""
        return self._empty(table)

    def lookup(self, table: sa.Table, column: str, values: pl.Series, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the rows of ``table`` stored before this import whose ``column`` is one of
        ``values`` (rows this import wrote are not asked for: callers look up keys no earlier part
        of the import can have written)."""
        assert self.conn is not None
        values = values.drop_nulls().unique()
        schema = {c: _polars_type(table.c[c]) for c in columns}
        if values.len() == 0 or self._empty(table):
            return pl.DataFrame(schema=schema)
        if self.dialect == "duckdb":
            raw: Any = self.conn.connection.driver_connection
            raw.register("_import_values", pl.DataFrame({"v": values}).to_arrow())
            try:
                cols = ", ".join(f'"{c}"' for c in columns)
                result = raw.sql(
                    f'SELECT {cols} FROM "{table.name}" WHERE "{column}" IN (SELECT v FROM _import_values)'
                ).to_arrow_table()
            finally:
                raw.unregister("_import_values")
            out = pl.from_arrow(result)
            assert isinstance(out, pl.DataFrame)
            return out
        found: list[pl.DataFrame] = []
        batch = 900 if self.dialect == "sqlite" else LOOKUP_BATCH
        listed = values.to_list()
        for start in range(0, len(listed), batch):
            query = sa.select(*[table.c[c] for c in columns]).where(
                table.c[column].in_(listed[start : start + batch])
            )
            rows = self.conn.execute(query).fetchall()
            if rows:
                found.append(
                    pl.DataFrame(
                        [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
                    )
                )
        if not found:
            return pl.DataFrame(schema=schema)
        return pl.concat(found, how="vertical_relaxed")

    def delete(self, table: sa.Table, column: str, values: pl.Series) -> None:
        """Delete the stored rows of ``table`` whose ``column`` is one of ``values``, as part of this
        import (see the module docstring: at once in the transaction, or at commit)."""
        assert self.conn is not None
        values = values.drop_nulls().unique()
        if values.len() == 0:
            return
        if self.staging:
            kept = self.deletes.setdefault(table.name, (column, []))
            kept[1].append(pl.DataFrame({"v": values.cast(pl.String)}))
            return
        listed = values.to_list()
        batch = 900 if self.dialect == "sqlite" else LOOKUP_BATCH
        for start in range(0, len(listed), batch):
            self.conn.execute(sa.delete(table).where(table.c[column].in_(listed[start : start + batch])))

    def _apply_deletes(self) -> None:
        """The deletes kept by :meth:`delete`, on a staging dialect, before the new rows go in."""
        assert self.conn is not None
        for name, (column, frames) in self.deletes.items():
            keys = pl.concat(frames).unique()
            if self.dialect == "duckdb":
                raw: Any = self.conn.connection.driver_connection
                raw.register("_import_deletes", keys.to_arrow())
                try:
                    raw.execute(f'DELETE FROM "{name}" WHERE "{column}" IN (SELECT v FROM _import_deletes)')
                finally:
                    raw.unregister("_import_deletes")
                continue
            holder = f"{self.prefix}deletes"
            self.conn.execute(sa.text(f"CREATE TABLE `{holder}` (v String) ENGINE = Memory"))
            client: Any = self.conn.connection.driver_connection
            client.client.insert_arrow(holder, keys.to_arrow())
            self.conn.execute(sa.text(f"DELETE FROM `{name}` WHERE `{column}` IN (SELECT v FROM `{holder}`)"))
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS `{holder}`"))
        self.deletes.clear()

    def write(self, table: sa.Table, frame: pl.DataFrame) -> int:
        """Append ``frame`` (the table's columns) to ``table``, or to its staging table."""
        assert self.conn is not None
        if frame.height == 0:
            return 0
        if not self.staging:
            return db.load_frame(self.engine, table, frame, conn=self.conn)
        if self.dialect == "duckdb":
            if self.folder is None:
                self.folder = tempfile.TemporaryDirectory(prefix="callcenter-import-")
            files = self.files.setdefault(table.name, [])
            path = Path(self.folder.name) / f"{table.name}-{len(files):05d}.parquet"
            conform(table, frame).write_parquet(path, compression="lz4")
            files.append(path)
            return frame.height
        staging = self._staging(table)
        client: Any = self.conn.connection.driver_connection
        client = client.client
        client.insert_arrow(staging.name, conform(table, frame).to_arrow())
        return frame.height


_POLARS_TYPES: tuple[tuple[type, pl.DataType], ...] = (
    (sa.Boolean, pl.Boolean()),
    (sa.Integer, pl.Int64()),
    (sa.Float, pl.Float64()),
    (sa.DateTime, pl.Datetime("us")),
    (sa.Date, pl.Date()),
    (sa.String, pl.String()),
)


def _polars_type(column: sa.Column[Any]) -> pl.DataType:
    for sa_type, pl_type in _POLARS_TYPES:
        if isinstance(column.type, sa_type):
            return pl_type
    return pl.String()


def conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the table's columns, in order and typed (missing ones null), so that
    every staged chunk has the same schema."""
    return frame.select(
        [
            (pl.col(c.name) if c.name in frame.columns else pl.lit(None)).cast(_polars_type(c)).alias(c.name)
            for c in table.columns
        ]
    )


def _like(found: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``found`` cast to the dtypes of ``keys`` (time zones dropped) so that the two can be joined."""
    exprs: list[Any] = []
    for name, dtype in keys.schema.items():
        col = pl.col(name)
        have = found.schema[name]
        if isinstance(have, pl.Datetime) and have.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        exprs.append(col.cast(dtype, strict=False).alias(name))
    return found.select(exprs)
