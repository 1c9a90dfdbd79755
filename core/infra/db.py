"""Database access: engines from URLs, schema creation and checks, bulk loading, data versions.

The same code serves five engines:

========== ====================================================== =========================
engine     URL example                                            bulk load
========== ====================================================== =========================
DuckDB     ``duckdb:///data/callcenter.duckdb`` (the default)      Arrow scan
SQLite     ``sqlite:///data/callcenter.sqlite``                    batched ``executemany``
PostgreSQL ``postgresql+psycopg://user:pw@host/db``                ``COPY … FROM STDIN``
MariaDB    ``mysql+pymysql://user:pw@host/db``                     multi-row ``INSERT``
ClickHouse ``clickhousedb://host/db`` or, in-process,              ``insert_arrow``
           ``clickhousedb:///?interface=chdb&path=DIR``
========== ====================================================== =========================

Every failure a user can cause (a wrong URL, an unreachable server, a database without the
tables) raises :class:`DatabaseError` with a plain message in Chinese and English, never a driver
traceback.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import os
import time
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from core.infra import schema

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "callcenter.duckdb"
DEFAULT_URL = f"duckdb:///{DEFAULT_DB_PATH}"
ENV_VAR = "CALLCENTER_DB_URL"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"

#: Rows per batch for engines without a native bulk path.
BATCH_ROWS = 50_000


class DatabaseError(Exception):
    """A database problem explained in plain words (zh + en), safe to show to a user."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        """The message in one language (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


# --------------------------------------------------------------------------------------------
# URLs and engines
# --------------------------------------------------------------------------------------------


def url_from_secrets(path: Path | None = None) -> str | None:
    """The URL in ``.streamlit/secrets.toml`` under ``[connections.callcenter] url``, if any."""
    # Looked up at call time (not as a default argument), so that SECRETS_FILE can be redirected.
    path = SECRETS_FILE if path is None else path
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    url = data.get("connections", {}).get("callcenter", {}).get("url")
    return str(url) if url else None


def resolve_url(cli_url: str | None = None, *, use_secrets: bool = False) -> str:
    """The database URL in force.

    Order: the ``--db`` argument, then the ``CALLCENTER_DB_URL`` environment variable, then (for
    the app, ``use_secrets=True``) ``.streamlit/secrets.toml`` ``[connections.callcenter] url``,
    then the embedded DuckDB file ``data/callcenter.duckdb``.
    """
    if cli_url:
        return cli_url
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    if use_secrets:
        secret = url_from_secrets()
        if secret:
            return secret
    return DEFAULT_URL


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for display and logs)."""
    try:
        parsed = make_url(url)
        _ = parsed.port
        return parsed.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _mask_unparsed(url)


def _mask_unparsed(url: str) -> str:
    """A URL that cannot be parsed, with the password (between ``user:`` and ``@``) hidden.

    >>> _mask_unparsed("postgres ql://u:secret@h/db")
    'postgres ql://u:***@h/db'
    """
    text = str(url)
    if "@" in text and "//" in text:
        head, _, rest = text.partition("//")
        userinfo, _, hostpart = rest.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        text = f"{head}//{userinfo}@{hostpart}"
    return text


def dialect_of(engine_or_url: Engine | sa.Connection | str) -> str:
    """Short engine name: ``duckdb``, ``sqlite``, ``postgresql``, ``mysql`` or ``clickhouse``."""
    if isinstance(engine_or_url, Engine | sa.Connection):
        name = engine_or_url.dialect.name
    else:
        try:
            name = make_url(engine_or_url).get_backend_name()
        except ArgumentError:
            raise DatabaseError("数据库地址无法解析", "The database URL cannot be parsed") from None
    if name in ("mariadb", "mysql"):
        return "mysql"
    if name.startswith("clickhouse"):
        return "clickhouse"
    return name


def _file_path(url: sa.URL) -> Path | None:
    """The database file of a DuckDB or SQLite URL (``None`` for memory or servers)."""
    db = url.database
    if url.get_backend_name() in ("duckdb", "sqlite") and db and db != ":memory:":
        return Path(db)
    return None


#: How long opening a DuckDB file waits, at most, while another process holds it (seconds); the
#: environment variable :data:`LOCK_WAIT_VAR` overrides it (0: fail at once).
DUCKDB_LOCK_WAIT = 30.0
LOCK_WAIT_VAR = "CALLCENTER_DUCKDB_LOCK_WAIT"


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's refusal to open a file another process holds (``IO Error: Could
    not set lock on file …: Conflicting lock is held in … (PID n)``)."""
    text = str(exc)
    return "Could not set lock on file" in text or "Conflicting lock" in text


