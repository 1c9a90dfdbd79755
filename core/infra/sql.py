"""The few SQL expressions that differ between engines: time buckets and time arithmetic.

Everything else in the query builders is portable SQLAlchemy Core. Each function takes the short
dialect name from :func:`core.infra.db.dialect_of` (``duckdb``, ``sqlite``, ``postgresql``, ``mysql``,
``clickhouse``) and a column or expression, and returns an expression with the same meaning on
every engine:

========== ============================== ==========================================
function   value                          example
========== ============================== ==========================================
day        ``'YYYY-MM-DD'`` text           ``'2025-09-08'``
month      ``'YYYY-MM'`` text              ``'2025-09'``
hour       integer 0..23                  ``21``
weekday    integer 1 (Monday)..7 (Sunday)  ``1``
epoch      integer seconds since 1970     ``1757289600`` (naive times read as UTC)
========== ============================== ==========================================

Buckets are text so that every driver returns the same Python type (dates come back as ``date``,
``str`` or ``datetime`` depending on the driver; text does not).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

Expr = ColumnElement[Any]


def _fmt(dialect: str, col: Expr, pattern: str) -> Expr:
    """strftime-like formatting; ``pattern`` uses ``%Y %m %d`` only."""
    if dialect == "sqlite":
        return sa.func.strftime(pattern, col)
    if dialect == "duckdb":
        return sa.func.strftime(col, pattern)
    if dialect == "postgresql":
        return sa.func.to_char(col, pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD"))
    if dialect == "mysql":
        return sa.func.date_format(col, pattern)
    if dialect == "clickhouse":
        return sa.func.formatDateTime(col, pattern)
    raise ValueError(f"unsupported dialect {dialect}")


def day(dialect: str, col: Expr) -> Expr:
    """The calendar day as ``'YYYY-MM-DD'``."""
    return _fmt(dialect, col, "%Y-%m-%d")


def month(dialect: str, col: Expr) -> Expr:
    """The calendar month as ``'YYYY-MM'``."""
    return _fmt(dialect, col, "%Y-%m")


def month_key(dialect: str, col: Expr) -> Expr:
    """A grouping key for the calendar month: on DuckDB, PostgreSQL and ClickHouse the month's first
    instant (formatting every row costs a third of a scan on DuckDB and half the risk page's grouping
    of the daily cube on PostgreSQL; ``core.semantic.cubes._conform_dims`` formats the groups
    afterwards), on MariaDB and SQLite the ``'YYYY-MM'`` string of :func:`month`."""
    if dialect in ("duckdb", "postgresql"):
        return sa.func.date_trunc("month", col)
    if dialect == "clickhouse":
        return sa.func.toStartOfMonth(col)
    return month(dialect, col)


def day_key(dialect: str, col: Expr) -> Expr:
    """A grouping key for the calendar day: a DATE on DuckDB, PostgreSQL and ClickHouse (see
    :func:`month_key`), ``'YYYY-MM-DD'`` on MariaDB and SQLite."""
    if dialect in ("duckdb", "postgresql"):
        return sa.cast(col, sa.Date)
    if dialect == "clickhouse":
        return sa.func.toDate(col)
    return day(dialect, col)


def hour(dialect: str, col: Expr) -> Expr:
    """Hour of day, 0..23."""
    if dialect == "clickhouse":
        return sa.func.toHour(col)
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%H", col), sa.Integer)
    return sa.cast(sa.extract("hour", col), sa.Integer)


def minute_of_day(dialect: str, col: Expr) -> Expr:
    """Minutes after midnight, 0..1439 (for calling windows)."""
    if dialect == "clickhouse":
        return sa.func.toHour(col) * 60 + sa.func.toMinute(col)
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%H", col), sa.Integer) * 60 + sa.cast(
            sa.func.strftime("%M", col), sa.Integer
        )
    return hour(dialect, col) * 60 + sa.cast(sa.extract("minute", col), sa.Integer)


def weekday(dialect: str, col: Expr) -> Expr:
    """ISO weekday, 1 = Monday … 7 = Sunday."""
    if dialect == "duckdb":
        return sa.func.isodow(col)
    if dialect == "sqlite":
        # %w: 0 = Sunday … 6 = Saturday
        return (sa.cast(sa.func.strftime("%w", col), sa.Integer) + 6) % 7 + 1
    if dialect == "postgresql":
        return sa.cast(sa.extract("isodow", col), sa.Integer)
    if dialect == "mysql":
        return sa.func.weekday(col) + 1  # WEEKDAY(): 0 = Monday
    if dialect == "clickhouse":
        return sa.func.toDayOfWeek(col)
    raise ValueError(f"unsupported dialect {dialect}")


def epoch(dialect: str, col: Expr) -> Expr:
    """Whole seconds since 1970-01-01 00:00:00, reading the naive time as if it were UTC.

    Only differences of two epochs are meaningful here (durations, rolling windows), so the
    time zone the naive value is read in does not matter as long as it is the same for both.
    """
    if dialect == "duckdb":
        return sa.cast(sa.func.epoch(col), sa.BigInteger)
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%s", col), sa.Integer)
    if dialect == "postgresql":
        return sa.cast(sa.extract("epoch", col), sa.BigInteger)
    if dialect == "mysql":
        # TIMESTAMPDIFF from a fixed origin avoids UNIX_TIMESTAMP's session-time-zone conversion.
        return sa.func.timestampdiff(sa.literal_column("SECOND"), sa.literal("1970-01-01 00:00:00"), col)
    if dialect == "clickhouse":
        return sa.func.toInt64(sa.func.toUnixTimestamp(col))
    raise ValueError(f"unsupported dialect {dialect}")


def seconds_between(dialect: str, start: Expr, end: Expr) -> Expr:
    """Whole seconds from ``start`` to ``end``."""
    return epoch(dialect, end) - epoch(dialect, start)


def as_int(expr: Expr) -> Expr:
    """``CASE WHEN expr THEN 1 ELSE 0 END``: a condition as a 0/1 integer (null counts as 0)."""
    return sa.case((expr, 1), else_=0)


def count_if(expr: Expr) -> Expr:
    """``SUM(CASE WHEN expr THEN 1 ELSE 0 END)``; 0, never null, when there are rows."""
    return sa.func.sum(as_int(expr))


def sum_if(value: Expr, expr: Expr) -> Expr:
    """``SUM(CASE WHEN expr THEN value ELSE 0 END)``."""
    return sa.func.sum(sa.case((expr, value), else_=0))


def count_distinct_if(value: Expr, expr: Expr) -> Expr:
    """``COUNT(DISTINCT CASE WHEN expr THEN value END)``: exact distinct count under a condition."""
    return sa.func.count(sa.distinct(sa.case((expr, value), else_=sa.null())))


# --------------------------------------------------------------------------------------------
# The rollups' few engine-specific expressions (core.semantic.rollup, core.rollup.build)
# --------------------------------------------------------------------------------------------


def hour_start(dialect: str, col: Expr) -> Expr:
    """The start of the hour ``col`` falls in (the hourly rollup's key): a timestamp on DuckDB,
    PostgreSQL and ClickHouse, text (``'YYYY-MM-DD HH:00:00'``) on MariaDB and SQLite, turned into
    a stored time by :func:`to_stored_time`."""
    if dialect in ("duckdb", "postgresql"):
        return sa.func.date_trunc("hour", col)
    if dialect == "clickhouse":
        return sa.func.toStartOfHour(col)
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m-%d %H:00:00", col)
    if dialect == "mysql":
        return sa.func.date_format(col, "%Y-%m-%d %H:00:00")
    raise ValueError(f"unsupported dialect {dialect}")


def month_start(dialect: str, col: Expr) -> Expr:
    """The first instant of the month ``col`` falls in (the monthly rollup's key): a timestamp on
    DuckDB and PostgreSQL, text (``'YYYY-MM-01 00:00:00'``) elsewhere, turned into a stored time by
    :func:`to_stored_time`."""
    if dialect in ("duckdb", "postgresql"):
        return sa.func.date_trunc("month", col)
    return _fmt(dialect, col, "%Y-%m-01 00:00:00")


def to_stored_time(dialect: str, value: Expr) -> Expr:
    """A day key (:func:`day_key`), an hour start (:func:`hour_start`) or a month start
    (:func:`month_start`) as a value of a
    ``DateTime`` column: a cast, except on SQLite, whose times are stored as
    ``'YYYY-MM-DD HH:MM:SS.ffffff'`` text (the form SQLAlchemy binds, so that comparisons with a
    period's bounds hold; a cast would make a number of it)."""
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m-%d %H:%M:%S", value).op("||")(".000000")
    if dialect == "clickhouse":
        return sa.func.toDateTime(value, "UTC")
    return sa.cast(value, sa.DateTime)


def hash64(dialect: str, col: Expr) -> Expr:
    """A cheap integer hash of a text column where the engine has one (DuckDB ``hash``, ClickHouse
    ``cityHash64``, PostgreSQL ``hashtextextended``), else the column itself. For grouping and
    sorting only: two values sharing a hash fall in one group, so a caller may only use it to find
    candidates that are then checked on the values themselves."""
    if dialect == "duckdb":
        return sa.func.hash(col)
    if dialect == "clickhouse":
        return sa.func.cityHash64(col)
    if dialect == "postgresql":
        return sa.func.hashtextextended(col, 0)
    return col


def rows_digest(dialect: str, *cols: Expr) -> Expr:
    """A sum of per-row hashes of ``cols`` (a fingerprint of a table's content, in one scan).

    SQLite has no hash function: :func:`core.infra.db.make_engine` registers ``callcenter_hash``
    (a 32-bit BLAKE2 digest of the values' text) on its connections."""
    if dialect == "duckdb":
        return sa.func.sum(sa.cast(sa.func.hash(*cols), sa.Numeric(38, 0)))
    if dialect == "clickhouse":
        return sa.func.sum(sa.func.toInt128(sa.func.cityHash64(*cols)))
    text = [sa.func.coalesce(sa.cast(c, sa.String), "") for c in cols]
    if dialect == "postgresql":
        return sa.func.sum(sa.func.hashtextextended(sa.func.concat_ws("|", *text), 0))
    if dialect == "mysql":
        return sa.func.sum(sa.func.crc32(sa.func.concat_ws("|", *text)))
    if dialect == "sqlite":
        return sa.func.sum(sa.func.callcenter_hash(*cols))
    raise ValueError(f"unsupported dialect {dialect}")


def bit(dialect: str, n: Expr) -> Expr:
    """``1 << n`` as an integer (ClickHouse has no ``<<`` operator)."""
    if dialect == "clickhouse":
        return sa.func.bitShiftLeft(sa.func.toInt64(1), n)
    return sa.cast(sa.literal(1).op("<<")(n), sa.Integer)


def bit_or(dialect: str, value: Expr) -> Expr:
    """The bitwise OR of ``value`` over a group's rows. SQLite has no such aggregate: there the
    sum of the distinct values, which is the same number when every value is 0 or one bit."""
    if dialect == "clickhouse":
        return sa.func.groupBitOr(value)
    if dialect == "sqlite":
        return sa.func.sum(sa.distinct(value))
    return sa.func.bit_or(value)


def bit_and(dialect: str, value: Expr, mask: int) -> Expr:
    """``value & mask`` (ClickHouse: ``bitAnd``)."""
    if dialect == "clickhouse":
        return sa.func.bitAnd(value, mask)
    return value.op("&")(mask)


#: ClickHouse: a ``DELETE`` returns only once its rows are gone for every later read (a lightweight
#: delete waits for its mask, a mutation for itself), so the rows built again right after it are
#: never masked or doubled. chdb's defaults already say so; a server's profile may not.
CLICKHOUSE_DELETE_SETTINGS: dict[str, int] = {"lightweight_deletes_sync": 2, "mutations_sync": 2}


def delete(dialect: str, table: sa.Table, *where: Expr) -> sa.Delete:
    """``DELETE FROM table WHERE …`` on every engine: with no condition, every row (ClickHouse refuses
    a ``DELETE`` without ``WHERE``: ``WHERE true``); on ClickHouse synchronous
    (:data:`CLICKHOUSE_DELETE_SETTINGS`, as the statement's settings)."""
    stmt = table.delete().where(*(where or (sa.true(),)))
    if dialect == "clickhouse":
        stmt = stmt.execution_options(settings=dict(CLICKHOUSE_DELETE_SETTINGS))
    return stmt
