"""Parsing text values into typed columns, and the reasons a value is refused.

The readers hand over every value as text. These helpers turn a column of text into dates, times,
numbers and booleans, with ``null`` where the text is blank, and say which non-blank values did not
parse, so that each row gets the first reason it fails for (see :func:`first_reason`).

Example: ``"2024-05-01 10:00:05"``, ``"2024/05/01 10:00"`` and ``"2024-05-01T10:00:05.250"`` are
all times; ``" 65 "`` and ``"65.0"`` are the whole number 65; ``"是"``, ``"Y"``, ``"true"`` and ``"1"``
are true.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from core.ingest.mapping import DirectionRule, FieldRule

#: Time zones whose wall clock is Beijing time (no conversion needed).
BEIJING = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC", "Etc/GMT-8", "")

DATETIME_FORMATS: tuple[str, ...] = (
    # Whole seconds first: the usual export, and parsed about 4x faster than the same format with an
    # optional fraction (which gives the same time wherever this one parses).
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")

#: The largest value of the database's ``Integer`` columns (32-bit): seconds above it are refused.
MAX_INT = 2**31 - 1
#: Years a time of a call (or any other event) may fall in. Rollups, partitions and the calendar
#: assume real dates: a year 9999 or 1970 is an export's filler or a broken clock, never a call.
YEARS = (2000, 2099)
#: Years a plain date (a licence's validity, a hire date) may fall in: a company may predate 2000.
DATE_YEARS = (1900, 2099)
#: Excel serial day numbers read as times: 36526 is 2000-01-01 and 73050 is 2099-12-31, the days of
#: :data:`YEARS`; day 0 is 1899-12-30 (Excel's day 1 is 1900-01-01, but Excel counts a 29 February
#: 1900 that never was, so from day 61 on, every serial of this range, the count starts a day early).
EXCEL_SERIALS = (36526, 73051)
EXCEL_EPOCH = "1899-12-30"

TRUE = ("true", "t", "yes", "y", "1", "是", "真", "对")
FALSE = ("false", "f", "no", "n", "0", "否", "假", "错")


def clean(frame: pl.DataFrame, names: Sequence[str], strip: str | None = None) -> pl.DataFrame:
    """Every text column of ``names`` stripped of spaces (and of ``strip`` characters), blank → null.

    Each format's ``convert`` cleans its chunk once; :func:`text` then reads columns as they are.
    """
    exprs = []
    for name in names:
        if name in frame.columns:
            col = pl.col(name).cast(pl.String).str.strip_chars()
            if strip:
                col = col.str.strip_chars(strip)
            exprs.append(pl.when(col.str.len_bytes() > 0).then(col).alias(name))
    return frame.with_columns(exprs)


def text(frame: pl.DataFrame, name: str) -> pl.Series:
    """A column of a :func:`clean` frame (a missing column is all null)."""
    if name not in frame.columns:
        return pl.Series(name, [None] * frame.height, dtype=pl.String)
    return frame[name]


def to_datetime(s: pl.Series, tz: str = "") -> pl.Series:
    """Text → naive Beijing datetime (microseconds); blank or unparseable → null.

    A time written without an offset is wall-clock time in zone ``tz`` (Beijing when empty). One
    with an offset (``+08``, ``+08:00``, ``-0500``, ``Z``: PostgreSQL's text of a timestamptz, ISO
    8601) or an epoch (10 digits: seconds, optionally with a fraction; 13 digits: milliseconds) is
    an instant, converted to Beijing time whatever ``tz`` says.

    A number of 5 digits with or without a fraction is an Excel serial (a time Excel re-saved as a
    number: days since 1899-12-30, the fraction the time of day, rounded to the second), read as
    wall-clock time in ``tz``; only serials of the years 2000–2099 (:data:`EXCEL_SERIALS`) are read,
    so a 5-digit id is never a time. Excel's display forms ``2025/6/2 11:36`` (and ``2025-6-2``)
    read; ``6/2/2025`` does not (June 2nd or 6 February? Excel writes it by the PC's locale).

    A leap second (``23:59:60``) is not a time here (null): the importer rejects its row rather
    than move the call to the next day.

    >>> to_datetime(pl.Series(["2025-06-02T03:36:51Z", "1748835411", "x"])).to_list()
    [datetime.datetime(2025, 6, 2, 11, 36, 51), datetime.datetime(2025, 6, 2, 11, 36, 51), None]
    >>> to_datetime(pl.Series(["45810.4839", "45810"])).to_list()
    [datetime.datetime(2025, 6, 2, 11, 36, 49), datetime.datetime(2025, 6, 2, 0, 0)]
    """
    out = s.str.to_datetime(DATETIME_FORMATS[0], strict=False, time_unit="us")
    missing = out.is_null() & s.is_not_null()
    for fmt in DATETIME_FORMATS[1:]:
        if not missing.any():
            break
        alt = s.str.to_datetime(fmt, strict=False, time_unit="us")
        out = pl.select(pl.coalesce(out, alt)).to_series()
        missing = out.is_null() & s.is_not_null()
    if missing.any():
        out = pl.select(pl.coalesce(out, _excel_serials(s))).to_series()
    out = to_beijing(out, tz)
    if missing.any():
        out = pl.select(pl.coalesce(out, _instants(s))).to_series()
    if s.str.contains(":60", literal=True).any():
        # chrono reads second 60 as the next minute: a leap second (or a typo) is refused instead.
        leap = s.str.contains(r"\d:60(?:[.,]\d*)?(?:\s*(?:[+-]\d{2}(?::?\d{2})?|[Zz]))?$")
        out = out.set(leap.fill_null(False), None)
    return out.alias(s.name)


def _excel_serials(s: pl.Series) -> pl.Series:
    """Excel serial day numbers (``45810.4839``) → naive datetimes rounded to the second; else null.

    Hand-worked: 45810 days after 1899-12-30 is 2025-06-02, and 0.4839 × 86,400 s = 41,808.96 s,
    rounded 41,809 s = 11:36:49.
    """
    days = pl.when(s.str.contains(r"^\d{5}(?:\.\d+)?$")).then(s.cast(pl.Float64, strict=False))
    low, high = EXCEL_SERIALS
    seconds = pl.when((days >= low) & (days < high)).then((days * 86_400).round(0).cast(pl.Int64))
    epoch = pl.lit(EXCEL_EPOCH).str.to_datetime("%Y-%m-%d", time_unit="us")
    return pl.select(epoch + pl.duration(seconds=seconds)).to_series()


def outside_years(values: pl.Series, years: tuple[int, int] = YEARS) -> pl.Series:
    """True where a datetime (or date) falls outside ``years`` (inclusive); null values are not."""
    year = values.dt.year()
    return ((year < years[0]) | (year > years[1])).fill_null(False)


def beyond_int(raw: pl.Series) -> pl.Series:
    """True where a text holds a number too large (either sign) for an ``Integer`` column."""
    number = raw.cast(pl.Float64, strict=False)
    return (number.abs() > MAX_INT).fill_null(False)


#: Times with an offset, after :func:`_instants` has put a space for the ``T`` and ``+00:00`` for ``Z``.
#: ``%#z`` reads ``+08``, ``+08:00`` and ``+0800``.
OFFSET_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y/%m/%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M%#z",
)


def _instants(s: pl.Series) -> pl.Series:
    """Text with an offset or an epoch → naive Beijing datetime; anything else → null."""
    t = (
        s.str.replace(r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2})[Tt]", "${1} ")
        .str.replace(r"[Zz]$", "+00:00")
        .str.replace(r"\s+([+-]\d{2}(?::?\d{2})?)$", "${1}")
    )
    out = t.str.to_datetime(OFFSET_FORMATS[0], strict=False, time_unit="us", time_zone="UTC")
    for fmt in OFFSET_FORMATS[1:]:
        alt = t.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        out = pl.select(pl.coalesce(out, alt)).to_series()
    seconds = pl.when(s.str.contains(r"^\d{10}(?:\.\d{1,6})?$")).then(s.cast(pl.Float64, strict=False))
    millis = pl.when(s.str.contains(r"^\d{13}$")).then(s.cast(pl.Int64, strict=False))
    epoch = pl.select(
        pl.from_epoch(
            pl.coalesce((seconds * 1_000_000).round(0).cast(pl.Int64), millis * 1_000), time_unit="us"
        ).dt.replace_time_zone("UTC")
    ).to_series()
    out = pl.select(pl.coalesce(out, epoch)).to_series()
    return out.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)


def to_date(s: pl.Series) -> pl.Series:
    """Text → date; a datetime's text gives its day."""
    head = s.str.slice(0, 10)
    out = head.str.to_date(DATE_FORMATS[0], strict=False)
    for fmt in DATE_FORMATS[1:]:
        missing = out.is_null() & s.is_not_null()
        if not missing.any():
            break
        out = pl.select(pl.coalesce(out, s.str.to_date(fmt, strict=False))).to_series()
    return out.alias(s.name)


def to_int(s: pl.Series) -> pl.Series:
    """Text → Int64; ``"65.0"`` is 65, ``"65.5"`` is not a whole number (null)."""
    out = s.cast(pl.Int64, strict=False)
    missing = out.is_null() & s.is_not_null()
    if missing.any():
        as_float = s.cast(pl.Float64, strict=False)
        whole = as_float.is_not_null() & (as_float == as_float.round(0)) & as_float.is_finite()
        out = pl.select(
            pl.coalesce(out, pl.when(whole).then(as_float).cast(pl.Int64, strict=False))
        ).to_series()
    return out.alias(s.name)


def to_float(s: pl.Series) -> pl.Series:
    out = s.cast(pl.Float64, strict=False)
    return out.set(~out.is_finite().fill_null(True), None).alias(s.name)


def to_bool(s: pl.Series) -> pl.Series:
    low = s.str.to_lowercase()
    return (
        pl.select(pl.when(low.is_in(TRUE)).then(pl.lit(True)).when(low.is_in(FALSE)).then(pl.lit(False)))
        .to_series()
        .alias(s.name)
    )


def to_beijing(s: pl.Series, tz: str) -> pl.Series:
    """Naive times in zone ``tz`` → naive Beijing wall-clock times."""
    if tz in BEIJING:
        return s
    return (
        s.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("Asia/Shanghai")
        .dt.replace_time_zone(None)
    )


def bad_value(raw: pl.Series, parsed: pl.Series) -> pl.Series:
    """True where the text is present but did not parse."""
    return raw.is_not_null() & parsed.is_null()


def first_reason(height: int, checks: Sequence[tuple[pl.Series | pl.Expr, pl.Expr | str]]) -> pl.Series:
    """Per row, the reason of the first check that is true (null when every check passes).

    Each check is ``(condition, reason)``; a reason is text or an expression (e.g. naming the value).
    """
    if not checks:
        return pl.Series("_reason", [None] * height, dtype=pl.String)
    frame = pl.DataFrame(
        {f"c{i}": cond for i, (cond, _r) in enumerate(checks) if isinstance(cond, pl.Series)}
    )
    exprs = []
    for i, (cond, reason) in enumerate(checks):
        c = pl.col(f"c{i}") if isinstance(cond, pl.Series) else cond
        r = pl.lit(reason) if isinstance(reason, str) else reason
        # A reason naming an empty value must not vanish (a null reason would let the row through).
        exprs.append(pl.when(c.fill_null(False)).then(pl.coalesce(r, pl.lit("invalid value"))))
    base = frame if frame.width else pl.DataFrame({"_": pl.Series([None] * height)})
    return base.select(pl.coalesce(exprs).cast(pl.String).alias("_reason")).to_series()


# --------------------------------------------------------------------------------------------
# Mapping rules over a frame of source columns
# --------------------------------------------------------------------------------------------


def by_distinct(values: pl.Series, fn: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``fn(values)`` (a text → text function, value by value), computed once per distinct value when
    the column repeats itself (a caller id on every row), else directly. Nulls stay null."""
    if values.len() < 1_000 or values.n_unique() * 4 > values.len():
        return fn(values).alias(values.name)
    distinct = values.drop_nulls().unique()
    return values.replace_strict(distinct, fn(distinct), default=None, return_dtype=pl.String).alias(
        values.name
    )


def direction_values(frame: pl.DataFrame, rule: DirectionRule) -> pl.Series:
    """``in``/``out`` per row from the direction rule; null where no rule matched and ``otherwise``
    is ``reject``."""
    if rule.value:
        return pl.Series("direction", [rule.value] * frame.height, dtype=pl.String)
    source = text(frame, rule.column or "")
    out_re, in_re = rule.regex(rule.outbound), rule.regex(rule.inbound)
    expr: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    if out_re:
        expr = expr.when(pl.col("v").str.contains(out_re)).then(pl.lit("out"))
    if in_re:
        expr = expr.when(pl.col("v").str.contains(in_re)).then(pl.lit("in"))
    fallback = None if rule.otherwise == "reject" else rule.otherwise
    return (
        pl.DataFrame({"v": source})
        .select(expr.otherwise(pl.lit(fallback, dtype=pl.String)).alias("direction"))
        .to_series()
    )


def field_values(frame: pl.DataFrame, rule: FieldRule, direction: pl.Series, name: str) -> pl.Series:
    """The value of one mapped field per row (text; null when absent)."""
    if rule.value is not None:
        value = rule.value
        dtype = pl.Boolean if isinstance(value, bool) else pl.String
        return pl.Series(name, [value if isinstance(value, bool) else str(value)] * frame.height, dtype=dtype)
    col_in = rule.column_in or rule.column
    col_out = rule.column_out or rule.column
    v_in = text(frame, col_in) if col_in else pl.Series([None] * frame.height, dtype=pl.String)
    v_out = text(frame, col_out) if col_out else pl.Series([None] * frame.height, dtype=pl.String)
    if col_in == col_out:
        values = v_in
    else:
        values = (
            pl.DataFrame({"d": direction, "i": v_in, "o": v_out})
            .select(pl.when(pl.col("d") == "in").then(pl.col("i")).otherwise(pl.col("o")))
            .to_series()
        )
    if rule.pattern:
        pattern = rule.pattern
        values = by_distinct(values, lambda v: v.str.extract(pattern, 1).str.strip_chars())
    if rule.ignore:
        values = values.set(values.is_in(list(rule.ignore)).fill_null(False), None)
    if rule.values:
        keys = list(rule.values)
        values = values.replace(keys, [rule.values[k] for k in keys])
    return values.replace("", None).alias(name)


def translate(raw: pl.Series, *tables: dict[str, str]) -> pl.Series:
    """Each source code looked up in ``tables`` in turn, the first that names it winning; null when
    none does (the row is then rejected by the caller). Codes are matched trimmed and upper case
    (:func:`core.ingest.mapping.code_key`), so the tables' keys must be normalised the same way.

    Example: with ``{"DROP": "abandoned"}`` then ``{"DROP": "no_answer", "B": "busy"}``,
    ``" drop "`` gives ``abandoned``, ``"b"`` ``busy`` and ``"X"`` null.
    """
    key = raw.cast(pl.String).str.strip_chars().str.to_uppercase()
    out = pl.Series(raw.name, [None] * raw.len(), dtype=pl.String)
    for table in tables:
        if table:
            out = out.fill_null(key.replace_strict(table, default=None, return_dtype=pl.String))
    return out