def lock_wait() -> float:
    """The seconds an opener waits for a DuckDB file's lock (:data:`DUCKDB_LOCK_WAIT`, or the
    environment's :data:`LOCK_WAIT_VAR`)."""
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_VAR, DUCKDB_LOCK_WAIT)))
    except ValueError:
        return DUCKDB_LOCK_WAIT


def _duckdb_connect_waiting(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Open a DuckDB file, retrying while another process holds its lock (DuckDB allows one
    process per file: the watcher during a batch, an import, the app during a page run); after
    :func:`lock_wait` seconds the lock error goes up as before. Every holder keeps the file for a
    short while (a batch, a page run), so an opener waits instead of showing an error."""
    deadline = time.monotonic() + lock_wait()
    delay = 0.05
    while True:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            if not is_lock_error(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


#: Settings of the app's own PostgreSQL sessions (libpq ``options``; a URL's own ``options`` wins).
PG_SESSION_OPTIONS = "-c work_mem=64MB -c jit=off"


def make_engine(url: str | None = None, *, create_dirs: bool = True) -> Engine:
    """An engine for ``url`` (default: :func:`resolve_url`), without connecting yet.

    DuckDB and SQLite engines use no connection pool, so the database file is not held open
    between uses (an import in another process can then write to it).

    Raises:
        DatabaseError: the URL cannot be parsed or names a driver that is not installed.
    """
    url = url or resolve_url()
    try:
        parsed = make_url(url)
        _ = parsed.port  # a non-numeric port only fails when read
    except (ArgumentError, ValueError):
        shown = repr(_mask_unparsed(url))
        raise DatabaseError(
            f"数据库地址无法解析:{shown}。格式示例:duckdb:///data/callcenter.duckdb 或 "
            "postgresql+psycopg://用户:密码@主机/库名",
            f"The database URL cannot be parsed: {shown}. Examples: duckdb:///data/callcenter.duckdb "
            "or postgresql+psycopg://user:password@host/dbname",
        ) from None
    kwargs: dict[str, Any] = {}
    path = _file_path(parsed)
    if path is not None:
        kwargs["poolclass"] = NullPool
        if create_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "mysql", "mariadb"):
        # A host that silently drops packets must not hang a page for minutes.
        kwargs["connect_args"] = {"connect_timeout": 5}
    if backend == "postgresql" and "options" not in parsed.query:
        # The app's session only: a page groups a rollup of a year (about 870 k rows of the daily cube
        # on 19 M calls) by agent and day; with the default 4 MB work_mem that sort spilled to disk,
        # and JIT compiled each wide aggregate for ~0.3 s. 5.3 s -> 2.4 s for the risk page's agent
        # query on that year (EXPLAIN ANALYZE, load 5 on 2 CPUs).
        kwargs["connect_args"]["options"] = PG_SESSION_OPTIONS
    if backend == "duckdb" and "threads" not in parsed.query:
        # Twice as many threads as cores: DuckDB's large hash aggregates (one group per customer,
        # millions of them) wait on memory, and on two cores four threads finish them about a
        # quarter sooner (measured with ``python -m bench metrics`` and ``python -m bench risk``).
        kwargs["connect_args"] = {"config": {"threads": 2 * (os.cpu_count() or 1)}}
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend in ("mysql", "mariadb"):
        if "+" not in parsed.drivername:
            parsed = parsed.set(drivername=f"{backend}+pymysql")
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        kwargs["pool_pre_ping"] = True
    if backend.startswith("clickhouse") and "join_use_nulls" not in parsed.query:
        # Standard SQL outer joins: unmatched rows get NULL, not the type's default ('' or 0).
        parsed = parsed.update_query_dict({"join_use_nulls": "1"})
    if backend.startswith("clickhouse") and parsed.query.get("interface") == "chdb":
        chpath = parsed.query.get("path")
        if chpath and create_dirs:
            Path(str(chpath)).mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"不支持的数据库类型或缺少驱动:{parsed.drivername}({exc})。请安装 requirements.txt 中的驱动。",
            f"Unsupported database type or missing driver: {parsed.drivername} ({exc}). "
            "Install the drivers in requirements.txt.",
        ) from None
    if backend == "duckdb":
        sa.event.listen(engine, "connect", _duckdb_session)
        sa.event.listen(engine, "do_connect", _duckdb_connect_waiting)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_session)
    return engine


def _sqlite_session(dbapi_conn: Any, _record: Any) -> None:
    """SQLite has no hash function: ``callcenter_hash(a, b, …)``, a 32-bit BLAKE2 digest of the
    values' text (the DNC list's fingerprint, core.infra.sql.rows_digest: a sum of a row's digests
    then fits SQLite's 64-bit integers up to 2³¹ rows)."""
    dbapi_conn.create_function("callcenter_hash", -1, _sqlite_hash, deterministic=True)


def _sqlite_hash(*values: Any) -> int:
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "big")


