"""Writing an import so that it either happens whole or not at all.

* **DuckDB, SQLite, PostgreSQL, MariaDB/MySQL**: one connection and one transaction for the whole
  import (every file, every table). Rows go in through :func:`core.db.load_frame` on that
  connection (Arrow scan, ``executemany``, ``COPY``); any error, or an interrupt, rolls everything
  back. Tables are created before the transaction starts (MySQL commits on DDL).
* **ClickHouse** has no multi-statement transactions. Rows go into staging tables
  (``_import_<id>_<table>``, same structure as the target) and, once everything has been read and
  checked, each is moved into its table with ``ALTER TABLE … ATTACH PARTITION tuple() FROM …``,
  which adds the staged parts in one step per table; the staging tables are then dropped. A failure
  before that point drops the staging tables and leaves the tables untouched. Between two tables'
  attach steps there is a moment where ``calls`` holds the new rows and ``call_inferences`` not yet;
  ``import_log`` is attached last, so a log row means the import completed. Staging tables a crashed
  import left behind are dropped by the next import after a day.

Duplicates are found against what is stored, and against what this import has written so far
(the same transaction, or the staging tables), by primary key.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core import db
from core.ingest.common import IngestError

#: Keys per ``IN (…)`` look-up (SQLite allows 32,766 bound values; the others many more).
LOOKUP_BATCH = 5_000


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
        self.import_id = import_id
        self.conn: sa.Connection | None = None
        self.tx: sa.RootTransaction | None = None
        self.staged: dict[str, str] = {}  # table → staging table (ClickHouse)

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
        if self.dialect == "clickhouse":
            self._drop_stale_staging()
            return
        self.tx = self.conn.begin()

    def commit(self) -> None:
        assert self.conn is not None
        if self.dialect != "clickhouse":
            assert self.tx is not None
            self.tx.commit()
            self.tx = None
            return
        for table, staging in self.staged.items():
            self.conn.execute(sa.text(f"ALTER TABLE `{table}` ATTACH PARTITION tuple() FROM `{staging}`"))
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS `{staging}`"))
        self.staged.clear()
        self.conn.commit()

    def rollback(self) -> None:
        if self.conn is None:
            return
        if self.dialect != "clickhouse":
            if self.tx is not None and self.tx.is_active:
                self.tx.rollback()
            self.tx = None
            return
        for staging in self.staged.values():
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS `{staging}`"))
        self.staged.clear()
        self.conn.commit()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- ClickHouse staging ----------------------------------------------------------------

    def _staging(self, table: sa.Table) -> str:
        assert self.conn is not None
        name = self.staged.get(table.name)
        if name is None:
            name = f"_import_{self.import_id[:12]}_{table.name}"
            self.conn.execute(sa.text(f"CREATE TABLE `{name}` AS `{table.name}`"))
            self.conn.commit()
            # Insertion order decides attach order: calls first, import_log last.
            self.staged[table.name] = name
            if "import_log" in self.staged and table.name != "import_log":
                self.staged["import_log"] = self.staged.pop("import_log")
        return name

    def _drop_stale_staging(self) -> None:
        assert self.conn is not None
        rows = self.conn.execute(
            sa.text(
                "SELECT name FROM system.tables WHERE database = currentDatabase() "
                "AND startsWith(name, '_import_') AND metadata_modification_time < now() - INTERVAL 1 DAY"
            )
        ).fetchall()
        for (name,) in rows:
            self.conn.execute(sa.text(f"DROP TABLE IF EXISTS `{name}`"))
        self.conn.commit()

    # -- reads and writes ------------------------------------------------------------------

    def existing(self, table: sa.Table, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``keys`` (primary-key columns of ``table``) already stored or staged."""
        assert self.conn is not None
        if keys.height == 0:
            return keys
        if self.dialect == "duckdb":
            return self._existing_duckdb(table, keys)
        names = keys.columns
        first = names[0]
        sources = [table]
        if table.name in self.staged:
            sources.append(
                sa.Table(
                    self.staged[table.name],
                    sa.MetaData(),
                    *[sa.Column(c.name, c.type) for c in table.columns],
                )
            )
        found: list[pl.DataFrame] = []
        batch = 900 if self.dialect == "sqlite" else LOOKUP_BATCH
        distinct = keys[first].unique().to_list()
        ranges = []
        for other in names[1:]:
            ranges.append((other, keys[other].min(), keys[other].max()))
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

    def _existing_duckdb(self, table: sa.Table, keys: pl.DataFrame) -> pl.DataFrame:
        assert self.conn is not None
        raw = self.conn.connection.driver_connection
        raw.register("_import_keys", keys.to_arrow())
        try:
            match = " AND ".join(f't."{n}" = k."{n}"' for n in keys.columns)
            result = raw.sql(
                f'SELECT k.* FROM _import_keys k WHERE EXISTS (SELECT 1 FROM "{table.name}" t WHERE {match})'
            ).to_arrow_table()
        finally:
            raw.unregister("_import_keys")
        out = pl.from_arrow(result)
        assert isinstance(out, pl.DataFrame)
        return _like(out, keys)

    def write(self, table: sa.Table, frame: pl.DataFrame) -> int:
        """Append ``frame`` (the table's columns) to ``table``, or to its staging table."""
        assert self.conn is not None
        if frame.height == 0:
            return 0
        if self.dialect != "clickhouse":
            return db.load_frame(self.engine, table, frame, conn=self.conn)
        staging = self._staging(table)
        client = self.conn.connection.driver_connection.client
        client.insert_arrow(staging, conform(table, frame).to_arrow())
        return frame.height


def conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the table's columns, in order (missing ones null)."""
    return frame.select(
        [pl.col(c.name) if c.name in frame.columns else pl.lit(None).alias(c.name) for c in table.columns]
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