def _duckdb_session(dbapi_conn: Any, _record: Any) -> None:
    """No progress bar: DuckDB would draw one on the terminal during a long query (a rollup, an import)."""
    dbapi_conn.execute("SET enable_progress_bar = false")


def connect_error(exc: Exception, url: str) -> DatabaseError:
    """Turn a driver's connection error into a plain message naming the (redacted) URL."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    safe = redact_url(url)
    return DatabaseError(
        f"无法连接数据库 {safe}:{first[:200]}。请检查地址、用户名、密码,以及服务器是否已启动。",
        f"Cannot connect to the database {safe}: {first[:200]}. Check the URL, user, password and "
        "that the server is running.",
    )


def ping(engine: Engine) -> None:
    """Connect once and run ``SELECT 1``; raise :class:`DatabaseError` in plain words if it fails."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - every driver has its own error classes
        raise connect_error(exc, engine.url.render_as_string(hide_password=False)) from None


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

_CH_TYPES: dict[type, str] = {
    sa.String: "String",
    sa.Text: "String",
    sa.Integer: "Int64",
    sa.Float: "Float64",
    sa.Boolean: "Bool",
    sa.Date: "Date",
    # Times are naive Beijing time; pinning the column to UTC stores the wall clock unchanged
    # whatever the server's time zone is.
    sa.DateTime: "DateTime('UTC')",
}


def _clickhouse_type(column: sa.Column[Any]) -> str:
    for sa_type, ch in _CH_TYPES.items():
        if isinstance(column.type, sa_type):
            return f"Nullable({ch})" if column.nullable and not column.primary_key else ch
    raise TypeError(f"no ClickHouse type for {column.table.name}.{column.name}: {column.type!r}")


def clickhouse_ddl(
    table: sa.Table, *, order_by: tuple[str, ...] | None = None, partition_by: str | None = None
) -> str:
    """``CREATE TABLE`` for ClickHouse: a MergeTree ordered by the table's key (or ``order_by``),
    partitioned by the expression ``partition_by`` when given.

    Written out here rather than through the dialect's DDL compiler, so that nullability follows
    the schema exactly and the sorting key is explicit.
    """
    cols = ",\n  ".join(f"`{c.name}` {_clickhouse_type(c)}" for c in table.columns)
    order = (
        order_by
        or schema.CLICKHOUSE_ORDER_BY.get(table.name)
        or tuple(c.name for c in table.primary_key.columns)
    )
    order_sql = ", ".join(f"`{c}`" for c in order)
    partition = f" PARTITION BY {partition_by}" if partition_by else ""
    return (
        f"CREATE TABLE IF NOT EXISTS `{table.name}` (\n  {cols}\n) ENGINE = MergeTree{partition} "
        f"ORDER BY ({order_sql})"
    )


def create_schema(engine: Engine, *, drop_first: bool = False, indexes: bool = True) -> None:
    """Create every table of DOMAIN.md §4 (and its indexes) that does not exist yet.

    Args:
        engine: target database.
        drop_first: drop the tables first (used by ``demo`` to rebuild from scratch).
        indexes: also create the secondary indexes; a bulk load is faster without them, followed
            by :func:`create_indexes`.
    """
    if dialect_of(engine) == "clickhouse":
        with engine.connect() as conn:
            for table in schema.TABLES:
                if drop_first:
                    conn.execute(sa.text(f"DROP TABLE IF EXISTS `{table.name}`"))
                conn.execute(sa.text(clickhouse_ddl(table)))
            conn.commit()
        return
    if drop_first:
        schema.metadata.drop_all(engine)
    duckdb = dialect_of(engine) == "duckdb"
    if indexes and not duckdb:
        schema.metadata.create_all(engine)
    else:
        create_tables(engine, schema.TABLES)
        if indexes:
            create_indexes(engine)
    if dialect_of(engine) == "postgresql":
        ensure_calls_counter(engine)


#: Append-only tables that grow with every import, which DuckDB gets without an index: neither their
#: primary key (not enforced, as ClickHouse never does) nor the secondary indexes. DuckDB builds an
#: index's entries for a transaction's rows in memory and merges them at commit, so an import's
#: commit needed memory in proportion to its rows (and failed under a memory limit) and took half
#: its time; and its queries here are scans and aggregates, which use zone maps, never these indexes.
#: The importer keeps the keys unique itself (it looks every key up before writing, and importing a
#: file again inserts nothing); the data-quality view counts duplicate call ids loaded by other
#: means. Measured on one million Asterisk rows: ``python -m bench import``.
DUCKDB_UNKEYED: frozenset[str] = frozenset({"calls", "call_inferences", "call_legs"})


def ddl_table(engine: Engine | sa.Connection, table: sa.Table) -> sa.Table:
    """``table`` as it is created on ``engine``: on DuckDB, the tables of :data:`DUCKDB_UNKEYED`
    without their primary key (the same columns, types and NOT NULLs)."""
    if table.name not in DUCKDB_UNKEYED or dialect_of(engine) != "duckdb":
        return table
    return sa.Table(
        table.name, sa.MetaData(), *[sa.Column(c.name, c.type, nullable=c.nullable) for c in table.columns]
    )


def create_tables(engine: Engine, tables: Iterable[sa.Table]) -> None:
    """CREATE TABLE for each of ``tables`` that is missing, as :func:`ddl_table` declares it, in one
    transaction; no index. (Statements built from the metadata, which is shared and must not be
    changed while a server may be using it.)"""
    present = {n.lower() for n in sa.inspect(engine).get_table_names()}
    with engine.begin() as conn:
        for table in tables:
            if table.name.lower() not in present:
                conn.execute(sa.schema.CreateTable(ddl_table(engine, table)))


def create_indexes(engine: Engine) -> None:
    """Create the secondary indexes of the schema that are missing (none on ClickHouse, whose
    tables are sorted by their key instead)."""
    if dialect_of(engine) == "clickhouse":
        return
    with warnings.catch_warnings():
        # duckdb-engine cannot reflect indexes and says so; checkfirst then falls back to
        # CREATE INDEX, which is what we want on a table that has none yet.
        warnings.simplefilter("ignore")
        for table in schema.TABLES:
            if dialect_of(engine) == "duckdb" and table.name in DUCKDB_UNKEYED:
                continue  # no index at all: see DUCKDB_UNKEYED
            for index in table.indexes:
                try:
                    index.create(engine, checkfirst=True)
                except sa.exc.ProgrammingError:
                    if dialect_of(engine) != "duckdb":
                        raise


@dataclass(frozen=True)
class SchemaProblem:
    """One way the database differs from the schema."""

    table: str
    column: str | None  # None: the whole table is missing

    def message(self, lang: str = "zh") -> str:
        if self.column is None:
            return f"缺少数据表 {self.table}" if lang == "zh" else f"missing table {self.table}"
        if lang == "zh":
            return f"数据表 {self.table} 缺少列 {self.column}"
        return f"table {self.table} lacks column {self.column}"


def check_schema(engine: Engine, tables: Iterable[sa.Table] = schema.TABLES) -> list[SchemaProblem]:
    """Compare the database with the schema; return every missing table and column.

    An empty list means every table and column of DOMAIN.md §4 is present. Extra tables and
    columns are allowed (a company's own database may hold more).

    Raises:
        DatabaseError: the database cannot be reached.
    """
    try:
        present = {name.lower() for name in sa.inspect(engine).get_table_names()}
        problems: list[SchemaProblem] = []
        with engine.connect() as conn:
            for table in tables:
                if table.name.lower() not in present:
                    problems.append(SchemaProblem(table.name, None))
                    continue
                # The column names of an empty result: portable where reflection is not
                # (duckdb-engine's column reflection needs pg_catalog tables DuckDB 2 lacks).
                result = conn.execute(sa.text(f"SELECT * FROM {_quote(engine, table.name)} WHERE 1 = 0"))
                have = {str(name).lower() for name in result.keys()}  # noqa: SIM118 - Result is not a dict
                result.close()
                problems.extend(
                    SchemaProblem(table.name, c.name) for c in table.columns if c.name.lower() not in have
                )
        return problems
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - driver errors become a plain message
        raise connect_error(exc, engine.url.render_as_string(hide_password=False)) from None


def upgrade_schema(engine: Engine, problems: list[SchemaProblem]) -> list[SchemaProblem]:
    """Add the columns of ``problems`` that were added to the schema after its first release
    (:data:`core.infra.schema.ADDED_COLUMNS`, nullable) with ``ALTER TABLE … ADD COLUMN``; return the
    problems left. Existing rows get null (unknown), as they would from a source without the value.
    On PostgreSQL, the calls' change counter too when it is missing (:func:`ensure_calls_counter`)."""
    if dialect_of(engine) == "postgresql" and not any(
        p.table == "calls" and p.column is None for p in problems
    ):
        ensure_calls_counter(engine)  # a database made before the counter gets it (below)
    added = [p for p in problems if (p.table, p.column) in schema.ADDED_COLUMNS]
    if not added:
        return problems
    clickhouse = dialect_of(engine) == "clickhouse"
    with engine.begin() as conn:
        for p in added:
            column = schema.metadata.tables[p.table].c[str(p.column)]
            kind = _clickhouse_type(column) if clickhouse else column.type.compile(dialect=engine.dialect)
            conn.execute(
                sa.text(
                    f"ALTER TABLE {_quote(engine, p.table)} ADD COLUMN {_quote(engine, column.name)} {kind}"
                )
            )
    return [p for p in problems if p not in added]


def ready_schema(engine: Engine) -> list[SchemaProblem]:
    """:func:`check_schema`, after adding the columns a newer version added (:func:`upgrade_schema`)
    when the database lets this user, and on PostgreSQL the calls' change counter
    (:func:`ensure_calls_counter`): the app and the CLI then open a database made by an earlier
    version without waiting for an import. A user without the right to alter tables (a read-only
    role) gets the problems back, whose message says what to do."""
    problems = check_schema(engine)
    if (
        any((p.table, p.column) in schema.ADDED_COLUMNS for p in problems)
        or dialect_of(engine) == "postgresql"
    ):
        try:
            return upgrade_schema(engine, problems)
        except sa.exc.SQLAlchemyError:
            return problems
    return problems


def _quote(engine: Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def schema_error(problems: list[SchemaProblem]) -> DatabaseError:
    """One plain message for a list of schema problems, with what to do about it."""
    zh = ";".join(p.message("zh") for p in problems)
    en = "; ".join(p.message("en") for p in problems)
    newer = sorted({f"{p.table}.{p.column}" for p in problems if (p.table, p.column) in schema.ADDED_COLUMNS})
    older_zh = (
        f"这是较早版本建立的数据库,缺少新版加入的列 {', '.join(newer)}:下一次导入(或有修改表权限的用户打开它)会自动补上(原有记录为空)。"
        if newer
        else ""
    )
    older_en = (
        f" The database predates the column(s) {', '.join(newer)}: the next import adds them (null "
        "for the rows already there), as does opening it as a user allowed to alter its tables."
        if newer
        else ""
    )
    return DatabaseError(
        f"数据库结构不完整:{zh}。{older_zh}可运行 `python -m core demo --db URL` 生成演示数据,"
        "或用 `python -m core import` 导入自己的数据(会自动建表)。",
        f"The database schema is incomplete: {en}.{older_en} Run `python -m core demo --db URL` for the demo "
        "data, or `python -m core import` to load your own (tables are created automatically).",
    )


# --------------------------------------------------------------------------------------------
# The calls' change counter (PostgreSQL)
# --------------------------------------------------------------------------------------------

#: PostgreSQL: a one-row table (``id`` 1, ``version``) whose ``version`` a statement-level trigger on
#: ``calls`` (:data:`CALLS_TRIGGER`, ``AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE … FOR EACH
#: STATEMENT``) raises by one for every statement that may have changed the calls, the app's or
#: anyone's (a ``DELETE`` in psql too). One row update per statement, however many rows it writes: a
#: bulk ``COPY`` pays it once. The rollups' fingerprint (:func:`core.semantic.rollup.fingerprint`)
#: reads it instead of counting the calls (a scan of an index on PostgreSQL). Writers of the calls
#: queue on that row until they commit (imports run one at a time anyway). Not seen: changes made
#: while the trigger does not fire (``session_replication_role = replica``, ``DISABLE TRIGGER``).
CALLS_COUNTER = "calls_version"
CALLS_TRIGGER = "calls_version_bump"


def _calls_counter_ddl(schema_name: str) -> list[str]:
    """The statements that install the counter in the schema ``schema_name`` (quoted): its table, its
    function and trigger (the function names the table by its schema and runs as its owner, so that
    any role that may write the calls may bump it), and one bump: the calls may have changed unseen
    while there was no trigger (a database of an earlier version, a table created again)."""
    table = f"{schema_name}.{CALLS_COUNTER}"
    return [
        f"CREATE TABLE IF NOT EXISTS {table} (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        f"INSERT INTO {table} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        f"CREATE OR REPLACE FUNCTION {schema_name}.{CALLS_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        f"SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ BEGIN "
        f"UPDATE {table} SET version = version + 1 WHERE id = 1; RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {CALLS_TRIGGER} ON calls",
        f"CREATE TRIGGER {CALLS_TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calls "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema_name}.{CALLS_TRIGGER}()",
        f"UPDATE {table} SET version = version + 1 WHERE id = 1",
    ]


def calls_changes(conn: sa.Connection) -> tuple[int, int] | None:
    """PostgreSQL with the change counter in place (:data:`CALLS_COUNTER`, trigger enabled): the calls
    table's oid (a table dropped and created again is another one) and the counter; else ``None``
    (other engines, an older database opened by a role that may not add the trigger). Two catalog and
    one-row reads, about a millisecond; never an error that would end the caller's transaction."""
    if dialect_of(conn) != "postgresql":
        return None
    oid = conn.execute(
        sa.text(
            "SELECT t.tgrelid::bigint FROM pg_trigger t WHERE t.tgrelid = to_regclass('calls') "
            "AND t.tgname = :name AND t.tgenabled IN ('O', 'A') AND to_regclass(:counter) IS NOT NULL"
        ),
        {"name": CALLS_TRIGGER, "counter": CALLS_COUNTER},
    ).scalar()
    if oid is None:
        return None
    version = conn.execute(sa.text(f"SELECT version FROM {CALLS_COUNTER} WHERE id = 1")).scalar()
    return None if version is None else (int(oid), int(version))


def ensure_calls_counter(engine: Engine) -> bool:
    """Give a PostgreSQL database with a calls table the change counter (:data:`CALLS_COUNTER`) if it
    lacks it; whether it has it now. A role that may not create it leaves the database as it was
    (the rollups' fingerprint then counts the calls, as on a database without it)."""
    if dialect_of(engine) != "postgresql":
        return False
    try:
        with engine.connect() as conn:
            if calls_changes(conn) is not None:
                return True
            if conn.execute(sa.text("SELECT to_regclass('calls')")).scalar() is None:
                return False
        with engine.begin() as conn:
            current = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            for statement in _calls_counter_ddl(conn.dialect.identifier_preparer.quote_schema(str(current))):
                conn.execute(sa.text(statement))
        return True
    except sa.exc.SQLAlchemyError:
        return False


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def row_counts(engine: Engine, tables: Iterable[sa.Table] = schema.TABLES) -> dict[str, int]:
    """``{table: rows}`` for every table (tables must exist)."""
    out: dict[str, int] = {}
    with engine.connect() as conn:
        for table in tables:
            out[str(table.name)] = int(
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
    return out


def data_version(engine: Engine) -> str:
    """A cheap fingerprint of the data, used as a cache key.

    It changes whenever a row is added or removed in any table, when the latest call changes,
    and when the small editable tables (checklist, company, finance, shareholders,
    report_submissions, benchmarks) change in any value. It costs one aggregate per table;
    counts are metadata look-ups on DuckDB and ClickHouse.
    """
    editable = {"checklist", "company", "finance", "shareholders", "report_submissions", "benchmarks"}
    parts: list[str] = []
    with engine.connect() as conn:
        for table in schema.TABLES:
            if table.name in editable:
                cols = [table.c[c.name] for c in table.columns]
                rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)).fetchall()
                parts.append(f"{table.name}:{rows!r}")
            else:
                parts.append(
                    f"{table.name}:{conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()}"
                )
        latest = conn.execute(sa.select(sa.func.max(schema.calls.c.started_at))).scalar_one()
        parts.append(f"calls.max:{latest}")
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def driver(conn: sa.Connection) -> Any:
    """The DBAPI driver's own connection under ``conn`` (DuckDB's, psycopg's, chdb's client…)."""
    raw = conn.connection.driver_connection
    if raw is None:  # pragma: no cover - a pooled connection always has one while checked out
        raise DatabaseError("数据库连接已关闭", "the database connection is closed")
    return raw


def read_frame(
    engine: Engine | sa.Connection, query: sa.Select[Any] | sa.TextClause, **params: Any
) -> pl.DataFrame:
    """Run one query and return a polars frame (through Arrow where the driver offers it).

    ``engine`` may be an open connection, which is used and left open: a computation of many
    queries then opens the database once (on DuckDB, opening a large file costs tens of ms).

    Whole-number decimals (what ``SUM`` of integers gives on DuckDB, PostgreSQL and MySQL) come back
    as ``Int64`` and other decimals as ``Float64``, so that every engine returns the same types.
    """
    memo = _READS.get()
    key: tuple[Any, ...] | None = None
    if memo is not None:
        key = _read_key(engine, query, params)
        if key in memo:
            known: pl.DataFrame = memo[key]
            return known
    frame = _read_frame(engine, query, params)
    if memo is not None and key is not None:
        memo[key] = frame
    return frame


def _read_key(engine: Engine | sa.Connection, query: Any, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """What identifies a read: the database, the statement (SQLAlchemy's cache key, cheaper than
    compiling it; the compiled text when it has none) and every parameter's value."""
    url = str(engine.engine.url if isinstance(engine, sa.Connection) else engine.url)
    extra = repr(sorted(params.items(), key=lambda kv: kv[0]))
    ck = query._generate_cache_key() if hasattr(query, "_generate_cache_key") else None
    if ck is None:
        compiled = query.compile(dialect=engine.dialect)
        return (url, str(compiled), repr(sorted(compiled.params.items(), key=lambda kv: kv[0])), extra)
    return (url, ck.key, repr([b.effective_value for b in ck.bindparams]), extra)


#: The reads of the current :func:`reads_reused` block (None outside one), by database, SQL and parameters.
_READS: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "reads_reused", default=None
)


@contextlib.contextmanager
def reads_reused() -> Iterator[None]:
    """Within this block :func:`read_frame` runs a query once: the same SQL with the same parameters on
    the same database gives the frame it gave the first time (polars frames are not changed in place).

    For one computation that asks some questions more than once through independent parts (the
    regulatory page: the registered numbers in use of a year, asked by the report fields and by the
    difference list; the agents' peak concurrency, asked in total and by day): the answers are those
    of one moment, as a single read of each would give. Nested blocks share the outer block's reads;
    the reads are forgotten when the outermost block ends."""
    if _READS.get() is not None:
        yield
        return
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def reused(engine: Engine | sa.Connection, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, once per database and ``name`` within a :func:`reads_reused` block (outside one,
    every time): for a judgement the block's reads share, such as whether the rollups are current."""
    memo = _READS.get()
    if memo is None:
        return compute()
    key = ("reused", str(engine.engine.url if isinstance(engine, sa.Connection) else engine.url), name)
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


def _read_frame(engine: Engine | sa.Connection, query: Any, params: Mapping[str, Any]) -> pl.DataFrame:
    dialect = dialect_of(engine)
    with connection(engine) as conn:
        if dialect == "duckdb":
            compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
            raw = driver(conn)
            args = _positional_params(compiled, params)
            # Through the Arrow C stream (polars reads DuckDB's relation directly): no pyarrow, and
            # with it numpy, to import (~0.4 s of a fresh process's first page).
            frame = pl.DataFrame(raw.sql(str(compiled), params=args or None))
        else:
            result = conn.execute(query, params)
            columns = list(result.keys())
            rows = result.fetchall()
            frame = pl.DataFrame(
                [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
            )
    assert isinstance(frame, pl.DataFrame)
    return _normalise_types(frame)


@contextlib.contextmanager
def held_open(engine: Engine) -> Iterator[None]:
    """On DuckDB, one connection held open for the block, so that the database stays loaded: the
    many short connections a page or a report opens inside it then cost ~2 ms each instead of
    ~20–30 ms (opening the file and reading its catalogue). Other engines: nothing (their pools
    keep connections already). The app holds one for each run of a page, never between runs, so a
    command-line import can take the file while nobody is looking at a page."""
    if dialect_of(engine) != "duckdb":
        yield
        return
    with engine.connect():
        yield


@contextlib.contextmanager
def connection(engine: Engine | sa.Connection) -> Iterator[sa.Connection]:
    """``engine``'s new connection, closed after the block; or ``engine`` itself, when it is an open
    connection (left open: it belongs to the caller)."""
    if isinstance(engine, sa.Connection):
        yield engine
    else:
        with engine.connect() as conn:
            yield conn


def _normalise_types(frame: pl.DataFrame) -> pl.DataFrame:
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64))
    return frame.with_columns(casts) if casts else frame


def _positional_params(compiled: sa.sql.compiler.Compiled, extra: Mapping[str, Any]) -> list[Any]:
    params = dict(compiled.params)
    params.update(extra)
    names = getattr(compiled, "positiontup", None) or []
    return [params[name] for name in names]


# --------------------------------------------------------------------------------------------
# Bulk loading
# --------------------------------------------------------------------------------------------


def _conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Frame with exactly the table's columns in order; missing nullable columns become null.

    Times are cut to the whole second: PostgreSQL (COPY text), MariaDB (DATETIME) and ClickHouse
    (DateTime) keep no fraction, so DuckDB and SQLite must not either, or the engines disagree.
    """
    exprs = []
    for col in table.columns:
        if col.name in frame.columns and isinstance(frame.schema[col.name], pl.Datetime):
            exprs.append(pl.col(col.name).dt.truncate("1s"))
        elif col.name in frame.columns:
            exprs.append(pl.col(col.name))
        else:
            exprs.append(pl.lit(None).alias(col.name))
    return frame.select(exprs)


def _load_duckdb(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    raw = driver(conn)
    raw.register("_bulk_frame", frame.to_arrow())
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        raw.execute(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM _bulk_frame')
    finally:
        raw.unregister("_bulk_frame")


def _load_postgresql(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    raw = driver(conn)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    copy_sql = f"COPY \"{table.name}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:
        for start in range(0, frame.height, 200_000):
            buf = io.BytesIO()
            # Strings quoted, nulls not: COPY reads only an unquoted \N as NULL, so the text '\N'
            # stays text.
            frame.slice(start, 200_000).write_csv(
                buf,
                include_header=False,
                null_value="\\N",
                quote_style="non_numeric",
                datetime_format="%Y-%m-%d %H:%M:%S",
            )
            copy.write(buf.getvalue())


def _load_clickhouse(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    client = driver(conn).client
    for start in range(0, frame.height, 1_000_000):
        client.insert_arrow(table.name, frame.slice(start, 1_000_000).to_arrow())


def _load_executemany(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    # The driver's own executemany on plain tuples: PyMySQL folds a batch into multi-row INSERTs
    # and sqlite3 runs a prepared statement in C; both several times faster than dict rows.
    raw = driver(conn)
    q = engine_quote = conn.dialect.identifier_preparer.quote
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(engine_quote(c) for c in frame.columns)
    sql = f"INSERT INTO {q(table.name)} ({cols}) VALUES ({', '.join([marker] * frame.width)})"
    if conn.dialect.name == "sqlite":
        # SQLAlchemy stores SQLite times as 'YYYY-MM-DD HH:MM:SS.ffffff' text and compares bound
        # parameters in that form; rows loaded here must use the same text, or '…:05' < '…:05.000000'.
        frame = frame.with_columns(
            pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f").alias(name)
            for name, dtype in frame.schema.items()
            if dtype == pl.Datetime or isinstance(dtype, pl.Datetime)
        ).with_columns(
            pl.col(name).dt.strftime("%Y-%m-%d").alias(name)
            for name, dtype in frame.schema.items()
            if dtype == pl.Date
        )
    cur = raw.cursor()
    try:
        for start in range(0, frame.height, BATCH_ROWS):
            cur.executemany(sql, frame.slice(start, BATCH_ROWS).rows())
    finally:
        cur.close()


_LOADERS: dict[str, Callable[[sa.Connection, sa.Table, pl.DataFrame], None]] = {
    "duckdb": _load_duckdb,
    "postgresql": _load_postgresql,
    "clickhouse": _load_clickhouse,
}


def load_frame(
    engine: Engine,
    table: sa.Table | str,
    frame: pl.DataFrame,
    *,
    chunk_rows: int = 500_000,
    progress: Callable[[int], None] | None = None,
    conn: sa.Connection | None = None,
) -> int:
    """Append ``frame`` to ``table`` in bulk; return rows written.

    Args:
        engine: target database (the table must exist).
        table: a table of :mod:`core.infra.schema` or its name.
        frame: rows in the table's columns; columns the frame lacks are loaded as null.
        chunk_rows: rows per transaction (when no ``conn`` is given).
        progress: called with the number of rows written after each chunk.
        conn: an open connection to load through (the caller owns its transaction); many small
            loads through one connection avoid reopening an embedded database for each.
    """
    tbl = schema.metadata.tables[table] if isinstance(table, str) else table
    frame = _conform(tbl, frame)
    loader = _LOADERS.get(dialect_of(engine), _load_executemany)
    written = 0
    for start in range(0, max(frame.height, 1), chunk_rows):
        part = frame.slice(start, chunk_rows)
        if part.height == 0:
            break
        if conn is not None:
            loader(conn, tbl, part)
        else:
            with engine.begin() as own:
                loader(own, tbl, part)
        written += part.height
        if progress is not None:
            progress(part.height)
    return written
